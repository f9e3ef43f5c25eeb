/**
 * Malformed GGUF files, built byte by byte: each must fail with a GgufError that names the file,
 * the field or tensor and what was expected, after reading no more than the file's own bytes.
 */
import { describe, expect, it } from 'vitest';
import { GgmlType } from '../quant/types.ts';
import { ByteEncoder } from './encoder.ts';
import { GgufError } from './errors.ts';
import { GgufValueType, metadataValue } from './metadata.ts';
import { openGguf } from './reader.ts';
import { bytesSource, type ByteSource } from './source.ts';
import { encodeGguf } from './writer.ts';

interface CraftOptions {
  magic?: string;
  version?: number;
  tensorCount: number | bigint;
  metadataCount: number | bigint;
  body?: (e: ByteEncoder) => void;
  /** Data section bytes after the header, which is padded to 32 first. */
  dataBytes?: number;
}

function craft({ magic = 'GGUF', version = 3, tensorCount, metadataCount, body, dataBytes = 0 }: CraftOptions): Uint8Array {
  const e = new ByteEncoder();
  e.raw(new TextEncoder().encode(magic));
  e.u32(version);
  e.u64(tensorCount);
  e.u64(metadataCount);
  body?.(e);
  if (dataBytes > 0) e.zeros(Math.ceil(e.length / 32) * 32 - e.length + dataBytes);
  return e.bytes().slice();
}

function kv(e: ByteEncoder, key: string, type: GgufValueType, write: () => void): void {
  e.string(key);
  e.u32(type);
  write();
}

function tensorInfo(e: ByteEncoder, name: string, dims: (number | bigint)[], type: number, offset: number | bigint): void {
  e.string(name);
  e.u32(dims.length);
  for (const dim of dims) e.u64(dim);
  e.u32(type);
  e.u64(offset);
}

/** Opens `bytes` as "bad.gguf" and returns the error, checking it reads no more than the file. */
async function openError(bytes: Uint8Array): Promise<GgufError> {
  let fetched = 0;
  const inner = bytesSource(bytes, 'bad.gguf');
  const source: ByteSource = { ...inner, read: (offset, length) => ((fetched += length), inner.read(offset, length)) };
  const error = await openGguf(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'openGguf should fail').toBeInstanceOf(GgufError);
  expect(fetched).toBeLessThanOrEqual(bytes.length);
  expect((error as GgufError).message.startsWith('bad.gguf: ')).toBe(true);
  return error as GgufError;
}

const TWO_40 = 1n << 40n;

describe('bad GGUF input', () => {
  it('truncated header', async () => {
    const valid = await encodeGguf({ metadata: [['general.name', metadataValue.string('x')]], tensors: [] });
    const error = await openError(valid.subarray(0, 10));
    expect(error.message).toMatch(/header: file is truncated: 10 bytes, smaller than the 24-byte GGUF header/);
  });

  it('truncated inside a metadata array', async () => {
    const tokens = Array.from({ length: 100 }, (_, i) => `token${i}`);
    const valid = await encodeGguf({ metadata: [['tokenizer.ggml.tokens', metadataValue.stringArray(tokens)]], tensors: [] });
    const error = await openError(valid.subarray(0, valid.length - 40));
    expect(error.field).toMatch(/^tokenizer\.ggml\.tokens\[9\d\]/);
    expect(error.message).toMatch(/file is truncated: \d+ bytes are needed at offset \d+, but the file ends at \d+/);
  });

  it('truncated tensor data', async () => {
    const valid = await encodeGguf({ metadata: [], tensors: [{ name: 'w', dims: [32, 4], type: GgmlType.Q8_0, data: new Uint8Array(136) }] });
    const error = await openError(valid.subarray(0, valid.length - 100));
    expect(error.message).toMatch(/bad.gguf: w: tensor data runs past the end of the file: Q8_0 \[32, 4\] needs 136 bytes at offset \d+, but the file has \d+ bytes/);
  });

  it('wrong magic', async () => {
    expect((await openError(craft({ magic: 'GGML', tensorCount: 0, metadataCount: 0 }))).message).toMatch(/magic: not a GGUF file: the first bytes are "GGML", expected "GGUF"/);
    expect((await openError(craft({ magic: 'tjgg', tensorCount: 0, metadataCount: 0 }))).message).toMatch(/old GGML\/GGJT model file/);
  });

  it('unsupported versions', async () => {
    expect((await openError(craft({ version: 1, tensorCount: 0, metadataCount: 0 }))).message).toMatch(/version: GGUF version 1 .* is not supported/);
    expect((await openError(craft({ version: 4, tensorCount: 0, metadataCount: 0 }))).message).toMatch(/version: unsupported GGUF version 4; this reader supports versions 2 and 3/);
    expect((await openError(craft({ version: 0x03000000, tensorCount: 0, metadataCount: 0 }))).message).toMatch(/big-endian/);
  });

  it('absurd counts: 2^40 tensors or metadata entries', async () => {
    const tensors = await openError(craft({ tensorCount: TWO_40, metadataCount: 0, dataBytes: 64 }));
    expect(tensors.message).toMatch(/tensor count: value 1099511627776 is larger than \d+, the most tensor infos a \d+-byte file can hold/);
    const entries = await openError(craft({ tensorCount: 0, metadataCount: TWO_40 }));
    expect(entries.message).toMatch(/metadata count: value 1099511627776 is larger than/);
    const maxU64 = await openError(craft({ tensorCount: (1n << 64n) - 1n, metadataCount: 0 }));
    expect(maxU64.message).toMatch(/value 18446744073709551615 is larger than/);
  });

  it('absurd lengths: a 2^40-byte string, key or array', async () => {
    const value = craft({ tensorCount: 0, metadataCount: 1, body: (e) => kv(e, 'general.name', GgufValueType.STRING, () => e.u64(TWO_40)) });
    expect((await openError(value)).message).toMatch(/general.name \(string length\): value 1099511627776 is larger than \d+, the bytes left in the file/);
    const key = craft({ tensorCount: 0, metadataCount: 1, body: (e) => e.u64(TWO_40), dataBytes: 64 });
    expect((await openError(key)).message).toMatch(/metadata entry 0 key \(string length\): value 1099511627776/);
    const array = craft({
      tensorCount: 0,
      metadataCount: 1,
      body: (e) => kv(e, 'tokenizer.ggml.scores', GgufValueType.ARRAY, () => (e.u32(GgufValueType.FLOAT32), e.u64(TWO_40))),
    });
    expect((await openError(array)).message).toMatch(/tokenizer.ggml.scores \(array length\): value 1099511627776 is larger than \d+, the number of f32 items the rest of the file can hold/);
  });

  it('unknown value types', async () => {
    const scalar = craft({ tensorCount: 0, metadataCount: 1, body: (e) => kv(e, 'x.y', 13 as GgufValueType, () => e.u32(0)) });
    expect((await openError(scalar)).message).toMatch(/x.y: unknown value type 13; GGUF value types are 0 to 12/);
    const item = craft({ tensorCount: 0, metadataCount: 1, body: (e) => kv(e, 'x.y', GgufValueType.ARRAY, () => (e.u32(77), e.u64(0))) });
    expect((await openError(item)).message).toMatch(/x.y: unknown array item type 77/);
  });

  it('arrays nested too deep', async () => {
    const deep = craft({
      tensorCount: 0,
      metadataCount: 1,
      body: (e) =>
        kv(e, 'deep', GgufValueType.ARRAY, () => {
          for (let level = 0; level < 6; level++) (e.u32(GgufValueType.ARRAY), e.u64(1));
          e.u32(GgufValueType.UINT8);
          e.u64(0);
        }),
    });
    expect((await openError(deep)).message).toMatch(/deep\[0\]\[0\]\[0\]\[0\]: arrays nest deeper than 4 levels/);
  });

  it('duplicate keys and tensor names', async () => {
    const keys = craft({
      tensorCount: 0,
      metadataCount: 2,
      body: (e) => (kv(e, 'a', GgufValueType.UINT8, () => e.u8(1)), kv(e, 'a', GgufValueType.UINT8, () => e.u8(2))),
    });
    expect((await openError(keys)).message).toMatch(/bad.gguf: a: duplicate metadata key \(entry 1\)/);
    const names = craft({
      tensorCount: 2,
      metadataCount: 0,
      body: (e) => (tensorInfo(e, 'w', [4], GgmlType.F32, 0), tensorInfo(e, 'w', [4], GgmlType.F32, 32)),
      dataBytes: 64,
    });
    expect((await openError(names)).message).toMatch(/bad.gguf: w: duplicate tensor name \(tensor info 1\)/);
  });

  it('invalid general.alignment', async () => {
    const asString = craft({ tensorCount: 0, metadataCount: 1, body: (e) => kv(e, 'general.alignment', GgufValueType.STRING, () => e.string('32')) });
    expect((await openError(asString)).message).toMatch(/general.alignment: expected a u32, found string/);
    const notPowerOfTwo = craft({ tensorCount: 0, metadataCount: 1, body: (e) => kv(e, 'general.alignment', GgufValueType.UINT32, () => e.u32(48)) });
    expect((await openError(notPowerOfTwo)).message).toMatch(/general.alignment: must be a power of two, found 48/);
  });

  it('unknown and removed tensor types', async () => {
    const unknown = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'blk.0.attn_q.weight', [32], 99, 0), dataBytes: 64 });
    expect((await openError(unknown)).message).toMatch(/blk.0.attn_q.weight: unknown tensor type id 99; known ids: 0 F32, 1 F16, 2 Q4_0/);
    const removed = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'w', [32], 4, 0), dataBytes: 64 });
    expect((await openError(removed)).message).toMatch(/w: tensor type Q4_2 \(id 4\) was removed from ggml; re-convert/);
  });

  it('bad tensor shapes', async () => {
    const tooManyDims = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'w', [1, 1, 1, 1, 1], 0, 0), dataBytes: 32 });
    expect((await openError(tooManyDims)).message).toMatch(/w: has 5 dimensions; ggml tensors have at most 4/);
    const huge = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'w', [TWO_40, 1n << 20n], 0, 0), dataBytes: 32 });
    expect((await openError(huge)).message).toMatch(/w: shape \[1099511627776, 1048576…\] has more than 2\^53 elements/);
    const partialBlock = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'w', [30, 2], GgmlType.Q4_0, 0), dataBytes: 64 });
    expect((await openError(partialBlock)).message).toMatch(/w: row length 30 \(dims\[0\]\) is not a multiple of the Q4_0 block size 32/);
  });

  it('tensor data past the end of the file', async () => {
    const far = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'output.weight', [4096, 32000], GgmlType.Q6_K, 0), dataBytes: 1024 });
    expect((await openError(far)).message).toMatch(
      /output.weight: tensor data runs past the end of the file: Q6_K \[4096, 32000\] needs 107520000 bytes at offset 96, but the file has 1120 bytes/,
    );
  });

  it('misaligned tensor offset', async () => {
    const misaligned = craft({ tensorCount: 1, metadataCount: 0, body: (e) => tensorInfo(e, 'w', [4], 0, 17), dataBytes: 64 });
    expect((await openError(misaligned)).message).toMatch(/w: data offset 17 is not a multiple of the alignment 32/);
  });

  it('tensor size that does not match its shape and type', async () => {
    // Q8_0 [32, 4] needs 136 bytes, but the next tensor starts 64 bytes later.
    const overlap = craft({
      tensorCount: 2,
      metadataCount: 0,
      body: (e) => (tensorInfo(e, 'blk.0.ffn_up.weight', [32, 4], GgmlType.Q8_0, 0), tensorInfo(e, 'blk.0.ffn_down.weight', [32], GgmlType.F32, 64)),
      dataBytes: 256,
    });
    expect((await openError(overlap)).message).toMatch(
      /blk.0.ffn_up.weight: Q8_0 \[32, 4\] needs 136 bytes from data offset 0, but tensor "blk.0.ffn_down.weight" starts at data offset 64: the size implied by the shape and type does not fit/,
    );
  });
});
