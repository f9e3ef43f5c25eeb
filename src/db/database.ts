/**
 * The workbench's IndexedDB database (Dexie). Each schema change adds a new version() below and
 * keeps the old ones, so a browser holding an older database upgrades in place without data loss.
 */
import Dexie, { type EntityTable, type Table } from 'dexie';
import type { SelfTestRow } from '../kernels/selftest.ts';
import type { ProblemRecord, RejectedRecord, SeedRecord, ShardRecord } from './data.ts';
import type { BenchmarkProblemRecord, BenchmarkRecord, EvalResultRecord, EvalRunRecord, SavedTemplateRecord } from './eval.ts';
import type { ScalingCellRecord, ScalingExperimentRecord, ScalingImportRecord } from './scaling.ts';
import type { TrainEvalRecord, TrainRunRecord, TrainStepRecord } from './train.ts';

export interface SelfTestRecord {
  id?: number;
  /** Unix milliseconds when the run finished. */
  at: number;
  adapter: string;
  isFallbackAdapter: boolean;
  passed: number;
  failed: number;
  rows: SelfTestRow[];
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export const DATABASE_NAME = 'math-reasoning-workbench';

export class WorkbenchDatabase extends Dexie {
  meta!: EntityTable<MetaRecord, 'key'>;
  selfTests!: EntityTable<SelfTestRecord, 'id'>;
  benchmarks!: EntityTable<BenchmarkRecord, 'id'>;
  benchmarkProblems!: Table<BenchmarkProblemRecord, [string, number]>;
  evalRuns!: EntityTable<EvalRunRecord, 'id'>;
  evalResults!: Table<EvalResultRecord, [string, number, number]>;
  promptTemplates!: EntityTable<SavedTemplateRecord, 'name'>;
  scalingImports!: EntityTable<ScalingImportRecord, 'id'>;
  scalingExperiments!: EntityTable<ScalingExperimentRecord, 'id'>;
  scalingCells!: Table<ScalingCellRecord, [string, string]>;
  synthShards!: EntityTable<ShardRecord, 'id'>;
  synthProblems!: Table<ProblemRecord, [string, number]>;
  synthRejected!: Table<RejectedRecord, [string, number]>;
  synthSeeds!: Table<SeedRecord, [string, number]>;
  trainRuns!: EntityTable<TrainRunRecord, 'id'>;
  trainSteps!: Table<TrainStepRecord, [string, number]>;
  trainEvals!: Table<TrainEvalRecord, [string, number]>;

  constructor(name = DATABASE_NAME) {
    super(name);
    this.version(1).stores({
      meta: 'key',
      selfTests: '++id, at',
      benchmarks: 'id, createdAt',
      benchmarkProblems: '[benchmarkId+index], benchmarkId',
      evalRuns: 'id, benchmarkId, createdAt',
      evalResults: '[runId+problemIndex+sample], runId, [runId+sample+verdict]',
      promptTemplates: 'name',
      scalingImports: '++id, importedAt',
      scalingExperiments: 'id, createdAt',
      scalingCells: '[experimentId+id], experimentId',
      synthShards: 'id, createdAt',
      synthProblems: '[shardId+index]',
      synthRejected: '[shardId+index]',
      synthSeeds: '[shardId+index]',
      trainRuns: 'id, createdAt, status',
      trainSteps: '[runId+step], runId',
      trainEvals: '[runId+step], runId',
    });
  }
}

let shared: WorkbenchDatabase | null = null;

/** The database used by the app and its worker (each opens its own connection to the same store). */
export function getDatabase(): WorkbenchDatabase {
  shared ??= new WorkbenchDatabase();
  return shared;
}
