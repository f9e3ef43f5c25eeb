/**
 * The demo experiment: procedural one-step arithmetic problems, a 2-block model of width 128 trained
 * from scratch, and three nested training-set sizes. docs/experiments/demo.json is the same spec, and
 * docs/experiments.md records its measured results and times on a CPU adapter.
 */
export const DEMO_SPEC = {
  name: 'demo: arithmetic, 2 × 128 model',
  sizes: [1000, 2000, 4000],
  methods: ['plain'],
  curriculum: ['mixed'],
  seeds: [1],
  epochs: 4,
  testSize: 200,
  data: { seed: 21, families: ['arithmetic'], normalDifficulty: 1, hardDifficulty: 2, hardFraction: 0 },
  model: { preset: 'mini', blockCount: 2, context: 192 },
  tokenizer: { kind: 'bpe', vocabSize: 768 },
  training: { batch: 32, microBatch: 4, learningRate: 0.002 },
  evaluation: { seed: 22, maxTokens: 160, batch: 32 },
} as const;
