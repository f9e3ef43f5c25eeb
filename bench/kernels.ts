/**
 * `npm run bench -- kernels`: f32 (and f16, where offered) matmul 1024³ in GFLOP/s and GEMV 4096×4096
 * in GB/s on the current adapter, next to the plain TypeScript reference measured in the same run.
 */
import { parseArgs } from 'node:util';
import { acquireGpu } from '../src/gpu/session.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { releaseCall, type DType, type KernelCall } from '../src/kernels/common.ts';
import { prepareGemv } from '../src/kernels/gemv.ts';
import { prepareMatmul } from '../src/kernels/matmul.ts';
import { gemvRef, matmulRef } from '../src/kernels/reference/basic.ts';
import { toF16Array } from '../src/util/f16.ts';
import { Rng } from '../src/util/random.ts';
import { machineLine, median, printTable, type Bench } from './report.ts';

async function timeCall(ctx: GpuContext, call: KernelCall, repeats: number): Promise<{ ms: number; timedBy: string }> {
  await ctx.run([call]); // warm-up: first use of buffers and pipeline
  const samples: number[] = [];
  let timedBy = 'gpu timestamps';
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const result = await ctx.run([call], { timing: true });
    const wall = performance.now() - started;
    if (!result.gpuMs) timedBy = 'wall clock';
    samples.push(result.gpuMs?.[0] ?? wall);
  }
  return { ms: median(samples), timedBy };
}

function upload(ctx: GpuContext, values: Float32Array, dtype: DType): GPUBuffer {
  return ctx.createStorage(dtype === 'f16' ? toF16Array(values) : values);
}

export const kernelsBench: Bench = {
  name: 'kernels',
  summary: 'matmul 1024³ GFLOP/s and GEMV 4096×4096 GB/s against the TypeScript reference',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { repeats: { type: 'string' }, size: { type: 'string' }, rows: { type: 'string' } } });
    const repeats = Number(values.repeats ?? 3);
    const size = Number(values.size ?? 1024);
    const rows = Number(values.rows ?? 4096);
    const ctx = await acquireGpu();
    console.log(machineLine(ctx));
    const rng = new Rng(7);

    // The TypeScript reference in the same run: one full matmul (slow) and one GEMV.
    const a = rng.floats(size * size);
    const b = rng.floats(size * size);
    let started = performance.now();
    matmulRef(a, b, { m: size, n: size, k: size });
    const refMatmulS = (performance.now() - started) / 1000;
    const refMatmulGflops = (2 * size ** 3) / refMatmulS / 1e9;
    const w = rng.floats(rows * rows);
    const x = rng.floats(rows);
    started = performance.now();
    for (let i = 0; i < repeats; i++) gemvRef(w, x, rows, rows);
    const refGemvS = (performance.now() - started) / 1000 / repeats;
    const refGemvGbs = ((rows * rows + 2 * rows) * 4) / refGemvS / 1e9;

    const table: (string | number)[][] = [];
    const dtypes: DType[] = ctx.hasF16 ? ['f32', 'f16'] : ['f32'];
    for (const dtype of dtypes) {
      const aBuffer = upload(ctx, a, dtype);
      const bBuffer = upload(ctx, b, dtype);
      const cBuffer = ctx.createStorage(size * size * 4);
      const matmul = await prepareMatmul(ctx, { a: aBuffer, b: bBuffer, c: cBuffer, m: size, n: size, k: size, dtype });
      const mm = await timeCall(ctx, matmul, repeats);
      const gflops = matmul.flops / (mm.ms / 1000) / 1e9;
      table.push([`matmul ${size}³ ${dtype}`, `${gflops.toFixed(3)} GFLOP/s`, `${refMatmulGflops.toFixed(3)} GFLOP/s`, `${(gflops / refMatmulGflops).toFixed(2)}×`, `${mm.ms.toFixed(1)} ms`, mm.timedBy]);
      releaseCall(ctx, matmul);
      for (const buffer of [aBuffer, bBuffer, cBuffer]) ctx.release(buffer);

      const wBuffer = upload(ctx, w, dtype);
      const xBuffer = upload(ctx, x, dtype);
      const yBuffer = ctx.createStorage(rows * 4);
      const gemv = await prepareGemv(ctx, { w: wBuffer, x: xBuffer, y: yBuffer, n: rows, k: rows, dtype });
      const gv = await timeCall(ctx, gemv, repeats);
      const gbs = gemv.bytes / (gv.ms / 1000) / 1e9;
      table.push([`gemv ${rows}×${rows} ${dtype}`, `${gbs.toFixed(3)} GB/s`, `${refGemvGbs.toFixed(3)} GB/s (f32)`, `${(gbs / refGemvGbs).toFixed(2)}×`, `${gv.ms.toFixed(2)} ms`, gv.timedBy]);
      releaseCall(ctx, gemv);
      for (const buffer of [wBuffer, xBuffer, yBuffer]) ctx.release(buffer);
    }
    printTable(['kernel', 'WebGPU', 'TypeScript reference', 'ratio', 'median time', 'timed by'], table);
  },
};
