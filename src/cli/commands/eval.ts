/**
 * `mwb eval FILE.gguf --bench gsm8k|math|math500 --data PATH --out results.jsonl`: evaluates a GGUF
 * model on a benchmark file with the WebGPU engine's batched generation. Each graded sample is
 * appended to the results file as soon as it finishes, so an interrupted run loses only the samples
 * in flight, and `--resume` continues it.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import type { BenchmarkKind } from '../../db/eval.ts';
import { sampleKey } from '../../eval/runs/store.ts';
import { summarizeResults } from '../../eval/runs/summary.ts';
import { builtinTemplate, BUILTIN_TEMPLATES, selectExemplars, type BuiltinTemplateId, type ResolvedExemplar } from '../../eval/templates.ts';
import type { ScoreSummary } from '../../eval/scoring.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { chatRenderer, LocalGenerator } from '../../worker/services/local-model.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';
import { loadCliModel } from '../gpu-model.ts';
import { generateAndGrade, readBenchmarkFile, type EvalLine, type EvalProblem } from './eval-loop.ts';
import { formatDuration } from './train-output.ts';

const BENCHES = ['gsm8k', 'math', 'math500'] as const satisfies readonly Exclude<BenchmarkKind, 'custom'>[];
type Bench = (typeof BENCHES)[number];
const TEMPLATES = Object.keys(BUILTIN_TEMPLATES) as BuiltinTemplateId[];

const USAGE = `mwb eval FILE.gguf --bench gsm8k|math|math500 --data PATH --out results.jsonl [options]

Evaluates a GGUF model on the benchmark file PATH (GSM8K JSONL with "question" and "answer",
MATH with "problem" and "solution", MATH-500 with "problem" and "answer") on the WebGPU engine,
decoding --batch problems together. Each output is graded (answer extraction, then equivalence with
the gold answer) and appended to --out as one JSON line the moment it finishes; the summary
(accuracy with its 95% Wilson interval, unparsed outputs, maj@k and pass@k with --samples, MATH
subjects and levels, throughput) is printed at the end. Ctrl-C stops after the lines written so far;
--resume continues.

Options:
  --bench NAME          gsm8k, math or math500: the file's format and grading (required)
  --data PATH           the benchmark JSONL file (required)
  --out FILE            results JSONL, one graded sample per line (required)
  --limit N             evaluate the first N problems of the file
  --batch B             sequences decoded together (default 8)
  --template NAME       ${TEMPLATES.join(', ')} (default alpaca-cot: Skywork-Math's zero-shot prompt;
                        chat-boxed needs a chat template in the file)
  --exemplars PATH      few-shot templates: the split the exemplars are drawn from (default: --data)
  --samples K           samples per problem, for maj@k and pass@k (default 1; K > 1 needs --temperature > 0)
  --max-tokens N        generated tokens per sample at most (default 512)
  --temperature T       0 (default) is greedy decoding
  --top-k K, --top-p P  sampling filters (defaults 0 = off and 1 = off)
  --seed S              sampler seed; sample i of a problem uses S + i (default 0)
  --context N           KV-cache positions per sequence (default: the model's, at most 4096)
  --gpu-memory MB       GPU memory the model may use (default: free system memory on a software adapter)
  --resume              continue the run stored in --out, skipping the samples it contains
  --json                print the summary as JSON`;

function choice<T extends string>(value: string | undefined, flag: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`${flag} is required (one of ${allowed.join(', ')})`);
    return fallback;
  }
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** Reads the samples stored by an earlier run, checking that they belong to the same problems. */
async function readStoredLines(path: string, problems: readonly EvalProblem[], samples: number): Promise<EvalLine[]> {
  const lines: EvalLine[] = [];
  const text = await readFile(path, 'utf8');
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let line: EvalLine;
    try {
      line = JSON.parse(raw) as EvalLine;
    } catch {
      // The last line may have been cut off by a crash; it is generated again.
      console.error(`${path}:${i + 1}: not JSON, left out (it is generated again)`);
      return;
    }
    const problem = problems[line.problemIndex];
    if (!problem || problem.problemId !== line.problemId || !Number.isInteger(line.sample) || line.sample >= samples) {
      throw new Error(`${path}:${i + 1} is sample ${line.sample} of problem ${line.problemId} (index ${line.problemIndex}), which this run does not have; resume with the same --data, --limit and --samples, or choose another --out.`);
    }
    lines.push(line);
  });
  return lines;
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** Formats the summary as lines of text. */
export function formatSummary(summary: ScoreSummary, bench: Bench): string[] {
  const a = summary.accuracy;
  const lines = [`accuracy: ${a.correct} of ${a.total} = ${percent(a.accuracy)} (95% interval ${percent(a.low)}–${percent(a.high)}), ${summary.unanswered} without an extracted answer`];
  if (summary.multiSample) {
    const m = summary.multiSample;
    for (const [k, pass] of Object.entries(m.passAtK)) lines.push(`pass@${k}: ${percent(pass)}   maj@${k}: ${percent(m.majorityAtK[Number(k)].accuracy)}`);
  }
  if (bench !== 'gsm8k') {
    for (const [name, s] of Object.entries(summary.bySubject)) lines.push(`  ${name}: ${s.correct}/${s.total} = ${percent(s.accuracy)}`);
    for (const [name, s] of Object.entries(summary.byLevel)) lines.push(`  ${name}: ${s.correct}/${s.total} = ${percent(s.accuracy)}`);
  }
  if (summary.outputTokens) lines.push(`output tokens: mean ${summary.outputTokens.mean.toFixed(1)}, median ${summary.outputTokens.median}, max ${summary.outputTokens.max}`);
  return lines;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a GGUF model on GSM8K, MATH or MATH-500 with the WebGPU engine (resumable JSONL results)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      bench: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      batch: { type: 'string' },
      template: { type: 'string' },
      exemplars: { type: 'string' },
      samples: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      context: { type: 'string' },
      'gpu-memory': { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE.gguf' : `expected one FILE.gguf, got ${positionals.length} arguments`);
    const bench = choice(values.bench, '--bench', BENCHES);
    if (!values.data) throw new UsageError('--data PATH is required: the benchmark JSONL file');
    if (!values.out) throw new UsageError('--out FILE is required: where the graded samples are written');
    const out = values.out;
    const templateId = choice(values.template, '--template', TEMPLATES, 'alpaca-cot');
    const limit = values.limit === undefined ? undefined : numberOption(values.limit, '--limit', 0, { min: 1, integer: true });
    const batch = numberOption(values.batch, '--batch', 8, { min: 1, max: 256, integer: true });
    const samples = numberOption(values.samples, '--samples', 1, { min: 1, max: 256, integer: true });
    const sampling = {
      maxTokens: numberOption(values['max-tokens'], '--max-tokens', 512, { min: 1, integer: true }),
      temperature: numberOption(values.temperature, '--temperature', 0, { min: 0 }),
      topK: numberOption(values['top-k'], '--top-k', 0, { min: 0, integer: true }),
      topP: numberOption(values['top-p'], '--top-p', 1, { min: 1e-6, max: 1 }),
      seed: numberOption(values.seed, '--seed', 0, { min: 0, integer: true }),
      stop: [] as string[],
    };
    if (samples > 1 && sampling.temperature === 0) throw new UsageError('--samples above 1 needs --temperature above 0: greedy decoding gives the same output every time');
    const contextOption = values.context === undefined ? undefined : numberOption(values.context, '--context', 0, { min: 16, integer: true });
    const gpuMemoryMb = values['gpu-memory'] === undefined ? undefined : numberOption(values['gpu-memory'], '--gpu-memory', 0, { min: 0.01 });
    if (existsSync(out) && !values.resume) throw new UsageError(`${out} already exists; pass --resume to continue that run, or choose another --out`);

    const { problems, skipped } = await readBenchmarkFile(values.data, bench, limit);
    if (skipped.length > 0 && !values.json) {
      for (const s of skipped.slice(0, 10)) console.error(`${values.data}:${s.line}: skipped: ${s.error}`);
      if (skipped.length > 10) console.error(`${values.data}: ${skipped.length} lines skipped in all`);
    }
    const template = builtinTemplate(templateId);
    let exemplars: ResolvedExemplar[] = [];
    if (template.fewShot) {
      const pool = values.exemplars ? (await readBenchmarkFile(values.exemplars, bench)).problems : problems;
      exemplars = selectExemplars(
        pool.map((p) => ({ ...p, benchmarkId: values.exemplars ?? values.data!, line: p.index + 1 })),
        bench,
        { count: template.fewShot.count, seed: template.fewShot.seed },
      );
    }

    const stored = values.resume && existsSync(out) ? await readStoredLines(out, problems, samples) : [];
    const finished = new Set(stored.map((line) => sampleKey(line.problemIndex, line.sample)));
    const total = problems.length * samples;
    if (!values.json) console.error(`${problems.length} ${bench} problems × ${samples} sample${samples > 1 ? 's' : ''}${finished.size > 0 ? `, ${finished.size} stored in ${out}` : ''}; template ${templateId}, batch ${batch}`);

    const controller = new AbortController();
    const onSigint = () => {
      if (!values.json) console.error('\nstopping after the samples in flight; rerun with --resume to continue');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    const lines = [...stored];
    const started = performance.now();
    let sessionTokens = 0;
    let missing = 0;
    try {
      await withGgufFile(positionals[0], async (file) => {
        const tokenizer = GgufTokenizer.fromGguf(file);
        const renderChat = chatRenderer(tokenizer);
        if (template.format === 'chat' && !renderChat) {
          throw new UsageError(`--template ${templateId} formats prompts with the model's chat template, but ${positionals[0]} has no tokenizer.chat_template; use a text template such as alpaca-cot`);
        }
        const model = await loadCliModel(file, { contextLength: contextOption, batch, gpuMemoryMb });
        // The file is rewritten with the stored lines only, so a line cut off by a crash does not run into the next one.
        await writeFile(`${out}.partial`, stored.map((line) => `${JSON.stringify(line)}\n`).join(''));
        await rename(`${out}.partial`, out);
        try {
          const generator = new LocalGenerator({ model, tokenizer, name: file.name, detail: model.describe() });
          let writes = Promise.resolve();
          missing = await generateAndGrade(generator, problems, {
            template,
            renderChat,
            exemplars,
            sampling,
            samples,
            kind: bench,
            finished,
            signal: controller.signal,
            onResult: (line) => {
              lines.push(line);
              sessionTokens += line.tokens;
              writes = writes.then(() => appendFile(out, `${JSON.stringify(line)}\n`));
              const done = lines.length;
              if (!values.json && (done % 10 === 0 || done === total)) {
                const correct = lines.filter((l) => l.verdict === 'correct').length;
                const seconds = (performance.now() - started) / 1000;
                const sessionDone = done - stored.length;
                const eta = sessionDone > 0 ? ((total - done) * seconds) / sessionDone : 0;
                console.error(`${done}/${total} graded, running accuracy ${percent(correct / done)}, ${(sessionTokens / seconds).toFixed(1)} tokens/s, ETA ${formatDuration(eta * 1000)}`);
              }
              return writes;
            },
          });
        } finally {
          model.dispose();
        }
      });
    } finally {
      process.off('SIGINT', onSigint);
    }

    const seconds = (performance.now() - started) / 1000;
    const summary = summarizeResults(lines.map((line) => ({ ...line, runId: 'cli' })));
    const status = missing > 0 || lines.length < total ? 'paused' : 'finished';
    if (values.json) {
      printJson({ status, bench, data: values.data, out, template: templateId, problems: problems.length, samples, seconds, tokensPerSecond: sessionTokens / seconds, summary });
    } else {
      for (const line of formatSummary(summary, bench)) console.log(line);
      console.log(`${status}: ${lines.length} of ${total} samples in ${out}; ${formatDuration(seconds * 1000)} this session, ${(sessionTokens / seconds).toFixed(1)} generated tokens/s`);
    }
    return status === 'finished' ? 0 : 1;
  },
};
