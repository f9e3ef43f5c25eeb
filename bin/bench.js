#!/usr/bin/env node
// `npm run bench -- NAME`: runs a benchmark from bench/ on the current WebGPU adapter.
import { register } from 'tsx/esm/api';

register();
await import('../bench/main.ts');
