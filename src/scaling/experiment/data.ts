/**
 * The data of an experiment: one procedural stream per variant and stage, generated once at the
 * largest size, so the training set of every smaller size is a prefix of the larger ones (nested
 * sets, as a data-scaling curve needs). The held-out test set has a normal and a hard part drawn
 * from the generator's test split, whose problems never occur in training streams.
 */
import { generateProblems, generateTestSet } from '../../data/generate.ts';
import { fmix32, hashString32 } from '../../data/text.ts';
import type { Method, Stage, SynthItem } from '../../data/types.ts';
import { ALPACA_COT_TEXT } from '../../eval/templates.ts';
import type { StageRecords } from '../../train/prepare.ts';
import { exampleText, templateParts, type SftRecord, type SftTemplate } from '../../train/sft-data.ts';
import { buildBpeTokenizer, buildByteTokenizer, type TrainingTokenizer } from '../../train/tokenizer.ts';
import type { Curriculum } from '../results.ts';
import type { ExperimentSpec, VariantMethod } from './spec.ts';

/** Training prompts are the Skywork-Math zero-shot prompt, the same one evaluation renders. */
export const EXPERIMENT_TEMPLATE: SftTemplate = { prompt: ALPACA_COT_TEXT };

/** Texts the BPE tokenizer is learned from at most, taken evenly from every stream. */
const TOKENIZER_SAMPLE = 4000;

/** Normal and hard examples in a training set of `size` examples. */
export function stageCounts(size: number, hardFraction: number): { normal: number; hard: number } {
  const hard = Math.round(size * hardFraction);
  return { normal: size - hard, hard };
}

/** Methods a variant draws from, in equal shares by index. */
export function variantMethods(spec: ExperimentSpec, method: VariantMethod): Method[] {
  return method === 'mix' ? [...spec.mix] : [method];
}

function toRecord(item: SynthItem): SftRecord {
  return { problem: item.problem, solution: item.solution, answer: item.answer, source: `${item.stage} ${item.method} problem ${item.id}` };
}

/** A held-out test set: the problems, their gold answers and how they are shown in results. */
export interface TestSet {
  key: 'normal' | 'hard' | 'benchmark';
  /** Benchmark name for key "benchmark" (gsm8k, math, math500). */
  benchmark?: string;
  /** Title for eval runs and messages, e.g. "synthetic test, normal". */
  title: string;
  kind: 'custom' | 'gsm8k' | 'math' | 'math500';
  problems: TestProblem[];
}

export interface TestProblem {
  id: string;
  problem: string;
  gold: string;
  level?: number;
  subject?: string;
}

function poolKey(method: VariantMethod, stage: Stage): string {
  return `${method}/${stage}`;
}

/** Generates the training pools of every variant and stage at the largest size. Deterministic in the spec. */
export function generatePools(spec: ExperimentSpec, onProgress?: (generated: number, total: number) => void): Map<string, SftRecord[]> {
  const largest = stageCounts(spec.sizes[spec.sizes.length - 1], spec.data.hardFraction);
  const families = spec.data.families.length > 0 ? spec.data.families : undefined;
  const total = spec.methods.length * (largest.normal + largest.hard);
  let generated = 0;
  const pools = new Map<string, SftRecord[]>();
  for (const method of spec.methods) {
    for (const stage of ['normal', 'hard'] as const) {
      const count = stage === 'normal' ? largest.normal : largest.hard;
      const difficulty = stage === 'normal' ? spec.data.normalDifficulty : spec.data.hardDifficulty;
      const records: SftRecord[] = [];
      for (const item of generateProblems({ stage, methods: variantMethods(spec, method), families, difficulty, count, seed: spec.data.seed })) {
        records.push(toRecord(item));
        generated++;
        if (onProgress && generated % 1000 === 0) onProgress(generated, total);
      }
      pools.set(poolKey(method, stage), records);
    }
  }
  onProgress?.(generated, total);
  return pools;
}

/** Generates the normal and hard parts of the held-out test set (plain problems, never seen in training). */
export function generateTestSets(spec: ExperimentSpec): TestSet[] {
  const families = spec.data.families.length > 0 ? spec.data.families : undefined;
  return (['normal', 'hard'] as const).map((stage) => {
    const difficulty = stage === 'normal' ? spec.data.normalDifficulty : spec.data.hardDifficulty;
    const items = generateTestSet({ stage, methods: ['plain'], families, difficulty, count: spec.testSize, seed: spec.evaluation.seed });
    return {
      key: stage,
      title: `synthetic test, ${stage}`,
      kind: 'custom' as const,
      problems: items.map((item) => ({ id: item.id, problem: item.problem, gold: item.answer, level: item.difficulty, subject: item.family })),
    };
  });
}

/**
 * Builds the experiment's one tokenizer, shared by every cell so that cells differ only in their data.
 * A BPE vocabulary is learned from up to TOKENIZER_SAMPLE texts taken evenly from every pool.
 */
export async function buildExperimentTokenizer(spec: ExperimentSpec, pools: Map<string, SftRecord[]>): Promise<TrainingTokenizer> {
  if (spec.tokenizer.kind === 'byte') return buildByteTokenizer();
  const streams = [...pools.values()].filter((records) => records.length > 0);
  const perStream = Math.max(1, Math.floor(TOKENIZER_SAMPLE / streams.length));
  const texts = streams.flatMap((records) => records.slice(0, perStream).map((record) => exampleText(EXPERIMENT_TEMPLATE, record)));
  return buildBpeTokenizer(texts, { vocabSize: spec.tokenizer.vocabSize, userDefined: templateParts(EXPERIMENT_TEMPLATE) });
}

/**
 * The training stages of one cell: the first examples of its variant's normal and hard pools; with
 * the staged curriculum normal first, then hard, each its own stage; with the mixed curriculum one
 * stage of both (the trainer shuffles each epoch). An empty stage is left out.
 */
export function cellStages(pools: Map<string, SftRecord[]>, method: VariantMethod, curriculum: Curriculum, size: number, hardFraction: number): StageRecords[] {
  const counts = stageCounts(size, hardFraction);
  const normal = pools.get(poolKey(method, 'normal'))!.slice(0, counts.normal);
  const hard = pools.get(poolKey(method, 'hard'))!.slice(0, counts.hard);
  if (normal.length < counts.normal || hard.length < counts.hard) {
    throw new Error(`The ${method} pools hold ${normal.length} normal and ${hard.length} hard problems, fewer than the ${counts.normal} and ${counts.hard} a training set of ${size} needs.`);
  }
  const label = `${method} problems, first ${size}`;
  if (curriculum === 'mixed') return [{ name: 'mixed', records: [...normal, ...hard], sourceName: label }];
  return [
    { name: 'normal', records: normal, sourceName: `${label} (normal stage)` },
    { name: 'hard', records: hard, sourceName: `${label} (hard stage)` },
  ].filter((stage) => stage.records.length > 0);
}

/**
 * Returns a 64-bit hash (16 hex digits) of every training pool and test set, in order. The data are
 * generated again from the spec whenever a sweep starts, so a changed generator gives other problems
 * for the same spec. Cells store the fingerprint, and a resumed sweep compares it to catch that.
 */
export function dataFingerprint(pools: Map<string, SftRecord[]>, testSets: readonly TestSet[]): string {
  let hi = 0x6a09e667;
  let lo = 0xbb67ae85;
  const add = (text: string) => {
    hi = fmix32(hi ^ hashString32(text, 0x9747b28c));
    lo = fmix32(lo ^ hashString32(text, 0x1b873593));
  };
  for (const [key, records] of pools) {
    add(key);
    for (const record of records) add(`${record.problem}\u0000${record.solution}`);
  }
  for (const set of testSets) {
    add(set.title);
    for (const problem of set.problems) add(`${problem.problem}\u0000${problem.gold}`);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
