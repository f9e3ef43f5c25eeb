/**
 * A device lost during generation: the generation rejects with the device-lost error, and the model
 * loads and generates again on the device the session creates next. Its own file, because it
 * destroys the process's shared device.
 */
import { expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import { DeviceLostError } from '../gpu/errors.ts';
import { acquireGpu } from '../gpu/session.ts';
import { GREEDY } from '../model/reference/sampling.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import { generateBatch, type SequenceRequest, type SequenceResult } from './batch.ts';
import { GpuModel } from './model.ts';
import { openEngineModel } from './test-fixtures.ts';

it('lost device rejects generation and the model reloads', async () => {
  const { file } = await openEngineModel('llama', 'q8_0');
  const tokenizer = GgufTokenizer.fromGguf(file);
  const request: SequenceRequest = { id: 'r', promptTokens: [1, 10, 20, 30], sampling: GREEDY, maxTokens: 200, stop: [] };

  const ctx = await testGpu();
  const model = await GpuModel.load(ctx, file, { contextLength: 256 });
  let pieces = 0;
  const generation = generateBatch(model, tokenizer, [request], {
    onText() {
      if (++pieces === 3) ctx.device.destroy();
    },
    onFinished() {},
  });
  await expect(generation).rejects.toBeInstanceOf(DeviceLostError);
  expect(ctx.lostError).toBeInstanceOf(DeviceLostError);
  expect(() => model.decode([{ slot: 0, token: 5, position: 4 }])).toThrow(DeviceLostError);

  const next = await acquireGpu();
  expect(next).not.toBe(ctx);
  const reloaded = await GpuModel.load(next, file, { contextLength: 256 });
  try {
    const results: SequenceResult[] = [];
    await generateBatch(reloaded, tokenizer, [{ ...request, maxTokens: 8 }], { onFinished: (r) => results.push(r) });
    expect(results).toHaveLength(1);
    expect(results[0].tokens).toHaveLength(8);
  } finally {
    reloaded.dispose();
  }
});
