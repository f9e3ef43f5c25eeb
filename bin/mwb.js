#!/usr/bin/env node
// The `mwb` command: runs the TypeScript CLI in src/cli through tsx, on the same engine as the app.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
