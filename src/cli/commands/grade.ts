/**
 * `mwb grade`: grades one prediction against a gold answer, or every record of a JSONL file with
 * `gold` and `pred` fields. A prediction (and a gold) may be a whole model output or solution: the
 * final answer is extracted first. No GPU is used.
 */
import { createReadStream } from 'node:fs';
import { DEFAULT_REL_TOL, DEFAULT_TIME_LIMIT_MS, gradeAnswer, type GradeOptions, type Verdict } from '../../eval/equivalence.ts';
import { extractAnswer, lastBoxed } from '../../eval/extract.ts';
import { summarizeScores, type Accuracy, type GradedSample } from '../../eval/scoring.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { JsonlWriter, requireFile } from './data-files.ts';

/** How the answer was read: an extraction rule, or 'whole' when the text itself is the answer. */
type AnswerRule = ReturnType<typeof extractAnswer>['rule'] | 'whole';

export interface ReadAnswer {
  answer: string | null;
  rule: AnswerRule;
}

/**
 * Reads the final answer in `text`: by an extraction rule when one fires (\boxed, "The answer is", ####,
 * "Final Answer:"); otherwise the text itself when it is short and not prose, else the last number.
 */
export function readAnswer(text: string): ReadAnswer {
  const marked = extractAnswer(text, { fallbackLastNumber: false });
  if (marked.rule !== 'none') return marked;
  const trimmed = text.trim();
  if (trimmed === '') return { answer: null, rule: 'none' };
  const words = trimmed.replace(/\\[a-zA-Z]+(\{[^}]*\})?|\$[^$]*\$/g, ' ').match(/[a-zA-Z]{2,}/g) ?? [];
  if (trimmed.length <= 500 && words.length < 4) return { answer: trimmed, rule: 'whole' };
  return extractAnswer(text);
}

/** Reads the gold answer in `text`: the last \boxed{} of a solution (the MATH convention), else as readAnswer does. */
export function readGoldAnswer(text: string): ReadAnswer {
  const boxed = lastBoxed(text);
  return boxed === null ? readAnswer(text) : { answer: boxed, rule: 'boxed' };
}

function gradeOptions(values: { 'time-limit'?: string; 'rel-tol'?: string; 'ordered-lists'?: boolean }): GradeOptions {
  return {
    timeLimitMs: numberOption(values['time-limit'], '--time-limit', DEFAULT_TIME_LIMIT_MS, { min: 1, max: 60_000 }),
    relTol: numberOption(values['rel-tol'], '--rel-tol', DEFAULT_REL_TOL, { min: 0, max: 1 }),
    ...(values['ordered-lists'] ? { orderedLists: true } : {}),
  };
}

function formatAccuracy(a: Accuracy): string {
  if (a.total === 0) return 'no records';
  return `${(100 * a.accuracy).toFixed(2)}% (${a.correct}/${a.total}; 95% CI ${(100 * a.low).toFixed(1)}–${(100 * a.high).toFixed(1)}%)`;
}

function gradePair(gold: string, pred: string, options: GradeOptions, json: boolean): number {
  const goldAnswer = readGoldAnswer(gold);
  const predAnswer = readAnswer(pred);
  const verdict: Verdict = goldAnswer.answer === null ? { equivalent: false, method: 'unparsed', detail: 'no gold answer' } : gradeAnswer(goldAnswer.answer, predAnswer.answer, options);
  if (json) {
    printJson({ gold, pred, goldAnswer: goldAnswer.answer, extracted: predAnswer.answer, rule: predAnswer.rule, ...verdict });
  } else {
    console.log(`equivalent  ${verdict.equivalent}`);
    console.log(`method      ${verdict.method}${verdict.detail ? ` (${verdict.detail})` : ''}`);
    console.log(`gold        ${goldAnswer.answer ?? '(none)'}  [${goldAnswer.rule}]`);
    console.log(`extracted   ${predAnswer.answer ?? '(none)'}  [${predAnswer.rule}]`);
  }
  return 0;
}

interface FileOptions {
  out?: string;
  json: boolean;
  goldField: string;
  predField: string;
  grade: GradeOptions;
}

function fieldText(record: Record<string, unknown>, field: string, required: boolean): string | null | undefined {
  const value = record[field];
  if (value === undefined) return required ? undefined : null;
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

async function gradeFile(path: string, options: FileOptions): Promise<number> {
  if (path !== '-') requireFile(path, 'input file');
  const source = path === '-' ? process.stdin : createReadStream(path);
  const writer = new JsonlWriter(options.out);
  const malformed: { line: number; error: string }[] = [];
  const samples: GradedSample[] = [];
  const methods: Record<string, number> = {};
  const rules: Record<string, number> = {};
  let gradingMs = 0;

  for await (const item of parseJsonl(source)) {
    if (isJsonlError(item)) {
      malformed.push({ line: item.line, error: item.error });
      continue;
    }
    const record = item.value;
    const gold = fieldText(record, options.goldField, true);
    const pred = fieldText(record, options.predField, true);
    if (gold === undefined || gold === null || pred === undefined) {
      const field = gold === undefined || gold === null ? options.goldField : options.predField;
      const found = record[field];
      const error = found === undefined ? `missing field "${field}"` : `field "${field}" must be a string or number, got ${found === null ? 'null' : typeof found}`;
      malformed.push({ line: item.line, error });
      continue;
    }
    const started = performance.now();
    const goldAnswer = readGoldAnswer(gold);
    const predAnswer = pred === null ? { answer: null, rule: 'none' as const } : readAnswer(pred);
    const verdict = goldAnswer.answer === null ? { equivalent: false, method: 'unparsed' as const, detail: 'no gold answer' } : gradeAnswer(goldAnswer.answer, predAnswer.answer, options.grade);
    gradingMs += performance.now() - started;

    methods[verdict.method] = (methods[verdict.method] ?? 0) + 1;
    rules[predAnswer.rule] = (rules[predAnswer.rule] ?? 0) + 1;
    const id = record.unique_id ?? record.id ?? record.problem;
    samples.push({
      problemId: typeof id === 'string' || typeof id === 'number' ? String(id) : `line ${item.line}`,
      correct: verdict.equivalent,
      answer: predAnswer.answer,
      subject: typeof (record.subject ?? record.type) === 'string' ? String(record.subject ?? record.type) : undefined,
      level: typeof record.level === 'string' || typeof record.level === 'number' ? record.level : undefined,
      outputChars: pred?.length,
    });
    const graded = { ...record, extracted: predAnswer.answer, rule: predAnswer.rule, equivalent: verdict.equivalent, method: verdict.method, ...(verdict.detail ? { detail: verdict.detail } : {}) };
    await writer.write(`${JSON.stringify(graded)}\n`);
  }
  await writer.close();

  for (const bad of malformed) console.error(`mwb grade: ${path === '-' ? 'stdin' : path} line ${bad.line}: ${bad.error}`);
  const summary = summarizeScores(samples);
  const pairsPerSecond = gradingMs > 0 ? samples.length / (gradingMs / 1000) : 0;
  const report = {
    records: samples.length,
    equivalent: samples.filter((s) => s.correct).length,
    accuracy: summary.accuracy,
    malformed,
    methods,
    rules,
    gradingSeconds: gradingMs / 1000,
    pairsPerSecond,
    bySubject: summary.bySubject,
    byLevel: summary.byLevel,
    ...(summary.multiSample ? { multiSample: summary.multiSample } : {}),
  };
  // Records go to stdout unless --out names a file; the summary then goes to the other stream.
  const print = options.out === undefined || options.out === '-' ? (text: string) => process.stderr.write(`${text}\n`) : (text: string) => process.stdout.write(`${text}\n`);
  if (options.json) {
    print(JSON.stringify(report, null, 2));
  } else {
    print(`graded      ${samples.length} records${malformed.length ? `, ${malformed.length} malformed lines skipped` : ''}`);
    print(`accuracy    ${formatAccuracy(summary.accuracy)}`);
    print(`methods     ${Object.entries(methods).map(([m, n]) => `${m} ${n}`).join(', ') || '-'}`);
    print(`rules       ${Object.entries(rules).map(([r, n]) => `${r} ${n}`).join(', ') || '-'}`);
    for (const [name, accuracy] of Object.entries(summary.bySubject)) print(`  ${name.padEnd(24)} ${formatAccuracy(accuracy)}`);
    for (const [name, accuracy] of Object.entries(summary.byLevel)) print(`  ${name.padEnd(24)} ${formatAccuracy(accuracy)}`);
    print(`speed       ${pairsPerSecond.toFixed(0)} pairs/s (${(gradingMs / 1000).toFixed(2)} s grading, extraction included)`);
  }
  return malformed.length > 0 ? 1 : 0;
}

export const gradeCommand: Command = {
  name: 'grade',
  summary: 'grade predicted answers against gold answers (one pair, or a JSONL file)',
  usage: `mwb grade --gold G --pred P [--json]
mwb grade FILE.jsonl [--out FILE] [--json]

Decides whether a predicted math answer is equivalent to the gold answer: equal after LaTeX
normalization, equal as numbers (exact for rationals), equal as expressions, or equal as tuples,
sets, intervals, matrices or equations. A prediction or gold may be a whole model output or
solution; the final answer is extracted first (\\boxed{}, "Final Answer:", "The answer is", ####).

With FILE.jsonl (or - for stdin), every record needs "gold" and "pred" and is written back with
"extracted", "rule", "equivalent" and "method" added, to stdout or to --out. The summary (accuracy
with a 95% Wilson interval, per subject and level when records have "subject"/"type" and "level",
pairs/s) goes to stderr, or to stdout when --out names a file. Malformed lines are reported by line
number and skipped; the exit code is then 1.

Options:
  --gold TEXT          gold answer or solution (pair mode)
  --pred TEXT          predicted answer or model output (pair mode)
  --out FILE           write graded records to FILE instead of stdout
  --json               pair mode: one JSON object; file mode: the summary as JSON
  --gold-field NAME    record field with the gold answer (default gold)
  --pred-field NAME    record field with the prediction (default pred)
  --ordered-lists      compare comma-separated answers in order (default: order-free)
  --time-limit MS      time limit per pair in milliseconds (default ${DEFAULT_TIME_LIMIT_MS})
  --rel-tol X          relative tolerance for irrational values (default ${DEFAULT_REL_TOL})`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      gold: { type: 'string' },
      pred: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'gold-field': { type: 'string' },
      'pred-field': { type: 'string' },
      'ordered-lists': { type: 'boolean' },
      'time-limit': { type: 'string' },
      'rel-tol': { type: 'string' },
    });
    const grade = gradeOptions(values);
    if (positionals.length > 1) throw new UsageError(`expected one JSONL file, got ${positionals.length}: ${positionals.join(' ')}`);
    if (positionals.length === 1) {
      if (values.gold !== undefined || values.pred !== undefined) throw new UsageError('give either FILE.jsonl or --gold and --pred, not both');
      return gradeFile(positionals[0], {
        out: values.out,
        json: values.json ?? false,
        goldField: values['gold-field'] ?? 'gold',
        predField: values['pred-field'] ?? 'pred',
        grade,
      });
    }
    if (values.gold === undefined || values.pred === undefined) throw new UsageError(values.gold === undefined && values.pred === undefined ? 'missing FILE.jsonl or --gold and --pred' : `missing --${values.gold === undefined ? 'gold' : 'pred'}`);
    return gradePair(values.gold, values.pred, grade, values.json ?? false);
  },
};
