/**
 * Inference attention kernels on the GPU against their references (|gpu − ref| ≤ 2e-5 + 1e-4·|ref|,
 * see ATTENTION_TOLERANCE), with f32 and f16 caches, grouped-query heads, head sizes that are not
 * multiples of 4, chunks that cross workgroup and tile edges, and random data everywhere the
 * kernels must not read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../../../test/gpu.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { Rng } from '../../util/random.ts';
import { checkAttentionDecode, checkAttentionPrefill, checkKvStore, type AttentionCheck, type DecodeCase, type PrefillCase } from './checks.ts';
import { decodeHeadsPerWorkgroup, decodeSplits, type KvDType } from './kernels.ts';
import { cacheAttentionRef, splitAttentionRef } from './reference.ts';
import { assertClose } from '../../kernels/compare.ts';

let ctx: GpuContext;
let dtypes: KvDType[];
beforeAll(async () => {
  ctx = await testGpu();
  // lavapipe offers shader-f16, so the f16 cache path is covered here (SwiftShader has no f16).
  expect(ctx.hasF16, 'the Node adapter should offer shader-f16').toBe(true);
  dtypes = ['f32', 'f16'];
});

function expectPass(check: AttentionCheck): void {
  expect(check.comparison.ok, check.message).toBe(true);
}

describe('kv-store', () => {
  it('writes rows to their cache rows and skips marked tokens', async () => {
    for (const dtype of dtypes) {
      expectPass(await checkKvStore(ctx, { rowSize: 24, cacheRowCount: 20, cacheRows: [3, 17, 999, 0, 8], dtype }, 2));
      expectPass(await checkKvStore(ctx, { rowSize: 7, cacheRowCount: 300, cacheRows: Array.from({ length: 150 }, (_, t) => 299 - 2 * t), dtype }, 3));
    }
  });
});

describe('attention-prefill', () => {
  const cases: Omit<PrefillCase, 'dtype'>[] = [
    { heads: 1, kvHeads: 1, headDim: 4, maxLen: 8, slots: 1, slot: 0, start: 0, tokens: 1 },
    { heads: 4, kvHeads: 2, headDim: 20, maxLen: 120, slots: 2, slot: 1, start: 0, tokens: 70 },
    { heads: 6, kvHeads: 2, headDim: 12, maxLen: 200, slots: 3, slot: 2, start: 53, tokens: 37 },
    { heads: 7, kvHeads: 1, headDim: 64, maxLen: 100, slots: 1, slot: 0, start: 30, tokens: 5 },
    { heads: 2, kvHeads: 2, headDim: 6, maxLen: 140, slots: 2, slot: 0, start: 1, tokens: 131 },
  ];
  it('matches the reference on awkward shapes', async () => {
    for (const dtype of dtypes) {
      for (const [i, shape] of cases.entries()) expectPass(await checkAttentionPrefill(ctx, { ...shape, dtype }, 10 + i));
    }
  });

  it('handles head size 128 with a full tile loop', async () => {
    expectPass(await checkAttentionPrefill(ctx, { heads: 2, kvHeads: 1, headDim: 128, maxLen: 80, slots: 1, slot: 0, start: 40, tokens: 33, dtype: 'f16' }, 20));
  });
});

describe('attention-decode', () => {
  const cases: Omit<DecodeCase, 'dtype'>[] = [
    {
      heads: 4, kvHeads: 2, headDim: 20, maxLen: 300, slots: 3,
      rows: [{ slot: 2, position: 0 }, { slot: 0, position: 150 }, { slot: 1, position: 299 }],
    },
    {
      heads: 7, kvHeads: 1, headDim: 64, maxLen: 130, slots: 2, chunk: 64,
      rows: [{ slot: 1, position: 129 }, { slot: 0, position: 64 }, { slot: 1, position: 63 }],
    },
    { heads: 3, kvHeads: 3, headDim: 10, maxLen: 50, slots: 4, chunk: 7, rows: [{ slot: 3, position: 49 }, { slot: 0, position: 6 }, { slot: 2, position: 7 }], preparedRows: 4 },
    { heads: 16, kvHeads: 1, headDim: 256, maxLen: 128, slots: 1, chunk: 64, rows: [{ slot: 0, position: 100 }] },
    { heads: 8, kvHeads: 8, headDim: 128, maxLen: 2100, slots: 1, rows: [{ slot: 0, position: 2099 }] },
  ];
  it('matches the reference with several splits per row', async () => {
    for (const dtype of dtypes) {
      for (const [i, shape] of cases.entries()) expectPass(await checkAttentionDecode(ctx, { ...shape, dtype }, 30 + i));
    }
  });
});

describe('attention references', () => {
  it('split-K combination equals plain attention', () => {
    const rng = new Rng(5);
    const shape = { heads: 6, kvHeads: 2, headDim: 9, maxLen: 90 };
    const count = 2 * shape.maxLen * shape.kvHeads * shape.headDim;
    const k = rng.floats(count, -3, 3);
    const v = rng.floats(count);
    const rows = [{ slot: 1, position: 89 }, { slot: 0, position: 0 }, { slot: 0, position: 40 }];
    const q = rng.floats(rows.length * shape.heads * shape.headDim, -3, 3);
    const plain = cacheAttentionRef(q, k, v, rows, shape);
    for (const chunk of [1, 13, 64, 90]) assertClose(`split of ${chunk}`, splitAttentionRef(q, k, v, rows, shape, chunk), plain, { atol: 1e-6, rtol: 1e-6 });
  });

  it('split sizes cover the cache', () => {
    expect(decodeSplits(100)).toEqual({ chunk: 64, chunks: 2 });
    expect(decodeSplits(4096)).toEqual({ chunk: 128, chunks: 32 });
    expect(decodeSplits(32768)).toEqual({ chunk: 1024, chunks: 32 });
    expect(decodeHeadsPerWorkgroup(28, 4, 128)).toBe(7);
    expect(decodeHeadsPerWorkgroup(32, 2, 128)).toBe(16);
    expect(decodeHeadsPerWorkgroup(32, 2, 256)).toBe(8);
  });
});
