/** Benchmark runner: `npm run bench -- NAME [options]`. Each benchmark prints its figures and ratios from one run. */
import { useNodeGpu } from '../src/gpu/host-node.ts';
import { releaseGpu } from '../src/gpu/session.ts';
import { ggufBench } from './gguf.ts';
import { gradeBench } from './grade.ts';
import { kernelsBench } from './kernels.ts';
import { qkernelsBench } from './qkernels.ts';
import { referenceBench } from './reference.ts';
import { synthBench } from './synth.ts';
import { tokenizerBench } from './tokenizer.ts';
import { trainStepBench } from './train-step.ts';
import { trainBench } from './train.ts';
import type { Bench } from './report.ts';


const BENCHES: Bench[] = [kernelsBench, trainStepBench, trainBench, gradeBench, ggufBench, tokenizerBench, referenceBench, synthBench, qkernelsBench];

const [name, ...rest] = process.argv.slice(2);
const bench = BENCHES.find((b) => b.name === name);
if (!bench) {
  console.error(`Usage: npm run bench -- NAME [options]\n\nBenchmarks:\n${BENCHES.map((b) => `  ${b.name.padEnd(10)} ${b.summary}`).join('\n')}`);
  process.exit(name ? 1 : 0);
}
useNodeGpu();
let code = 0;
try {
  await bench.run(rest);
} catch (error) {
  console.error(`bench ${name}: ${(error as Error).message}`);
  code = 1;
} finally {
  await releaseGpu();
}
setImmediate(() => process.exit(code));
