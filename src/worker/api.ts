/**
 * The API the GPU worker exposes to the UI through comlink: the union of its services, one per
 * feature area. Everything crossing it is structured-cloneable; callbacks go through Comlink.proxy.
 */
import type { EvalRunService, EvalService } from './services/eval.ts';
import type { ExperimentsService } from './services/experiments.ts';
import type { ModelsService } from './services/models.ts';
import type { SystemService } from './services/system.ts';
import type { TrainService } from './services/train.ts';

export type { AdapterResult, WorkerFailure } from './services/system.ts';

export type WorkerApi = SystemService & EvalService & TrainService & ModelsService & EvalRunService<string> & ExperimentsService;
