/** Evaluation runs stored in this browser: top-1 accuracy with its interval, status, details and deletion. */
import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import type { EvalRunRecord } from '../../../db/eval.ts';
import { deleteRun, runCounts, type RunCounts } from '../../../eval/runs/store.ts';
import { accuracyOf } from '../../../eval/scoring.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { accuracyText, count } from './format.ts';
import { RunDetails } from './RunDetails.tsx';

const STATUS_TEXT: Record<EvalRunRecord['status'], string> = {
  created: 'not started',
  running: 'running',
  paused: 'paused',
  finished: 'finished',
  failed: 'failed',
};

function statusText(run: EvalRunRecord, counts: RunCounts, total: number): string {
  // A model run left 'running' in the database was cut off by a closed tab or a reload.
  if (run.status === 'running' && run.source === 'model') return `interrupted at ${count(counts.finished)} of ${count(total)}`;
  if (run.status === 'running') return 'importing…';
  return STATUS_TEXT[run.status];
}

export function RunsPanel() {
  const rows = useLiveQuery(async () => {
    const db = getDatabase();
    const runs = await db.evalRuns.orderBy('createdAt').reverse().toArray();
    const counts = await Promise.all(runs.map((run) => runCounts(db, run.id)));
    return runs.map((run, i) => ({ run, counts: counts[i] }));
  }, []);
  const [selected, setSelected] = useState<string | null>(null);
  const selectedRun = rows?.find((r) => r.run.id === selected)?.run;

  return (
    <section className="panel">
      <h2>Runs</h2>
      {rows && rows.length === 0 && <p>No run yet. Run a model or import its outputs above to grade and inspect them.</p>}
      {rows && rows.length > 0 && (
        <table className="results" data-testid="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Benchmark</th>
              <th>Model</th>
              <th>Source</th>
              <th>Status</th>
              <th className="num">Problems</th>
              <th className="num">Top-1 accuracy</th>
              <th className="num">Unparsed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(({ run, counts }) => {
              const first = counts.firstSample;
              const graded = first.correct + first.wrong + first.unparsed;
              const total = run.problemIndices.length * run.samplesPerProblem;
              return (
                <tr key={run.id} data-testid="run-row" className={run.id === selected ? 'selected' : undefined}>
                  <td>{run.name}</td>
                  <td>{run.benchmarkName}</td>
                  <td>{run.model.name}</td>
                  <td>{run.source === 'import' ? `imported (${run.importInfo?.format ?? 'file'})` : 'this app'}</td>
                  <td title={run.error}>
                    {statusText(run, counts, total)}
                    {run.error && <span className="bad"> ⚠</span>}
                  </td>
                  <td className="num">{count(graded)}</td>
                  <td className="num nowrap" data-testid="run-accuracy">
                    {accuracyText(accuracyOf(first.correct, graded))}
                  </td>
                  <td className="num">{count(first.unparsed)}</td>
                  <td className="actions">
                    <button type="button" className="secondary" onClick={() => setSelected(run.id === selected ? null : run.id)} data-testid="run-details-toggle">
                      {run.id === selected ? 'Hide details' : 'Details'}
                    </button>{' '}
                    <a href={`#/inspect?run=${encodeURIComponent(run.id)}`} data-testid="run-inspect">
                      Inspect
                    </a>{' '}
                    <ConfirmButton
                      label="Delete"
                      question={`Delete run “${run.name}” and its ${count(counts.finished)} results?`}
                      testId="delete-run"
                      onConfirm={async () => {
                        if (selected === run.id) setSelected(null);
                        await deleteRun(getDatabase(), run.id);
                      }}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {selectedRun && <RunDetails run={selectedRun} />}
    </section>
  );
}
