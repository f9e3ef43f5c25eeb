/** The benchmarks stored in this browser, with counts by subject and level, and deletion. */
import { useLiveQuery } from 'dexie-react-hooks';
import { getDatabase } from '../../../db/database.ts';
import type { BenchmarkRecord } from '../../../db/eval.ts';
import { deleteBenchmark } from '../../../eval/benchmark-loader.ts';
import { BENCHMARK_LABELS } from '../../../eval/benchmarks.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { count } from './format.ts';

function breakdown(counts: Record<string, number>, prefix = ''): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  return entries.length === 0 ? '–' : entries.map(([key, n]) => `${prefix}${key}: ${count(n)}`).join(', ');
}

export function useBenchmarks(): BenchmarkRecord[] | undefined {
  return useLiveQuery(() => getDatabase().benchmarks.orderBy('createdAt').toArray(), []);
}

/** The <option> elements of a benchmark menu, valued by benchmark id. */
export function BenchmarkOptions({ benchmarks, withCounts = false }: { benchmarks: BenchmarkRecord[]; withCounts?: boolean }) {
  return (
    <>
      {benchmarks.map((b) => (
        <option key={b.id} value={b.id}>
          {b.name}
          {withCounts ? ` (${count(b.problemCount)} problems)` : ''}
        </option>
      ))}
    </>
  );
}

export function BenchmarksPanel() {
  const benchmarks = useBenchmarks();
  const runCounts = useLiveQuery(async () => {
    const runs = await getDatabase().evalRuns.toArray();
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.benchmarkId, (counts.get(run.benchmarkId) ?? 0) + 1);
    return counts;
  }, []);

  return (
    <section className="panel">
      <h2>Loaded benchmarks</h2>
      {benchmarks && benchmarks.length === 0 && <p>No benchmark is loaded yet. Load a GSM8K, MATH or MATH-500 JSONL file above.</p>}
      {benchmarks && benchmarks.length > 0 && (
        <table className="results" data-testid="benchmarks">
          <thead>
            <tr>
              <th>Name</th>
              <th>Format</th>
              <th className="num">Problems</th>
              <th>Subjects</th>
              <th>Levels</th>
              <th>File</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {benchmarks.map((b) => {
              const runs = runCounts?.get(b.id) ?? 0;
              return (
                <tr key={b.id} data-testid="benchmark-row">
                  <td>{b.name}</td>
                  <td>{BENCHMARK_LABELS[b.kind]}</td>
                  <td className="num">
                    {count(b.problemCount)}
                    {b.status === 'loading' && <span className="bad"> (loading was interrupted: delete and load again)</span>}
                  </td>
                  <td className="breakdown">{breakdown(b.subjects)}</td>
                  <td className="breakdown">{breakdown(b.levels, 'Level ')}</td>
                  <td>
                    {b.fileName}
                    {b.skippedLines > 0 && <span className="hint"> ({count(b.skippedLines)} lines skipped)</span>}
                  </td>
                  <td>
                    <ConfirmButton
                      label="Delete"
                      question={`Delete “${b.name}”${runs > 0 ? ` and its ${runs} run${runs === 1 ? '' : 's'}` : ''}?`}
                      testId="delete-benchmark"
                      onConfirm={() => deleteBenchmark(getDatabase(), b.id)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
