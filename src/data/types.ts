/** The records that generation, dedup, decontamination, storage and export share. */

export type Method = 'plain' | 'backward' | 'evol' | 'selfcorrect';
export const METHODS: readonly Method[] = ['plain', 'backward', 'evol', 'selfcorrect'];

/** Skywork-Math's two data stages: "normal" (stage 1) and "hard" (stage 2). */
export type Stage = 'normal' | 'hard';
export const STAGES: readonly Stage[] = ['normal', 'hard'];

export type VerificationState = 'verified' | 'unverified' | 'failed';

export interface SynthItem {
  /** Unique within a generator run: "{seed}:{index}" for procedural items. */
  id: string;
  problem: string;
  solution: string;
  /** Final answer as text: an integer, a fraction "3/4", or any LaTeX answer for model-made items. */
  answer: string;
  method: Method;
  stage: Stage;
  /** 1 (one or two short steps, small numbers) to 5 (many steps, large numbers). */
  difficulty: number;
  /** Problem family for procedural items; "model" or the seed source for model-made ones. */
  family: string;
  /** The problem this item was derived from (the plain problem, or a seed file's id). */
  seedProblemId: string;
  /** 64-bit hash (hex) of the normalized problem text, the exact-duplicate key. */
  hash: string;
  generator: 'procedural' | 'model' | 'import';
  verification: VerificationState;
  /** Verification method and details, e.g. "recomputed; 5 equalities checked" or "3 of 4 samples agree". */
  verificationDetail?: string;
  /** Method details: evol operators, the hidden quantity, the kind of planted mistake. */
  meta?: Record<string, unknown>;
}

export interface RejectedItem {
  index: number;
  method: Method;
  family: string;
  reason: string;
  problem?: string;
  output?: string;
}
