/**
 * GPU sampling against its TypeScript reference: the same ids for fixed seeds, and draw
 * frequencies that match the softmax over the kept tokens. Used by unit tests and the self-test.
 */
import type { GpuContext } from '../gpu/context.ts';
import { Rng } from '../util/random.ts';
import type { KernelCheck } from './checks.ts';
import { runCalls } from './common.ts';
import { compareArrays, describeComparison, type Comparison, type Tolerance } from './compare.ts';
import { packSampleSettings, prepareSample } from './sample.ts';
import { argmaxRef, sampleDistribution, sampleRef, type SampleSettings } from './sample-reference.ts';

/** Runs the sampler on `rows` rows of logits and returns the ids with the kernel's time. */
async function sampleOnGpu(ctx: GpuContext, logits: Float32Array, settings: SampleSettings[], vocab: number): Promise<{ ids: Uint32Array; ms: number; timedBy: KernelCheck['timedBy']; bytes: number }> {
  const rows = settings.length;
  const logitBuffer = ctx.createStorage(logits, 'logits');
  const settingBuffer = ctx.createStorage(new Uint8Array(packSampleSettings(settings)), 'settings');
  const idBuffer = ctx.createStorage(rows * 4, 'ids');
  try {
    const call = await prepareSample(ctx, { logits: logitBuffer, settings: settingBuffer, ids: idBuffer, rows, vocab });
    const bytes = call.bytes;
    const started = performance.now();
    const result = await runCalls(ctx, [call], { timing: true });
    const wallMs = performance.now() - started;
    const ids = new Uint32Array(await ctx.read(idBuffer, rows * 4));
    return { ids, ms: result.gpuMs?.[0] ?? wallMs, timedBy: result.gpuMs ? 'gpu timestamps' : 'wall clock', bytes };
  } finally {
    for (const buffer of [logitBuffer, settingBuffer, idBuffer]) ctx.release(buffer);
  }
}

function checkResult(kernel: string, shape: string, comparison: Comparison, tolerance: Tolerance, message: string, run: { ms: number; timedBy: KernelCheck['timedBy']; bytes: number }): KernelCheck {
  return { kernel, dtype: 'f32', shape, comparison, tolerance, message, ms: run.ms, timedBy: run.timedBy, flops: 0, bytes: run.bytes };
}

/**
 * Random logits, `scale` times standard normal, with the maximum repeated in every third row so
 * ties occur.
 */
export function randomLogits(rows: number, vocab: number, rng: Rng, scale = 3): Float32Array {
  const logits = new Float32Array(rows * vocab);
  for (let i = 0; i < logits.length; i++) logits[i] = scale * rng.normal();
  for (let r = 0; r < rows && vocab > 1; r += 3) {
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    const max = argmaxRef(row);
    row[(max + rng.int(1, vocab - 1)) % vocab] = row[max];
  }
  return logits;
}

/** Checks that the GPU picks the reference's token in every row, for the settings of each row. */
export async function checkSampleIds(ctx: GpuContext, vocab: number, settings: SampleSettings[], seed = 1, label = 'sample'): Promise<KernelCheck> {
  const rng = new Rng(seed);
  const rows = settings.length;
  const logits = randomLogits(rows, vocab, rng);
  const run = await sampleOnGpu(ctx, logits, settings, vocab);
  const expected = settings.map((s, r) => sampleRef(logits.subarray(r * vocab, (r + 1) * vocab), s));
  const tolerance = { atol: 0, rtol: 0 };
  const comparison = compareArrays(run.ids, expected, tolerance);
  const shape = `${rows}×${vocab}`;
  return checkResult(label, shape, comparison, tolerance, describeComparison(`${label} ${shape} token ids`, comparison, tolerance), run);
}

/**
 * Draws `draws` tokens from one row of logits, one stream per draw. Checks each token's frequency
 * against its probability, within 5 standard deviations of the largest probability's binomial
 * spread, and checks that no token outside the kept set is drawn.
 */
export async function checkSampleDistribution(ctx: GpuContext, logitsRow: Float32Array, settings: Omit<SampleSettings, 'stream'>, draws: number): Promise<KernelCheck> {
  const vocab = logitsRow.length;
  const logits = new Float32Array(draws * vocab);
  for (let d = 0; d < draws; d++) logits.set(logitsRow, d * vocab);
  const rows = Array.from({ length: draws }, (_, stream) => ({ ...settings, stream }));
  const run = await sampleOnGpu(ctx, logits, rows, vocab);
  const frequencies = new Float64Array(vocab);
  for (const id of run.ids) frequencies[id] += 1 / draws;
  const probabilities = sampleDistribution(logitsRow, { ...settings, stream: 0 });
  const largest = Math.max(...probabilities);
  const tolerance = { atol: 5 * Math.sqrt((largest * (1 - largest)) / draws), rtol: 0 };
  const comparison = compareArrays(frequencies, probabilities, tolerance);
  const name = `sample distribution (T=${settings.temperature}, top-k ${settings.topK}, top-p ${settings.topP})`;
  let message = describeComparison(`${name} frequencies of ${draws} draws`, comparison, tolerance);
  const excluded = [...run.ids].filter((id) => probabilities[id] === 0);
  if (excluded.length > 0) {
    comparison.ok = false;
    message = `${name}: ${excluded.length} draws picked tokens outside the kept set, first ${excluded[0]}; ${message}`;
  }
  return checkResult('sample distribution', `${draws}×${vocab}`, comparison, tolerance, message, run);
}
