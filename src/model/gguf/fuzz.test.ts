/**
 * Fuzz test: seeded mutations of a valid GGUF file (bit flips, truncations, length and type fields
 * set to extreme values). A mutant may fail to open or fail to read a tensor, but only with a
 * GgufError. No other exception is allowed, and no mutant may make the reader fetch more than
 * twice the file's bytes.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.ts';
import { GgmlType } from '../quant/types.ts';
import { GgufError } from './errors.ts';
import { GgufValueType, metadataValue, VALUE_TYPE_BYTES } from './metadata.ts';
import { openGguf } from './reader.ts';
import { bytesSource, type ByteSource } from './source.ts';
import { tensorFromValues } from './tensor-data.ts';
import { encodeGguf } from './writer.ts';

async function validFile(): Promise<Uint8Array> {
  const rng = new Rng(21);
  return encodeGguf({
    metadata: [
      ['general.architecture', metadataValue.string('llama')],
      ['general.alignment', metadataValue.u32(32)],
      ['llama.block_count', metadataValue.u32(2)],
      ['llama.attention.layer_norm_rms_epsilon', metadataValue.f32(1e-5)],
      ['general.size', metadataValue.u64(123456789n)],
      ['tokenizer.ggml.tokens', metadataValue.stringArray(Array.from({ length: 24 }, (_, i) => `tok${i}`))],
      ['tokenizer.ggml.scores', metadataValue.f32Array(Array.from({ length: 24 }, (_, i) => -i))],
      ['tokenizer.ggml.token_type', metadataValue.i32Array(new Array(24).fill(1))],
      ['tokenizer.ggml.add_bos_token', metadataValue.bool(true)],
      ['x.nested', metadataValue.array(GgufValueType.ARRAY, [{ itemType: GgufValueType.UINT16, items: Uint16Array.of(1, 2, 3) }])],
    ],
    tensors: [
      tensorFromValues('token_embd.weight', [64, 2], GgmlType.Q4_0, rng.floats(128)),
      tensorFromValues('output_norm.weight', [8], GgmlType.F32, rng.floats(8)),
      tensorFromValues('blk.0.ffn_down.weight', [256, 1], GgmlType.Q4_K, rng.floats(256)),
      tensorFromValues('blk.0.attn_q.weight', [16, 2], GgmlType.F16, rng.floats(32)),
    ],
  });
}

/** Offsets of the u64 length/count/dimension/offset fields and the u32 type fields of a valid file. */
function fieldOffsets(bytes: Uint8Array): { u64: number[]; u32: number[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64: number[] = [8, 16];
  const u32: number[] = [4];
  let at = 24;
  const length = () => {
    u64.push(at);
    const n = Number(view.getBigUint64(at, true));
    at += 8;
    return n;
  };
  const string = () => {
    const n = length(); // read first: `at += length()` would add to the old `at`
    at += n;
  };
  const value = (type: number): void => {
    if (type === GgufValueType.STRING) string();
    else if (type === GgufValueType.ARRAY) {
      u32.push(at);
      const itemType = view.getUint32(at, true);
      at += 4;
      const count = length();
      for (let i = 0; i < count; i++) value(itemType);
    } else at += VALUE_TYPE_BYTES[type as GgufValueType];
  };
  const tensorCount = Number(view.getBigUint64(8, true));
  const metadataCount = Number(view.getBigUint64(16, true));
  for (let i = 0; i < metadataCount; i++) {
    string();
    u32.push(at);
    const type = view.getUint32(at, true);
    at += 4;
    value(type);
  }
  for (let i = 0; i < tensorCount; i++) {
    string();
    u32.push(at);
    const dims = view.getUint32(at, true);
    at += 4;
    for (let d = 0; d < dims; d++) length();
    u32.push(at);
    at += 4;
    length();
  }
  return { u64, u32 };
}

const EXTREME_U64 = [0n, 1n, 31n, 255n, 1n << 31n, 1n << 32n, 1n << 40n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 1n];
const EXTREME_U32 = [0, 1, 4, 5, 9, 12, 13, 31, 39, 43, 255, 0x7fffffff, 0xffffffff];

/** Applies one seeded mutation to a copy of `valid` and describes it for failure messages. */
function mutate(valid: Uint8Array, fields: { u64: number[]; u32: number[] }, rng: Rng): { bytes: Uint8Array; mutation: string } {
  const bytes = valid.slice();
  const view = new DataView(bytes.buffer);
  switch (rng.int(0, 4)) {
    case 0: {
      const flips = rng.int(1, 4);
      const bits = Array.from({ length: flips }, () => rng.int(0, bytes.length * 8 - 1));
      for (const bit of bits) bytes[bit >> 3] ^= 1 << (bit & 7);
      return { bytes, mutation: `flip bits ${bits.join(', ')}` };
    }
    case 1: {
      const length = rng.int(0, valid.length - 1);
      return { bytes: bytes.subarray(0, length), mutation: `truncate to ${length} bytes` };
    }
    case 2: {
      const at = rng.pick(fields.u64);
      const original = view.getBigUint64(at, true);
      const value = rng.next() < 0.7 ? rng.pick(EXTREME_U64) : original + BigInt(rng.int(-3, 3));
      view.setBigUint64(at, BigInt.asUintN(64, value), true);
      return { bytes, mutation: `u64 at ${at}: ${original} → ${BigInt.asUintN(64, value)}` };
    }
    case 3: {
      const at = rng.pick(fields.u32);
      const value = rng.pick(EXTREME_U32);
      view.setUint32(at, value, true);
      return { bytes, mutation: `u32 at ${at} → ${value}` };
    }
    default: {
      const at = rng.pick(fields.u64);
      view.setBigUint64(at, rng.pick(EXTREME_U64), true);
      const length = rng.int(Math.floor(valid.length / 2), valid.length);
      return { bytes: bytes.subarray(0, length), mutation: `u64 at ${at} and truncate to ${length}` };
    }
  }
}

function expectCleanError(error: unknown, mutation: string): void {
  if (!(error instanceof GgufError)) throw new Error(`mutation "${mutation}" raised ${(error as Error)?.name}: ${(error as Error)?.message ?? error}`);
  expect(error.message, mutation).toMatch(/^fuzz\.gguf: /);
  expect(error.message, mutation).not.toMatch(/undefined|NaN/);
}

describe('GGUF reader fuzz', () => {
  it('mutants fail only with GgufError', async () => {
    const valid = await validFile();
    const fields = fieldOffsets(valid);
    expect((await openGguf(bytesSource(valid))).tensors).toHaveLength(4);
    const rng = new Rng(2024);
    let opened = 0;
    let rejected = 0;

    for (let round = 0; round < 3000; round++) {
      const { bytes, mutation } = mutate(valid, fields, rng);
      let fetched = 0;
      const inner = bytesSource(bytes, 'fuzz.gguf');
      const source: ByteSource = { ...inner, read: (offset, length) => ((fetched += length), inner.read(offset, length)) };
      const file = await openGguf(source, { chunkSize: 256 }).catch((error: unknown) => {
        expectCleanError(error, mutation);
        rejected++;
      });
      if (file) {
        opened++;
        for (const tensor of file.tensors) {
          await file.readTensor(tensor).catch((error: unknown) => expectCleanError(error, `${mutation}, reading ${tensor.name}`));
        }
      }
      // The header is fetched once, then each tensor's bytes at most once more.
      const limit = 2 * bytes.length;
      if (fetched > limit) expect.fail(`mutation "${mutation}" fetched ${fetched} bytes from a ${bytes.length}-byte file`);
    }
    // Both outcomes must occur, or the mutations are not reaching the parser.
    expect(opened).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(1000);
  });
});
