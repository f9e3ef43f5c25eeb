/** Reading shards back: pages for the browser, filtered search, streamed export, dedup and decontamination. */
import Dexie from 'dexie';
import type { ProblemRecord } from '../../db/data.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import { Decontaminator, type ContaminationMatch, type DecontamOptions, type TestProblem } from '../decontam.ts';
import { Deduplicator, type DedupOptions, type DedupReport } from '../dedup.ts';
import { formatBatch, type ExportOptions, type SftFormat } from '../formats.ts';
import { shardRange } from './shards.ts';

/** Visits a shard's problems in index order, a page at a time, by key range (no offset scans). */
export async function forEachPage(db: WorkbenchDatabase, shardId: string, pageSize: number, visit: (page: ProblemRecord[]) => Promise<void> | void): Promise<void> {
  let lower: [string, unknown] = shardRange(shardId)[0];
  let first = true;
  for (;;) {
    const page = await db.synthProblems
      .where('[shardId+index]')
      .between(lower, shardRange(shardId)[1], first, true)
      .limit(pageSize)
      .toArray();
    if (page.length === 0) return;
    await visit(page);
    lower = [shardId, page[page.length - 1].index];
    first = false;
  }
}

export interface ProblemFilter {
  method?: string;
  stage?: string;
  difficulty?: number;
  family?: string;
  /** Case-insensitive text searched in the problem, solution and answer. */
  text?: string;
}

/** Lists the indexes of a shard's problems that match a filter, in order; the browser fetches rows by index. */
export async function searchShard(db: WorkbenchDatabase, shardId: string, filter: ProblemFilter): Promise<number[]> {
  const needle = filter.text?.trim().toLowerCase() ?? '';
  const out: number[] = [];
  await forEachPage(db, shardId, 5000, (page) => {
    for (const p of page) {
      if (filter.method && p.method !== filter.method) continue;
      if (filter.stage && p.stage !== filter.stage) continue;
      if (filter.difficulty && p.difficulty !== filter.difficulty) continue;
      if (filter.family && p.family !== filter.family) continue;
      if (needle && !p.problem.toLowerCase().includes(needle) && !p.solution.toLowerCase().includes(needle) && p.answer.toLowerCase() !== needle) continue;
      out.push(p.index);
    }
  });
  return out;
}

export async function getProblems(db: WorkbenchDatabase, shardId: string, indexes: readonly number[]): Promise<(ProblemRecord | undefined)[]> {
  return db.synthProblems.bulkGet(indexes.map((i) => [shardId, i] as [string, number]));
}

/** Streams a shard as JSONL chunks of `pageSize` records; memory stays at one page whatever the shard size. */
export async function exportShard(db: WorkbenchDatabase, shardId: string, format: SftFormat, write: (chunk: string) => Promise<void> | void, options: ExportOptions = {}, pageSize = 2000): Promise<number> {
  let written = 0;
  await forEachPage(db, shardId, pageSize, async (page) => {
    await write(formatBatch(page, format, options));
    written += page.length;
  });
  return written;
}

export interface ClusterPreview {
  kind: 'exact' | 'near';
  minSimilarity: number;
  /** Problem indexes in the shard; the first is kept. */
  indexes: number[];
  /** The first few problems of the cluster. */
  problems: string[];
}

export interface ShardDedupReport extends Omit<DedupReport, 'clusters'> {
  clusters: ClusterPreview[];
  /** Indexes of every problem a deduplicated shard drops. */
  duplicates: number[];
}

export async function dedupShard(db: WorkbenchDatabase, shardId: string, options: DedupOptions = {}, maxClusters = 200): Promise<ShardDedupReport> {
  const deduplicator = new Deduplicator(options);
  const indexes: number[] = [];
  await forEachPage(db, shardId, 5000, (page) => {
    for (const p of page) {
      indexes.push(p.index);
      deduplicator.add(p.id, p.problem);
    }
  });
  const report = deduplicator.report();
  const shown = report.clusters.slice(0, maxClusters);
  const previews = await Promise.all(
    shown.map(async (c) => {
      const members = c.members.map((m) => indexes[m]);
      const records = await getProblems(db, shardId, members.slice(0, 3));
      return { kind: c.kind, minSimilarity: c.minSimilarity, indexes: members, problems: records.map((r) => r?.problem ?? '') };
    }),
  );
  const duplicates = indexes.filter((_, position) => deduplicator.isDuplicate(position));
  return { ...report, clusters: previews, duplicates };
}

export interface FlaggedProblem {
  index: number;
  problem: string;
  match: ContaminationMatch;
}

export async function decontaminateShard(db: WorkbenchDatabase, shardId: string, tests: readonly TestProblem[], options: DecontamOptions = {}): Promise<{ checked: number; flagged: FlaggedProblem[] }> {
  const decontaminator = new Decontaminator(tests, options);
  const flagged: FlaggedProblem[] = [];
  let checked = 0;
  await forEachPage(db, shardId, 5000, (page) => {
    for (const p of page) {
      checked++;
      const match = decontaminator.check(p.problem);
      if (match) flagged.push({ index: p.index, problem: p.problem, match });
    }
  });
  return { checked, flagged };
}

/** Test problems of the benchmarks loaded on the Evaluate page. */
export async function benchmarkTestProblems(db: WorkbenchDatabase, benchmarkIds: readonly string[]): Promise<TestProblem[]> {
  const out: TestProblem[] = [];
  for (const id of benchmarkIds) {
    const benchmark = await db.benchmarks.get(id);
    if (!benchmark) throw new Error(`benchmark ${id} not found`);
    const rows = await db.benchmarkProblems.where('[benchmarkId+index]').between([id, Dexie.minKey], [id, Dexie.maxKey]).toArray();
    for (const row of rows) out.push({ source: benchmark.name, id: row.problemId, text: row.problem });
  }
  return out;
}
