/**
 * The local GPU model wired into evaluation runs (Generator) and model-driven augmentation
 * (TextGenerator), on a tiny random model and a fake-indexeddb database: runs store every sample,
 * outputs equal a direct generateBatch run, and concurrent text requests share the batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabases } from '../../../test/eval-fixtures.ts';
import { testGpu } from '../../../test/gpu.ts';
import { projectGrader } from '../../data/augment/grader.ts';
import { createModelShard, runModelShard } from '../../data/store/model-run.ts';
import { generateBatch, type SequenceResult } from '../../engine/batch.ts';
import { GpuModel } from '../../engine/model.ts';
import { openTinyModel } from '../../model/test-models.ts';
import { loadBenchmark } from '../../eval/benchmark-loader.ts';
import { DEFAULT_SAMPLING } from '../../eval/runs/generator.ts';
import { runResults } from '../../eval/runs/store.ts';
import { builtinTemplate, renderPrompt } from '../../eval/templates.ts';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { toJsonl } from '../../util/jsonl.ts';
import { createEvalRunService } from './eval.ts';
import { encodePrompt, LocalGenerator, LocalTextGenerator, type LocalModel } from './local-model.ts';

const freshDatabase = freshDatabases('local-model-test');
let local: LocalModel;

beforeAll(async () => {
  const ctx = await testGpu();
  const { file } = await openTinyModel({ architecture: 'qwen2', fileType: 'q8_0', seed: 5, contextLength: 256 });
  const model = await GpuModel.load(ctx, file, { contextLength: 256, batch: 4, prefillChunk: 64 });
  local = { model, tokenizer: GgufTokenizer.fromGguf(file), name: 'tiny qwen2', detail: 'random weights, q8_0' };
});
afterAll(() => local?.model.dispose());

async function* textChunks(text: string): AsyncGenerator<string> {
  yield text;
}

describe('evaluation with the local model', () => {
  it('run stores a graded result per sample', async () => {
    const db = freshDatabase();
    const rows = Array.from({ length: 3 }, (_, i) => ({ question: `What is ${i} plus ${i}?`, answer: `#### ${2 * i}` }));
    const { benchmark } = await loadBenchmark(db, textChunks(toJsonl(rows)), { kind: 'gsm8k', name: 'tiny', fileName: 'tiny.jsonl' });
    const opened: string[] = [];
    const runs = createEvalRunService(async (handle: string) => {
      opened.push(handle);
      return { generator: new LocalGenerator(local) };
    }, () => db);
    const template = builtinTemplate('alpaca-cot');
    const sampling = { ...DEFAULT_SAMPLING, maxTokens: 12 };
    const outcome = await runs.startEvalRun({ name: 'local', benchmark, model: { name: local.name }, template, sampling, samplesPerProblem: 2 }, 'model-1');
    expect(outcome).toMatchObject({ ok: true, progress: { finished: 6, total: 6, status: 'finished' } });
    expect(opened).toEqual(['model-1']);

    const results = await runResults(db, outcome.runId!);
    expect(results).toHaveLength(6);
    // Greedy decoding: both samples of a problem are the same, and equal a direct engine run.
    const prompt = renderPrompt(template, rows[2].question);
    const direct: SequenceResult[] = [];
    await generateBatch(local.model, local.tokenizer, [{ id: 'd', promptTokens: encodePrompt(local.tokenizer, prompt), sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, maxTokens: 12, stop: template.stop }], {
      onFinished: (r) => direct.push(r),
    });
    const stored = results.filter((r) => r.problemIndex === 2);
    expect(stored.map((r) => r.output)).toEqual([direct[0].text, direct[0].text]);
  });
});

describe('augmentation with the local model', () => {
  it('model shard completes through the text generator', async () => {
    const db = freshDatabase();
    const seeds = Array.from({ length: 4 }, (_, i) => ({ id: `seed-${i}`, problem: `Tom has ${i + 2} apples and buys 3 more. How many does he have?`, answer: String(i + 5) }));
    const shard = await createModelShard(db, {
      name: 'local',
      stage: 'normal',
      methods: ['plain', 'selfcorrect'],
      seed: 1,
      seeds,
      settings: { baseUrl: '', model: local.name, k: 2, minAgreement: 2, temperature: 0.7, maxTokens: 10, seedFile: 'seeds.jsonl', evolRounds: 1 },
    });
    const generator = new LocalTextGenerator(local);
    const done = await runModelShard(db, shard.id, generator, projectGrader, { concurrency: 2 });
    // Random weights cannot solve anything: every item is rejected, plain ones with the model's output.
    expect(done).toMatchObject({ status: 'complete', nextIndex: 4, stored: 0, rejected: 4 });
    const rejected = await db.synthRejected.where('[shardId+index]').between([shard.id, 0], [shard.id, 10]).toArray();
    expect(rejected.map((r) => r.method)).toEqual(['plain', 'selfcorrect', 'plain', 'selfcorrect']);
    for (const item of rejected.filter((r) => r.method === 'plain')) {
      expect(item.reason).toMatch(/samples agree/);
      expect(item.output).toMatch(/^(t\d+)+$/);
    }
    // The tiny vocabulary spells the long self-correction prompt letter by letter, past the 256-token context.
    for (const item of rejected.filter((r) => r.method === 'selfcorrect')) {
      expect(item.reason).toMatch(/the local model could not run this prompt: the prompt has \d+ tokens, but the context holds 256/);
    }
  });

  it('concurrent calls share one batch and match single calls', async () => {
    const generator = new LocalTextGenerator(local);
    const prompts = ['Add 2 and 3.', 'Name a prime.', 'What is 7 times 6?', 'Halve 10.', 'Count to 3.'];
    const together = await Promise.all(prompts.map((p, i) => generator.generate(p, { maxTokens: 8, temperature: 0.5, seed: i })));
    const alone: string[] = [];
    for (const [i, p] of prompts.entries()) alone.push(await new LocalTextGenerator(local).generate(p, { maxTokens: 8, temperature: 0.5, seed: i }));
    expect(together).toEqual(alone);
  });

  it('stopped call rejects like a stopped remote request', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(new LocalTextGenerator(local).generate('Add 2 and 3.', { signal: controller.signal })).rejects.toMatchObject({ name: 'RemoteGenerationError', kind: 'aborted' });
  });
});
