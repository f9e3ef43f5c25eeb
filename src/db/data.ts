/** IndexedDB records of synthetic-data shards: the shard, its problems, rejected items and model seeds. */
import type { Method, Stage, SynthItem } from '../data/types.ts';

export type ShardStatus = 'generating' | 'paused' | 'complete' | 'failed';

/** Problems per value of each facet, kept in step with the problems table in the same transactions. */
export interface ShardCounts {
  method: Record<string, number>;
  stage: Record<string, number>;
  difficulty: Record<string, number>;
  family: Record<string, number>;
}

export interface ModelShardSettings {
  /**
   * Backend that runs the prompts: the model loaded on the Models page ('local') or an
   * OpenAI-compatible endpoint ('remote'). Records from before local runs lack the field and are remote.
   */
  backend?: 'local' | 'remote';
  /** The endpoint's base URL; empty for local runs. */
  baseUrl: string;
  /** The served model name, or for local runs the name of the cached GGUF file. */
  model: string;
  /** Samples per item whose answers must agree. */
  k: number;
  /** Votes the majority answer needs, at most k. */
  minAgreement: number;
  temperature: number;
  maxTokens: number;
  /** Name of the seed file the problems came from. */
  seedFile: string;
  /** Evol rounds per item (1–5). */
  evolRounds: number;
}

export interface ShardRecord {
  id: string;
  name: string;
  stage: Stage;
  methods: Method[];
  families: string[];
  generator: 'procedural' | 'model' | 'import';
  generatorVersion: string;
  seed: number;
  /** Difficulty levels, when fixed by the user. */
  difficulty?: [number, number];
  /** Problems wanted (procedural) or seed problems to process (model). */
  count: number;
  /** Problems stored so far. */
  stored: number;
  rejected: number;
  /** Next generator index or seed position to process; a resumed run starts here. */
  nextIndex: number;
  status: ShardStatus;
  /** The last failure or pause reason, shown on the page. */
  error?: string;
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
  counts: ShardCounts;
  model?: ModelShardSettings;
}

export interface ProblemRecord extends SynthItem {
  shardId: string;
  /** Generator index, seed position or import line; unique within the shard. */
  index: number;
}

export interface RejectedRecord {
  shardId: string;
  index: number;
  method: Method;
  family: string;
  reason: string;
  problem?: string;
  output?: string;
  /** Unix milliseconds. */
  at: number;
}

/** A seed problem of a model-driven shard, stored so a reloaded page resumes with the same seeds. */
export interface SeedRecord {
  shardId: string;
  index: number;
  seedId: string;
  problem: string;
  /** The seed's reference answer when its file has one (GSM8K "#### N", MATH \boxed{}). */
  answer?: string;
}
