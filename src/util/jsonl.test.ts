import { describe, expect, it } from 'vitest';
import { isJsonlError, MAX_LINE_CHARS, parseJsonl, readLines, type JsonlItem } from './jsonl.ts';

async function collect(chunks: (string | Uint8Array)[]): Promise<JsonlItem[]> {
  const items: JsonlItem[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const item of parseJsonl(source())) items.push(item);
  return items;
}

describe('parseJsonl', () => {
  it('reads objects across chunk borders with line numbers', async () => {
    const items = await collect(['{"a":', '1}\n{"a":2}\r\n\n{"a"', ':3}']);
    expect(items).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2 } },
      { line: 4, value: { a: 3 } },
    ]);
  });

  it('reports bad lines by number and keeps the good ones', async () => {
    const items = await collect(['{"ok":1}\nnot json\n[1,2]\n"text"\n{"ok":2}\n']);
    const errors = items.filter(isJsonlError);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(errors[0].error).toMatch(/invalid JSON/);
    expect(errors[1].error).toMatch(/expected a JSON object, got an array/);
    expect(items.filter((i) => !isJsonlError(i))).toHaveLength(2);
  });

  it('decodes UTF-8 split inside a character and drops a BOM', async () => {
    const bytes = new TextEncoder().encode('\ufeff{"s":"π≈3.14"}\n');
    const items = await collect([bytes.slice(0, 9), bytes.slice(9)]);
    expect(items).toEqual([{ line: 1, value: { s: 'π≈3.14' } }]);
  });

  it('reads a Blob stream', async () => {
    const blob = new Blob(['{"x":1}\n{"x":2}\n']);
    const lines: number[] = [];
    for await (const { line } of readLines(blob.stream())) lines.push(line);
    expect(lines).toEqual([1, 2]);
  });

  it('reports an over-long line without buffering it', async () => {
    const long = `{"x":"${'a'.repeat(MAX_LINE_CHARS + 10)}"}`;
    const items = await collect([long.slice(0, MAX_LINE_CHARS / 2), long.slice(MAX_LINE_CHARS / 2), '\n{"y":1}\n']);
    expect(items[0]).toMatchObject({ line: 1, error: expect.stringMatching(/longer than/) });
    expect(items[1]).toEqual({ line: 2, value: { y: 1 } });
  });
});
