/**
 * The writer against the GGUF layout written out by hand, and writer→reader round trips of every
 * metadata value type and several tensor types, shapes and alignments.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/cli.ts';
import { Rng } from '../../util/random.ts';
import { dequantize } from '../quant/dequantize.ts';
import { quantize } from '../quant/quantize.ts';
import { GgmlType } from '../quant/types.ts';
import { GgufValueType, metadataValue, type GgufValue } from './metadata.ts';
import { openGguf } from './reader.ts';
import { bytesSource } from './source.ts';
import { openFileSource } from './source-node.ts';
import { quantizedRows, tensorFromValues } from './tensor-data.ts';
import { encodeGguf, memorySink, writeGguf, type GgufTensorSpec } from './writer.ts';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('GGUF writer layout', () => {
  it('matches a file laid out by hand from the GGUF spec', async () => {
    const bytes = await encodeGguf({
      metadata: [['a', metadataValue.u8(7)]],
      tensors: [{ name: 't', dims: [2], type: GgmlType.F32, data: new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]) }],
    });
    const expected =
      '47475546' + // magic "GGUF"
      '03000000' + // version 3
      '0100000000000000' + // 1 tensor
      '0100000000000000' + // 1 metadata entry
      '0100000000000000' + '61' + // key "a"
      '00000000' + '07' + // type u8, value 7
      '0100000000000000' + '74' + // tensor name "t"
      '01000000' + '0200000000000000' + // 1 dimension: 2
      '00000000' + // type F32
      '0000000000000000' + // data offset 0
      '00'.repeat(96 - 71) + // header is 71 bytes, padded to the 32-byte alignment
      '0000803f00000040' + // data: 1.0, 2.0
      '00'.repeat(24); // tensor padded to 32 bytes
    expect(hex(bytes)).toBe(expected);
  });

  it('writes a tensor-less file without trailing padding', async () => {
    const bytes = await encodeGguf({ metadata: [['general.name', metadataValue.string('x')]], tensors: [] });
    expect(bytes.length).toBe(24 + 8 + 'general.name'.length + 4 + 8 + 1);
  });

  it('lays tensors out back to back, each padded to the alignment', async () => {
    const tensors: GgufTensorSpec[] = [
      { name: 'a', dims: [3], type: GgmlType.F32, data: new Uint8Array(12) },
      { name: 'b', dims: [32, 3], type: GgmlType.Q8_0, data: new Uint8Array(102) },
      { name: 'c', dims: [1], type: GgmlType.F16, data: new Uint8Array(2) },
    ];
    for (const alignment of [32, 64, 1]) {
      const metadata: [string, GgufValue][] = alignment === 32 ? [] : [['general.alignment', metadataValue.u32(alignment)]];
      const file = await openGguf(bytesSource(await encodeGguf({ metadata, tensors })));
      expect(file.alignment).toBe(alignment);
      expect(file.dataOffset % alignment).toBe(0);
      const up = (n: number) => Math.ceil(n / alignment) * alignment;
      expect(file.tensors.map((t) => t.offset), `alignment ${alignment}`).toEqual([0, up(12), up(12) + up(102)]);
      expect(file.fileSize).toBe(file.dataOffset + up(12) + up(102) + up(2));
    }
  });

  it('rejects data of the wrong size and names the tensor', async () => {
    const spec = (data: Uint8Array) => ({ metadata: [], tensors: [{ name: 'blk.0.w', dims: [32, 2], type: GgmlType.Q4_0, data }] });
    await expect(encodeGguf(spec(new Uint8Array(35)))).rejects.toThrow(/tensor "blk.0.w": data has 35 bytes, its shape and type need 36/);
    await expect(encodeGguf(spec(new Uint8Array(37)))).rejects.toThrow(/"blk.0.w": data is longer than the 36 bytes/);
  });

  it('rejects invalid specs before writing', async () => {
    const tensor = (over: Partial<GgufTensorSpec>): GgufTensorSpec => ({ name: 'w', dims: [32], type: GgmlType.Q8_0, data: new Uint8Array(34), ...over });
    await expect(encodeGguf({ metadata: [], tensors: [tensor({ dims: [30] })] })).rejects.toThrow(/row length 30 is not a multiple of the Q8_0 block size 32/);
    await expect(encodeGguf({ metadata: [], tensors: [tensor({}), tensor({})] })).rejects.toThrow(/"w" is listed twice/);
    await expect(encodeGguf({ metadata: [], tensors: [tensor({ name: 'x'.repeat(64) })] })).rejects.toThrow(/longer than 63 bytes/);
    await expect(encodeGguf({ metadata: [], tensors: [tensor({ dims: [32, 1, 1, 1, 1] })] })).rejects.toThrow(/1 to 4 dimensions/);
    await expect(encodeGguf({ metadata: [['k', metadataValue.u8(256)]], tensors: [] })).rejects.toThrow(/"k": u8 value must be an integer in \[0, 255\], got 256/);
    await expect(encodeGguf({ metadata: [['general.alignment', metadataValue.u32(48)]], tensors: [] })).rejects.toThrow(/power of two/);
  });

  it('closes the sink when a tensor producer fails', async () => {
    let closed = false;
    const sink = { ...memorySink(), close: async () => void (closed = true) };
    const failing: GgufTensorSpec = {
      name: 'w',
      dims: [4],
      type: GgmlType.F32,
      data: () => {
        throw new Error('generator failed');
      },
    };
    await expect(writeGguf(sink, { metadata: [], tensors: [failing] })).rejects.toThrow(/generator failed/);
    expect(closed).toBe(true);
  });
});

/** Returns one value of every GGUF value type 0–12, arrays of each item type, nested and empty arrays. */
function everyValueType(): [string, GgufValue][] {
  return [
    ['t.u8', metadataValue.u8(255)],
    ['t.i8', metadataValue.i8(-128)],
    ['t.u16', metadataValue.u16(65535)],
    ['t.i16', metadataValue.i16(-32768)],
    ['t.u32', metadataValue.u32(4294967295)],
    ['t.i32', metadataValue.i32(-2147483648)],
    ['t.f32', metadataValue.f32(Math.fround(0.1))],
    ['t.bool', metadataValue.bool(true)],
    ['t.string', metadataValue.string('π ≈ 3.14 — 数学 \u{1F9EE}')],
    ['t.u64', metadataValue.u64(18446744073709551615n)],
    ['t.i64', metadataValue.i64(-9223372036854775808n)],
    ['t.f64', metadataValue.f64(0.1)],
    ['a.u8', metadataValue.array(GgufValueType.UINT8, Uint8Array.of(0, 1, 255))],
    ['a.i8', metadataValue.array(GgufValueType.INT8, Int8Array.of(-1, 2))],
    ['a.u16', metadataValue.array(GgufValueType.UINT16, Uint16Array.of(1, 65535))],
    ['a.i16', metadataValue.array(GgufValueType.INT16, Int16Array.of(-2, 3))],
    ['a.u32', metadataValue.array(GgufValueType.UINT32, Uint32Array.of(7, 4294967295))],
    ['a.i32', metadataValue.i32Array([1, -1, 6])],
    ['a.f32', metadataValue.f32Array([0.5, -0.25, 1e-30])],
    ['a.bool', metadataValue.array(GgufValueType.BOOL, [true, false, true])],
    ['a.string', metadataValue.stringArray(['<s>', '', 'Ġthe', '\u0000'])],
    ['a.u64', metadataValue.array(GgufValueType.UINT64, BigUint64Array.of(0n, 1n << 63n))],
    ['a.i64', metadataValue.array(GgufValueType.INT64, BigInt64Array.of(-5n, 5n))],
    ['a.f64', metadataValue.array(GgufValueType.FLOAT64, Float64Array.of(Math.PI, -0))],
    ['a.nested', metadataValue.array(GgufValueType.ARRAY, [{ itemType: GgufValueType.INT32, items: Int32Array.of(1, 2) }, { itemType: GgufValueType.STRING, items: ['x'] }])],
    ['a.empty', metadataValue.stringArray([])],
  ];
}

describe('GGUF writer→reader round trip', () => {
  it('keeps every metadata value type, in order and exact', async () => {
    const metadata = everyValueType();
    const file = await openGguf(bytesSource(await encodeGguf({ metadata, tensors: [] })));
    expect(file.version).toBe(3);
    expect([...file.metadata.keys()]).toEqual(metadata.map(([key]) => key));
    for (const [key, value] of metadata) expect(file.get(key), key).toEqual(value);
  });

  it('copies llama.cpp vocabulary metadata exactly', async () => {
    // 32000 tokens and scores make a header far larger than the encoder's first buffer.
    const source = await openFileSource(join(SHARED_DATA, 'gguf-vocab', 'ggml-vocab-llama-spm.gguf'));
    const original = await openGguf(source);
    await source.close!();
    const bytes = await encodeGguf({ metadata: original.metadata, tensors: [] });
    expect(bytes.length).toBe(original.fileSize);
    const copy = await openGguf(bytesSource(bytes));
    expect([...copy.metadata.keys()]).toEqual([...original.metadata.keys()]);
    for (const [key, value] of original.metadata) expect(copy.get(key), key).toEqual(value);
  });

  it('writes version 2 on request', async () => {
    const file = await openGguf(bytesSource(await encodeGguf({ metadata: [], tensors: [], version: 2 })));
    expect(file.version).toBe(2);
  });

  it('keeps tensor shapes, types and bytes', async () => {
    const rng = new Rng(5);
    const shapes: [string, number[], GgmlType][] = [
      ['f32.3d', [5, 3, 2], GgmlType.F32],
      ['f16.vector', [7], GgmlType.F16],
      ['q8_0.matrix', [64, 3], GgmlType.Q8_0],
      ['q4_0.matrix', [96, 2], GgmlType.Q4_0],
      ['q4_k.matrix', [256, 3], GgmlType.Q4_K],
      ['q6_k.matrix', [512, 1], GgmlType.Q6_K],
      ['q5_0.4d', [32, 1, 2, 2], GgmlType.Q5_0],
    ];
    const values = new Map(shapes.map(([name, dims]) => [name, rng.floats(dims.reduce((a, b) => a * b, 1))]));
    const tensors = shapes.map(([name, dims, type]) => tensorFromValues(name, dims, type, values.get(name)!));
    const file = await openGguf(bytesSource(await encodeGguf({ metadata: [['general.architecture', metadataValue.string('test')]], tensors })));

    expect(file.tensors.map((t) => [t.name, t.dims, t.type])).toEqual(shapes);
    for (const [index, spec] of tensors.entries()) {
      const info = file.tensors[index];
      expect(await file.readTensorBytes(info), spec.name).toEqual(spec.data);
      const expected = dequantize(spec.type, spec.data as Uint8Array, info.elementCount);
      expect(await file.readTensor(spec.name), spec.name).toEqual(expected);
    }
  });

  it('streams tensor rows in chunks with the same bytes as one quantize call', async () => {
    const rowLength = 256;
    const rowCount = 37;
    const rng = new Rng(9);
    const all = rng.floats(rowLength * rowCount);
    const data = quantizedRows(GgmlType.Q4_K, rowLength, rowCount, (first, rows, out) => out.set(all.subarray(first * rowLength, (first + rows) * rowLength)), 5 * rowLength);
    const file = await openGguf(bytesSource(await encodeGguf({ metadata: [], tensors: [{ name: 'w', dims: [rowLength, rowCount], type: GgmlType.Q4_K, data }] })));
    expect(await file.readTensorBytes('w')).toEqual(quantize(GgmlType.Q4_K, all));
  });

  it('yields tensors one at a time in file order, and reads byte slices', async () => {
    const tensors = ['x', 'y', 'z'].map((name, i) => tensorFromValues(name, [4 * (i + 1)], GgmlType.F32, Float32Array.from({ length: 4 * (i + 1) }, (_, k) => k + 10 * i)));
    const file = await openGguf(bytesSource(await encodeGguf({ metadata: [], tensors })));
    const seen: string[] = [];
    for await (const { info, bytes } of file.tensorData()) {
      seen.push(info.name);
      expect(bytes.length).toBe(info.byteSize);
    }
    expect(seen).toEqual(['x', 'y', 'z']);
    const slice = await file.readTensorBytes('z', 4, 8);
    expect(Array.from(new Float32Array(slice.slice().buffer))).toEqual([21, 22]);
    await expect(file.readTensorBytes('z', 40, 16)).rejects.toThrow(/z: byte range 40\+16 is outside the tensor's 48 bytes/);
  });
});
