/**
 * Prompt templates for evaluation runs. A template is plain data (saved with each run, editable in
 * the UI) with `{problem}` where the problem goes. Four come built in:
 * - `alpaca-cot`: Skywork-Math's zero-shot chain-of-thought format, which is also its SFT format
 *   (Alpaca style); the model ends with "The answer is …".
 * - `chat-boxed`: the model's own chat template with an instruction to put the answer in \boxed{}.
 * - `gsm8k-8shot`: 8 worked GSM8K exemplars, each ending "The answer is N.", then the question.
 * - `math-4shot`: Minerva-style MATH prompt with 4 exemplars ending
 *   "Final Answer: The final answer is $X$. I hope it is correct."
 *
 * Few-shot exemplars are not stored in the code: they are drawn at run time from a split the user
 * loads (normally the train split) by `selectExemplars`, and the chosen ones are saved with the run.
 */
import type { BenchmarkKind, BenchmarkProblemRecord } from '../db/eval.ts';
import { Rng } from '../util/random.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * Renders messages with a model's chat template (from its tokenizer files) into the prompt text;
 * with `addGenerationPrompt` the text ends where the assistant's reply begins.
 */
export type RenderChat = (messages: ChatMessage[], addGenerationPrompt: boolean) => string;

export interface FewShotSettings {
  /** Number of exemplars placed before the problem. */
  count: number;
  /** Seed of the exemplar choice; the same seed and split give the same exemplars. */
  seed: number;
  /** Pattern of one exemplar, with `{problem}`, `{solution}` and `{answer}`. */
  exemplar: string;
  /** Text between exemplars and before the problem (text format only). */
  separator: string;
}

export interface PromptTemplate {
  /** The built-in template this one started from, or 'custom'. */
  base: BuiltinTemplateId | 'custom';
  name: string;
  /** 'text': the prompt is `text` itself; 'chat': `text` is the user message, rendered with the model's chat template. */
  format: 'text' | 'chat';
  /** The prompt (text format) or the user message (chat format); `{problem}` is replaced by the problem. */
  text: string;
  /** System message for the chat format; empty for none. */
  system: string;
  fewShot?: FewShotSettings;
  /** Stop sequences for generation: the output ends before the first one. */
  stop: string[];
}

/** One few-shot exemplar as it is placed into prompts. */
export interface ResolvedExemplar {
  problemId: string;
  problem: string;
  /** The worked solution without its final-answer line. */
  solution: string;
  answer: string;
}

export type BuiltinTemplateId = 'alpaca-cot' | 'chat-boxed' | 'gsm8k-8shot' | 'math-4shot';

/** Skywork-Math's zero-shot CoT prompt, character for character. */
export const ALPACA_COT_TEXT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
  "### Instruction:\n{problem}\n\n### Response: Let's think step by step.";

export const BUILTIN_TEMPLATES: Record<BuiltinTemplateId, PromptTemplate> = {
  'alpaca-cot': {
    base: 'alpaca-cot',
    name: 'Zero-shot CoT (Skywork-Math, Alpaca style)',
    format: 'text',
    text: ALPACA_COT_TEXT,
    system: '',
    stop: ['\n\n### Instruction:'],
  },
  'chat-boxed': {
    base: 'chat-boxed',
    name: "Model's chat template, answer in \\boxed{}",
    format: 'chat',
    text: '{problem}\n\nSolve the problem step by step, then write the final answer inside \\boxed{}.',
    system: '',
    stop: [],
  },
  'gsm8k-8shot': {
    base: 'gsm8k-8shot',
    name: 'GSM8K 8-shot CoT',
    format: 'text',
    text: 'Question: {problem}\nAnswer:',
    system: '',
    fewShot: { count: 8, seed: 0, exemplar: 'Question: {problem}\nAnswer: {solution} The answer is {answer}.', separator: '\n\n' },
    stop: ['\n\nQuestion:'],
  },
  'math-4shot': {
    base: 'math-4shot',
    name: 'MATH 4-shot (Minerva style)',
    format: 'text',
    text: 'Problem:\n{problem}\n\nSolution:',
    system: '',
    fewShot: {
      count: 4,
      seed: 0,
      exemplar: 'Problem:\n{problem}\n\nSolution:\n{solution}\nFinal Answer: The final answer is ${answer}$. I hope it is correct.',
      separator: '\n\n',
    },
    stop: ['\n\nProblem:'],
  },
};

export function builtinTemplate(id: BuiltinTemplateId): PromptTemplate {
  return structuredClone(BUILTIN_TEMPLATES[id]);
}

/** Replaces `{name}` placeholders in one pass, so inserted text is never scanned for placeholders again. */
function fill(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{(problem|solution|answer)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Lists what is wrong with a template, as sentences for the UI; empty when it can be used. */
export function validateTemplate(template: PromptTemplate): string[] {
  const problems: string[] = [];
  if (!template.name.trim()) problems.push('The template needs a name.');
  if (!template.text.includes('{problem}')) problems.push('The prompt text must contain {problem}, where the problem is inserted.');
  const fewShot = template.fewShot;
  if (fewShot) {
    if (!Number.isInteger(fewShot.count) || fewShot.count < 1 || fewShot.count > 32) {
      problems.push(`The number of exemplars must be an integer from 1 to 32, got ${fewShot.count}.`);
    }
    if (!Number.isInteger(fewShot.seed) || fewShot.seed < 0) problems.push(`The exemplar seed must be an integer ≥ 0, got ${fewShot.seed}.`);
    if (!fewShot.exemplar.includes('{problem}') || !fewShot.exemplar.includes('{answer}')) {
      problems.push('The exemplar text must contain {problem} and {answer} (and usually {solution}).');
    }
  }
  if (template.stop.some((s) => s.length === 0)) problems.push('Stop sequences must not be empty.');
  return problems;
}

/** Removes GSM8K calculator annotations (`<<48/2=24>>`) and the final `#### N` line from a solution. */
export function cleanGsm8kSolution(solution: string): string {
  return solution
    .replace(/<<[^<>]*>>/g, '')
    .replace(/\n?####[^\n]*$/, '')
    .trim();
}

/** Converts a problem to an exemplar; its solution is cleaned for GSM8K and kept as written for MATH. */
export function exemplarFromProblem(problem: BenchmarkProblemRecord, kind: BenchmarkKind): ResolvedExemplar {
  const solution = problem.solution ?? '';
  return {
    problemId: problem.problemId,
    problem: problem.problem,
    solution: kind === 'gsm8k' ? cleanGsm8kSolution(solution) : solution.trim(),
    answer: problem.gold,
  };
}

export interface ExemplarChoice {
  count: number;
  seed: number;
  /** Exemplars whose problem plus solution is longer than this are passed over, to keep prompts short. */
  maxChars?: number;
}

/** Default `maxChars`: long enough for typical GSM8K and MATH solutions, short enough for a 4k context. */
export const DEFAULT_EXEMPLAR_MAX_CHARS = 1200;

/**
 * Chooses few-shot exemplars from a loaded split, deterministically: the problems are shuffled with a
 * seeded generator (mulberry32, `seed`), and the first `count` that have a worked solution and a gold
 * answer and are at most `maxChars` long are taken, in shuffled order. Throws when too few qualify.
 */
export function selectExemplars(problems: readonly BenchmarkProblemRecord[], kind: BenchmarkKind, choice: ExemplarChoice): ResolvedExemplar[] {
  const maxChars = choice.maxChars ?? DEFAULT_EXEMPLAR_MAX_CHARS;
  const order = new Rng(choice.seed).shuffle(problems.map((_, i) => i));
  const chosen: ResolvedExemplar[] = [];
  for (const i of order) {
    if (chosen.length === choice.count) break;
    const candidate = problems[i];
    if (!candidate.solution || !candidate.gold) continue;
    if (candidate.problem.length + candidate.solution.length > maxChars) continue;
    chosen.push(exemplarFromProblem(candidate, kind));
  }
  if (chosen.length < choice.count) {
    throw new Error(
      `Only ${chosen.length} of ${problems.length} problems can serve as exemplars (a worked solution and at most ${maxChars} characters); ` +
        `${choice.count} are needed. Load a larger split with solutions (for example the train split) or lower the number of exemplars.`,
    );
  }
  return chosen;
}

/** Builds the chat messages of one problem: optional system message, exemplars as earlier turns, then the problem. */
export function renderMessages(template: PromptTemplate, problem: string, exemplars: readonly ResolvedExemplar[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (template.system.trim()) messages.push({ role: 'system', content: template.system });
  for (const exemplar of exemplars) {
    messages.push({ role: 'user', content: fill(template.text, { problem: exemplar.problem }) });
    messages.push({ role: 'assistant', content: `${exemplar.solution}\n\nThe answer is $\\boxed{${exemplar.answer}}$.` });
  }
  messages.push({ role: 'user', content: fill(template.text, { problem }) });
  return messages;
}

/**
 * Renders the prompt of one problem. Text templates need nothing else; chat templates need the
 * model's `renderChat`. Exemplars are used only when the template has few-shot settings.
 */
export function renderPrompt(template: PromptTemplate, problem: string, exemplars: readonly ResolvedExemplar[] = [], renderChat?: RenderChat): string {
  const shots = template.fewShot ? exemplars : [];
  if (template.format === 'chat') {
    if (!renderChat) throw new Error(`Template "${template.name}" uses the model's chat template, so it needs a loaded model (its tokenizer renders the chat).`);
    return renderChat(renderMessages(template, problem, shots), true);
  }
  const query = fill(template.text, { problem });
  if (shots.length === 0 || !template.fewShot) return query;
  const fewShot = template.fewShot;
  const blocks = shots.map((e) => fill(fewShot.exemplar, { problem: e.problem, solution: e.solution, answer: e.answer }));
  return [...blocks, query].join(fewShot.separator);
}
