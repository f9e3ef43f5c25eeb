/**
 * A forward-only reader over a ByteSource that buffers one window of bytes at a time. `need(n)`
 * makes n bytes available (reading ahead by `chunkSize`), after which the typed reads run without
 * awaiting. Every read past the end of the file becomes a GgufError naming the field.
 */
import { GgufError } from './errors.ts';
import type { ByteSource } from './source.ts';

export class ByteCursor {
  private window: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.window.buffer);
  private windowStart = 0;
  /** Absolute position of the next byte to read. */
  position: number;
  /** Bytes fetched from the source so far. */
  bytesFetched = 0;

  constructor(
    readonly source: ByteSource,
    position = 0,
    readonly chunkSize = 1 << 20,
  ) {
    this.position = position;
  }

  get remaining(): number {
    return this.source.size - this.position;
  }

  /** Returns whether the next `count` bytes are already in the window, so `need` would not read. */
  has(count: number): boolean {
    return this.position + count <= this.windowStart + this.window.length;
  }

  /** Makes the next `count` bytes readable, or throws a truncation error naming `field`. */
  async need(count: number, field: string): Promise<void> {
    const end = this.position + count;
    if (end <= this.windowStart + this.window.length) return;
    if (end > this.source.size) {
      throw new GgufError(
        this.source.name,
        field,
        `file is truncated: ${count} bytes are needed at offset ${this.position}, but the file ends at ${this.source.size}; download or convert it again`,
      );
    }
    // Keep the unread tail of the window and fetch only the bytes after it.
    const tail = this.window.subarray(Math.min(this.position - this.windowStart, this.window.length));
    const fetchStart = this.position + tail.length;
    const fetchLength = Math.min(Math.max(count - tail.length, this.chunkSize), this.source.size - fetchStart);
    const fetched = await this.source.read(fetchStart, fetchLength);
    this.bytesFetched += fetched.length;
    let window = fetched;
    if (tail.length > 0) {
      window = new Uint8Array(tail.length + fetched.length);
      window.set(tail);
      window.set(fetched, tail.length);
    }
    this.window = window;
    this.view = new DataView(window.buffer, window.byteOffset, window.byteLength);
    this.windowStart = this.position;
  }

  private take(count: number): number {
    const at = this.position - this.windowStart;
    this.position += count;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }

  /**
   * Reads a u64 as a number. Values above 2^53 lose precision, which is harmless here because
   * callers compare lengths and counts against limits far below 2^53 before using them.
   */
  u64AsNumber(): number {
    const at = this.take(8);
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 4294967296;
  }

  /** Returns the next u64 as a number (see u64AsNumber) without consuming it. The 8 bytes must be in the window. */
  peekU64AsNumber(): number {
    const at = this.position - this.windowStart;
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 4294967296;
  }

  /** Returns a view of the next `count` bytes, valid until the next `need`. */
  bytes(count: number): Uint8Array {
    const at = this.take(count);
    return this.window.subarray(at, at + count);
  }

  /** Returns the DataView over the window and the window offset of the next `count` bytes. */
  viewOf(count: number): [DataView, number] {
    return [this.view, this.take(count)];
  }

  skip(count: number): void {
    this.position += count;
  }
}
