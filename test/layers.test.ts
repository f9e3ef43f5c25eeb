/**
 * Checks the layering of src/: a module may import from its own layer and from lower ones only,
 * and React code never touches the GPU runtime directly.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Lower number = lower layer. Folders on the same level may import each other. */
export const LAYERS: Record<string, number> = {
  util: 0,
  gpu: 1,
  kernels: 2,
  model: 3,
  engine: 3,
  train: 3,
  eval: 4,
  data: 4,
  scaling: 4,
  db: 4,
  worker: 5,
  cli: 5,
  ui: 6,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

function topFolder(path: string): string {
  return relative(SRC, path).split('/')[0];
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"]([^'"]+)['"]/g;

describe('layering', () => {
  const files = sourceFiles(SRC).filter((f) => !/\.test\.tsx?$/.test(f));

  it('every top-level folder of src/ has a layer', () => {
    const folders = new Set(files.map(topFolder).filter((f) => !f.includes('.')));
    for (const folder of folders) expect(LAYERS, `src/${folder} needs an entry in LAYERS`).toHaveProperty(folder);
  });

  it('no module imports from a higher layer', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const spec = match[1] ?? match[2] ?? match[3];
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC)) continue;
        const to = topFolder(target);
        if (LAYERS[to] > LAYERS[from]) violations.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('React components never import the GPU runtime', () => {
    // Type-only imports (import type …) carry no code, so they are allowed.
    const runtimeImport = /^import\s+(?!type\b)[^;]*from\s+['"](\.\.\/)+gpu\/(context|session|host-browser|host-node)/m;
    const offenders = files.filter((f) => topFolder(f) === 'ui').filter((f) => runtimeImport.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});
