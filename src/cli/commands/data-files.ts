/** File helpers shared by `mwb synth`, `mwb dedup` and `mwb decontam`: streamed JSONL in and out. */
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { fromRecord, type ImportLineError } from '../../data/formats.ts';
import type { SynthItem } from '../../data/types.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';

export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} ${path} not found`);
}

/** A write stream that waits for 'drain', so output of any size uses constant memory. */
export class JsonlWriter {
  private readonly stream: WriteStream | NodeJS.WriteStream;

  constructor(path: string | undefined) {
    this.stream = path === undefined || path === '-' ? process.stdout : createWriteStream(path);
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    if (this.stream === process.stdout) return;
    await new Promise<void>((resolve, reject) => (this.stream as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

export interface RecordLine {
  line: number;
  /** The line exactly as read, for writing filtered copies. */
  raw: Record<string, unknown>;
  item: SynthItem;
}

/** Streams the records of a JSONL file in any supported format; malformed lines come as errors. */
export async function* readRecords(path: string): AsyncGenerator<RecordLine | ImportLineError> {
  requireFile(path, 'input file');
  for await (const entry of parseJsonl(createReadStream(path))) {
    if (isJsonlError(entry)) {
      yield { line: entry.line, error: entry.error, excerpt: entry.excerpt };
      continue;
    }
    const item = fromRecord(entry.value, entry.line, () => null, `line ${entry.line}`);
    if (typeof item === 'string') yield { line: entry.line, error: item };
    else yield { line: entry.line, raw: entry.value, item };
  }
}

export function reportLineError(path: string, error: ImportLineError): void {
  console.error(`${path}:${error.line}: skipped: ${error.error}${error.excerpt ? ` (${JSON.stringify(error.excerpt)})` : ''}`);
}

export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
