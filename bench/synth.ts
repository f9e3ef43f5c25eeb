/**
 * `npm run bench -- synth`: the synthetic-data pipeline at scale.
 *  1. In headless Chromium: generate, verify, dedup and store 100,000 problems in real IndexedDB,
 *     then export them, printing items/s per step and the IndexedDB write rate.
 *  2. In Node: stream 1,000,000 generated problems to a JSONL file, printing the peak RSS and heap,
 *     which stay flat because only one batch is held at a time.
 * Options: --count N (browser problems, default 100000), --export N (Node export, default 1000000).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync, statSync } from 'node:fs';
import { build } from 'vite';
import { launchBrowser } from '../e2e/browser.ts';
import { JsonlWriter } from '../src/cli/commands/data-files.ts';
import { formatBatch } from '../src/data/formats.ts';
import { generateProblems } from '../src/data/generate.ts';
import type { SynthItem } from '../src/data/types.ts';
import { numberOption, parseCommandArgs } from '../src/cli/command.ts';
import type { Bench } from './report.ts';
import { printTable } from './report.ts';
import type { StepFigure } from './synth-browser.ts';

async function bundleBrowserHalf(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: join(import.meta.dirname, 'synth-browser.ts'), name: 'SynthBench', formats: ['iife'], fileName: 'synth-bench' },
    },
  });
  const chunks = (Array.isArray(output) ? output[0] : output) as { output: { type: string; code?: string }[] };
  return chunks.output.find((o) => o.type === 'chunk')!.code!;
}

async function browserRun(count: number): Promise<{ figures: StepFigure[]; browser: string }> {
  const code = await bundleBrowserHalf();
  // The page needs an http origin for IndexedDB; this server only listens on 127.0.0.1.
  const server = createServer((request, response) => {
    if (request.url === '/bench.js') return response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>synth bench</title><script src="/bench.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const context = await launchBrowser();
  try {
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && console.error(`browser: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const figures = await page.evaluate((n) => (globalThis as unknown as { SynthBench: { run(n: number): Promise<StepFigure[]> } }).SynthBench.run(n), count);
    return { figures, browser: context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)) };
  } finally {
    await context.close();
    server.close();
  }
}

async function nodeExport(count: number): Promise<void> {
  const path = join(tmpdir(), `mwb-synth-bench-${process.pid}.jsonl`);
  const writer = new JsonlWriter(path);
  const batch: SynthItem[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  const samples: [number, number][] = [];
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  let written = 0;
  for (const item of generateProblems({ stage: 'normal', methods: ['plain', 'backward', 'evol', 'selfcorrect'], count, seed: 11 })) {
    batch.push(item);
    if (batch.length < 1000) continue;
    await writer.write(formatBatch(batch, 'openai', { includeMeta: true }));
    written += batch.length;
    batch.length = 0;
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    if (written % (count / 10) === 0) samples.push([written, memory.rss]);
  }
  await writer.write(formatBatch(batch, 'openai', { includeMeta: true }));
  written += batch.length;
  await writer.close();
  const seconds = (performance.now() - started) / 1000;
  const size = statSync(path).size;
  rmSync(path);
  console.log(`Node: generate + verify + export ${written.toLocaleString('en-US')} items as OpenAI-messages JSONL (${(size / 2 ** 30).toFixed(2)} GiB)`);
  console.log(`  ${seconds.toFixed(1)} s, ${Math.round(written / seconds).toLocaleString('en-US')} items/s`);
  console.log(`  RSS before ${(baseline / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
  console.log(`  RSS by items written: ${samples.map(([n, rss]) => `${n / 1000}k ${(rss / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
}

export const synthBench: Bench = {
  name: 'synth',
  summary: 'generate, verify, dedup and store 100k problems in Chromium; export 1M in Node at constant memory',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { count: { type: 'string' }, export: { type: 'string' } }, false);
    const count = numberOption(values.count, '--count', 100_000, { min: 1000, integer: true });
    const exportCount = numberOption(values.export, '--export', 1_000_000, { min: 10_000, integer: true });
    console.log(`host: ${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);

    // The Node export runs first, so its RSS is not inflated by the bundler and the browser driver.
    await nodeExport(exportCount);

    const { figures, browser } = await browserRun(count);
    console.log(`\nChromium ${browser}: ${count.toLocaleString('en-US')} problems (normal stage, four methods in equal shares)`);
    printTable(
      ['step', 'items', 'seconds', 'items/s', 'notes'],
      figures.map((f) => [f.step, f.items.toLocaleString('en-US'), f.seconds.toFixed(2), Math.round(f.items / f.seconds).toLocaleString('en-US'), f.note]),
    );
    const pipeline = figures.slice(0, 4).reduce((sum, f) => sum + f.seconds, 0);
    console.log(`generate + verify + dedup + store: ${pipeline.toFixed(1)} s`);
  },
};
