/**
 * Model-driven shards: seed problems are stored with the shard, then processed in small parallel
 * batches through a TextGenerator. Each finished batch is one transaction (items, rejected items
 * with their reasons, the resume position). When every item of a batch fails at the endpoint, the
 * batch is not written and the shard pauses, so Resume retries those seeds.
 */
import type { ModelShardSettings, SeedRecord, ShardRecord } from '../../db/data.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import { lastBoxed } from '../../eval/extract.ts';
import { augmentWithModel, type Grader, type SeedProblem } from '../augment/model.ts';
import type { GenerationEvent } from '../generate.ts';
import type { TextGenerator } from '../remote.ts';
import type { Method, Stage } from '../types.ts';
import { createShard, setShardStatus, ShardStorageFullError, writeBatch } from './shards.ts';

/** Reads a seed problem from GSM8K, MATH, MATH-500 or Alpaca-style records; a string explains a bad record. */
export function seedFromRecord(record: Record<string, unknown>, line: number): SeedProblem | string {
  const problem = [record.question, record.problem, record.instruction].find((v): v is string => typeof v === 'string');
  if (!problem) return `line ${line}: expected a "question", "problem" or "instruction" string field`;
  let answer: string | undefined;
  if (typeof record.answer === 'string') answer = /####\s*(.+?)\s*$/.exec(record.answer)?.[1] ?? record.answer;
  else if (typeof record.answer === 'number') answer = String(record.answer);
  else if (typeof record.solution === 'string') answer = lastBoxed(record.solution) ?? undefined;
  const id = typeof record.unique_id === 'string' ? record.unique_id : `line ${line}`;
  return { id, problem, answer };
}

export interface ModelShardSpec {
  name: string;
  stage: Stage;
  methods: Method[];
  seed: number;
  seeds: SeedProblem[];
  settings: ModelShardSettings;
}

export async function createModelShard(db: WorkbenchDatabase, spec: ModelShardSpec): Promise<ShardRecord> {
  if (spec.seeds.length === 0) throw new Error('the seed file has no usable problems');
  if (spec.methods.length === 0) throw new Error('choose at least one method');
  const { k, minAgreement } = spec.settings;
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(minAgreement) && minAgreement >= 1 && minAgreement <= k)) {
    throw new Error(`samples k must be ≥ 1 and the agreement between 1 and k, got k = ${k}, agreement = ${minAgreement}`);
  }
  const shard = await createShard(
    db,
    {
      name: spec.name.trim() || 'model shard',
      stage: spec.stage,
      methods: spec.methods,
      families: ['model'],
      generator: 'model',
      generatorVersion: `model:${spec.settings.model}`,
      seed: spec.seed,
      count: spec.seeds.length,
      model: spec.settings,
    },
    'paused',
  );
  for (let start = 0; start < spec.seeds.length; start += 2000) {
    const rows: SeedRecord[] = spec.seeds.slice(start, start + 2000).map((s, i) => ({ shardId: shard.id, index: start + i, seedId: s.id, problem: s.problem, answer: s.answer }));
    await db.synthSeeds.bulkAdd(rows);
  }
  return shard;
}

export interface ModelRunOptions {
  /** Seeds processed at the same time (default 2). */
  concurrency?: number;
  onProgress?: (shard: ShardRecord) => void;
  shouldStop?: () => boolean;
  signal?: AbortSignal;
}

export async function runModelShard(db: WorkbenchDatabase, shardId: string, generator: TextGenerator, grader: Grader, options: ModelRunOptions = {}): Promise<ShardRecord> {
  let shard: ShardRecord | undefined = await db.synthShards.get(shardId);
  if (!shard?.model) throw new Error(`model shard ${shardId} not found`);
  const settings = shard.model;
  const concurrency = options.concurrency ?? 2;
  await setShardStatus(db, shardId, 'generating');
  try {
    while (shard.nextIndex < shard.count) {
      if (options.shouldStop?.() || options.signal?.aborted) {
        await setShardStatus(db, shardId, 'paused', 'paused by the user');
        return (await db.synthShards.get(shardId))!;
      }
      const from: number = shard.nextIndex;
      const end: number = Math.min(shard.count, from + concurrency);
      const seeds = await db.synthSeeds.where('[shardId+index]').between([shardId, from], [shardId, end], true, false).toArray();
      const methods = shard.methods;
      const stage = shard.stage;
      const outcomes = await Promise.all(
        seeds.map((s) =>
          augmentWithModel({ id: s.seedId, problem: s.problem, answer: s.answer }, s.index, generator, grader, {
            method: methods[s.index % methods.length],
            stage,
            k: settings.k,
            minAgreement: settings.minAgreement,
            temperature: settings.temperature,
            maxTokens: settings.maxTokens,
            evolRounds: settings.evolRounds,
            seed: shard!.seed,
            signal: options.signal,
          }),
        ),
      );
      const failed = outcomes.filter((o) => 'rejected' in o && o.rejected.endpointFailure);
      if (failed.length === outcomes.length) {
        const reason = 'rejected' in failed[0] ? failed[0].rejected.reason : 'endpoint failed';
        await setShardStatus(db, shardId, 'paused', `${reason}. Nothing from this batch was stored; press Resume to retry from seed ${from + 1}.`);
        return (await db.synthShards.get(shardId))!;
      }
      const events: GenerationEvent[] = outcomes.map((o, i) => {
        const index = seeds[i].index;
        const method = methods[index % methods.length];
        return 'item' in o ? { index, item: o.item } : { index, rejected: { index, method, family: 'model', reason: o.rejected.reason, problem: seeds[i].problem, output: o.rejected.output } };
      });
      shard = (await writeBatch(db, shardId, from, events, end)).shard;
      options.onProgress?.(shard);
    }
    await setShardStatus(db, shardId, 'complete');
    return (await db.synthShards.get(shardId))!;
  } catch (error) {
    await setShardStatus(db, shardId, error instanceof ShardStorageFullError ? 'paused' : 'failed', (error as Error).message);
    throw error;
  }
}
