/**
 * The demo experiment: procedural one- and two-step arithmetic problems, a tiny model trained from
 * scratch, and four nested training-set sizes. Test accuracy rises with the data size over this
 * range (docs/experiments.md records the measured results and times). docs/experiments/demo.json is
 * the same spec.
 */
export const DEMO_SPEC = {
  name: 'demo: arithmetic, tiny model',
  sizes: [500, 1000, 2000, 4000],
  methods: ['plain'],
  curriculum: ['mixed'],
  seeds: [1],
  epochs: 3,
  testSize: 200,
  data: { seed: 11, families: ['arithmetic'], normalDifficulty: 1, hardDifficulty: 2, hardFraction: 0 },
  model: { preset: 'tiny', context: 256 },
  tokenizer: { kind: 'bpe', vocabSize: 768 },
  training: { batch: 16, microBatch: 8, learningRate: 0.003 },
  evaluation: { seed: 12, maxTokens: 96, batch: 32 },
} as const;
