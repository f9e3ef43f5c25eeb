/** The Train page's form: stages from the chosen shards, settings, and what blocks a start. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, formConfig, formProblems, formRun } from './run-form.ts';

const names: Record<string, string> = { a: 'normal shard', b: 'hard shard' };
const shardName = (id: string) => names[id];

describe('new-run form', () => {
  it('builds one stage, two stages or one mixed stage', () => {
    expect(formRun({ ...DEFAULT_FORM, stage1: 'a' }, shardName).data.stages).toEqual([{ name: 'mixed', shards: [{ shardId: 'a', shardName: 'normal shard' }] }]);
    const staged = formRun({ ...DEFAULT_FORM, stage1: 'a', stage2: 'b' }, shardName).data.stages;
    expect(staged.map((s) => s.name)).toEqual(['normal', 'hard']);
    const mixed = formRun({ ...DEFAULT_FORM, stage1: 'a', stage2: 'b', mixed: true }, shardName).data.stages;
    expect(mixed).toHaveLength(1);
    expect(mixed[0].shards.map((s) => s.shardId)).toEqual(['a', 'b']);
  });

  it('names a run after its preset and shards unless named', () => {
    expect(formRun({ ...DEFAULT_FORM, stage1: 'a' }, shardName).name).toBe('mini on normal shard');
    expect(formRun({ ...DEFAULT_FORM, stage1: 'a', name: '  mine ' }, shardName).name).toBe('mine');
  });

  it('carries the settings into the training config', () => {
    const config = formConfig({ ...DEFAULT_FORM, preset: 'micro', context: 128, batch: 8, learningRate: 0.01, tokenizer: 'byte' });
    expect(config.seqLen).toBe(128);
    expect(config.model.contextLength).toBe(128);
    expect(config.model.embeddingLength).toBe(32);
    expect(config.model.vocabSize).toBe(261);
    expect(config.batch).toBe(8);
    expect(config.optimizer.learningRate).toBe(0.01);
    expect(config.optimizer.weightDecay).toBe(0);
  });

  it('lists what blocks a start', () => {
    expect(formProblems(DEFAULT_FORM)).toEqual(['Choose a shard to train on (create one on the Data page first).']);
    expect(formProblems({ ...DEFAULT_FORM, stage1: 'a', stage2: 'a' })).toEqual(['Stage 2 needs another shard than stage 1.']);
    expect(formProblems({ ...DEFAULT_FORM, stage1: 'a', epochs: 0, vocab: 100 })).toEqual(['epochs must be a whole number ≥ 1, got 0.', 'The vocabulary size must be a whole number ≥ 324, got 100.']);
    expect(formProblems({ ...DEFAULT_FORM, stage1: 'a' })).toEqual([]);
  });
});
