/**
 * The GPU engine against the CPU reference forward pass on tiny random models of every supported
 * file type and both architectures: logits at every position of a 32-token greedy run match within
 * |gpu − ref| ≤ 2e-5 + 1e-4·|ref| (f32 KV cache; 1e-3 + 1e-2·|ref| with an f16 cache), and the
 * greedy tokens are identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { assertClose, type Tolerance } from '../kernels/compare.ts';
import { MODEL_FILE_TYPES } from '../model/random-model.ts';
import { ReferenceEngine } from '../model/reference/engine.ts';
import { GpuLogitsEngine } from './logits-engine.ts';
import { GpuModel } from './model.ts';
import { greedyTrace, openEngineModel, topMargin } from './test-fixtures.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});
afterAll(() => {
  expect(ctx.lostError).toBeNull();
});

const F32_CACHE: Tolerance = { atol: 2e-5, rtol: 1e-4 };
const F16_CACHE: Tolerance = { atol: 1e-3, rtol: 1e-2 };
/** 12 prompt tokens; prefill chunks of 5 split them 5 + 5 + 2. */
const PROMPT = [1, 17, 4, 90, 33, 33, 58, 7, 61, 12, 88, 3];
const STEPS = 32;

async function compareWithReference(architecture: 'llama' | 'qwen2', fileType: (typeof MODEL_FILE_TYPES)[number], kvDType: 'f32' | 'f16'): Promise<void> {
  const { file, config } = await openEngineModel(architecture, fileType);
  const model = await GpuModel.load(ctx, file, { contextLength: 64, prefillChunk: 5, kvDType });
  try {
    const label = `${config.name} (KV ${kvDType})`;
    const reference = await greedyTrace(ReferenceEngine.open(file), PROMPT, STEPS);
    const gpu = await greedyTrace(new GpuLogitsEngine(model), PROMPT, STEPS);
    const tolerance = kvDType === 'f32' ? F32_CACHE : F16_CACHE;
    for (let step = 0; step < STEPS; step++) {
      assertClose(`${label} logits before token ${step}`, gpu.logits[step], reference.logits[step], tolerance);
    }
    // Random weights give flat distributions, so the message reports how close the nearest tie came.
    const closest = Math.min(...reference.logits.map(topMargin));
    expect(gpu.tokens, `${label} greedy tokens (smallest top-2 margin ${closest.toExponential(2)})`).toEqual(reference.tokens);
  } finally {
    model.dispose();
  }
}

describe('GPU engine against the reference forward pass', () => {
  for (const architecture of ['llama', 'qwen2'] as const) {
    for (const fileType of MODEL_FILE_TYPES) {
      it(`${architecture} ${fileType} logits and greedy tokens`, async () => {
        await compareWithReference(architecture, fileType, 'f32');
      });
    }
  }

  it('f16 KV cache stays close', async () => {
    await compareWithReference('llama', 'q4_0', 'f16');
    await compareWithReference('qwen2', 'q4_k', 'f16');
  });
});

describe('weights split across bindings', () => {
  it('split weights give the same logits', async () => {
    const { file } = await openEngineModel('qwen2', 'q4_k', 2);
    // 8 KiB parts split every matrix of this model; the smallest, attn_k (128 rows of 144-byte Q4_K blocks), is 18 KiB.
    const model = await GpuModel.load(ctx, file, { contextLength: 64, prefillChunk: 5, kvDType: 'f32', maxWeightBindingBytes: 8 * 1024 });
    try {
      const parts = model.tensors.filter((t) => t.plan).map((t) => t.plan!.parts.length);
      expect(Math.min(...parts), 'parts of the smallest split matrix').toBeGreaterThan(1);
      const reference = await greedyTrace(ReferenceEngine.open(file), PROMPT, 8);
      const gpu = await greedyTrace(new GpuLogitsEngine(model), PROMPT, 8);
      for (let step = 0; step < 8; step++) assertClose(`split weights, logits before token ${step}`, gpu.logits[step], reference.logits[step], F32_CACHE);
      expect(gpu.tokens).toEqual(reference.tokens);
    } finally {
      model.dispose();
    }
  });
});

describe('prefill', () => {
  it('chunk size does not change logits', async () => {
    const { file } = await openEngineModel('qwen2', 'q8_0', 3);
    const logits: Float32Array[] = [];
    for (const prefillChunk of [1, 4, 64]) {
      const model = await GpuModel.load(ctx, file, { contextLength: 64, prefillChunk, kvDType: 'f32' });
      try {
        logits.push(await model.prefillLogits(0, PROMPT, 0));
      } finally {
        model.dispose();
      }
    }
    assertClose('chunks of 1 against 64', logits[0], logits[2], F32_CACHE);
    assertClose('chunks of 4 against 64', logits[1], logits[2], F32_CACHE);
  });
});
