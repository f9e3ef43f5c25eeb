/**
 * The comparison half of `npm run bench -- train`: the same llama model, initial weights and batch
 * trained with TensorFlow.js on its WebGPU backend (@tensorflow/tfjs-backend-webgpu on the npm
 * `webgpu` package's Dawn, in Node). Gradients come from tf.variableGrads, the update from tf.train.adam
 * (AdamW without weight decay) after global-norm clipping.
 *
 * TensorFlow.js's gradient registrations are ES modules with extensionless imports, which Node
 * cannot load, so bench/train.ts runs this file with vite-node and @tensorflow inlined. The settings
 * arrive as JSON in MWB_TFJS_BENCH; one JSON line with the step times and losses goes to stdout.
 */
import { create, globals } from 'webgpu';
import { syntheticBatch, type TrainBatch } from '../src/train/batch.ts';
import { headDim, type LlamaConfig } from '../src/train/config.ts';
import { initialParameters, parameterLayout } from '../src/train/parameters.ts';

export interface TfjsBenchRequest {
  config: LlamaConfig;
  batchSize: number;
  seqLen: number;
  steps: number;
  seed: number;
  batchSeed: number;
  maxExample: number;
  learningRate: number;
  maxGradNorm: number;
}

export interface TfjsBenchResult {
  backend: string;
  /** Wall-clock milliseconds of each timed step (the first, untimed step compiles the shaders). */
  stepMs: number[];
  /** Loss of every step, the untimed first one included. */
  losses: number[];
}

if (!process.env.MWB_TFJS_BENCH) throw new Error('bench/train-tfjs.ts needs its settings as JSON in MWB_TFJS_BENCH; run it through `npm run bench -- train`.');
const request = JSON.parse(process.env.MWB_TFJS_BENCH) as TfjsBenchRequest;

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-core/dist/register_all_gradients');
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its WebGPU backend on this adapter.');
await tf.ready();

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;

const { config, batchSize: B, seqLen: T } = request;
const C = config.embeddingLength;
const H = config.headCount;
const G = config.headCountKv;
const D = headDim(config);
const N = B * T;
/** Query heads per key/value head. */
const GROUP = H / G;

// The same seeded initial weights as TrainModel, each tensor a variable in row-major [out, in].
const layout = parameterLayout(config);
const arena = initialParameters(config, layout, request.seed);
const weights = new Map<string, Variable>();
for (const tensor of layout.tensors) {
  weights.set(tensor.name, tf.variable(tf.tensor(arena.slice(tensor.offset, tensor.offset + tensor.count), tensor.shape), true, tensor.name));
}
const w = (name: string) => weights.get(name)!;

/** Constant tensors of one batch: ids, targets, loss weights, RoPE angles and the attention mask. */
function batchTensors(batch: TrainBatch) {
  const cos = new Float32Array(N * (D / 2));
  const sin = new Float32Array(N * (D / 2));
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < D / 2; i++) {
      const angle = batch.positions[n] * config.ropeFreqBase ** ((-2 * i) / D);
      cos[n * (D / 2) + i] = Math.cos(angle);
      sin[n * (D / 2) + i] = Math.sin(angle);
    }
  }
  // Causal attention within each packed example: 0 where allowed, a large negative number elsewhere.
  // Rows repeat per query head of a key/value group (see attend).
  const mask = new Float32Array(B * GROUP * T * T);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < GROUP; r++) {
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const allowed = j <= i && batch.segments[b * T + i] === batch.segments[b * T + j];
          mask[((b * GROUP + r) * T + i) * T + j] = allowed ? 0 : -1e9;
        }
      }
    }
  }
  let weightSum = 0;
  for (let i = 0; i < N; i++) weightSum += batch.lossMask[i];
  return {
    tokens: tf.tensor1d(Int32Array.from(batch.tokens), 'int32'),
    targets: tf.oneHot(tf.tensor1d(Int32Array.from(batch.targets), 'int32'), config.vocabSize),
    lossMask: tf.tensor1d(Float32Array.from(batch.lossMask)),
    weightSum,
    cos: tf.tensor3d(cos, [N, 1, D / 2]),
    sin: tf.tensor3d(sin, [N, 1, D / 2]),
    mask: tf.tensor4d(mask, [B, 1, GROUP * T, T]),
  };
}

type BatchTensors = ReturnType<typeof batchTensors>;

function rmsNorm(x: Tensor, weight: Tensor): Tensor {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, config.rmsNormEps))), weight);
}

/** llama.cpp's "normal" RoPE: rotates the adjacent pairs (2i, 2i + 1) of each head. */
function rope(x: Tensor, heads: number, t: BatchTensors): Tensor {
  const pairs = tf.reshape(x, [N, heads, D / 2, 2]);
  const [even, odd] = tf.split(pairs, 2, 3).map((p) => tf.reshape(p, [N, heads, D / 2]));
  const rotatedEven = tf.sub(tf.mul(even, t.cos), tf.mul(odd, t.sin));
  const rotatedOdd = tf.add(tf.mul(even, t.sin), tf.mul(odd, t.cos));
  return tf.reshape(tf.stack([rotatedEven, rotatedOdd], 3), [N, heads * D]);
}

/** [N, heads·D] → [B, heads, T, D]. */
function toHeads(x: Tensor, heads: number): Tensor {
  return tf.transpose(tf.reshape(x, [B, T, heads, D]), [0, 2, 1, 3]);
}

/**
 * Grouped-query attention without copying keys and values: query head h reads key/value head
 * h / GROUP, so the GROUP query heads of a group are stacked as rows, [B, G, GROUP·T, D].
 */
function attend(q: Tensor, k: Tensor, v: Tensor, t: BatchTensors): Tensor {
  const grouped = tf.reshape(q, [B, G, GROUP * T, D]);
  const scores = tf.add(tf.div(tf.matMul(grouped, k, false, true), Math.sqrt(D)), t.mask);
  const heads = tf.reshape(tf.matMul(tf.softmax(scores), v), [B, H, T, D]);
  return tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [N, H * D]);
}

function linear(x: Tensor, name: string): Tensor {
  return tf.matMul(x, w(name), false, true);
}

function loss(t: BatchTensors): Tensor {
  let x = tf.gather(w('token_embd.weight'), t.tokens);
  for (let block = 0; block < config.blockCount; block++) {
    const p = `blk.${block}.`;
    const h = rmsNorm(x, w(`${p}attn_norm.weight`));
    const q = toHeads(rope(linear(h, `${p}attn_q.weight`), H, t), H);
    const k = toHeads(rope(linear(h, `${p}attn_k.weight`), G, t), G);
    const v = toHeads(linear(h, `${p}attn_v.weight`), G);
    x = tf.add(x, linear(attend(q, k, v, t), `${p}attn_output.weight`));
    const f = rmsNorm(x, w(`${p}ffn_norm.weight`));
    const gate = linear(f, `${p}ffn_gate.weight`);
    const swiglu = tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(f, `${p}ffn_up.weight`));
    x = tf.add(x, linear(swiglu, `${p}ffn_down.weight`));
  }
  const final = rmsNorm(x, w('output_norm.weight'));
  const logits = linear(final, config.tiedOutput ? 'token_embd.weight' : 'output.weight');
  const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), t.targets), -1));
  return tf.div(tf.sum(tf.mul(nll, t.lossMask)), t.weightSum);
}

const optimizer = tf.train.adam(request.learningRate, 0.9, 0.999, 1e-8);
const batch = batchTensors(syntheticBatch(config, B, T, request.batchSeed, request.maxExample));

/** Runs one training step (loss and gradients, global-norm clipping, Adam) and resolves with the loss read back. */
async function step(): Promise<number> {
  const value = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => loss(batch) as import('@tensorflow/tfjs-core').Scalar);
    // A chain of adds: addN over every tensor would need more storage buffers than WebGPU allows per stage.
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.reduce((sum, value) => tf.add(sum, value)));
    const clip = tf.minimum(1, tf.div(request.maxGradNorm, tf.add(norm, 1e-6)));
    const clipped = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, clip)]));
    optimizer.applyGradients(clipped);
    return value;
  });
  const [lossValue] = await value.data();
  value.dispose();
  return lossValue;
}

const result: TfjsBenchResult = { backend: tf.getBackend(), stepMs: [], losses: [] };
for (let i = 0; i <= request.steps; i++) {
  const started = performance.now();
  result.losses.push(await step());
  if (i > 0) result.stepMs.push(performance.now() - started);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
