/** `mwb bench decode FILE.gguf`: prefill and decode speed of a GGUF model on this adapter, against its bandwidth bound. */
import { benchDecode, measureCopyBandwidth, type DecodeBenchResult } from '../../engine/bench.ts';
import { formatBytes } from '../../engine/errors.ts';
import { summarizeModelFile } from '../../model/summary.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';
import { loadCliModel } from '../gpu-model.ts';

const USAGE = `mwb bench decode FILE.gguf [--batch B] [--prompt-tokens P] [--tokens N] [options]

Loads the model on the WebGPU adapter, prefills B sequences of P random prompt tokens, then times
N decode steps of all B sequences together (greedy, sampled on the GPU, token ids read back every
step). Prints prefill and decode tokens per second, the bytes one decode step reads (weights and
KV cache), the achieved GB/s, and that as a fraction of the adapter's memory bandwidth: the
bytes-per-token bound of decoding.

Options:
  --batch B          sequences decoded together (default 1)
  --prompt-tokens P  prompt tokens per sequence (default 128)
  --tokens N         timed decode steps (default 64)
  --prefill-chunk C  prompt tokens per prefill step (default 256, at most the context); on a
                     software adapter 1 is faster, because it uses the matrix-vector kernels
  --bandwidth GBPS   memory bandwidth of the GPU in GB/s from its specification; default: measured
                     here with a 256 MiB buffer copy
  --gpu-memory MB    MiB of GPU memory the model may use (default: free system memory on a
                     software adapter, else the device's own limits)
  --json             print one JSON object`;

export interface DecodeBenchReport extends DecodeBenchResult {
  model: string;
  file: string;
  fileBytes: number;
  adapter: string;
  fallbackAdapter: boolean;
  bandwidthGBps: number;
  bandwidthSource: 'measured' | 'given';
  /** Decode tokens per second the bandwidth allows at this batch: batch × bandwidth / bytes per step. */
  boundTokensPerSecond: number;
  /** decodeTokensPerSecond / boundTokensPerSecond. */
  fractionOfBound: number;
}

function printReport(report: DecodeBenchReport): void {
  const bytesPerStep = report.weightBytesPerStep + report.kvBytesPerStep;
  const lines = [
    `model      ${report.model} (${report.file}, ${formatBytes(report.fileBytes)})`,
    `adapter    ${report.adapter}${report.fallbackAdapter ? ' (software adapter: figures say nothing about GPU speed)' : ''}`,
    `prefill    ${report.batch} × ${report.promptTokens} tokens in ${report.prefillSeconds.toFixed(2)} s: ${report.prefillTokensPerSecond.toFixed(1)} tok/s`,
    `decode     ${report.batch} × ${report.tokens} tokens in ${report.decodeSeconds.toFixed(2)} s: ${report.decodeTokensPerSecond.toFixed(2)} tok/s ` +
      `(${((1000 * report.decodeSeconds) / report.tokens).toFixed(1)} ms per step)`,
    `per step   ${formatBytes(bytesPerStep)} read (weights ${formatBytes(report.weightBytesPerStep)}, KV cache ${formatBytes(report.kvBytesPerStep)})`,
    `achieved   ${report.achievedGBps.toFixed(2)} GB/s`,
    `bandwidth  ${report.bandwidthGBps.toFixed(2)} GB/s (${report.bandwidthSource === 'measured' ? 'measured: 256 MiB buffer copy, read + write' : 'given by --bandwidth'})`,
    `bound      ${report.boundTokensPerSecond.toFixed(2)} tok/s at batch ${report.batch}; achieved ${(100 * report.fractionOfBound).toFixed(1)}% of it`,
  ];
  for (const line of lines) console.log(line);
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure prefill and decode speed of a GGUF model against its bandwidth bound (bench decode)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      batch: { type: 'string' },
      'prompt-tokens': { type: 'string' },
      tokens: { type: 'string' },
      'prefill-chunk': { type: 'string' },
      bandwidth: { type: 'string' },
      'gpu-memory': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [benchmark, path, ...rest] = positionals;
    if (benchmark !== 'decode') throw new UsageError(benchmark === undefined ? 'missing the benchmark name: decode' : `unknown benchmark "${benchmark}"; benchmarks: decode`);
    if (!path) throw new UsageError('missing FILE.gguf');
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const batch = numberOption(values.batch, '--batch', 1, { min: 1, max: 1024, integer: true });
    const promptTokens = numberOption(values['prompt-tokens'], '--prompt-tokens', 128, { min: 1, integer: true });
    const tokens = numberOption(values.tokens, '--tokens', 64, { min: 1, integer: true });
    const prefillChunk = values['prefill-chunk'] === undefined ? undefined : numberOption(values['prefill-chunk'], '--prefill-chunk', 0, { min: 1, integer: true });
    const givenBandwidth = values.bandwidth === undefined ? undefined : numberOption(values.bandwidth, '--bandwidth', 0, { min: 1e-6 });
    const gpuMemoryMb = values['gpu-memory'] === undefined ? undefined : numberOption(values['gpu-memory'], '--gpu-memory', 0, { min: 0.01 });

    await withGgufFile(path, async (file) => {
      const summary = summarizeModelFile(file);
      const warmupSteps = 2;
      const model = await loadCliModel(file, { contextLength: promptTokens + warmupSteps + tokens + 1, batch, prefillChunk, gpuMemoryMb });
      try {
        const result = await benchDecode(model, { promptTokens, tokens, warmupSteps });
        const bandwidthGBps = givenBandwidth ?? (await measureCopyBandwidth(model.ctx));
        const boundTokensPerSecond = (batch * bandwidthGBps * 1e9) / (result.weightBytesPerStep + result.kvBytesPerStep);
        const adapter = model.ctx.summary;
        const report: DecodeBenchReport = {
          ...result,
          model: model.name,
          file: path,
          fileBytes: file.fileSize,
          adapter: `${adapter.vendor || 'unknown vendor'} / ${adapter.architecture || 'unknown architecture'}${adapter.description ? ` (${adapter.description})` : ''}`,
          fallbackAdapter: adapter.isFallbackAdapter,
          bandwidthGBps,
          bandwidthSource: givenBandwidth === undefined ? 'measured' : 'given',
          boundTokensPerSecond,
          fractionOfBound: result.decodeTokensPerSecond / boundTokensPerSecond,
        };
        if (values.json) printJson({ ...report, fileType: summary.fileType });
        else printReport(report);
      } finally {
        model.dispose();
      }
    });
    return 0;
  },
};
