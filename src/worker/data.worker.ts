/// <reference lib="webworker" />
/** The Web Worker for synthetic-data jobs (CPU only): generation, import, export, dedup, decontamination. */
import * as Comlink from 'comlink';
import { dataService } from './services/data.ts';

Comlink.expose(dataService);
