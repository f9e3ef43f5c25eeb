/**
 * GGUF export of a trained model, loaded back by every consumer in the project: the GGUF reader and
 * config reader, the tokenizer, the CPU reference forward pass and the GPU engine. Logits at every
 * position of a prompt are compared with the trained model's own forward pass:
 * - f32: |export − trained| ≤ 1e-4 + 1e-3·|trained| (same weights, another summation order);
 * - f16, q8_0, q4_0: relative RMS error of the logits at most 1e-3, 0.015 and 0.06 (weight rounding);
 * - GPU engine against the reference on the same file: ≤ 2e-5 + 1e-4·|ref|, as the engine's tests use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import { GpuLogitsEngine } from '../engine/logits-engine.ts';
import { GpuModel } from '../engine/model.ts';
import type { GpuContext } from '../gpu/context.ts';
import { assertClose } from '../kernels/compare.ts';
import { readModelConfig } from '../model/config.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { bytesSource } from '../model/gguf/source.ts';
import { encodeGguf } from '../model/gguf/writer.ts';
import { GgmlType } from '../model/quant/types.ts';
import { ReferenceModel } from '../model/reference/forward.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import { EXPORT_TYPES, trainedModelGguf, type ExportType } from './export.ts';
import { loadInitialModel } from './init-from-gguf.ts';
import { TrainModel } from './model.ts';
import { renderSftPrompt, templateParts, exampleText } from './sft-data.ts';
import { buildBpeTokenizer } from './tokenizer.ts';
import { trainModel, type TrainedModel } from './train-model.ts';
import { additionRecords, TOY_TEMPLATE, toyData, toyTrainingConfig } from './training-fixtures.ts';

let ctx: GpuContext;
let trained: TrainedModel;
let promptIds: number[];
let trainedLogits: Float32Array;

/** Logits of the trained weights at every position of `ids`, from the training graph itself. */
async function trainingLogits(model: TrainedModel, ids: number[]): Promise<Float32Array> {
  const graph = await TrainModel.create(ctx, model.config, { batchSize: 1, seqLen: ids.length });
  try {
    graph.writeArena('parameters', model.parameters);
    const zeros = new Uint32Array(ids.length);
    graph.uploadBatch({ batchSize: 1, seqLen: ids.length, tokens: ids, targets: ids, lossMask: new Float32Array(ids.length), positions: ids.map((_, i) => i), segments: zeros });
    graph.forward({ gradient: false });
    return await graph.readLogits();
  } finally {
    graph.dispose();
  }
}

function relativeRms(actual: Float32Array, expected: Float32Array): number {
  let error = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    error += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(error / norm);
}

async function exported(type: ExportType): Promise<GgufFile> {
  const bytes = await encodeGguf(trainedModelGguf(trained, { type, name: `toy-${type}` }));
  return openGguf(bytesSource(bytes, `toy-${type}.gguf`));
}

beforeAll(async () => {
  ctx = await testGpu();
  const records = additionRecords(40, 5);
  const tokenizer = await buildBpeTokenizer(records.map((r) => exampleText(TOY_TEMPLATE, r)), { vocabSize: 400, userDefined: templateParts(TOY_TEMPLATE) });
  const data = toyData(tokenizer, [{ name: 'mixed', records }], []);
  const result = await trainModel(ctx, toyTrainingConfig(tokenizer.vocabSize, { epochs: 2 }), data);
  trained = result.model;
  promptIds = [tokenizer.bos!, ...tokenizer.encode(renderSftPrompt(TOY_TEMPLATE, '12 + 7')), ...tokenizer.encode(' The answer is 19')];
  trainedLogits = await trainingLogits(trained, promptIds);
});

afterAll(() => {
  expect(ctx.lostError).toBeNull();
});

/** About ten times the measured errors: 1e-7, 7e-5, 1.5e-3 and 7e-3. */
const RMS_LIMIT: Record<ExportType, number> = { f32: 1e-5, f16: 1e-3, q8_0: 0.015, q4_0: 0.06 };

describe.each(EXPORT_TYPES)('GGUF export %s', (type) => {
  let file: GgufFile;
  let referenceLogits: Float32Array;
  beforeAll(async () => {
    file = await exported(type);
    const reference = ReferenceModel.load(file);
    referenceLogits = await reference.forward(promptIds, reference.createCache(), { allLogits: true });
  });

  it('has the llama config and tensor types', () => {
    const config = readModelConfig(file);
    expect(config).toMatchObject({ architecture: 'llama', layerCount: 2, embeddingLength: 32, headCount: 4, headCountKv: 2, feedForwardLength: 64, vocabSize: trained.config.vocabSize, tiedOutput: true, ropeStyle: 'normal' });
    expect(file.getCount('general.file_type')).toBe({ f32: 0, f16: 1, q8_0: 7, q4_0: 2 }[type]);
    const matrixType = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0, q4_0: GgmlType.Q4_0 }[type];
    expect(file.tensor('blk.0.attn_q.weight')?.type).toBe(matrixType);
    expect(file.tensor('blk.1.ffn_norm.weight')?.type).toBe(GgmlType.F32);
  });

  it('carries the training tokenizer', () => {
    const tokenizer = GgufTokenizer.fromGguf(file);
    const prompt = renderSftPrompt(TOY_TEMPLATE, '12 + 7');
    expect(tokenizer.encode(prompt)).toEqual([trained.tokenizer.bos, ...trained.tokenizer.encode(prompt)]);
  });

  it('reference forward matches the trained model', () => {
    if (type === 'f32') assertClose('f32 export logits', referenceLogits, trainedLogits, { atol: 1e-4, rtol: 1e-3 });
    expect(relativeRms(referenceLogits, trainedLogits)).toBeLessThan(RMS_LIMIT[type]);
  });

  it('GPU engine matches the reference forward', async () => {
    const model = await GpuModel.load(ctx, file, { contextLength: 64, kvDType: 'f32' });
    const engine = new GpuLogitsEngine(model, true);
    try {
      const vocab = trained.config.vocabSize;
      for (let i = 0; i < promptIds.length; i++) {
        const logits = await engine.append([promptIds[i]]);
        assertClose(`${type} GPU engine logits at position ${i}`, logits, referenceLogits.subarray(i * vocab, (i + 1) * vocab), { atol: 2e-5, rtol: 1e-4 });
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe('fine-tuning from a GGUF file', () => {
  it('loads the F32 export as initial weights and its tokenizer', async () => {
    const initial = await loadInitialModel(await exported('f32'));
    // The file stores the RMSNorm epsilon as f32.
    expect(initial.config).toEqual({ ...trained.config, rmsNormEps: Math.fround(trained.config.rmsNormEps) });
    expect(initial.tokenizer.kind).toBe('gguf');
    expect(initial.tokenizer.encode('7 + 8')).toEqual(trained.tokenizer.encode('7 + 8'));
    expect(Array.from(initial.parameters)).toEqual(Array.from(trained.parameters));
  });

  it('loads F16 weights and rejects quantized ones', async () => {
    const initial = await loadInitialModel(await exported('f16'));
    expect(relativeRms(initial.parameters, trained.parameters)).toBeLessThan(1e-3);
    await expect(loadInitialModel(await exported('q8_0'))).rejects.toThrow(/is Q8_0; training starts from F32, F16 or BF16 weights/);
  });
});
