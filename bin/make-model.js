#!/usr/bin/env node
// `npm run make-model -- ...`: writes a seeded random-weight GGUF model (src/model/make-model.ts).
import { register } from 'tsx/esm/api';

register();
const { runMakeModel } = await import('../src/model/make-model.ts');
process.exitCode = await runMakeModel(process.argv.slice(2));
