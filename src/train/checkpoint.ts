/**
 * Training checkpoints: the weights, both AdamW moments, the tokenizer and the loop state in one
 * file, so a run resumes exactly where it stopped.
 *
 * Saving writes the new checkpoint file completely, then replaces the small pointer file that names
 * it, then removes checkpoints beyond the newest `keep`. A failure while writing (quota exceeded, a
 * closed tab) therefore leaves the previous checkpoint and its pointer untouched. Each file ends
 * with a trailer, so a file cut short is recognised and never loaded.
 *
 * File layout (little-endian): "MWBCKPT1", u32 header byte length, the header as UTF-8 JSON, zero
 * padding to a multiple of 4, the sections the header lists (tokenizer as a vocabulary-only GGUF,
 * then the f32 arenas), and the trailer "MWBEND\0\0".
 */

export interface CheckpointStorage {
  /** Writes a whole file from its parts, replacing any file of that name; rejects if it cannot. */
  write(name: string, parts: readonly Uint8Array[]): Promise<void>;
  /** Returns the file's bytes, or null when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
  /** Removes a file; a missing file is not an error. */
  remove(name: string): Promise<void>;
  /** Names of the files in the checkpoint folder. */
  list(): Promise<string[]>;
  /** Location of the files, for messages ("OPFS mwb-train/<run id>", a folder path). */
  readonly location: string;
}

export interface CheckpointSection {
  name: string;
  byteOffset: number;
  byteLength: number;
}

/** The loop state and settings stored with the arrays; `T` is the trainer's own state record. */
export interface CheckpointHeader<T> {
  format: 1;
  /** Global optimizer steps done. */
  step: number;
  createdAt: number;
  state: T;
  sections: CheckpointSection[];
}

export interface Checkpoint<T> {
  header: CheckpointHeader<T>;
  /** Section name → bytes (views into the file). */
  sections: Map<string, Uint8Array>;
}

export interface SavedCheckpoint {
  file: string;
  step: number;
  location: string;
}

const MAGIC = 'MWBCKPT1';
const TRAILER = 'MWBEND\0\0';
const POINTER_FILE = 'latest.json';
const ascii = new TextEncoder();

/** Name of the checkpoint file of a step: zero-padded, so names sort by step. */
export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(9, '0')}.ckpt`;
}

function stepOfFile(name: string): number | null {
  const match = /^step-(\d{9})\.ckpt$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** A checkpoint file is damaged or does not belong to this run; the message names the file. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** Saving failed; `previous` names the checkpoint that is still valid, if any. */
export class CheckpointSaveError extends Error {
  constructor(
    readonly step: number,
    readonly previous: SavedCheckpoint | null,
    cause: unknown,
  ) {
    const reason = isQuotaExceeded(cause) ? 'the storage quota is exceeded' : String((cause as Error)?.message ?? cause);
    const kept = previous ? `The checkpoint of step ${previous.step} (${previous.location}/${previous.file}) is still valid.` : 'No earlier checkpoint exists.';
    super(`Saving the checkpoint of step ${step} failed: ${reason}. ${kept} Free storage space (delete old runs or exported models), then resume.`, { cause });
    this.name = 'CheckpointSaveError';
  }

  /** True when the storage quota was exceeded (as opposed to another write failure). */
  get quotaExceeded(): boolean {
    return isQuotaExceeded(this.cause);
  }
}

/** True for a storage quota error from IndexedDB, OPFS or Node (ENOSPC, EDQUOT). */
export function isQuotaExceeded(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  const code = (error as { code?: string })?.code;
  return name === 'QuotaExceededError' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** Serializes a checkpoint into the parts of one file. */
export function encodeCheckpoint<T>(step: number, state: T, sections: readonly { name: string; bytes: Uint8Array }[]): Uint8Array[] {
  const placed: CheckpointSection[] = [];
  let offset = 0;
  for (const { name, bytes } of sections) {
    placed.push({ name, byteOffset: offset, byteLength: bytes.byteLength });
    offset += Math.ceil(bytes.byteLength / 4) * 4;
  }
  const header: CheckpointHeader<T> = { format: 1, step, createdAt: Date.now(), state, sections: placed };
  const json = ascii.encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil((12 + json.byteLength) / 4) * 4);
  headerBytes.set(ascii.encode(MAGIC), 0);
  new DataView(headerBytes.buffer).setUint32(8, json.byteLength, true);
  headerBytes.set(json, 12);
  const parts: Uint8Array[] = [headerBytes];
  for (const { bytes } of sections) {
    parts.push(bytes);
    const padding = Math.ceil(bytes.byteLength / 4) * 4 - bytes.byteLength;
    if (padding) parts.push(new Uint8Array(padding));
  }
  parts.push(ascii.encode(TRAILER));
  return parts;
}

/** Parses and checks a checkpoint file; raises CheckpointError naming `file` when it is damaged. */
export function decodeCheckpoint<T>(bytes: Uint8Array, file: string): Checkpoint<T> {
  const damaged = (why: string) => new CheckpointError(`Checkpoint ${file} is damaged (${why}); it cannot be loaded.`);
  const text = (from: number, length: number) => String.fromCharCode(...bytes.subarray(from, from + length));
  if (bytes.byteLength < 20 || text(0, 8) !== MAGIC) throw damaged('it does not start with the checkpoint signature');
  if (text(bytes.byteLength - 8, 8) !== TRAILER) throw damaged('it ends early, so it was not written completely');
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + jsonLength > bytes.byteLength - 8) throw damaged('its header length exceeds the file');
  let header: CheckpointHeader<T>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength)));
  } catch (error) {
    throw damaged(`its header is not valid JSON: ${(error as Error).message}`);
  }
  if (header.format !== 1) throw damaged(`format ${header.format} is not supported`);
  const dataStart = Math.ceil((12 + jsonLength) / 4) * 4;
  const sections = new Map<string, Uint8Array>();
  for (const section of header.sections) {
    const start = dataStart + section.byteOffset;
    if (start + section.byteLength > bytes.byteLength - 8) throw damaged(`section "${section.name}" extends past the end`);
    sections.set(section.name, bytes.subarray(start, start + section.byteLength));
  }
  return { header, sections };
}

/** Views checkpoint bytes as f32 values, copying when the bytes are not 4-byte aligned. */
export function asFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  // A copy of its own: slice() of a Node Buffer would share the Buffer pool's memory.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export function float32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Saves and loads the checkpoints of one run in a storage folder. */
export class CheckpointManager {
  private latestSaved: SavedCheckpoint | null | undefined;

  constructor(
    readonly storage: CheckpointStorage,
    /** Checkpoints kept after a save, the new one included (at least 1). */
    readonly keep = 2,
  ) {}

  /** Returns the checkpoint the pointer names, or the newest complete file when the pointer is missing or damaged. */
  async latest(): Promise<SavedCheckpoint | null> {
    if (this.latestSaved !== undefined) return this.latestSaved;
    const pointer = await this.storage.read(POINTER_FILE);
    if (pointer) {
      try {
        const { file, step } = JSON.parse(new TextDecoder().decode(pointer)) as { file: string; step: number };
        if (typeof file === 'string' && Number.isInteger(step)) return (this.latestSaved = { file, step, location: this.storage.location });
      } catch {
        // A damaged pointer falls through to the scan below.
      }
    }
    const files = (await this.storage.list()).filter((name) => stepOfFile(name) !== null).sort().reverse();
    for (const file of files) {
      const bytes = await this.storage.read(file);
      if (!bytes) continue;
      try {
        decodeCheckpoint(bytes, file);
        return (this.latestSaved = { file, step: stepOfFile(file)!, location: this.storage.location });
      } catch {
        // An incomplete file is skipped; an older one may be complete.
      }
    }
    return (this.latestSaved = null);
  }

  /** Reads the latest checkpoint, or null when the run has none. */
  async loadLatest<T>(): Promise<Checkpoint<T> | null> {
    const latest = await this.latest();
    if (!latest) return null;
    const bytes = await this.storage.read(latest.file);
    if (!bytes) throw new CheckpointError(`Checkpoint ${latest.location}/${latest.file} is named as the latest but is missing.`);
    return decodeCheckpoint<T>(bytes, `${latest.location}/${latest.file}`);
  }

  /**
   * Writes a checkpoint, then points to it, then removes old ones. Raises CheckpointSaveError (naming
   * the checkpoint that stays valid) when the write fails; the partial file is removed.
   */
  async save<T>(step: number, state: T, sections: readonly { name: string; bytes: Uint8Array }[]): Promise<SavedCheckpoint> {
    const previous = await this.latest();
    const file = checkpointFileName(step);
    // Rewriting the file the pointer names could damage the only valid checkpoint of this step.
    if (previous?.file === file) return previous;
    try {
      await this.storage.write(file, encodeCheckpoint(step, state, sections));
      await this.storage.write(POINTER_FILE, [ascii.encode(JSON.stringify({ file, step }))]);
    } catch (error) {
      await this.storage.remove(file).catch(() => undefined);
      throw new CheckpointSaveError(step, previous, error);
    }
    const saved = { file, step, location: this.storage.location };
    this.latestSaved = saved;
    const stale = (await this.storage.list())
      .filter((name) => stepOfFile(name) !== null && name !== file)
      .sort()
      .reverse()
      .slice(Math.max(0, this.keep - 1));
    for (const name of stale) await this.storage.remove(name);
    return saved;
  }

  /** Removes every checkpoint and the pointer (for example when a run is deleted). */
  async clear(): Promise<void> {
    for (const name of await this.storage.list()) if (name === POINTER_FILE || stepOfFile(name) !== null) await this.storage.remove(name);
    this.latestSaved = null;
  }
}
