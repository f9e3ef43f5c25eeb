/// <reference lib="webworker" />
/** The Web Worker that owns the GPUDevice: every GPU job of the app runs here, called through comlink. */
import * as Comlink from 'comlink';
import { useBrowserGpu } from '../gpu/host-browser.ts';
import type { WorkerApi } from './api.ts';
import { createEvalRunService, evalService } from './services/eval.ts';
import { experimentsService } from './services/experiments.ts';
import { modelsService } from './services/models.ts';
import { systemService } from './services/system.ts';
import { trainService } from './services/train.ts';

useBrowserGpu();

// Evaluation runs generate with the model loaded on the Models page, named by its cached file.
const { openLoadedGenerator, ...models } = modelsService;

const api: WorkerApi = {
  ...systemService,
  ...evalService,
  ...createEvalRunService(openLoadedGenerator),
  ...trainService,
  ...models,
  ...experimentsService,
};

Comlink.expose(api);
