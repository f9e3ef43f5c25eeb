import { describe, expect, it } from 'vitest';
import { extractAnswer } from '../eval/extract.ts';
import { formatBatch, fromRecord, importJsonl, isImportError, SFT_FORMATS, toSftRecord, type ImportedLine, type ImportLineError } from './formats.ts';
import { generateProblems } from './generate.ts';

const extract = (solution: string) => extractAnswer(solution).answer;
const items = [...generateProblems({ stage: 'normal', methods: ['plain', 'backward', 'evol', 'selfcorrect'], count: 8, seed: 5 })];

async function collect(text: string): Promise<(ImportedLine | ImportLineError)[]> {
  const out: (ImportedLine | ImportLineError)[] = [];
  async function* source() {
    yield text;
  }
  for await (const entry of importJsonl(source(), extract)) out.push(entry);
  return out;
}

describe('SFT formats', () => {
  it('writes the standard field layouts', () => {
    const item = items[0];
    expect(toSftRecord(item, 'alpaca')).toEqual({ instruction: item.problem, input: '', output: item.solution });
    expect(toSftRecord(item, 'sharegpt')).toEqual({ conversations: [{ from: 'human', value: item.problem }, { from: 'gpt', value: item.solution }] });
    expect(toSftRecord(item, 'openai', { system: 'Solve it.' })).toEqual({
      messages: [{ role: 'system', content: 'Solve it.' }, { role: 'user', content: item.problem }, { role: 'assistant', content: item.solution }],
    });
    expect(toSftRecord(item, 'alpaca', { includeMeta: true })).toMatchObject({ answer: item.answer, method: item.method, stage: 'normal' });
  });

  it('round-trips every format through import', async () => {
    for (const format of SFT_FORMATS) {
      const entries = await collect(formatBatch(items, format, { includeMeta: true }));
      expect(entries.filter(isImportError)).toEqual([]);
      const imported = (entries as ImportedLine[]).map((e) => e.item);
      expect(imported.map((i) => i.problem)).toEqual(items.map((i) => i.problem));
      expect(imported.map((i) => i.solution)).toEqual(items.map((i) => i.solution));
      expect(imported.map((i) => i.answer)).toEqual(items.map((i) => i.answer));
      expect(imported.map((i) => i.method)).toEqual(items.map((i) => i.method));
      expect(imported.map((i) => i.hash)).toEqual(items.map((i) => i.hash));
    }
  });

  it('reads the answer from the solution when a record has none', async () => {
    const [plain] = await collect(formatBatch(items.slice(0, 1), 'sharegpt'));
    expect((plain as ImportedLine).item.answer).toBe(items[0].answer);
    const boxed = fromRecord({ instruction: 'Compute 1/2 + 1/4.', input: '', output: 'We get $\\boxed{\\frac{3}{4}}$.' }, 1, extract, 'x');
    expect(boxed).toMatchObject({ answer: '\\frac{3}{4}', generator: 'import', verification: 'unverified' });
    const gsm = fromRecord({ question: 'Q?', answer: 'It is 2+2=<<2+2=4>>4\n#### 4' }, 1, extract, 'x');
    expect(gsm).toMatchObject({ problem: 'Q?', answer: '4' });
  });

  it('reports malformed lines by number and imports the rest', async () => {
    const good = formatBatch(items.slice(0, 2), 'alpaca').trim().split('\n');
    const text = [good[0], '{"instruction": "no output"', '[1, 2]', '{"messages": [{"role": "user", "content": "only a question"}]}', good[1], '{"foo": 1}'].join('\n');
    const entries = await collect(text);
    const errors = entries.filter(isImportError);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 6]);
    expect(errors[0].error).toMatch(/invalid JSON/);
    expect(errors[2].error).toMatch(/no assistant turn/);
    expect(errors[3].error).toMatch(/unknown record shape \(fields: foo\)/);
    expect(entries.filter((e) => !isImportError(e)).map((e) => e.line)).toEqual([1, 5]);
  });
});
