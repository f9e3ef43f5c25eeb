/**
 * Answer accuracy of an exported model on held-out test problems: greedy generation with the
 * Skywork-Math zero-shot prompt, answer extraction and equivalence grading by the evaluation module,
 * next to the trivial baseline of always giving the training set's most frequent answer.
 */
import { gradeAnswer } from '../../eval/equivalence.ts';
import { extractAnswer } from '../../eval/extract.ts';
import { ReferenceEngine } from '../../model/reference/engine.ts';
import { generate } from '../../model/reference/generate.ts';
import { GREEDY } from '../../model/reference/sampling.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { renderSftPrompt, type SftRecord, type SftTemplate } from '../../train/sft-data.ts';
import { withGgufFile } from '../gguf-file.ts';
import { readSftFile } from './train-records.ts';

export interface GradedProblem {
  problem: string;
  gold: string;
  output: string;
  predicted: string | null;
  correct: boolean;
}

export interface ConstantBaseline {
  answer: string;
  /** Accuracy on the test problems when every answer is `answer`. */
  accuracy: number;
}

export interface AccuracyReport {
  testFile: string;
  problems: number;
  correct: number;
  accuracy: number;
  /** Outputs with no answer the extractor could find. */
  unparsed: number;
  /** The most frequent answer of the training records, given to every test problem. */
  trainingMostFrequent: ConstantBaseline | null;
  /** The most frequent answer of the test problems themselves: the best any constant answer can do. */
  testMostFrequent: ConstantBaseline;
  seconds: number;
  /** The first graded problems, for a look at the outputs. */
  examples: GradedProblem[];
}

export interface EvaluateOptions {
  limit: number;
  maxTokens: number;
  template: SftTemplate;
  quiet: boolean;
}

function mostFrequent(answers: readonly string[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  for (const answer of answers) {
    const count = (counts.get(answer) ?? 0) + 1;
    counts.set(answer, count);
    if (best === null || count > counts.get(best)!) best = answer;
  }
  return best;
}

function constantBaseline(answer: string, golds: readonly string[]): ConstantBaseline {
  const correct = golds.filter((gold) => gradeAnswer(gold, answer).equivalent).length;
  return { answer, accuracy: correct / golds.length };
}

/** Generates and grades an answer for each of the first `limit` test problems that have a gold answer. */
export async function evaluateModelFile(modelPath: string, testPath: string, training: readonly SftRecord[], options: EvaluateOptions): Promise<AccuracyReport> {
  const tests = (await readSftFile(testPath, undefined, options.quiet)).filter((r) => r.answer).slice(0, options.limit);
  if (tests.length === 0) throw new Error(`${testPath} has no problems with an answer to grade; give a file written by mwb synth --split test or with "answer" fields.`);
  const started = performance.now();
  const graded = await withGgufFile(modelPath, async (file) => {
    const tokenizer = GgufTokenizer.fromGguf(file);
    const engine = ReferenceEngine.open(file);
    const results: GradedProblem[] = [];
    for (const [index, test] of tests.entries()) {
      const prompt = tokenizer.encode(renderSftPrompt(options.template, test.problem));
      const { text } = await generate(engine, tokenizer, prompt, { ...GREEDY, maxTokens: Math.min(options.maxTokens, engine.contextLength - prompt.length - 1), stop: ['\n\n### Instruction:'] });
      const predicted = extractAnswer(text).answer;
      const correct = gradeAnswer(test.answer!, predicted, { question: test.problem }).equivalent;
      results.push({ problem: test.problem, gold: test.answer!, output: text, predicted, correct });
      if (!options.quiet && (index + 1) % 25 === 0) console.error(`graded ${index + 1} of ${tests.length} test problems`);
    }
    await engine.dispose();
    return results;
  });
  const golds = tests.map((t) => t.answer!);
  const trainingAnswer = mostFrequent(training.map((r) => r.answer).filter((a): a is string => Boolean(a)));
  const correct = graded.filter((g) => g.correct).length;
  return {
    testFile: testPath,
    problems: graded.length,
    correct,
    accuracy: correct / graded.length,
    unparsed: graded.filter((g) => g.predicted === null).length,
    trainingMostFrequent: trainingAnswer === null ? null : constantBaseline(trainingAnswer, golds),
    testMostFrequent: constantBaseline(mostFrequent(golds)!, golds),
    seconds: (performance.now() - started) / 1000,
    examples: graded.slice(0, 5),
  };
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** Formats the report for the terminal: accuracy, baselines and one example output. */
export function formatAccuracy(report: AccuracyReport): string {
  const lines = [
    `test accuracy: ${report.correct} of ${report.problems} = ${percent(report.accuracy)} (${report.testFile}, greedy, ${report.unparsed} without an answer, ${report.seconds.toFixed(1)} s)`,
  ];
  if (report.trainingMostFrequent) lines.push(`baseline, the training set's most frequent answer "${report.trainingMostFrequent.answer}": ${percent(report.trainingMostFrequent.accuracy)}`);
  lines.push(`baseline, the test set's own most frequent answer "${report.testMostFrequent.answer}": ${percent(report.testMostFrequent.accuracy)}`);
  const example = report.examples[0];
  if (example) lines.push(`example: ${JSON.stringify(example.problem)}\n  output: ${JSON.stringify(example.output.slice(0, 300))}\n  predicted ${example.predicted ?? '(none)'}, gold ${example.gold}`);
  return lines.join('\n');
}
