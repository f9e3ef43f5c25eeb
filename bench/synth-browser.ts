/**
 * The browser half of `npm run bench -- synth`: generates, verifies, deduplicates and stores problems
 * in the page's real IndexedDB, then exports the shard, timing each step. Bundled by bench/synth.ts.
 */
import { WorkbenchDatabase } from '../src/db/database.ts';
import { Deduplicator } from '../src/data/dedup.ts';
import { generateAt, GENERATOR_VERSION, type GenerationEvent, type GenerateOptions } from '../src/data/generate.ts';
import { exportShard } from '../src/data/store/queries.ts';
import { createShard, writeBatch } from '../src/data/store/shards.ts';
import type { SynthItem } from '../src/data/types.ts';
import { verifyText } from '../src/data/verify.ts';

export interface StepFigure {
  step: string;
  items: number;
  seconds: number;
  /** Extra figure for the step, e.g. MB/s written. */
  note: string;
}

function heapMb(): number {
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? memory.usedJSHeapSize / 2 ** 20 : NaN;
}

export async function run(count: number, batchSize = 1000): Promise<StepFigure[]> {
  const figures: StepFigure[] = [];
  const options: GenerateOptions = { stage: 'normal', methods: ['plain', 'backward', 'evol', 'selfcorrect'], count, seed: 2026 };

  let t = performance.now();
  const events: GenerationEvent[] = [];
  let accepted = 0;
  for (let index = 0; accepted < count; index++) {
    const event = generateAt(options, index);
    if ('item' in event) accepted++;
    events.push(event);
  }
  figures.push({ step: 'generate (with inline verification)', items: count, seconds: (performance.now() - t) / 1000, note: `${events.length - count} rejected` });
  const items = events.filter((e): e is { index: number; item: SynthItem } => 'item' in e).map((e) => e.item);

  t = performance.now();
  let failed = 0;
  for (const item of items) if (!verifyText(item.solution, item.answer, item.method === 'selfcorrect' ? 1 : 0).ok) failed++;
  figures.push({ step: 're-verify solutions from text', items: count, seconds: (performance.now() - t) / 1000, note: `${failed} failed` });

  t = performance.now();
  const dedup = new Deduplicator();
  for (const item of items) dedup.add(item.id, item.problem);
  const report = dedup.report();
  figures.push({ step: 'dedup (exact + MinHash LSH)', items: count, seconds: (performance.now() - t) / 1000, note: `${report.exactDuplicates} exact, ${report.nearDuplicates} near` });

  const db = new WorkbenchDatabase(`synth-bench-${Date.now()}`);
  const shard = await createShard(db, { name: 'bench', stage: 'normal', methods: [...options.methods], families: [], generator: 'procedural', generatorVersion: `procedural-${GENERATOR_VERSION}`, seed: options.seed, count });
  t = performance.now();
  let bytes = 0;
  for (let start = 0; start < events.length; start += batchSize) {
    const batch = events.slice(start, start + batchSize);
    for (const e of batch) if ('item' in e) bytes += JSON.stringify(e.item).length;
    await writeBatch(db, shard.id, batch[0].index, batch);
  }
  const storeSeconds = (performance.now() - t) / 1000;
  figures.push({ step: `store in IndexedDB (${batchSize} per transaction)`, items: count, seconds: storeSeconds, note: `${(bytes / 2 ** 20 / storeSeconds).toFixed(1)} MB/s of JSON` });

  const heapBefore = heapMb();
  let peakHeap = heapBefore;
  t = performance.now();
  const parts: Blob[] = [];
  const exported = await exportShard(db, shard.id, 'alpaca', (chunk) => {
    parts.push(new Blob([chunk]));
    peakHeap = Math.max(peakHeap, heapMb());
  });
  const blob = new Blob(parts);
  figures.push({ step: 'export Alpaca JSONL from IndexedDB', items: exported, seconds: (performance.now() - t) / 1000, note: `${(blob.size / 2 ** 20).toFixed(0)} MB; JS heap ${heapBefore.toFixed(0)} → peak ${peakHeap.toFixed(0)} MB` });
  db.close();
  await db.delete();
  return figures;
}
