/**
 * Worker service for the Data page: generation runs, import and export, search, dedup and
 * decontamination of shards. It runs in its own worker (data.worker.ts), so a long generation run
 * neither freezes the page nor delays GPU jobs. Files arrive as Blobs and cross the boundary by reference.
 */
import type { ProblemRecord, ShardRecord } from '../../db/data.ts';
import { getDatabase, type WorkbenchDatabase } from '../../db/database.ts';
import { projectGrader } from '../../data/augment/grader.ts';
import type { SeedProblem } from '../../data/augment/model.ts';
import { testProblemFromRecord, type DecontamOptions, type TestProblem } from '../../data/decontam.ts';
import type { DedupOptions } from '../../data/dedup.ts';
import type { ExportOptions, ImportLineError, SftFormat } from '../../data/formats.ts';
import { OpenAiCompatibleClient, type RemoteEndpoint } from '../../data/remote.ts';
import { importShard } from '../../data/store/import.ts';
import { createModelShard, runModelShard, seedFromRecord, type ModelShardSpec } from '../../data/store/model-run.ts';
import { benchmarkTestProblems, dedupShard, decontaminateShard, exportShard, searchShard, type FlaggedProblem, type ProblemFilter, type ShardDedupReport } from '../../data/store/queries.ts';
import { createProceduralShard, runProceduralShard, type ProceduralShardSpec } from '../../data/store/run.ts';
import { deleteShard, removeProblems } from '../../data/store/shards.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';
import { failureOf, type WorkerFailure, type WorkerOutcome } from './outcome.ts';

export type DataFailure = WorkerFailure;

export type DataOutcome<T> = WorkerOutcome<T>;

export interface ShardProgress {
  stored: number;
  rejected: number;
  count: number;
  /** Items per second over this run. */
  rate: number;
}

export interface NamedFile {
  name: string;
  file: Blob;
}

export interface DecontamRequest {
  files: NamedFile[];
  benchmarkIds: string[];
  options: DecontamOptions;
  /** Flagged items returned in full; the count covers all of them. */
  limit?: number;
}

export interface DataService {
  createProceduralShard(spec: ProceduralShardSpec): Promise<DataOutcome<{ shard: ShardRecord }>>;
  /** Reads a seed file (GSM8K, MATH or Alpaca JSONL) and stores a model-driven shard over its problems. */
  createModelShard(spec: Omit<ModelShardSpec, 'seeds'>, seedFile: Blob): Promise<DataOutcome<{ shard: ShardRecord; skippedLines: number }>>;
  /** Generates until the shard is complete or paused; model shards need the endpoint (with its key, if any). */
  runShard(shardId: string, endpoint?: RemoteEndpoint, onProgress?: (progress: ShardProgress) => void): Promise<DataOutcome<{ shard: ShardRecord }>>;
  /** Asks a run in this worker to pause after its current batch; false when none is running. */
  pauseShard(shardId: string): Promise<boolean>;
  activeShards(): Promise<string[]>;
  deleteShard(shardId: string): Promise<DataOutcome<object>>;
  importShard(file: Blob, name: string, onProgress?: (imported: number, errors: number) => void): Promise<DataOutcome<{ shard: ShardRecord; imported: number; errors: ImportLineError[]; errorCount: number }>>;
  exportShard(shardId: string, format: SftFormat, options: ExportOptions): Promise<DataOutcome<{ blob: Blob; count: number }>>;
  searchShard(shardId: string, filter: ProblemFilter): Promise<number[]>;
  getProblems(shardId: string, indexes: number[]): Promise<(ProblemRecord | undefined)[]>;
  dedupShard(shardId: string, options: DedupOptions): Promise<DataOutcome<{ report: ShardDedupReport }>>;
  decontaminateShard(shardId: string, request: DecontamRequest): Promise<DataOutcome<{ checked: number; testProblems: number; flagged: FlaggedProblem[]; flaggedCount: number; skippedLines: number }>>;
  removeProblems(shardId: string, indexes: number[]): Promise<DataOutcome<{ removed: number }>>;
  /** Sends one short request to the endpoint and returns the reply. */
  testEndpoint(endpoint: RemoteEndpoint): Promise<DataOutcome<{ reply: string }>>;
}

const failure = (error: unknown, context: string) => failureOf('data', error, context);

async function attempt<T extends object>(context: string, work: () => Promise<T>): Promise<DataOutcome<T>> {
  try {
    return { ok: true, ...(await work()) };
  } catch (error) {
    return failure(error, context);
  }
}

async function readTestFile(file: NamedFile, problems: TestProblem[]): Promise<number> {
  let skipped = 0;
  for await (const entry of parseJsonl(file.file.stream())) {
    if (isJsonlError(entry)) {
      skipped++;
      continue;
    }
    const problem = testProblemFromRecord(entry.value, file.name, entry.line);
    if (typeof problem === 'string') skipped++;
    else problems.push(problem);
  }
  return skipped;
}

/** Batches per second a progress callback may cost at most; each is a postMessage. */
const PROGRESS_INTERVAL_MS = 200;

export function createDataService(database: () => WorkbenchDatabase = getDatabase): DataService {
  const stopping = new Map<string, boolean>();
  const controllers = new Map<string, AbortController>();

  return {
    createProceduralShard(spec) {
      return attempt(`creating shard ${spec.name}`, async () => ({ shard: await createProceduralShard(database(), spec) }));
    },

    createModelShard(spec, seedFile) {
      return attempt(`creating model shard ${spec.name}`, async () => {
        const seeds: SeedProblem[] = [];
        let skippedLines = 0;
        for await (const entry of parseJsonl(seedFile.stream())) {
          const seed = isJsonlError(entry) ? entry.error : seedFromRecord(entry.value, entry.line);
          if (typeof seed === 'string') skippedLines++;
          else seeds.push(seed);
        }
        return { shard: await createModelShard(database(), { ...spec, seeds }), skippedLines };
      });
    },

    async runShard(shardId, endpoint, onProgress) {
      if (stopping.has(shardId)) return failure(new Error('this shard is already generating in this tab'), `running shard ${shardId}`);
      stopping.set(shardId, false);
      const controller = new AbortController();
      controllers.set(shardId, controller);
      const started = performance.now();
      let lastReport = 0;
      const report = (shard: ShardRecord, force = false) => {
        const now = performance.now();
        if (!onProgress || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return;
        lastReport = now;
        onProgress({ stored: shard.stored, rejected: shard.rejected, count: shard.count, rate: shard.stored / Math.max(1e-3, (now - started) / 1000) });
      };
      try {
        const db = database();
        const record = await db.synthShards.get(shardId);
        if (!record) throw new Error(`shard ${shardId} not found`);
        const shouldStop = () => stopping.get(shardId) === true;
        let shard: ShardRecord;
        if (record.generator === 'model') {
          if (record.model?.backend === 'local') throw new Error(`shard "${record.name}" runs on the local model ${record.model.model}: load it on the Models page and resume the shard there`);
          if (!endpoint) throw new Error('this shard uses a remote model: enter the endpoint (and its API key, if it needs one) to run it');
          const client = new OpenAiCompatibleClient(endpoint, { onRetry: (r) => console.warn(`[data] shard ${shardId}: retry ${r.attempt} in ${Math.round(r.delayMs)} ms: ${r.reason}`) });
          shard = await runModelShard(db, shardId, client, projectGrader, { shouldStop, signal: controller.signal, onProgress: (s) => report(s) });
        } else {
          shard = await runProceduralShard(db, shardId, { shouldStop, onProgress: (p) => report(p.shard) });
        }
        report(shard, true);
        return { ok: true, shard };
      } catch (error) {
        return failure(error, `running shard ${shardId}`);
      } finally {
        stopping.delete(shardId);
        controllers.delete(shardId);
      }
    },

    async pauseShard(shardId) {
      if (!stopping.has(shardId)) return false;
      stopping.set(shardId, true);
      controllers.get(shardId)?.abort(new DOMException('paused by the user', 'AbortError'));
      return true;
    },

    async activeShards() {
      return [...stopping.keys()];
    },

    deleteShard(shardId) {
      return attempt(`deleting shard ${shardId}`, async () => {
        if (stopping.has(shardId)) throw new Error('pause the shard before deleting it');
        await deleteShard(database(), shardId);
        return {};
      });
    },

    importShard(file, name, onProgress) {
      return attempt(`importing ${name}`, async () => {
        const report = await importShard(database(), name, file.stream(), projectGrader.extract, onProgress);
        return { shard: report.shard, imported: report.imported, errors: report.errors.slice(0, 200), errorCount: report.errors.length };
      });
    },

    exportShard(shardId, format, options) {
      return attempt(`exporting shard ${shardId}`, async () => {
        // Each page becomes its own Blob; the browser may keep Blob data outside the JS heap, which stays at one page.
        const parts: Blob[] = [];
        const count = await exportShard(database(), shardId, format, (chunk) => void parts.push(new Blob([chunk])), options);
        return { blob: new Blob(parts, { type: 'application/jsonl' }), count };
      });
    },

    searchShard(shardId, filter) {
      return searchShard(database(), shardId, filter);
    },

    getProblems(shardId, indexes) {
      return database().synthProblems.bulkGet(indexes.map((i) => [shardId, i] as [string, number]));
    },

    dedupShard(shardId, options) {
      return attempt(`deduplicating shard ${shardId}`, async () => ({ report: await dedupShard(database(), shardId, options) }));
    },

    decontaminateShard(shardId, request) {
      return attempt(`decontaminating shard ${shardId}`, async () => {
        const tests = await benchmarkTestProblems(database(), request.benchmarkIds);
        let skippedLines = 0;
        for (const file of request.files) skippedLines += await readTestFile(file, tests);
        if (tests.length === 0) throw new Error('no test problems: choose GSM8K or MATH test files (JSONL) or loaded benchmarks');
        const result = await decontaminateShard(database(), shardId, tests, request.options);
        return { checked: result.checked, testProblems: tests.length, flagged: result.flagged.slice(0, request.limit ?? 500), flaggedCount: result.flagged.length, skippedLines };
      });
    },

    removeProblems(shardId, indexes) {
      return attempt(`removing ${indexes.length} problems from shard ${shardId}`, async () => ({ removed: await removeProblems(database(), shardId, indexes) }));
    },

    testEndpoint(endpoint) {
      return attempt(`testing endpoint ${endpoint.baseUrl}`, async () => {
        const client = new OpenAiCompatibleClient(endpoint, { maxRetries: 1, timeoutMs: 30_000 });
        return { reply: (await client.generate('Reply with the single word: ready', { maxTokens: 8, temperature: 0 })).slice(0, 200) };
      });
    },
  };
}

export const dataService: DataService = createDataService();
