/** Runs a procedural shard to its target count in batches, resuming at the shard's stored position. */
import type { ShardRecord } from '../../db/data.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import { FAMILY_IDS, type FamilyId } from '../families/index.ts';
import { generateAt, GENERATOR_VERSION, type GenerationEvent } from '../generate.ts';
import type { Method, Stage } from '../types.ts';
import { createShard, setShardStatus, ShardStorageFullError, writeBatch } from './shards.ts';

export interface ProceduralShardSpec {
  name: string;
  stage: Stage;
  methods: Method[];
  families?: FamilyId[];
  count: number;
  seed: number;
  difficulty?: [number, number];
}

export async function createProceduralShard(db: WorkbenchDatabase, spec: ProceduralShardSpec): Promise<ShardRecord> {
  if (!spec.name.trim()) throw new Error('a shard needs a name');
  if (spec.methods.length === 0) throw new Error('choose at least one method');
  if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error(`size must be a positive whole number, got ${spec.count}`);
  if (!Number.isInteger(spec.seed)) throw new Error(`seed must be a whole number, got ${spec.seed}`);
  return createShard(db, {
    name: spec.name.trim(),
    stage: spec.stage,
    methods: spec.methods,
    families: spec.families && spec.families.length > 0 ? spec.families : [...FAMILY_IDS],
    generator: 'procedural',
    generatorVersion: `procedural-${GENERATOR_VERSION}`,
    seed: spec.seed,
    difficulty: spec.difficulty,
    count: spec.count,
  });
}

export interface RunProgress {
  shard: ShardRecord;
  /** Items per second over this run so far. */
  rate: number;
}

export interface RunOptions {
  batchSize?: number;
  onProgress?: (progress: RunProgress) => void;
  /** Checked between batches; returning true pauses the shard. */
  shouldStop?: () => boolean;
}

/**
 * Generates until the shard contains `count` problems. Stops with status "paused" when asked or when
 * storage is full (its error message explains this), and rethrows anything else after marking the shard "failed".
 */
export async function runProceduralShard(db: WorkbenchDatabase, shardId: string, options: RunOptions = {}): Promise<ShardRecord> {
  const batchSize = options.batchSize ?? 1000;
  let shard = await db.synthShards.get(shardId);
  if (!shard) throw new Error(`shard ${shardId} not found`);
  if (shard.generator !== 'procedural') throw new Error(`shard "${shard.name}" is ${shard.generator}, not procedural`);
  if (shard.stored >= shard.count) return shard;
  const version = `procedural-${GENERATOR_VERSION}`;
  if (shard.generatorVersion !== version) {
    // Same seed and index give different problems across versions, so going on would mix two generators.
    throw new Error(
      `shard "${shard.name}" was made by generator ${shard.generatorVersion}, and this workbench runs ${version}: its ${shard.stored} stored problems stay as they are, ` +
        'but it cannot be extended. Create a new shard with the same settings to generate more.',
    );
  }
  await setShardStatus(db, shardId, 'generating');
  const started = performance.now();
  let produced = 0;
  const generateOptions = {
    stage: shard.stage,
    methods: shard.methods,
    families: shard.families as FamilyId[],
    count: shard.count,
    seed: shard.seed,
    difficulty: shard.difficulty,
  };
  try {
    while (shard.stored < shard.count) {
      if (options.shouldStop?.()) {
        await setShardStatus(db, shardId, 'paused', 'paused by the user');
        return (await db.synthShards.get(shardId))!;
      }
      const from = shard.nextIndex;
      const events: GenerationEvent[] = [];
      let accepted = 0;
      for (let index = from; accepted < Math.min(batchSize, shard.count - shard.stored); index++) {
        const event = generateAt(generateOptions, index);
        if ('item' in event) accepted++;
        events.push(event);
      }
      const result = await writeBatch(db, shardId, from, events);
      shard = result.shard;
      produced += result.stored;
      options.onProgress?.({ shard, rate: produced / Math.max(1e-3, (performance.now() - started) / 1000) });
    }
    return shard;
  } catch (error) {
    const paused = error instanceof ShardStorageFullError;
    await setShardStatus(db, shardId, paused ? 'paused' : 'failed', (error as Error).message);
    throw error;
  }
}
