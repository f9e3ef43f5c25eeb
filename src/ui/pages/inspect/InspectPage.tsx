/**
 * The Inspect page: the problems of one run in a filterable, virtualized table, and the chosen
 * problem's whole chain of thought, optionally beside another run's output on the same problem.
 * The run, compared run and problem are kept in the address (#/inspect?run=…&compare=…&problem=…),
 * so a reload or a shared link opens the same view.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import type { BenchmarkProblemRecord, EvalResultRecord, Verdict } from '../../../db/eval.ts';
import { benchmarkProblems } from '../../../eval/benchmark-loader.ts';
import { runResults } from '../../../eval/runs/store.ts';
import { count } from '../evaluate/format.ts';
import { buildRows, facets, filterRows, NO_FILTER, type InspectFilter, type InspectRow } from './inspect-rows.ts';
import { ProblemDetail } from './ProblemDetail.tsx';
import { ProblemTable } from './ProblemTable.tsx';
import '../evaluate/evaluate.css';
import './inspect.css';

interface InspectLocation {
  run: string;
  compare: string;
  problem: number | null;
}

function readLocation(): InspectLocation {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const problem = query.get('problem');
  return { run: query.get('run') ?? '', compare: query.get('compare') ?? '', problem: problem !== null && /^\d+$/.test(problem) ? Number(problem) : null };
}

function writeLocation(next: InspectLocation): void {
  const query = new URLSearchParams();
  if (next.run) query.set('run', next.run);
  if (next.compare) query.set('compare', next.compare);
  if (next.problem !== null) query.set('problem', String(next.problem));
  history.replaceState(null, '', `#/inspect?${query}`);
}

/**
 * Loads the results of a run grouped into rows, with the benchmark's problem texts, and reloads them
 * when `version` changes.
 */
function useRunRows(runId: string, version: string | undefined): { rows: InspectRow[]; loading: boolean } {
  const [state, setState] = useState<{ key: string; rows: InspectRow[] }>({ key: '', rows: [] });
  const key = `${runId}@${version}`;
  useEffect(() => {
    if (!runId || version === undefined) return;
    let current = true;
    void (async () => {
      const db = getDatabase();
      const run = await db.evalRuns.get(runId);
      if (!run) return;
      const [results, problems] = await Promise.all([runResults(db, runId), benchmarkProblems(db, run.benchmarkId)]);
      const byIndex = new Map<number, BenchmarkProblemRecord>(problems.map((p) => [p.index, p]));
      if (current) setState({ key, rows: buildRows(results, byIndex) });
    })();
    return () => {
      current = false;
    };
  }, [runId, version, key]);
  return { rows: state.key === key ? state.rows : [], loading: state.key !== key };
}

function problemResults(runId: string, problemIndex: number): Promise<EvalResultRecord[]> {
  return getDatabase().evalResults.where('[runId+problemIndex+sample]').between([runId, problemIndex, -Infinity], [runId, problemIndex, Infinity]).toArray();
}

export function InspectPage() {
  const [where, setWhere] = useState<InspectLocation>(readLocation);
  const [filter, setFilter] = useState<InspectFilter>(NO_FILTER);
  const [sample, setSample] = useState(0);
  const runs = useLiveQuery(() => getDatabase().evalRuns.orderBy('createdAt').reverse().toArray(), []);
  const run = runs?.find((r) => r.id === where.run) ?? runs?.[0];
  const compareRun = runs?.find((r) => r.id === where.compare && r.id !== run?.id && r.benchmarkId === run?.benchmarkId);
  // The stored result count changes as a model run writes results, so the table follows a running run.
  const resultCount = useLiveQuery(() => (run ? getDatabase().evalResults.where('runId').equals(run.id).count() : 0), [run?.id]);
  const { rows, loading } = useRunRows(run?.id ?? '', run && resultCount !== undefined ? `${run.updatedAt}/${resultCount}` : undefined);
  const filtered = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const { subjects, levels } = useMemo(() => facets(rows), [rows]);
  const selectedRow = rows.find((r) => r.problemIndex === where.problem) ?? null;
  const compareSamples = useLiveQuery(
    async () => (compareRun && selectedRow ? problemResults(compareRun.id, selectedRow.problemIndex) : []),
    [compareRun?.id, selectedRow?.problemIndex],
  );

  useEffect(() => {
    const onHash = () => setWhere(readLocation());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const update = (changes: Partial<InspectLocation>) => {
    const next = { ...where, ...changes };
    setWhere(next);
    writeLocation(next);
  };

  if (runs && runs.length === 0) {
    return (
      <section className="panel" data-testid="page-inspect">
        <h1>Inspect</h1>
        <p>
          No run to inspect yet. Run a model or import model outputs on the <a href="#/evaluate">Evaluate</a> page first.
        </p>
      </section>
    );
  }
  if (!run) return <p className="panel">Reading runs…</p>;
  const sameBenchmark = runs!.filter((r) => r.benchmarkId === run.benchmarkId && r.id !== run.id);

  return (
    <div data-testid="page-inspect">
      <h1>Inspect</h1>
      <section className="panel">
        <div className="form-row">
          <label>
            Run
            <select value={run.id} onChange={(e) => update({ run: e.target.value, compare: '', problem: null })} data-testid="inspect-run">
              {runs!.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.benchmarkName})
                </option>
              ))}
            </select>
          </label>
          <label>
            Compare with
            <select value={compareRun?.id ?? ''} onChange={(e) => update({ compare: e.target.value })} data-testid="inspect-compare" disabled={sameBenchmark.length === 0}>
              <option value="">{sameBenchmark.length === 0 ? 'no other run on this benchmark' : 'no second run'}</option>
              {sameBenchmark.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-row filters">
          <label>
            Verdict
            <select value={filter.verdict} onChange={(e) => setFilter({ ...filter, verdict: e.target.value as Verdict | 'all' })} data-testid="filter-verdict">
              <option value="all">all</option>
              <option value="correct">correct</option>
              <option value="wrong">wrong</option>
              <option value="unparsed">unparsed</option>
            </select>
          </label>
          {subjects.length > 0 && (
            <label>
              Subject
              <select value={filter.subject} onChange={(e) => setFilter({ ...filter, subject: e.target.value })} data-testid="filter-subject">
                <option value="">all</option>
                {subjects.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          )}
          {levels.length > 0 && (
            <label>
              Level
              <select
                value={filter.level ?? ''}
                onChange={(e) => setFilter({ ...filter, level: e.target.value === '' ? null : Number(e.target.value) })}
                data-testid="filter-level"
              >
                <option value="">all</option>
                {levels.map((l) => (
                  <option key={l} value={l}>
                    Level {l}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            Search
            <input type="search" value={filter.search} placeholder="problem, answer or output text" onChange={(e) => setFilter({ ...filter, search: e.target.value })} data-testid="filter-search" />
          </label>
          <span className="hint" data-testid="filter-count">
            {loading ? 'reading results…' : `${count(filtered.length)} of ${count(rows.length)} problems`}
          </span>
        </div>
        <ProblemTable rows={filtered} k={run.samplesPerProblem} selected={selectedRow?.problemIndex ?? null} onSelect={(problem) => update({ problem })} />
      </section>
      {selectedRow ? (
        <ProblemDetail
          run={run}
          problem={selectedRow.problem}
          samples={selectedRow.samples}
          sample={sample}
          onSample={setSample}
          compare={compareRun ? { run: compareRun, samples: compareSamples ?? [] } : null}
        />
      ) : (
        !loading && rows.length > 0 && <p className="hint">Choose a problem in the table to read its chain of thought.</p>
      )}
    </div>
  );
}
