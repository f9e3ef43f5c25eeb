/** The SFT data pipeline: prompts, loss masks, overflow handling, held-out split, packing and epochs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALPACA_COT_TEXT } from '../eval/templates.ts';
import { buildBatch, buildBatches, epochOrder, examplePositions, packSequences } from './packing.ts';
import { learningRateAt, warmupStepsFor } from './schedule.ts';
import { NoUsableExamplesError, RESPONSE_PREFIX, renderSftPrompt, splitHeldOut, tokenizeRecord, tokenizeRecords, type SftRecord, type TokenizedExample } from './sft-data.ts';
import { buildByteTokenizer, type TrainingTokenizer } from './tokenizer.ts';

const TEMPLATE = { prompt: 'Q: {problem}\nA:' };
let tokenizer: TrainingTokenizer;
beforeAll(async () => {
  tokenizer = await buildByteTokenizer();
});

function example(length: number, promptLength: number): TokenizedExample {
  return { ids: Uint32Array.from({ length }, (_, i) => 10 + i), promptLength, truncated: false };
}

describe('SFT examples', () => {
  it('renders the evaluation prompt and leaves braces in problems alone', () => {
    expect(renderSftPrompt({ prompt: ALPACA_COT_TEXT }, 'Find {x}.')).toBe(ALPACA_COT_TEXT.replace('{problem}', 'Find {x}.'));
    expect(() => renderSftPrompt({ prompt: 'no placeholder' }, 'p')).toThrow(/\{problem\}/);
  });

  it('tokenizes prompt and response apart, with BOS, EOS and the loss start', () => {
    const result = tokenizeRecord({ problem: '1+1?', solution: 'The answer is 2' }, tokenizer, { template: TEMPLATE, seqLen: 200, overflow: 'skip' });
    if (typeof result === 'string') throw new Error(result);
    const prompt = tokenizer.encode('Q: 1+1?\nA:');
    const response = tokenizer.encode(`${RESPONSE_PREFIX}The answer is 2`);
    expect(Array.from(result.ids)).toEqual([tokenizer.bos, ...prompt, ...response, tokenizer.eos]);
    expect(result.promptLength).toBe(prompt.length + 1);
    expect(result.truncated).toBe(false);
  });

  it('truncates or skips long examples and counts them', () => {
    const long: SftRecord = { problem: 'p', solution: 'x'.repeat(100) };
    const short: SftRecord = { problem: 'p', solution: 'ok' };
    const longPrompt: SftRecord = { problem: 'y'.repeat(100), solution: 'ok' };
    const empty: SftRecord = { problem: 'p', solution: '  ' };
    const options = { template: TEMPLATE, seqLen: 40 };

    const truncated = tokenizeRecords([long, short, longPrompt, empty], tokenizer, { ...options, overflow: 'truncate' }, 'test.jsonl');
    expect(truncated.report).toMatchObject({ records: 4, used: 2, truncated: 1, skippedTooLong: 0, skippedPromptTooLong: 1, skippedEmpty: 1 });
    const cut = truncated.examples[0];
    expect(cut.truncated).toBe(true);
    expect(examplePositions(cut)).toBe(40);
    expect(cut.ids[cut.ids.length - 1]).not.toBe(tokenizer.eos);

    const skipped = tokenizeRecords([long, short], tokenizer, { ...options, overflow: 'skip' }, 'test.jsonl');
    expect(skipped.report).toMatchObject({ used: 1, truncated: 0, skippedTooLong: 1 });
  });

  it('rejects a data set without usable examples, naming it and the reasons', () => {
    const call = () => tokenizeRecords([{ problem: 'p', solution: 'x'.repeat(100) }, { problem: '', solution: 'a' }], tokenizer, { template: TEMPLATE, seqLen: 20, overflow: 'skip' }, 'shard "empty"');
    expect(call).toThrow(NoUsableExamplesError);
    expect(call).toThrow(/shard "empty" has no usable training examples: 1 have an empty problem or solution; 1 are longer than the sequence length/);
    expect(() => tokenizeRecords([], tokenizer, { template: TEMPLATE, seqLen: 20, overflow: 'skip' }, 'none.jsonl')).toThrow(/contains no records/);
  });

  it('splits a seeded held-out set and keeps one training record', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const a = splitHeldOut(items, { count: 10 }, 7);
    expect(a.heldOut).toHaveLength(10);
    expect(a.train).toHaveLength(90);
    expect(splitHeldOut(items, { count: 10 }, 7)).toEqual(a);
    expect(splitHeldOut(items, { count: 10 }, 8).heldOut).not.toEqual(a.heldOut);
    expect(splitHeldOut(items, { fraction: 0.25 }, 1).heldOut).toHaveLength(25);
    expect(splitHeldOut(items, undefined, 1).heldOut).toHaveLength(5);
    expect(splitHeldOut([1, 2, 3], { count: 5 }, 1).train).toHaveLength(1);
  });
});

describe('packing', () => {
  const examples = [example(6, 2), example(4, 3), example(9, 4), example(3, 1)];

  it('packs first-fit and never overfills a sequence', () => {
    const sequences = packSequences(examples, [0, 1, 2, 3], 10);
    // Positions: 5, 3, 8, 2. Example 3 still fits after 0 and 1 (5 + 3 + 2 = 10).
    expect(sequences).toEqual([[0, 1, 3], [2]]);
    for (const sequence of sequences) expect(sequence.reduce((sum, i) => sum + examplePositions(examples[i]), 0)).toBeLessThanOrEqual(10);
    expect(() => packSequences([example(12, 1)], [0], 10)).toThrow(/more than the sequence length/);
  });

  it('restarts positions, separates segments and masks the prompt and padding', () => {
    const batch = buildBatch(examples, [[0, 1]], 2, 10, 3);
    expect(Array.from(batch.positions).slice(0, 10)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 0, 0]);
    expect(Array.from(batch.segments).slice(0, 10)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    // Example 0 (prompt 2 ids): targets ids[1..5], loss from target index 2 on; example 1 (prompt 3): last target only.
    expect(Array.from(batch.lossMask).slice(0, 10)).toEqual([0, 1, 1, 1, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(batch.tokens).slice(0, 6)).toEqual([10, 11, 12, 13, 14, 10]);
    expect(Array.from(batch.targets).slice(0, 5)).toEqual([11, 12, 13, 14, 15]);
    // The second sequence is all padding: pad tokens, no loss, a segment of its own.
    expect(Array.from(batch.tokens).slice(10).every((t) => t === 3)).toBe(true);
    expect(Array.from(batch.lossMask).slice(10).every((m) => m === 0)).toBe(true);
    expect(new Set(Array.from(batch.segments).slice(10))).toEqual(new Set([3]));
  });

  it('splits sequences into padded micro-batches', () => {
    const batches = buildBatches(examples, [[0], [1], [2]], 2, 10, 3);
    expect(batches).toHaveLength(2);
    expect(batches[1].batchSize).toBe(2);
  });

  it('orders each epoch by seed, stage and epoch', () => {
    const a = epochOrder(50, 1, 0, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 1, 0, 0)).toEqual(a);
    expect(epochOrder(50, 1, 0, 1)).not.toEqual(a);
    expect(epochOrder(50, 1, 1, 0)).not.toEqual(a);
    expect(epochOrder(50, 2, 0, 0)).not.toEqual(a);
  });
});

describe('learning-rate schedule', () => {
  const base = { peak: 1e-3, warmupSteps: 3, totalSteps: 100, minRatio: 0 };

  it('warms up linearly from the first step', () => {
    expect(warmupStepsFor(100, 0.03)).toBe(3);
    expect(warmupStepsFor(10, 0.03)).toBe(1);
    expect(warmupStepsFor(10, 0)).toBe(0);
    expect(() => warmupStepsFor(10, 1.5)).toThrow(/between 0 and 1/);
    expect(learningRateAt(1, { ...base, kind: 'cosine' })).toBeCloseTo(1e-3 / 3, 12);
    expect(learningRateAt(3, { ...base, kind: 'cosine' })).toBeCloseTo(1e-3, 12);
  });

  it('decays by cosine to above the floor, or stays constant', () => {
    const cosine = { ...base, kind: 'cosine' as const };
    expect(learningRateAt(4, cosine)).toBeCloseTo(1e-3, 12);
    const mid = learningRateAt(3 + 1 + 48.5, cosine);
    expect(mid).toBeCloseTo(0.5e-3, 6);
    const last = learningRateAt(100, cosine);
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(1e-5);
    expect(learningRateAt(100, { ...cosine, minRatio: 0.1 })).toBeGreaterThan(1e-4);
    expect(learningRateAt(77, { ...base, kind: 'constant' })).toBe(1e-3);
  });
});
