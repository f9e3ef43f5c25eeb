/**
 * Batched generation with continuous batching on a tiny random model: the same tokens as separate
 * runs (greedy and seeded sampling), no pipelines or bind groups created while generating, stop
 * strings, token limits, prompts longer than the context and aborts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../test/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { GgufFile } from '../model/gguf/file.ts';
import { ReferenceEngine } from '../model/reference/engine.ts';
import { generate } from '../model/reference/generate.ts';
import { GREEDY, type SamplingOptions } from '../model/reference/sampling.ts';
import { GgufTokenizer } from '../model/tokenizer/tokenizer.ts';
import { generateBatch, type SequenceRequest, type SequenceResult } from './batch.ts';
import { LogitsSampler } from './sampler.ts';
import { GpuModel } from './model.ts';
import { openEngineModel } from './test-fixtures.ts';

let ctx: GpuContext;
let file: GgufFile;
let tokenizer: GgufTokenizer;
let batched: GpuModel;
let single: GpuModel;

beforeAll(async () => {
  ctx = await testGpu();
  file = (await openEngineModel('llama', 'q4_0', 7)).file;
  tokenizer = GgufTokenizer.fromGguf(file);
  batched = await GpuModel.load(ctx, file, { contextLength: 48, batch: 3, prefillChunk: 8 });
  single = await GpuModel.load(ctx, file, { contextLength: 48, batch: 1, prefillChunk: 8 });
});
afterAll(() => {
  batched?.dispose();
  single?.dispose();
});

const PROMPTS = [
  [1, 20, 21, 22],
  [1, 50, 9, 9, 9, 9, 9, 9, 9, 9, 9, 61],
  [1, 80],
  [1, 33, 44, 55, 66, 77],
  [1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
];
const MAX_TOKENS = [12, 20, 5, 16, 9];

function requests(sampling: SamplingOptions, overrides: Partial<SequenceRequest>[] = []): SequenceRequest[] {
  return PROMPTS.map((promptTokens, i) => ({
    id: `r${i}`,
    promptTokens,
    sampling: { ...sampling, seed: sampling.seed + i },
    maxTokens: MAX_TOKENS[i],
    stop: [],
    ...overrides[i],
  }));
}

interface Collected {
  results: Map<string, SequenceResult>;
  streamed: Map<string, string>;
  order: string[];
}

async function collect(model: GpuModel, list: SequenceRequest[], signal?: AbortSignal, onText?: (id: string, piece: string) => void): Promise<Collected> {
  const results = new Map<string, SequenceResult>();
  const streamed = new Map<string, string>();
  const order: string[] = [];
  await generateBatch(model, tokenizer, list, {
    signal,
    onText(id, piece) {
      streamed.set(id, (streamed.get(id) ?? '') + piece);
      onText?.(id, piece);
    },
    onFinished(result) {
      expect(results.has(result.id), `${result.id} finished twice`).toBe(false);
      results.set(result.id, result);
      order.push(result.id);
    },
  });
  return { results, streamed, order };
}

async function separately(list: SequenceRequest[]): Promise<Map<string, SequenceResult>> {
  const results = new Map<string, SequenceResult>();
  for (const request of list) {
    for (const [id, result] of (await collect(single, [request])).results) results.set(id, result);
  }
  return results;
}

describe('batched generation', () => {
  it('greedy tokens equal separate runs', async () => {
    const list = requests(GREEDY);
    const together = await collect(batched, list);
    const apart = await separately(list);
    for (const request of list) {
      const a = together.results.get(request.id)!;
      const b = apart.get(request.id)!;
      expect(a.tokens, `${request.id} tokens`).toEqual(b.tokens);
      expect(a.text, `${request.id} text`).toBe(b.text);
      expect(a.stopReason, `${request.id} stop reason`).toBe(b.stopReason);
      expect(together.streamed.get(request.id) ?? '', `${request.id} streamed text`).toBe(a.text);
    }
    // Continuous batching: the 5-token request ends first and its slot serves a later request.
    expect(together.order.indexOf('r2')).toBeLessThan(together.order.indexOf('r0'));
  });

  it('greedy text equals the reference generation loop', async () => {
    const request = requests(GREEDY)[1];
    const reference = await generate(ReferenceEngine.open(file), tokenizer, request.promptTokens, { ...GREEDY, maxTokens: request.maxTokens, stop: [] });
    const result = (await collect(single, [request])).results.get(request.id)!;
    expect(result.tokens).toEqual(reference.tokens);
    expect(result.text).toBe(reference.text);
  });

  it('logits sampler reproduces the reference sampling', async () => {
    const options = { temperature: 0.9, topK: 30, topP: 0.95, seed: 42 };
    const request = { ...requests(options)[3], sampling: options };
    const reference = await generate(ReferenceEngine.open(file), tokenizer, request.promptTokens, { ...options, maxTokens: request.maxTokens, stop: [] });
    const results = new Map<string, SequenceResult>();
    await generateBatch(single, tokenizer, [request], { onFinished: (r) => results.set(r.id, r) }, { sampler: new LogitsSampler(single) });
    expect(results.get(request.id)!.tokens).toEqual(reference.tokens);
  });

  it('sampled tokens equal separate runs with the same seeds', async () => {
    const list = requests({ temperature: 0.8, topK: 20, topP: 0.9, seed: 100 });
    const together = await collect(batched, list);
    const apart = await separately(list);
    for (const request of list) expect(together.results.get(request.id)!.tokens, `${request.id} tokens`).toEqual(apart.get(request.id)!.tokens);
  });

  it('creates no pipelines or bind groups while generating', async () => {
    const device = ctx.device;
    const createBindGroup = device.createBindGroup.bind(device);
    let bindGroups = 0;
    device.createBindGroup = (descriptor) => {
      bindGroups++;
      return createBindGroup(descriptor);
    };
    try {
      // The model and its sampler are prepared once, before any generation.
      await batched.sampler();
      bindGroups = 0;
      const compiled = ctx.pipelines.compiled;
      const { results } = await collect(batched, requests(GREEDY));
      const generated = [...results.values()].reduce((sum, r) => sum + r.tokens.length, 0);
      expect(generated).toBeGreaterThan(40);
      expect(ctx.pipelines.compiled - compiled, 'pipelines compiled while generating').toBe(0);
      expect(bindGroups, 'bind groups created while generating').toBe(0);
    } finally {
      device.createBindGroup = createBindGroup;
    }
  });
});

describe('sequence ends', () => {
  it('stop string cuts the text', async () => {
    const request = requests(GREEDY)[1];
    const full = (await collect(single, [request])).results.get(request.id)!;
    // A stop string made of the text of generated tokens 4 and 5 (pieces such as "t17t42").
    const stop = tokenizer.decode(full.tokens.slice(4, 6));
    const expected = full.text.slice(0, full.text.indexOf(stop));
    const cut = await collect(single, [{ ...request, stop: [stop] }]);
    const result = cut.results.get(request.id)!;
    expect(result.stopReason).toBe('stop');
    expect(result.text).toBe(expected);
    expect(cut.streamed.get(request.id) ?? '').toBe(expected);
  });

  it('token limit and zero tokens', async () => {
    const list = requests(GREEDY, [{ maxTokens: 0 }, { maxTokens: 1 }]).slice(0, 2);
    const { results } = await collect(batched, list);
    expect(results.get('r0')).toMatchObject({ tokens: [], text: '', stopReason: 'length' });
    expect(results.get('r1')!.tokens).toHaveLength(1);
    expect(results.get('r1')!.stopReason).toBe('length');
  });

  it('context limit ends a sequence', async () => {
    const request = { ...requests(GREEDY)[4], maxTokens: 100 };
    const { results } = await collect(single, [request]);
    const result = results.get(request.id)!;
    expect(result.stopReason).toBe('context');
    // The prompt and the tokens fed back fill the 48-token context; the last sampled token is not fed.
    expect(request.promptTokens.length + result.tokens.length - 1).toBe(48);
  });

  it('prompt longer than the context is an error', async () => {
    const long = Array.from({ length: 60 }, (_, i) => 3 + (i % 90));
    const list = [{ ...requests(GREEDY)[0], id: 'long', promptTokens: long }, requests(GREEDY)[2]];
    const { results } = await collect(batched, list);
    expect(results.get('long')!.stopReason).toBe('error');
    expect(results.get('long')!.error).toMatch(/60 tokens, but the context holds 48/);
    expect(results.get('r2')!.tokens.length).toBe(5);
  });

  it('abort ends running and waiting sequences', async () => {
    const controller = new AbortController();
    let pieces = 0;
    const { results } = await collect(batched, requests(GREEDY), controller.signal, () => {
      if (++pieces === 4) controller.abort();
    });
    expect(results.size).toBe(5);
    const reasons = [...results.values()].map((r) => r.stopReason);
    expect(reasons.filter((r) => r === 'aborted').length).toBeGreaterThanOrEqual(3);
    expect(results.get('r4')!.stopReason).toBe('aborted');
  });

  it('per-request signal ends only that sequence', async () => {
    const controller = new AbortController();
    controller.abort();
    const { results } = await collect(batched, requests(GREEDY, [{}, { signal: controller.signal }]).slice(0, 3));
    expect(results.get('r1')!.stopReason).toBe('aborted');
    expect(results.get('r0')!.stopReason).toBe('length');
    expect(results.get('r2')!.stopReason).toBe('length');
  });
});
