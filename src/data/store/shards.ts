/**
 * Shards in IndexedDB. Problems are written in batches, one read-write transaction each, together
 * with the shard's counters and resume position, so an interrupted run never leaves half a batch and
 * resumes at the first index it has not stored. Counters are updated in those same transactions, so
 * the page shows counts without scanning the problems.
 */
import Dexie from 'dexie';
import type { ProblemRecord, RejectedRecord, ShardCounts, ShardRecord } from '../../db/data.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import { isQuotaError } from '../../eval/storage-errors.ts';
import type { GenerationEvent } from '../generate.ts';
import type { SynthItem } from '../types.ts';

/** Raised when the browser's storage quota is exhausted; the shard keeps every batch written before. */
export class ShardStorageFullError extends Error {
  constructor(shard: ShardRecord, cause: unknown) {
    super(
      `Browser storage is full (IndexedDB quota exceeded) after ${shard.stored} problems of shard "${shard.name}". ` +
        'The shard keeps every problem stored so far and is paused. Delete or export and remove shards you no longer need ' +
        "(or allow this site more storage in the browser's settings), then press Resume.",
      { cause },
    );
    this.name = 'ShardStorageFullError';
  }
}

/** Raised when another tab or run wrote the shard since this run read it; this run stops without writing. */
export class ShardConflictError extends Error {
  constructor(shardId: string, expected: number, found: number) {
    super(`shard ${shardId} moved from index ${expected} to ${found} under another writer (another tab?); this run stopped without writing`);
    this.name = 'ShardConflictError';
  }
}

export function emptyCounts(): ShardCounts {
  return { method: {}, stage: {}, difficulty: {}, family: {} };
}

function bump(counts: ShardCounts, item: SynthItem, by: number): void {
  const add = (table: Record<string, number>, key: string) => {
    table[key] = (table[key] ?? 0) + by;
    if (table[key] === 0) delete table[key];
  };
  add(counts.method, item.method);
  add(counts.stage, item.stage);
  add(counts.difficulty, String(item.difficulty));
  add(counts.family, item.family);
}

export function newShardId(): string {
  return `shard-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
}

export type NewShard = Omit<ShardRecord, 'id' | 'stored' | 'rejected' | 'nextIndex' | 'status' | 'createdAt' | 'updatedAt' | 'counts'>;

export async function createShard(db: WorkbenchDatabase, spec: NewShard, status: ShardRecord['status'] = 'generating'): Promise<ShardRecord> {
  const now = Date.now();
  const shard: ShardRecord = { ...spec, id: newShardId(), stored: 0, rejected: 0, nextIndex: 0, status, createdAt: now, updatedAt: now, counts: emptyCounts() };
  await db.synthShards.add(shard);
  return shard;
}

export interface BatchResult {
  shard: ShardRecord;
  stored: number;
  rejected: number;
}

/**
 * Stores one batch of generation events and moves the shard's resume position past them, in one
 * transaction. `from` is the index the batch starts at; a shard that moved meanwhile aborts the batch.
 */
export async function writeBatch(db: WorkbenchDatabase, shardId: string, from: number, events: readonly GenerationEvent[], nextIndex?: number): Promise<BatchResult> {
  const problems: ProblemRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const at = Date.now();
  for (const event of events) {
    if ('item' in event) problems.push({ ...event.item, shardId, index: event.index });
    else rejected.push({ ...event.rejected, shardId, index: event.index, at });
  }
  const end = nextIndex ?? (events.length > 0 ? events[events.length - 1].index + 1 : from);
  let current: ShardRecord | undefined;
  try {
    const shard = await db.transaction('rw', db.synthShards, db.synthProblems, db.synthRejected, async () => {
      current = await db.synthShards.get(shardId);
      if (!current) throw new Dexie.NotFoundError(`shard ${shardId} not found (deleted while generating?)`);
      if (current.nextIndex !== from) throw new ShardConflictError(shardId, from, current.nextIndex);
      if (problems.length > 0) await db.synthProblems.bulkAdd(problems);
      if (rejected.length > 0) await db.synthRejected.bulkAdd(rejected);
      const counts = structuredClone(current.counts);
      for (const p of problems) bump(counts, p, 1);
      const stored = current.stored + problems.length;
      const updated: ShardRecord = {
        ...current,
        counts,
        stored,
        rejected: current.rejected + rejected.length,
        nextIndex: end,
        updatedAt: at,
        status: current.generator === 'procedural' && stored >= current.count ? 'complete' : current.status,
      };
      await db.synthShards.put(updated);
      return updated;
    });
    return { shard, stored: problems.length, rejected: rejected.length };
  } catch (error) {
    if (isQuotaError(error) && current) throw new ShardStorageFullError(current, error);
    throw error;
  }
}

export async function setShardStatus(db: WorkbenchDatabase, shardId: string, status: ShardRecord['status'], error?: string): Promise<void> {
  await db.synthShards.update(shardId, { status, error, updatedAt: Date.now() });
}

/** Removes problems (e.g. duplicates or contaminated items) and their counts, in one transaction. */
export async function removeProblems(db: WorkbenchDatabase, shardId: string, indexes: readonly number[]): Promise<number> {
  return db.transaction('rw', db.synthShards, db.synthProblems, async () => {
    const shard = await db.synthShards.get(shardId);
    if (!shard) throw new Error(`shard ${shardId} not found`);
    const keys = indexes.map((i) => [shardId, i] as [string, number]);
    const found = (await db.synthProblems.bulkGet(keys)).filter((p): p is ProblemRecord => p !== undefined);
    const counts = structuredClone(shard.counts);
    for (const p of found) bump(counts, p, -1);
    await db.synthProblems.bulkDelete(found.map((p) => [shardId, p.index] as [string, number]));
    await db.synthShards.put({ ...shard, counts, stored: shard.stored - found.length, updatedAt: Date.now() });
    return found.length;
  });
}

/** Deletes a shard and everything stored with it, in chunks so a large shard does not need one huge transaction. */
export async function deleteShard(db: WorkbenchDatabase, shardId: string): Promise<void> {
  await db.synthShards.update(shardId, { status: 'failed', error: 'being deleted' });
  for (const table of [db.synthProblems, db.synthRejected, db.synthSeeds]) {
    for (;;) {
      const keys = await table.where('[shardId+index]').between([shardId, Dexie.minKey], [shardId, Dexie.maxKey]).limit(5000).primaryKeys();
      if (keys.length === 0) break;
      await table.bulkDelete(keys);
    }
  }
  await db.synthShards.delete(shardId);
}

export function shardRange(shardId: string): [[string, unknown], [string, unknown]] {
  return [
    [shardId, Dexie.minKey],
    [shardId, Dexie.maxKey],
  ];
}
