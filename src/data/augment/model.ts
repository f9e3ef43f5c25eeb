/**
 * Model-driven augmentation: prompt templates run on seed problems through any TextGenerator, then
 * verification by answer extraction and agreement of k sampled solutions through the grader. An item
 * is kept only when the majority answer has at least `minAgreement` votes and agrees with what is
 * known: the seed's reference answer (plain, self-correction) or the value the model hid (backward).
 */
import { majorityVote } from '../../eval/scoring.ts';
import { Rng } from '../../util/random.ts';
import { RemoteGenerationError, type TextGenerator } from '../remote.ts';
import { exactHash } from '../text.ts';
import type { Method, Stage, SynthItem } from '../types.ts';
import { EVOL_OPERATORS, type EvolOperator } from './evol.ts';

export interface SeedProblem {
  id: string;
  problem: string;
  /** Reference final answer, when the seed file has one. */
  answer?: string;
}

/** The grader's two functions, passed in so this module stays independent of how grading is configured. */
export interface Grader {
  extract(output: string): string | null;
  equivalent(a: string, b: string): boolean;
}

export const SOLVE_PROMPT = 'Solve the following math problem step by step. End with a final line of the form "The answer is X".\n\nProblem: {problem}\n\nSolution:';

export const BACKWARD_PROMPT =
  'Rewrite a math problem for backward reasoning. Pick one number that is given in the problem, replace it with the unknown variable X, ' +
  'and add this sentence at the end: "If we know the answer to the above question is {answer}, what is the value of unknown variable X?"\n' +
  'Reply with exactly two lines:\nProblem: <the rewritten problem on one line>\nX: <the number you replaced>\n\nOriginal problem: {problem}\nIts answer: {answer}';

export const EVOL_PROMPT =
  'Rewrite the following math problem into a harder one. {instruction} The new problem must be self-contained and solvable, with one final answer. ' +
  'Reply with one line:\nProblem: <the new problem>\n\nOriginal problem: {problem}';

export const EVOL_INSTRUCTIONS: Record<EvolOperator, string> = {
  'add-constraint': 'Add one more constraint or requirement that changes how the answer is found.',
  'add-step': 'Extend the problem so that it needs one more reasoning step after the original answer.',
  concretize: 'Replace a general quantity or concept with a more specific one that must be worked out.',
  'enlarge-numbers': 'Make the numbers larger while keeping the answer computable by hand.',
  'more-steps': 'Rewrite it so that solving it explicitly requires more steps of reasoning.',
};

export const SELFCORRECT_PROMPT =
  'Solve the following math problem, but make one plausible mistake in an intermediate step. Then check your work, point out the mistake, ' +
  'and redo the solution correctly from that step. End with a final line of the form "The answer is X" giving the correct answer.\n\nProblem: {problem}\n\nSolution:';

export interface ModelAugmentOptions {
  method: Method;
  stage: Stage;
  /** Sampled solutions per item (k). */
  k: number;
  /** Votes the majority answer needs (1 ≤ minAgreement ≤ k). */
  minAgreement: number;
  temperature: number;
  maxTokens: number;
  /** Rewrite rounds for evol (1–5). */
  evolRounds: number;
  /** Base of the per-request sampling seeds. */
  seed: number;
  signal?: AbortSignal;
}

export type ModelOutcome =
  | { item: SynthItem }
  | {
      rejected: {
        reason: string;
        output?: string;
        /** The endpoint failed (after its retries), as opposed to the model's output failing verification. */
        endpointFailure: boolean;
      };
    };

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Finds the value after "Label:" on its own line; null when there is none. */
export function field(output: string, label: string): string | null {
  const match = new RegExp(`^\\s*\\**${label}\\**\\s*:\\s*(.+)$`, 'im').exec(output);
  return match ? match[1].trim() : null;
}

export async function augmentWithModel(seed: SeedProblem, index: number, generator: TextGenerator, grader: Grader, options: ModelAugmentOptions): Promise<ModelOutcome> {
  let requests = 0;
  const ask = (prompt: string, temperature = options.temperature) =>
    generator.generate(prompt, { maxTokens: options.maxTokens, temperature, seed: options.seed + index * 101 + requests++, signal: options.signal });
  const reject = (reason: string, output?: string): ModelOutcome => ({ rejected: { reason, output, endpointFailure: false } });
  const solveK = async (problem: string) => {
    const outputs: string[] = [];
    for (let i = 0; i < options.k; i++) outputs.push(await ask(fill(SOLVE_PROMPT, { problem })));
    const vote = majorityVote(outputs.map((o) => grader.extract(o)), grader.equivalent);
    return { outputs, vote };
  };
  const item = (problem: string, solution: string, answer: string, detail: string, meta: Record<string, unknown>): ModelOutcome => ({
    item: {
      id: `m:${seed.id}:${index}`,
      problem,
      solution,
      answer,
      method: options.method,
      stage: options.stage,
      difficulty: options.stage === 'hard' ? 4 : 2,
      family: 'model',
      seedProblemId: seed.id,
      hash: exactHash(problem),
      generator: 'model',
      verification: 'verified',
      verificationDetail: detail,
      meta: { model: generator.name, ...meta },
    },
  });

  try {
    switch (options.method) {
      case 'plain': {
        const { outputs, vote } = await solveK(seed.problem);
        if (vote.answer === null || vote.votes < options.minAgreement) return reject(`only ${vote.votes} of ${options.k} samples agree (need ${options.minAgreement})`, outputs[0]);
        if (seed.answer !== undefined && !grader.equivalent(seed.answer, vote.answer)) return reject(`majority answer ${vote.answer} differs from the reference ${seed.answer}`, outputs[vote.index]);
        return item(seed.problem, outputs[vote.index], seed.answer ?? vote.answer, `${vote.votes} of ${options.k} samples agree`, {});
      }
      case 'backward': {
        if (seed.answer === undefined) return reject('backward reasoning needs a seed with a reference answer');
        const rewrite = await ask(fill(BACKWARD_PROMPT, { problem: seed.problem, answer: seed.answer }), Math.min(options.temperature, 0.7));
        const problem = field(rewrite, 'Problem');
        const hidden = field(rewrite, 'X');
        if (!problem || !hidden) return reject('malformed rewrite: expected "Problem:" and "X:" lines', rewrite);
        if (!/\bX\b/.test(problem)) return reject('malformed rewrite: the problem does not mention the unknown X', rewrite);
        const { outputs, vote } = await solveK(problem);
        if (vote.answer === null || vote.votes < options.minAgreement) return reject(`only ${vote.votes} of ${options.k} samples agree (need ${options.minAgreement})`, outputs[0]);
        if (!grader.equivalent(hidden, vote.answer)) return reject(`majority answer ${vote.answer} differs from the hidden value X = ${hidden}`, outputs[vote.index]);
        return item(problem, outputs[vote.index], hidden, `${vote.votes} of ${options.k} samples find X = ${hidden}`, { hidden });
      }
      case 'evol': {
        const rng = new Rng(options.seed ^ (index * 0x9e3779b1));
        let problem = seed.problem;
        const operators: EvolOperator[] = [];
        for (let round = 0; round < options.evolRounds; round++) {
          const operator = rng.pick(EVOL_OPERATORS);
          const rewrite = await ask(fill(EVOL_PROMPT, { problem, instruction: EVOL_INSTRUCTIONS[operator] }));
          const next = field(rewrite, 'Problem');
          if (!next) return reject(`malformed rewrite in round ${round + 1}: expected a "Problem:" line`, rewrite);
          problem = next;
          operators.push(operator);
        }
        const { outputs, vote } = await solveK(problem);
        if (vote.answer === null || vote.votes < options.minAgreement) return reject(`only ${vote.votes} of ${options.k} samples agree (need ${options.minAgreement})`, outputs[0]);
        return item(problem, outputs[vote.index], vote.answer, `${vote.votes} of ${options.k} samples agree`, { operators });
      }
      case 'selfcorrect': {
        let reference = seed.answer;
        if (reference === undefined) {
          const { vote } = await solveK(seed.problem);
          if (vote.answer === null || vote.votes < options.minAgreement) return reject(`no reference answer: only ${vote.votes} of ${options.k} samples agree`);
          reference = vote.answer;
        }
        const output = await ask(fill(SELFCORRECT_PROMPT, { problem: seed.problem }));
        const final = grader.extract(output);
        if (final === null) return reject('no final answer found in the self-corrected solution', output);
        if (!grader.equivalent(reference, final)) return reject(`self-corrected answer ${final} differs from the reference ${reference}`, output);
        return item(seed.problem, output, reference, seed.answer === undefined ? 'final answer agrees with the k-sample majority' : 'final answer agrees with the reference', {});
      }
    }
  } catch (error) {
    if (error instanceof RemoteGenerationError) return { rejected: { reason: `endpoint failed: ${error.message}`, endpointFailure: true } };
    throw error;
  }
}
