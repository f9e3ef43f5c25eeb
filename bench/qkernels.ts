/**
 * `npm run bench -- qkernels`: the quantized kernels on the current adapter, in one run.
 * - GEMV GB/s for every weight type at 4096×4096 and 14336×4096 (the attention and the FFN up/gate
 *   projections of a Mistral-7B-shaped model).
 * - Thin GEMM at M = 1, 8 and 32 on 4096×4096: effective GB/s (weight bytes over time) and the
 *   speed-up over M separate GEMVs.
 * - Sampling time for 32k and 152k vocabularies.
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../src/gpu/context.ts';
import { acquireGpu } from '../src/gpu/session.ts';
import { releaseCall, type KernelCall } from '../src/kernels/common.ts';
import { parseWeightType, WEIGHT_TYPES, type WeightType } from '../src/kernels/quant/formats.ts';
import { prepareQMatmul } from '../src/kernels/quant/matmul.ts';
import { randomWeightBytes } from '../src/kernels/quant/random-weights.ts';
import { releaseQuantWeight, uploadWeight, type QuantWeight } from '../src/kernels/quant/weights.ts';
import { packSampleSettings, prepareSample, type SampleSettings } from '../src/kernels/sample.ts';
import { Rng } from '../src/util/random.ts';
import { machineLine, median, printTable, type Bench } from './report.ts';

interface Timing {
  ms: number;
  timedBy: string;
}

/** Median time of `calls` run together, after one warm-up run; GPU timestamps when the adapter has them. */
async function timeCalls(ctx: GpuContext, calls: KernelCall[], repeats: number): Promise<Timing> {
  await ctx.run(calls);
  const samples: number[] = [];
  let timedBy = 'gpu timestamps';
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const result = await ctx.run(calls, { timing: true });
    const wall = performance.now() - started;
    if (!result.gpuMs) timedBy = 'wall clock';
    samples.push(result.gpuMs ? result.gpuMs.reduce((a, b) => a + b, 0) : wall);
  }
  return { ms: median(samples), timedBy };
}

function gbPerSecond(bytes: number, ms: number): string {
  return `${(bytes / (ms / 1000) / 1e9).toFixed(3)} GB/s`;
}

/** Times Y = X · Wᵀ for `m` tokens and frees what it made. */
async function timeProduct(ctx: GpuContext, weight: QuantWeight, m: number, repeats: number): Promise<Timing & { label: string }> {
  const x = ctx.createStorage(new Rng(m).floats(m * weight.layout.colsPadded));
  const y = ctx.createStorage(m * weight.rows * 4);
  const calls = await prepareQMatmul(ctx, { weight, x, y, m });
  try {
    return { ...(await timeCalls(ctx, calls, repeats)), label: calls[0].label ?? '' };
  } finally {
    for (const call of calls) releaseCall(ctx, call);
    ctx.release(x);
    ctx.release(y);
  }
}

function makeWeight(ctx: GpuContext, type: WeightType, rows: number, cols: number): QuantWeight {
  const bytes = randomWeightBytes(type, rows, cols, new Rng(rows + cols));
  return uploadWeight(ctx, { type, rows, cols, bytes, label: `${type} ${rows}×${cols}` });
}

async function benchGemv(ctx: GpuContext, types: WeightType[], shapes: [number, number][], repeats: number): Promise<void> {
  const table: (string | number)[][] = [];
  for (const type of types) {
    for (const [rows, cols] of shapes) {
      const weight = makeWeight(ctx, type, rows, cols);
      const timing = await timeProduct(ctx, weight, 1, repeats);
      const parts = weight.parts.length > 1 ? `${weight.parts.length} parts` : '';
      table.push([`${type} ${rows}×${cols}`, `${(weight.gpuBytes / 2 ** 20).toFixed(1)} MiB`, parts, `${timing.ms.toFixed(2)} ms`, gbPerSecond(weight.gpuBytes, timing.ms), timing.timedBy]);
      releaseQuantWeight(ctx, weight);
    }
  }
  console.log('\nGEMV y = W·x (weight bytes over time)');
  printTable(['weight N×K', 'weight bytes', 'split', 'median time', 'GB/s', 'timed by'], table);
}

async function benchGemm(ctx: GpuContext, types: WeightType[], tokenCounts: number[], repeats: number): Promise<void> {
  const table: (string | number)[][] = [];
  for (const type of types) {
    const weight = makeWeight(ctx, type, 4096, 4096);
    const gemv = await timeProduct(ctx, weight, 1, repeats);
    for (const m of tokenCounts) {
      const timing = m === 1 ? gemv : await timeProduct(ctx, weight, m, repeats);
      const speedUp = (m * gemv.ms) / timing.ms;
      table.push([`${type} M=${m}`, timing.label.replace(/^qgem[mv] \S+ ?/, '') || 'direct', `${timing.ms.toFixed(2)} ms`, gbPerSecond(weight.gpuBytes, timing.ms), `${speedUp.toFixed(2)}×`]);
    }
    releaseQuantWeight(ctx, weight);
  }
  console.log('\nThin GEMM Y = X·Wᵀ on 4096×4096 (effective GB/s: weight bytes over time; speed-up: M GEMVs over one GEMM)');
  printTable(['weight, tokens', 'kernel', 'median time', 'effective GB/s', 'speed-up vs M×GEMV'], table);
}

async function benchSample(ctx: GpuContext, repeats: number): Promise<void> {
  const table: (string | number)[][] = [];
  const cases: [string, Partial<SampleSettings>][] = [
    ['greedy', { temperature: 0 }],
    ['T=0.8, top-k 40', { topK: 40 }],
    ['T=0.8, top-p 0.9', { topP: 0.9 }],
  ];
  for (const vocab of [32_000, 152_064]) {
    for (const rows of [1, 8]) {
      const rng = new Rng(vocab + rows);
      const logits = ctx.createStorage(Float32Array.from({ length: rows * vocab }, () => 3 * rng.normal()));
      const ids = ctx.createStorage(rows * 4);
      for (const [name, overrides] of cases) {
        const settingsRows = Array.from({ length: rows }, (_, stream) => ({ temperature: 0.8, topK: 0, topP: 1, seed: 1, stream, step: 0, ...overrides }));
        const settings = ctx.createStorage(new Uint8Array(packSampleSettings(settingsRows)));
        const call = await prepareSample(ctx, { logits, settings, ids, rows, vocab });
        const timing = await timeCalls(ctx, [call], repeats);
        table.push([`${rows}×${vocab}`, name, `${timing.ms.toFixed(2)} ms`, timing.timedBy]);
        releaseCall(ctx, call);
        ctx.release(settings);
      }
      ctx.release(logits);
      ctx.release(ids);
    }
  }
  console.log('\nSampling (one token id per row)');
  printTable(['rows × vocabulary', 'settings', 'median time', 'timed by'], table);
}

export const qkernelsBench: Bench = {
  name: 'qkernels',
  summary: 'quantized GEMV GB/s per weight type, thin GEMM at M = 1, 8, 32 vs M GEMVs, GPU sampling time',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { repeats: { type: 'string' }, types: { type: 'string' }, quick: { type: 'boolean' } } });
    const repeats = Number(values.repeats ?? 3);
    if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a positive whole number, got ${values.repeats}`);
    const types = values.types ? values.types.split(',').map(parseWeightType) : [...WEIGHT_TYPES];
    const shapes: [number, number][] = values.quick ? [[4096, 4096]] : [[4096, 4096], [14336, 4096]];
    const ctx = await acquireGpu();
    console.log(machineLine(ctx));
    await benchGemv(ctx, types, shapes, repeats);
    await benchGemm(ctx, types, [1, 8, 32], repeats);
    await benchSample(ctx, repeats);
  },
};
