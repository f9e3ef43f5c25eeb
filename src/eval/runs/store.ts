/** Reads and writes of evaluation runs and their per-problem results in IndexedDB. */
import type { WorkbenchDatabase } from '../../db/database.ts';
import type { EvalResultRecord, EvalRunRecord, Verdict } from '../../db/eval.ts';

/** Returns the key of one problem sample inside a run, as used in request ids and finished-sets. */
export function sampleKey(problemIndex: number, sample: number): string {
  return `${problemIndex}:${sample}`;
}

export function parseSampleKey(key: string): { problemIndex: number; sample: number } | null {
  const match = /^(\d+):(\d+)$/.exec(key);
  return match ? { problemIndex: Number(match[1]), sample: Number(match[2]) } : null;
}

/** Reads all results of a run, ordered by problem and sample. */
export function runResults(db: WorkbenchDatabase, runId: string): Promise<EvalResultRecord[]> {
  return db.evalResults.where('[runId+problemIndex+sample]').between([runId, -Infinity, -Infinity], [runId, Infinity, Infinity]).toArray();
}

/** Reads the keys (sampleKey strings) of the problem samples of a run that have a stored result. */
export async function finishedSampleKeys(db: WorkbenchDatabase, runId: string): Promise<Set<string>> {
  const keys = (await db.evalResults
    .where('[runId+problemIndex+sample]')
    .between([runId, -Infinity, -Infinity], [runId, Infinity, Infinity])
    .primaryKeys()) as [string, number, number][];
  return new Set(keys.map(([, problemIndex, sample]) => sampleKey(problemIndex, sample)));
}

export interface RunCounts {
  /** Stored results over all samples. */
  finished: number;
  /** Results of the first sample of each problem (the top-1 answer), by verdict. */
  firstSample: Record<Verdict, number>;
}

/** Counts a run's results from its indexes, without reading the records. */
export async function runCounts(db: WorkbenchDatabase, runId: string): Promise<RunCounts> {
  const byVerdict = (verdict: Verdict) => db.evalResults.where('[runId+sample+verdict]').equals([runId, 0, verdict]).count();
  const [finished, correct, wrong, unparsed] = await Promise.all([
    db.evalResults.where('runId').equals(runId).count(),
    byVerdict('correct'),
    byVerdict('wrong'),
    byVerdict('unparsed'),
  ]);
  return { finished, firstSample: { correct, wrong, unparsed } };
}

export async function updateRun(db: WorkbenchDatabase, runId: string, changes: Partial<EvalRunRecord>): Promise<void> {
  await db.evalRuns.update(runId, { ...changes, updatedAt: Date.now() });
}

/** Deletes a run and all its results in one transaction. */
export async function deleteRun(db: WorkbenchDatabase, runId: string): Promise<void> {
  await db.transaction('rw', db.evalRuns, db.evalResults, async () => {
    await db.evalResults.where('runId').equals(runId).delete();
    await db.evalRuns.delete(runId);
  });
}
