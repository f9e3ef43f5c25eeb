import { describe, expect, it } from 'vitest';
import { DEQUANTIZABLE_TYPES } from './dequantize.ts';
import { BLOCK_LAYOUTS, fieldBytes } from './layouts.ts';
import { byteSizeOf, GgmlType, ggmlTypeFromName, ggmlTypeInfo, ggmlTypeName, GGML_TYPES, REMOVED_GGML_TYPES } from './types.ts';

describe('ggml type table', () => {
  it('has the bytes per block of the ggml block structs', () => {
    const expected: Record<string, [number, number]> = {
      F32: [1, 4], F16: [1, 2], BF16: [1, 2], Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24],
      Q8_0: [32, 34], Q2_K: [256, 84], Q3_K: [256, 110], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210],
      Q8_K: [256, 292], IQ4_NL: [32, 18], IQ4_XS: [256, 136], MXFP4: [32, 17],
    };
    for (const [name, [blockSize, typeSize]] of Object.entries(expected)) {
      const info = ggmlTypeInfo(ggmlTypeFromName(name)!);
      expect([info.blockSize, info.typeSize], name).toEqual([blockSize, typeSize]);
    }
  });

  it('keeps removed ids out of the table but names them', () => {
    for (const id of REMOVED_GGML_TYPES.keys()) expect(GGML_TYPES.has(id)).toBe(false);
    expect(ggmlTypeName(4)).toBe('Q4_2');
    expect(ggmlTypeName(99)).toBe('type 99');
  });

  it('computes byte sizes and rejects partial blocks', () => {
    expect(byteSizeOf(GgmlType.Q4_K, 4096 * 4096)).toBe(4096 * 16 * 144);
    expect(byteSizeOf(GgmlType.F16, 7)).toBe(14);
    expect(() => byteSizeOf(GgmlType.Q8_0, 48)).toThrow(/Q8_0 stores values in blocks of 32/);
  });

  it('looks names up case-insensitively', () => {
    expect(ggmlTypeFromName('q4_k')).toBe(GgmlType.Q4_K);
    expect(ggmlTypeFromName('nope')).toBeUndefined();
  });
});

describe('block layouts', () => {
  it('describe every dequantizable type', () => {
    for (const type of DEQUANTIZABLE_TYPES) expect(BLOCK_LAYOUTS.has(type), ggmlTypeName(type)).toBe(true);
  });

  it('tile each block exactly, in order, without gaps', () => {
    for (const layout of BLOCK_LAYOUTS.values()) {
      let offset = 0;
      for (const field of layout.fields) {
        expect(field.offset, `${ggmlTypeName(layout.type)}.${field.name}`).toBe(offset);
        offset += fieldBytes(field);
      }
      expect(offset, ggmlTypeName(layout.type)).toBe(layout.typeSize);
    }
  });
});
