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

/** Line errors printed per file; the rest are counted in the summary. */
const SHOWN_LINE_ERRORS = 20;

/**
 * Prints the skipped lines of one input file, the first few in full and then a count, and rejects
 * a file in which no line was usable (a file that is not JSONL of problems, for example).
 */
export class LineErrorReport {
  skipped = 0;

  constructor(private readonly path: string) {}

  add(error: ImportLineError): void {
    this.skipped++;
    if (this.skipped <= SHOWN_LINE_ERRORS) reportLineError(this.path, error);
  }

  /** Prints how many errors were not shown; throws when the file had lines but no usable record. */
  finish(records: number): void {
    if (this.skipped > SHOWN_LINE_ERRORS) console.error(`${this.path}: ${this.skipped - SHOWN_LINE_ERRORS} more lines skipped`);
    if (records === 0 && this.skipped > 0) {
      throw new Error(
        `${this.path}: none of its ${this.skipped} lines is a problem record. Expected JSONL with one problem per line ` +
          '(mwb, Alpaca, ShareGPT, OpenAI messages or GSM8K records); is this the right file?',
      );
    }
  }
}

export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
