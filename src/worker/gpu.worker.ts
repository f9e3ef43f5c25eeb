/// <reference lib="webworker" />
/** The Web Worker that owns the GPUDevice: every GPU job of the app runs here, called through comlink. */
import * as Comlink from 'comlink';
import { useBrowserGpu } from '../gpu/host-browser.ts';
import type { WorkerApi } from './api.ts';
import { evalService } from './services/eval.ts';
import { systemService } from './services/system.ts';
import { trainService } from './services/train.ts';

useBrowserGpu();

const api: WorkerApi = {
  ...systemService,
  // TODO: add ...createEvalRunService(openGenerator) here once the inference engine provides openGenerator.
  ...evalService,
  ...trainService,
};

Comlink.expose(api);
