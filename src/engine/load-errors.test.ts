/**
 * Models the GPU engine rejects before allocating (too large for the memory budget, a binding
 * limit, an unsupported tensor type, architecture or RoPE scaling), context clamping, prompts
 * longer than the context, and stopping a load.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { GpuLimitError } from '../gpu/errors.ts';
import { metadataValue } from '../model/gguf/metadata.ts';
import { openTinyModel } from '../model/test-models.ts';
import { GenerationAbortedError, ModelTooLargeError, UnsupportedModelError } from './errors.ts';
import { GpuLogitsEngine } from './logits-engine.ts';
import { GpuModel } from './model.ts';
import { openEngineModel } from './test-fixtures.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testGpu();
});

/** Loads and expects an error, checking that no GPU buffer is left behind. */
async function expectLoadError(load: () => Promise<GpuModel>): Promise<Error> {
  const buffers = ctx.ownedBufferCount;
  const error = await load().then(
    (model) => {
      model.dispose();
      throw new Error('the load succeeded');
    },
    (e: Error) => e,
  );
  expect(ctx.ownedBufferCount, 'buffers left after the failed load').toBe(buffers);
  return error;
}

describe('load errors', () => {
  it('model above the memory budget is rejected', async () => {
    const { file } = await openEngineModel('llama', 'q4_0');
    const error = await expectLoadError(() => GpuModel.load(ctx, file, { contextLength: 64, memoryBudget: { bytes: 100 * 1024, source: 'a test budget' } }));
    expect(error).toBeInstanceOf(ModelTooLargeError);
    expect(error.message).toMatch(/needs \d+(\.\d+)? (KiB|MiB) of GPU memory \(weights .*KV cache .*workspace .*\), but 100\.0 KiB is available \(a test budget\)/);
  });

  it('KV cache above the binding limit is rejected', async () => {
    const { file } = await openEngineModel('llama', 'q4_0');
    const error = await expectLoadError(() => GpuModel.load(ctx, file, { contextLength: 256, batch: 3000 }));
    expect(error).toBeInstanceOf(GpuLimitError);
    expect(error.message).toMatch(/maxStorageBufferBindingSize \(for one layer's KV cache of 3000 × 256 positions\)/);
  });

  it('unsupported tensor type names the supported ones', async () => {
    // Rows of 64 values cannot hold Q4_K super-blocks, so this q4_k file stores Q5_0 matrices.
    const { file } = await openTinyModel({ fileType: 'q4_k' });
    const error = await expectLoadError(() => GpuModel.load(ctx, file));
    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect(error.message).toMatch(/tensor token_embd\.weight has type Q5_0, .*matrices: F32, F16, Q4_0, Q8_0, Q4_K, Q6_K/);
  });

  it('unsupported architecture names the supported ones', async () => {
    const { file } = await openTinyModel({}, (spec) => ({
      ...spec,
      metadata: [...spec.metadata].map(([key, value]) => (key === 'general.architecture' ? [key, metadataValue.string('gpt2')] : [key, value])),
    }));
    const error = await expectLoadError(() => GpuModel.load(ctx, file));
    expect(error.message).toMatch(/architecture "gpt2" is not supported; supported architectures: llama, qwen2/);
  });

  it('YaRN scaling is rejected', async () => {
    const { file } = await openTinyModel({}, (spec) => ({
      ...spec,
      metadata: [...spec.metadata, ['llama.rope.scaling.type', metadataValue.string('yarn')], ['llama.rope.scaling.factor', metadataValue.f32(4)]],
    }));
    const error = await expectLoadError(() => GpuModel.load(ctx, file));
    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect(error.message).toMatch(/YaRN RoPE scaling is not supported by the GPU engine; supported: none, linear/);
  });

  it('stopped load frees its buffers', async () => {
    const { file } = await openEngineModel('qwen2', 'f16');
    const controller = new AbortController();
    let calls = 0;
    const error = await expectLoadError(() =>
      GpuModel.load(ctx, file, {
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 5) controller.abort();
        },
      }),
    );
    expect(error).toBeInstanceOf(GenerationAbortedError);
  });
});

describe('context', () => {
  it('request above the model is clamped with a warning', async () => {
    const { file } = await openEngineModel('llama', 'f16');
    const warnings: string[] = [];
    const model = await GpuModel.load(ctx, file, { contextLength: 1000, onWarning: (w) => warnings.push(w) });
    try {
      expect(model.contextLength).toBe(256);
      expect(warnings).toEqual(["The requested context of 1000 tokens is above the model's context length of 256; using 256."]);
      expect(model.warnings).toEqual(warnings);
    } finally {
      model.dispose();
    }
  });

  it('prompt longer than the context is an error', async () => {
    const { file } = await openEngineModel('llama', 'f16');
    const model = await GpuModel.load(ctx, file, { contextLength: 16 });
    try {
      const engine = new GpuLogitsEngine(model);
      const prompt = Array.from({ length: 17 }, (_, i) => 3 + i);
      await expect(engine.append(prompt)).rejects.toThrow(/17 tokens, more than the context length of 16/);
      await expect(model.prefill(0, prompt, 0)).rejects.toThrow(/17 tokens from position 0 do not fit the context of 16 tokens/);
      // The model stays usable after the rejected prompt.
      expect((await engine.append(prompt.slice(0, 16))).length).toBe(model.vocabSize);
    } finally {
      model.dispose();
    }
  });
});
