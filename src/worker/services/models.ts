/**
 * Worker service for the Models page: the OPFS model cache (add from a file or a URL, list, delete),
 * GGUF metadata, loading one model onto the GPU, the Solve panel's streamed generation, and the
 * engine's kernel check. The loaded model also serves evaluation runs (openLoadedGenerator) and
 * model-driven shards run in this worker (runModelShardLocally).
 */
import { getDatabase } from '../../db/database.ts';
import { projectGrader } from '../../data/augment/grader.ts';
import { runModelShard } from '../../data/store/model-run.ts';
import type { ShardRecord } from '../../db/data.ts';
import { checkAttentionDecode, checkAttentionPrefill, checkKvStore, type AttentionCheck } from '../../engine/attention/checks.ts';
import { kvDTypeFor } from '../../engine/attention/kernels.ts';
import { generateBatch, type SequenceResult } from '../../engine/batch.ts';
import type { MemoryBudget, MemoryEstimate } from '../../engine/memory.ts';
import { GpuModel } from '../../engine/model.ts';
import type { LoadProgress } from '../../engine/weights.ts';
import { DeviceLostError } from '../../gpu/errors.ts';
import { acquireGpu } from '../../gpu/session.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { buildPrompt } from '../../model/chat-template.ts';
import { openGguf } from '../../model/gguf/reader.ts';
import { blobSource } from '../../model/gguf/source.ts';
import { summarizeModelFile, type ModelFileSummary } from '../../model/summary.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import type { OpenedGenerator } from './eval.ts';
import { chatRenderer, LocalGenerator, LocalTextGenerator, type LocalModel } from './local-model.ts';
import {
  deleteCachedModel,
  fileNameFromUrl,
  listCachedModels,
  openCachedModel,
  storageEstimate,
  storeModelStream,
  type CachedModelFile,
  type TransferProgress,
} from './model-files.ts';
import { failureOf, throttle, type WorkerFailure, type WorkerOutcome } from './outcome.ts';

export type { CachedModelFile, TransferProgress } from './model-files.ts';

export type ModelsFailure = WorkerFailure;

export type ModelsOutcome<T> = WorkerOutcome<T>;

export interface LoadSettings {
  /** KV-cache positions per sequence. */
  contextLength: number;
  /** Sequences decoded together (evaluation runs use them all; the Solve panel one). */
  batch: number;
  /** GPU memory the model may use, in MiB; null uses what the browser reports for a software adapter, else no limit. */
  memoryLimitMb: number | null;
}

export interface LoadedModelView {
  name: string;
  /** Model name from the file, or the file name. */
  modelName: string;
  contextLength: number;
  batch: number;
  kvDType: string;
  estimate: MemoryEstimate;
  budget: MemoryBudget | null;
  warnings: string[];
  adapter: string;
  fallbackAdapter: boolean;
}

export interface SolveRequest {
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  /** Skip the chat template. */
  raw?: boolean;
}

export interface SolveResult {
  text: string;
  promptTokens: number;
  tokens: number;
  stopReason: string;
  prefillMs: number;
  decodeMs: number;
  /** Generated tokens per second of decoding. */
  tokensPerSecond: number;
}

export interface EngineCheckRow {
  kernel: string;
  shape: string;
  pass: boolean;
  maxAbsError: number;
  message: string;
  ms: number;
}

export interface ModelsService {
  listCachedModels(): Promise<ModelsOutcome<{ models: CachedModelFile[]; storage: { usage: number; quota: number } | null }>>;
  /** Copies a file from the picker or a drop into the cache. */
  importModelFile(file: File, onProgress?: (progress: TransferProgress) => void): Promise<ModelsOutcome<{ model: CachedModelFile }>>;
  /** Downloads a URL into the cache. */
  downloadModel(url: string, onProgress?: (progress: TransferProgress) => void): Promise<ModelsOutcome<{ model: CachedModelFile }>>;
  /** Stops the running import or download; false when none runs. */
  cancelTransfer(): Promise<boolean>;
  deleteCachedModel(name: string): Promise<ModelsOutcome<object>>;
  describeCachedModel(name: string): Promise<ModelsOutcome<{ summary: ModelFileSummary }>>;
  loadModel(name: string, settings: LoadSettings, onProgress?: (progress: LoadProgress) => void): Promise<ModelsOutcome<{ loaded: LoadedModelView }>>;
  /** Unloads the model, stopping a running solve; fails while an evaluation or shard runs on it. */
  unloadModel(): Promise<ModelsOutcome<object>>;
  loadedModel(): Promise<LoadedModelView | null>;
  solve(request: SolveRequest, onText?: (piece: string) => void): Promise<ModelsOutcome<{ result: SolveResult }>>;
  /** Stops the running solve; false when none runs. */
  stopSolve(): Promise<boolean>;
  /** Runs the inference attention kernels against their references on this adapter. */
  runEngineCheck(onRow?: (row: EngineCheckRow) => void): Promise<ModelsOutcome<{ rows: EngineCheckRow[] }>>;
  /** Runs a model-driven shard on the loaded model, in this worker. */
  runModelShardLocally(shardId: string, onProgress?: (shard: ShardRecord) => void): Promise<ModelsOutcome<{ shard: ShardRecord }>>;
  pauseLocalShard(shardId: string): Promise<boolean>;
}

/**
 * Starts the download of a model URL. The browser reports every network failure as a bare
 * "Failed to fetch", so the error names the URL and the usual causes.
 */
async function fetchModel(url: string): Promise<Response> {
  // fileNameFromUrl() has already rejected an invalid URL.
  const parsed = new URL(url);
  if (!['http:', 'https:', 'blob:'].includes(parsed.protocol)) {
    throw new Error(`${url}: only http:// and https:// addresses can be downloaded, not ${parsed.protocol}//. Download the file another way and add it with the file picker.`);
  }
  try {
    return await fetch(url);
  } catch (error) {
    throw new Error(
      `${url}: the request failed before any response (${(error as Error).message}). The server may be unreachable or offline, ` +
        'or it does not allow downloads from this page (CORS). Download the file another way and add it with the file picker.',
    );
  }
}

const failure = (error: unknown, context: string) => failureOf('models', error, context);

const PROGRESS_INTERVAL_MS = 150;

interface LoadedState {
  local: LocalModel;
  view: LoadedModelView;
}

/**
 * Returns the memory budget. That is the page's limit when set. On a software adapter, whose
 * buffers live in RAM, it is the device memory the browser reports (navigator.deviceMemory, in GiB,
 * which browsers round and cap, so it is an estimate). Otherwise there is none, because WebGPU does
 * not report a GPU's memory.
 */
function memoryBudget(ctx: GpuContext, limitMb: number | null): MemoryBudget | null {
  if (limitMb !== null) return { bytes: limitMb * 1024 * 1024, source: 'the memory limit set on the Models page' };
  const deviceMemory = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  if (ctx.summary.isFallbackAdapter && deviceMemory) {
    return { bytes: deviceMemory * 1024 ** 3, source: 'the device memory the browser reports, which the software adapter allocates from' };
  }
  return null;
}

export function createModelsService(): ModelsService & { openLoadedGenerator(name: string): Promise<OpenedGenerator> } {
  let loaded: LoadedState | null = null;
  let transfer: AbortController | null = null;
  let solving: AbortController | null = null;
  const shardRuns = new Map<string, AbortController>();

  const requireLoaded = (): LoadedState => {
    if (!loaded) throw new Error('No model is loaded; load one from the cached models first.');
    if (loaded.local.model.ctx.lostError) {
      const lost = loaded.local.model.ctx.lostError;
      loaded = null;
      throw lost;
    }
    return loaded;
  };

  /** Forgets the model after a lost device, which takes the model with it; the next load creates a new device. */
  const forgetIfLost = (error: unknown) => {
    if (error instanceof DeviceLostError) loaded = null;
  };

  const store = async (name: string, stream: ReadableStream<Uint8Array>, total: number | null, onProgress?: (progress: TransferProgress) => void) => {
    if (transfer) throw new Error('Another model is being added; wait for it or cancel it first.');
    const controller = new AbortController();
    transfer = controller;
    const progress = throttle(onProgress, PROGRESS_INTERVAL_MS);
    try {
      const model = await storeModelStream(name, stream, total, progress.call, controller.signal);
      progress.flush();
      return { model };
    } finally {
      transfer = null;
    }
  };

  return {
    async listCachedModels() {
      try {
        return { ok: true, models: await listCachedModels(), storage: await storageEstimate() };
      } catch (error) {
        return failure(error, 'listing cached models');
      }
    },

    async importModelFile(file, onProgress) {
      try {
        return { ok: true, ...(await store(file.name, file.stream(), file.size, onProgress)) };
      } catch (error) {
        return failure(error, `adding ${file.name}`);
      }
    },

    async downloadModel(url, onProgress) {
      try {
        const name = fileNameFromUrl(url);
        const response = await fetchModel(url);
        if (!response.ok || !response.body) throw new Error(`${url}: the download failed with HTTP ${response.status} ${response.statusText}`.trim());
        const length = Number(response.headers.get('Content-Length'));
        return { ok: true, ...(await store(name, response.body, Number.isFinite(length) && length > 0 ? length : null, onProgress)) };
      } catch (error) {
        return failure(error, `downloading ${url}`);
      }
    },

    async cancelTransfer() {
      transfer?.abort(new DOMException('The transfer was cancelled.', 'AbortError'));
      return transfer !== null;
    },

    async deleteCachedModel(name) {
      try {
        if (loaded?.view.name === name) throw new Error(`${name} is loaded; unload it before deleting it.`);
        await deleteCachedModel(name);
        return { ok: true };
      } catch (error) {
        return failure(error, `deleting ${name}`);
      }
    },

    async describeCachedModel(name) {
      try {
        const file = await openCachedModel(name);
        return { ok: true, summary: summarizeModelFile(await openGguf(blobSource(file, name))) };
      } catch (error) {
        return failure(error, `reading ${name}`);
      }
    },

    async loadModel(name, settings, onProgress) {
      const progress = throttle(onProgress, PROGRESS_INTERVAL_MS);
      try {
        if (solving) throw new Error('A problem is being solved; stop it before loading another model.');
        if (loaded?.local.model.generating) throw new Error(`${loaded.view.name} is generating for an evaluation or a shard; stop that first.`);
        loaded?.local.model.dispose();
        loaded = null;
        const file = await openCachedModel(name);
        const gguf = await openGguf(blobSource(file, name));
        const tokenizer = GgufTokenizer.fromGguf(gguf);
        const ctx = await acquireGpu();
        const budget = memoryBudget(ctx, settings.memoryLimitMb);
        const model = await GpuModel.load(ctx, gguf, { contextLength: settings.contextLength, batch: settings.batch, memoryBudget: budget, onProgress: progress.call });
        progress.flush();
        const summary = ctx.summary;
        const view: LoadedModelView = {
          name,
          modelName: model.name,
          contextLength: model.contextLength,
          batch: model.batch,
          kvDType: model.kvDType,
          estimate: model.estimate,
          budget,
          warnings: [...model.warnings],
          adapter: `${summary.vendor || 'unknown vendor'} / ${summary.architecture || 'unknown architecture'}`,
          fallbackAdapter: summary.isFallbackAdapter,
        };
        const fileType = gguf.getCount('general.file_type');
        loaded = { local: { model, tokenizer, name: model.name, detail: `${name}${fileType === undefined ? '' : `, file type ${fileType}`}, WebGPU on ${view.adapter}` }, view };
        return { ok: true, loaded: view };
      } catch (error) {
        return failure(error, `loading ${name}`);
      }
    },

    async unloadModel() {
      try {
        if (solving) {
          solving.abort();
          // The solve ends at its next step, which frees the slots before the buffers go.
          while (solving) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (loaded?.local.model.generating) throw new Error(`${loaded.view.name} is generating for an evaluation or a shard; stop that first.`);
        loaded?.local.model.dispose();
        loaded = null;
        return { ok: true };
      } catch (error) {
        return failure(error, 'unloading the model');
      }
    },

    async loadedModel() {
      if (loaded?.local.model.ctx.lostError) loaded = null;
      return loaded?.view ?? null;
    },

    async solve(request, onText) {
      try {
        const { local } = requireLoaded();
        if (solving) throw new Error('A problem is being solved already; stop it first.');
        const controller = new AbortController();
        solving = controller;
        try {
          const prompt = buildPrompt(local.tokenizer, request.prompt, { raw: request.raw });
          let result: SequenceResult | null = null;
          const stats = await generateBatch(
            local.model,
            local.tokenizer,
            [{ id: 'solve', promptTokens: prompt.ids, sampling: { temperature: request.temperature, topK: 0, topP: 1, seed: request.seed }, maxTokens: request.maxTokens, stop: [] }],
            { signal: controller.signal, onText: onText ? (_id, piece) => onText(piece) : undefined, onFinished: (r) => (result = r) },
          );
          const finished = result as SequenceResult | null;
          if (!finished) throw new Error('generation ended without a result');
          if (finished.stopReason === 'error') throw new Error(finished.error);
          return {
            ok: true,
            result: {
              text: finished.text,
              promptTokens: finished.promptTokens,
              tokens: finished.tokens.length,
              stopReason: finished.stopReason,
              prefillMs: stats.prefillMs,
              decodeMs: stats.decodeMs,
              tokensPerSecond: stats.decodeMs > 0 ? (1000 * stats.decodeTokens) / stats.decodeMs : 0,
            },
          };
        } finally {
          solving = null;
        }
      } catch (error) {
        forgetIfLost(error);
        return failure(error, 'solving a problem');
      }
    },

    async stopSolve() {
      solving?.abort();
      return solving !== null;
    },

    async runEngineCheck(onRow) {
      try {
        const ctx = await acquireGpu();
        const dtype = kvDTypeFor(ctx);
        const cache = { dtype, slots: 2 };
        const checks: (() => Promise<AttentionCheck>)[] = [
          () => checkKvStore(ctx, { rowSize: 24, cacheRowCount: 40, cacheRows: [3, 39, 40, 0, 17], dtype }),
          () => checkAttentionPrefill(ctx, { ...cache, heads: 4, kvHeads: 2, headDim: 20, maxLen: 90, slot: 1, start: 11, tokens: 69 }),
          () => checkAttentionDecode(ctx, { ...cache, heads: 6, kvHeads: 2, headDim: 12, maxLen: 150, chunk: 64, rows: [{ slot: 1, position: 149 }, { slot: 0, position: 5 }] }),
        ];
        const rows: EngineCheckRow[] = [];
        for (const check of checks) {
          const result = await check();
          const row = { kernel: result.kernel, shape: result.shape, pass: result.comparison.ok, maxAbsError: result.comparison.maxAbsError, message: result.message, ms: result.ms };
          rows.push(row);
          onRow?.(row);
        }
        return { ok: true, rows };
      } catch (error) {
        return failure(error, 'checking the engine kernels');
      }
    },

    async runModelShardLocally(shardId, onProgress) {
      try {
        const { local, view } = requireLoaded();
        if (shardRuns.has(shardId)) throw new Error('This shard is already generating on the local model.');
        const record = await getDatabase().synthShards.get(shardId);
        if (!record) throw new Error(`Shard ${shardId} not found; it may have been deleted.`);
        const expected = record.model?.model;
        if (expected !== undefined && expected !== view.name) {
          throw new Error(`Shard "${record.name}" was started with ${expected}, but the loaded model is ${view.name}: load ${expected} on the Models page to continue it.`);
        }
        const controller = new AbortController();
        shardRuns.set(shardId, controller);
        try {
          const shard = await runModelShard(getDatabase(), shardId, new LocalTextGenerator(local), projectGrader, {
            signal: controller.signal,
            concurrency: local.model.batch,
            onProgress,
          });
          return { ok: true, shard };
        } finally {
          shardRuns.delete(shardId);
        }
      } catch (error) {
        forgetIfLost(error);
        return failure(error, `running shard ${shardId} on the local model`);
      }
    },

    async pauseLocalShard(shardId) {
      const controller = shardRuns.get(shardId);
      controller?.abort(new DOMException('paused by the user', 'AbortError'));
      return controller !== undefined;
    },

    async openLoadedGenerator(name) {
      const { local, view } = requireLoaded();
      if (view.name !== name && view.modelName !== name) throw new Error(`The loaded model is ${view.name}, not ${name}; load ${name} on the Models page first.`);
      return { generator: new LocalGenerator(local), renderChat: chatRenderer(local.tokenizer) };
    },
  };
}

export const modelsService = createModelsService();
