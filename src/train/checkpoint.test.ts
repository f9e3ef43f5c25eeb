/** Checkpoint files, the pointer protocol and failures while saving, on a real folder. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asFloat32, CheckpointError, CheckpointManager, CheckpointSaveError, checkpointFileName, decodeCheckpoint, encodeCheckpoint, float32Bytes, type CheckpointStorage } from './checkpoint.ts';
import { folderStorage } from './checkpoint-node.ts';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function sections(seed: number) {
  return [
    { name: 'tokenizer', bytes: Uint8Array.from([1, 2, 3, 4, 5]) },
    { name: 'parameters', bytes: float32Bytes(Float32Array.from({ length: 37 }, (_, i) => seed + i / 8)) },
  ];
}

/** Wraps a storage so that, once armed, checkpoint writes fail partway like a full disk or OPFS quota. */
function quotaStorage(inner: CheckpointStorage): CheckpointStorage & { armed: boolean } {
  const wrapper = {
    ...inner,
    armed: false,
    async write(name: string, parts: readonly Uint8Array[]) {
      if (wrapper.armed && name.endsWith('.ckpt')) {
        await inner.write(name, parts.slice(0, 1));
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return inner.write(name, parts);
    },
  };
  return wrapper;
}

const folder = () => mkdtempSync(join(tmpdir(), 'mwb-ckpt-'));

describe('checkpoint file format', () => {
  it('round-trips header, state and sections', () => {
    const bytes = concat(encodeCheckpoint(12, { note: 'state', values: [1, 2] }, sections(3)));
    expect(bytes.byteLength % 4).toBe(0);
    const decoded = decodeCheckpoint<{ note: string }>(bytes, 'a.ckpt');
    expect(decoded.header.step).toBe(12);
    expect(decoded.header.state.note).toBe('state');
    expect(Array.from(decoded.sections.get('tokenizer')!)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(asFloat32(decoded.sections.get('parameters')!))).toEqual(Array.from({ length: 37 }, (_, i) => 3 + i / 8));
  });

  it('rejects a file cut short or with another signature', () => {
    const bytes = concat(encodeCheckpoint(1, {}, sections(1)));
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.byteLength - 20), 'cut.ckpt')).toThrow(/cut\.ckpt is damaged \(it ends early/);
    const other = bytes.slice();
    other[0] = 0x58;
    expect(() => decodeCheckpoint(other, 'other.ckpt')).toThrow(CheckpointError);
  });
});

describe('checkpoint manager', () => {
  it('saves, points to and loads the newest, keeping two files', async () => {
    const dir = folder();
    const manager = new CheckpointManager(folderStorage(dir), 2);
    expect(await manager.latest()).toBeNull();
    for (const step of [5, 10, 15]) await manager.save(step, { step }, sections(step));
    expect(readdirSync(dir).sort()).toEqual(['latest.json', checkpointFileName(10), checkpointFileName(15)]);
    const reopened = new CheckpointManager(folderStorage(dir));
    expect((await reopened.latest())?.step).toBe(15);
    const loaded = await reopened.loadLatest<{ step: number }>();
    expect(loaded?.header.state.step).toBe(15);
  });

  it('keeps the previous checkpoint valid when the quota is exceeded while saving', async () => {
    const dir = folder();
    const storage = quotaStorage(folderStorage(dir));
    const manager = new CheckpointManager(storage);
    await manager.save(4, { step: 4 }, sections(4));
    storage.armed = true;
    const failure = await manager.save(8, { step: 8 }, sections(8)).catch((error) => error);
    expect(failure).toBeInstanceOf(CheckpointSaveError);
    expect(failure.quotaExceeded).toBe(true);
    expect(failure.message).toMatch(/Saving the checkpoint of step 8 failed: the storage quota is exceeded\. The checkpoint of step 4 .* is still valid/);
    expect(readdirSync(dir)).not.toContain(checkpointFileName(8));

    const reopened = new CheckpointManager(folderStorage(dir));
    const loaded = await reopened.loadLatest<{ step: number }>();
    expect(loaded?.header.step).toBe(4);
    expect(Array.from(asFloat32(loaded!.sections.get('parameters')!))[0]).toBe(4);
  });

  it('finds the newest complete file when the pointer is missing or damaged', async () => {
    const dir = folder();
    const manager = new CheckpointManager(folderStorage(dir), 3);
    await manager.save(1, {}, sections(1));
    await manager.save(2, {}, sections(2));
    writeFileSync(join(dir, 'latest.json'), '{not json');
    // A newer file that was cut short is passed over.
    const full = readFileSync(join(dir, checkpointFileName(2)));
    writeFileSync(join(dir, checkpointFileName(3)), full.subarray(0, full.byteLength - 30));
    expect((await new CheckpointManager(folderStorage(dir)).latest())?.step).toBe(2);
  });

  it('does not rewrite the checkpoint of the same step', async () => {
    const dir = folder();
    const storage = quotaStorage(folderStorage(dir));
    const manager = new CheckpointManager(storage);
    await manager.save(6, {}, sections(6));
    storage.armed = true;
    expect((await manager.save(6, {}, sections(7))).step).toBe(6);
    expect((await new CheckpointManager(folderStorage(dir)).loadLatest())?.header.step).toBe(6);
  });

  it('clears every checkpoint', async () => {
    const dir = folder();
    const manager = new CheckpointManager(folderStorage(dir));
    await manager.save(1, {}, sections(1));
    await manager.clear();
    expect(readdirSync(dir)).toEqual([]);
    expect(await new CheckpointManager(folderStorage(dir)).latest()).toBeNull();
  });
});
