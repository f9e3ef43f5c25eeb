// Compares the workbench's reference forward pass with llama.cpp on one GGUF file: token ids of a
// prompt, then the logits at every position. Opt-in (not part of `npm test`): llama.cpp comes from
// node-llama-cpp, which the project does not install. Run
//   npm install --no-save node-llama-cpp@3.22.1
//   npx tsx scripts/llamacpp-check.mts FILE.gguf [--prompt TEXT]
// on a CPU machine; docs/validation.md records what it printed for the files made by make-model.
import { parseArgs } from 'node:util';
import { openGguf } from '../src/model/gguf/reader.ts';
import { openFileSource } from '../src/model/gguf/source-node.ts';
import { ReferenceModel } from '../src/model/reference/forward.ts';
import { GgufTokenizer } from '../src/model/tokenizer/tokenizer.ts';

const DEFAULT_PROMPT =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { prompt: { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: npx tsx scripts/llamacpp-check.mts FILE.gguf [--prompt TEXT]');
  process.exit(2);
}
const path = positionals[0];
const prompt = values.prompt ?? DEFAULT_PROMPT;

// The part of node-llama-cpp's API used here, typed locally so the project type-checks without it.
interface LlamaModel {
  tokens: { bos: number | null; shouldPrependBosToken: boolean };
  tokenize(text: string, specialTokens: boolean): number[];
  createContext(options: { contextSize: number; batchSize: number }): Promise<{
    getSequence(): { controlledEvaluate(input: [number, { generateNext: { logits: true } }][]): Promise<({ next?: { logits?: Map<number, number> } } | undefined)[]> };
  }>;
  dispose(): Promise<void>;
}
interface NodeLlamaCpp {
  LlamaLogLevel: { error: unknown };
  getLlama(options: { gpu: false; logLevel: unknown; build: 'never' }): Promise<{
    llamaCppRelease: unknown;
    loadModel(options: { modelPath: string }): Promise<LlamaModel>;
    dispose(): Promise<void>;
  }>;
}
const packageName = 'node-llama-cpp';
let llamaCpp: NodeLlamaCpp;
try {
  llamaCpp = (await import(packageName)) as NodeLlamaCpp;
} catch {
  console.error('node-llama-cpp is not installed. Install it without saving it to package.json:\n  npm install --no-save node-llama-cpp@3.22.1');
  process.exit(2);
}

// The workbench side: tokenizer and reference logits for every position.
const file = await openGguf(await openFileSource(path));
const tokenizer = await GgufTokenizer.fromGguf(file);
const ids = tokenizer.encode(prompt, { addSpecial: true });
const reference = ReferenceModel.load(file);
const referenceLogits = await reference.forward(ids, reference.createCache(), { allLogits: true });
const vocabSize = reference.config.vocabSize;

// The llama.cpp side, on the CPU, with the prebuilt binary (no compiler needed).
const llama = await llamaCpp.getLlama({ gpu: false, logLevel: llamaCpp.LlamaLogLevel.error, build: 'never' });
const model = await llama.loadModel({ modelPath: path });
const bare = model.tokenize(prompt, false);
const llamaIds = model.tokens.bos !== null && model.tokens.shouldPrependBosToken ? [model.tokens.bos, ...bare] : bare;
const context = await model.createContext({ contextSize: Math.max(64, ids.length + 8), batchSize: Math.max(64, ids.length + 8) });
const evaluated = await context.getSequence().controlledEvaluate(ids.map((t) => [t, { generateNext: { logits: true } }]));

let maxError = 0;
let maxLogit = 0;
let worst = { position: 0, token: 0, ours: 0, theirs: 0 };
let argmaxAgree = 0;
for (let i = 0; i < ids.length; i++) {
  const theirs = evaluated[i]?.next?.logits;
  if (!theirs) throw new Error(`llama.cpp returned no logits at position ${i}`);
  let ourBest = 0;
  let theirBest = 0;
  for (let t = 0; t < vocabSize; t++) {
    const ours = referenceLogits[i * vocabSize + t];
    const value = theirs.get(t) ?? Number.NaN;
    const error = Math.abs(value - ours);
    if (!(error <= maxError)) {
      maxError = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
      worst = { position: i, token: t, ours, theirs: value };
    }
    maxLogit = Math.max(maxLogit, Math.abs(ours));
    if (ours > referenceLogits[i * vocabSize + ourBest]) ourBest = t;
    if (value > (theirs.get(theirBest) ?? Number.NEGATIVE_INFINITY)) theirBest = t;
  }
  if (ourBest === theirBest) argmaxAgree++;
}

const sameIds = JSON.stringify(llamaIds) === JSON.stringify(ids);
console.log(`file            ${path}`);
console.log(`llama.cpp       ${JSON.stringify(llama.llamaCppRelease)} (through node-llama-cpp)`);
console.log(`token ids       ${sameIds ? 'equal' : 'DIFFERENT'} (${ids.length} tokens; llama.cpp ${llamaIds.length})`);
if (!sameIds) console.log(`  ours  ${ids.join(' ')}\n  llama ${llamaIds.join(' ')}`);
console.log(`max |llama.cpp - reference| ${maxError.toExponential(2)} over ${ids.length} x ${vocabSize} logits (largest |logit| ${maxLogit.toFixed(2)})`);
console.log(`  worst at position ${worst.position}, token ${worst.token}: reference ${worst.ours}, llama.cpp ${worst.theirs}`);
console.log(`argmax agrees   ${argmaxAgree} of ${ids.length} positions`);
await model.dispose();
await llama.dispose();
process.exit(sameIds ? 0 : 1);
