import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkbenchDatabase } from '../../db/database.ts';
import { extractAnswer } from '../../eval/extract.ts';
import { generateProblems } from '../generate.ts';
import { formatBatch } from '../formats.ts';
import { importShard } from './import.ts';
import { dedupShard, decontaminateShard, exportShard, getProblems, searchShard } from './queries.ts';
import { createProceduralShard, runProceduralShard } from './run.ts';
import { deleteShard, removeProblems, ShardConflictError, ShardStorageFullError, writeBatch } from './shards.ts';

const databases: WorkbenchDatabase[] = [];
function openDatabase(): WorkbenchDatabase {
  const db = new WorkbenchDatabase(`data-store-test-${crypto.randomUUID()}`);
  databases.push(db);
  return db;
}
afterEach(async () => {
  for (const db of databases.splice(0)) await db.delete();
});

const SPEC = { name: 'test shard', stage: 'normal' as const, methods: ['plain', 'backward', 'evol', 'selfcorrect'] as const, count: 500, seed: 42 };

async function allProblems(db: WorkbenchDatabase, shardId: string) {
  return db.synthProblems.where('[shardId+index]').between([shardId, 0], [shardId, Infinity]).toArray();
}

describe('procedural shards', () => {
  it('store the generator stream with counts', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: [...SPEC.methods] });
    const done = await runProceduralShard(db, shard.id, { batchSize: 120 });
    expect(done).toMatchObject({ status: 'complete', stored: 500, rejected: 0, nextIndex: 500 });
    const stored = await allProblems(db, shard.id);
    const expected = [...generateProblems({ ...SPEC, methods: [...SPEC.methods] })];
    expect(stored.map((p) => p.problem)).toEqual(expected.map((p) => p.problem));
    expect(done.counts.method).toEqual({ plain: 125, backward: 125, evol: 125, selfcorrect: 125 });
    expect(done.counts.stage).toEqual({ normal: 500 });
    expect(Object.values(done.counts.difficulty).reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('resume after a pause with the same items', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: [...SPEC.methods] });
    let batches = 0;
    const paused = await runProceduralShard(db, shard.id, { batchSize: 100, shouldStop: () => batches++ >= 2 });
    expect(paused).toMatchObject({ status: 'paused', stored: 200, nextIndex: 200 });
    expect(await allProblems(db, shard.id)).toHaveLength(200);
    const done = await runProceduralShard(db, shard.id, { batchSize: 100 });
    expect(done).toMatchObject({ status: 'complete', stored: 500 });
    const expected = [...generateProblems({ ...SPEC, methods: [...SPEC.methods] })];
    expect((await allProblems(db, shard.id)).map((p) => p.problem)).toEqual(expected.map((p) => p.problem));
  });

  it('refuse to extend an older generator', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: ['plain'], count: 20 });
    let batches = 0;
    await runProceduralShard(db, shard.id, { batchSize: 5, shouldStop: () => batches++ >= 1 });
    await db.synthShards.update(shard.id, { generatorVersion: 'procedural-1' });
    await expect(runProceduralShard(db, shard.id)).rejects.toThrow(/made by generator procedural-1.*5 stored problems stay.*Create a new shard/);
    expect(await allProblems(db, shard.id)).toHaveLength(5);
  });

  it('reject a batch from a stale writer', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: ['plain'], count: 10 });
    await runProceduralShard(db, shard.id, { batchSize: 5, shouldStop: () => false });
    await expect(writeBatch(db, shard.id, 0, [])).rejects.toBeInstanceOf(ShardConflictError);
  });

  it('keep every stored batch when storage is full', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: ['plain'], count: 300 });
    const bulkAdd = db.synthProblems.bulkAdd.bind(db.synthProblems);
    let calls = 0;
    db.synthProblems.bulkAdd = (async (...args: Parameters<typeof bulkAdd>) => {
      if (++calls === 2) throw new DOMException('quota', 'QuotaExceededError');
      return bulkAdd(...args);
    }) as typeof bulkAdd;
    const error = await runProceduralShard(db, shard.id, { batchSize: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardStorageFullError);
    expect((error as Error).message).toMatch(/storage is full .* after 100 problems .* paused/);
    const after = (await db.synthShards.get(shard.id))!;
    expect(after).toMatchObject({ status: 'paused', stored: 100, nextIndex: 100 });
    expect(await allProblems(db, shard.id)).toHaveLength(100);
    db.synthProblems.bulkAdd = bulkAdd;
    expect(await runProceduralShard(db, shard.id, { batchSize: 100 })).toMatchObject({ status: 'complete', stored: 300 });
  });
});

describe('shard queries', () => {
  it('search, export, dedup, decontaminate and remove', async () => {
    const db = openDatabase();
    const shard = await createProceduralShard(db, { ...SPEC, methods: ['plain', 'evol'], count: 300 });
    await runProceduralShard(db, shard.id);

    const evol = await searchShard(db, shard.id, { method: 'evol' });
    expect(evol).toHaveLength(150);
    const [first] = await getProblems(db, shard.id, [evol[0]]);
    expect(first!.method).toBe('evol');
    const needle = first!.problem.slice(0, 25);
    expect(await searchShard(db, shard.id, { text: needle.toUpperCase() })).toContain(evol[0]);

    const chunks: string[] = [];
    expect(await exportShard(db, shard.id, 'alpaca', (c) => void chunks.push(c), {}, 64)).toBe(300);
    expect(chunks).toHaveLength(5);
    expect(chunks.join('').trim().split('\n')).toHaveLength(300);

    const report = await dedupShard(db, shard.id);
    expect(report.total).toBe(300);
    expect(report.duplicates).toHaveLength(report.exactDuplicates + report.nearDuplicates);

    const test = { source: 'unit', id: 'copy', text: first!.problem };
    const decontam = await decontaminateShard(db, shard.id, [test]);
    expect(decontam.checked).toBe(300);
    expect(decontam.flagged.map((f) => f.index)).toContain(evol[0]);

    expect(await removeProblems(db, shard.id, [evol[0], evol[1]])).toBe(2);
    const after = (await db.synthShards.get(shard.id))!;
    expect(after.stored).toBe(298);
    expect(after.counts.method.evol).toBe(148);
    expect(await searchShard(db, shard.id, { method: 'evol' })).toHaveLength(148);

    await deleteShard(db, shard.id);
    expect(await db.synthShards.get(shard.id)).toBeUndefined();
    expect(await allProblems(db, shard.id)).toHaveLength(0);
  });

  it('import reports malformed lines and keeps the rest', async () => {
    const db = openDatabase();
    const items = [...generateProblems({ stage: 'hard', methods: ['plain'], count: 5, seed: 1 })];
    const lines = formatBatch(items, 'openai').trim().split('\n');
    lines.splice(2, 0, '{"messages": 3}', 'oops');
    async function* source() {
      yield lines.join('\n');
    }
    const report = await importShard(db, 'imported', source(), (s) => extractAnswer(s).answer, undefined, 2);
    expect(report.imported).toBe(5);
    expect(report.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(report.shard).toMatchObject({ status: 'complete', stored: 5, rejected: 2, generator: 'import' });
    const stored = await allProblems(db, report.shard.id);
    expect(stored.map((p) => p.answer)).toEqual(items.map((i) => i.answer));
    expect(stored.map((p) => p.index)).toEqual([1, 2, 5, 6, 7]);
  });
});
