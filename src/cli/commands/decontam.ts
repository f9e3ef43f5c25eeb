/** `mwb decontam`: flags problems that overlap benchmark test sets by word n-grams. */
import { createReadStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Decontaminator, testProblemFromRecord, type ContaminationMatch, type TestProblem } from '../../data/decontam.ts';
import { isImportError } from '../../data/formats.ts';
import { isJsonlError, parseJsonl } from '../../util/jsonl.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { excerpt, JsonlWriter, LineErrorReport, readRecords, requireFile } from './data-files.ts';

async function loadTestSet(path: string): Promise<TestProblem[]> {
  requireFile(path, 'test set');
  const problems: TestProblem[] = [];
  // gsm8k/test.jsonl and math/test.jsonl share a file name, so the folder is part of the source name.
  const source = `${basename(dirname(path))}/${basename(path)}`;
  for await (const entry of parseJsonl(createReadStream(path))) {
    if (isJsonlError(entry)) {
      console.error(`${path}:${entry.line}: skipped: ${entry.error}`);
      continue;
    }
    const problem = testProblemFromRecord(entry.value, source, entry.line);
    if (typeof problem === 'string') console.error(`${path}: skipped ${problem}`);
    else problems.push(problem);
  }
  if (problems.length === 0) throw new Error(`test set ${path} has no problems; expected JSONL with a "question" (GSM8K) or "problem" (MATH) field`);
  return problems;
}

interface Flagged {
  line: number;
  id: string;
  problem: string;
  match: ContaminationMatch;
}

export const decontamCommand: Command = {
  name: 'decontam',
  summary: 'flag problems that overlap benchmark test sets (word n-gram overlap)',
  usage: `mwb decontam FILE.jsonl --against TEST.jsonl [TEST.jsonl ...] [--n 30] [--json]

Compares every problem in FILE (any supported JSONL format) with the test problems of each benchmark
file (GSM8K "question" or MATH "problem" records), after normalizing case, spacing and punctuation.
A problem is flagged when it shares a run of n consecutive words with a test problem (the whole test
problem if it is shorter), or when at least --coverage of the test problem's words lie in shared
--coverage-n word shingles, which catches copies with a word changed. Prints each flagged record with
the matching test problem.

Options:
  --against PATH...  benchmark test files (repeat the flag or list several paths)
  --n N              shared run length in words (default 30)
  --coverage F       covered fraction of a test problem that flags an item (default 0.6)
  --coverage-n K     shingle length of the coverage check (default 5)
  --ngram-only       use only the n-word run check
  --out FILE         write the records that are not flagged, unchanged, to FILE
  --json             print {checked, flagged: [{line, id, problem, match}], skippedLines, params}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      against: { type: 'string', multiple: true },
      n: { type: 'string' },
      coverage: { type: 'string' },
      'coverage-n': { type: 'string' },
      'ngram-only': { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [path, ...extra] = positionals;
    if (!path) throw new UsageError('expected an input FILE.jsonl');
    const against = [...(values.against ?? []), ...extra];
    if (against.length === 0) throw new UsageError('--against is required: one or more benchmark test JSONL files');
    const n = numberOption(values.n, '--n', 30, { min: 1, integer: true });
    const coverage = numberOption(values.coverage, '--coverage', 0.6, { min: 1e-9, max: 1 });
    const coverageN = numberOption(values['coverage-n'], '--coverage-n', 5, { min: 1, integer: true });

    const tests: TestProblem[] = [];
    for (const file of against) tests.push(...(await loadTestSet(file)));
    const decontaminator = new Decontaminator(tests, { n, coverageN, minCoverage: values['ngram-only'] ? null : coverage });

    const flagged: Flagged[] = [];
    const writer = values.out ? new JsonlWriter(values.out) : null;
    let checked = 0;
    const lineErrors = new LineErrorReport(path);
    for await (const entry of readRecords(path)) {
      if (isImportError(entry)) {
        lineErrors.add(entry);
        continue;
      }
      checked++;
      const match = decontaminator.check(entry.item.problem);
      if (match) flagged.push({ line: entry.line, id: entry.item.id, problem: entry.item.problem, match });
      else if (writer) await writer.write(`${JSON.stringify(entry.raw)}\n`);
    }
    await writer?.close();
    lineErrors.finish(checked);

    const params = { n, coverage: values['ngram-only'] ? null : coverage, coverageN: decontaminator.k, testProblems: tests.length, against };
    if (values.json) {
      printJson({ checked, flagged, skippedLines: lineErrors.skipped, params });
      return 0;
    }
    for (const f of flagged) {
      console.log(`${path}:${f.line} (${f.id}) flagged by ${f.match.reason === 'ngram' ? `a shared ${f.match.longestRun}-word run` : `${Math.round(f.match.coverage * 100)}% coverage`}`);
      console.log(`  problem: ${excerpt(f.problem)}`);
      console.log(`  test:    ${f.match.source} ${f.match.testId}: ${excerpt(f.match.testText)}`);
      console.log(`  shared:  ${excerpt(f.match.sharedText)}`);
    }
    console.log(`${flagged.length} of ${checked} problems flagged against ${tests.length} test problems (n = ${n}${values['ngram-only'] ? '' : `, coverage ≥ ${coverage} of ${decontaminator.k}-word shingles`}); ${lineErrors.skipped} lines skipped`);
    if (values.out) console.log(`wrote ${checked - flagged.length} records to ${values.out}`);
    return 0;
  },
};
