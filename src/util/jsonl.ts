/**
 * Streaming JSONL reading with line numbers, for benchmark files, shards and imported outputs.
 * Works on a browser Blob/File (blob.stream()), a Node read stream, or any async iterable of chunks,
 * at constant memory: one line at a time. Bad lines are yielded as errors so callers can report them
 * by number and keep the good ones.
 */

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

export interface JsonlLine {
  /** 1-based line number in the file. */
  line: number;
  value: Record<string, unknown>;
}

export interface JsonlLineError {
  line: number;
  error: string;
  /** The start of the offending line, for messages. */
  excerpt: string;
}

export type JsonlItem = JsonlLine | JsonlLineError;

export function isJsonlError(item: JsonlItem): item is JsonlLineError {
  return 'error' in item;
}

/** Lines longer than this are reported as errors instead of being buffered without bound. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array | string> {
  if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    yield* source as AsyncIterable<Uint8Array | string>;
  }
}

/** Splits a byte or text stream into lines (LF or CRLF), decoding UTF-8 and dropping a leading BOM. */
export async function* readLines(source: ByteSource): AsyncGenerator<{ line: number; text: string; tooLong: boolean }> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let line = 0;
  let skipping = false;
  const emit = function* (text: string, tooLong: boolean) {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    yield { line, text: text.endsWith('\r') ? text.slice(0, -1) : text, tooLong };
  };
  for await (const chunk of chunksOf(source)) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (skipping) {
        skipping = false;
        continue; // the rest of an over-long line that was already reported
      }
      yield* emit(text, false);
    }
    if (pending.length > MAX_LINE_CHARS && !skipping) {
      yield* emit(pending.slice(0, 200), true);
      pending = '';
      skipping = true;
    } else if (skipping) {
      pending = '';
    }
  }
  pending += decoder.decode();
  if (pending.length > 0 && !skipping) yield* emit(pending, false);
}

/** Parses JSONL: one JSON object per line; blank lines are skipped; other lines yield an error item. */
export async function* parseJsonl(source: ByteSource): AsyncGenerator<JsonlItem> {
  for await (const { line, text, tooLong } of readLines(source)) {
    if (tooLong) {
      yield { line, error: `line is longer than ${MAX_LINE_CHARS} characters`, excerpt: text.slice(0, 80) };
      continue;
    }
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `invalid JSON: ${(error as Error).message}`, excerpt: text.slice(0, 80) };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
      yield { line, error: `expected a JSON object, got ${kind}`, excerpt: text.slice(0, 80) };
      continue;
    }
    yield { line, value: value as Record<string, unknown> };
  }
}

/** Serializes records as JSONL text, one line each. */
export function toJsonl(records: Iterable<unknown>): string {
  let out = '';
  for (const record of records) out += `${JSON.stringify(record)}\n`;
  return out;
}
