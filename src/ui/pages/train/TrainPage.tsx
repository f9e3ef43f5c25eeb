/**
 * The Train page: configure and start runs, watch their loss curves, pause, resume and export. Runs
 * stored as running when the page opens were interrupted by a reload or a closed tab; the page
 * resumes them from their last checkpoint.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect } from 'react';
import { getDatabase } from '../../../db/database.ts';
import { NewRunForm } from './NewRunForm.tsx';
import { RunDetail, runState } from './RunDetail.tsx';
import { runTraining, useTrainUi } from './train-ui.ts';
import './train.css';

let resumedInterrupted = false;

/** Resumes, one after another, the runs a previous page left running. Runs once per page load. */
async function resumeInterruptedRuns(): Promise<void> {
  if (resumedInterrupted) return;
  resumedInterrupted = true;
  const interrupted = await getDatabase().trainRuns.where('status').equals('running').sortBy('updatedAt');
  for (const run of interrupted) await runTraining(run.id);
}

export function TrainPage() {
  const runs = useLiveQuery(() => getDatabase().trainRuns.orderBy('createdAt').reverse().toArray(), []);
  const running = useTrainUi((s) => s.running);
  const selected = useTrainUi((s) => s.selectedRun);
  const select = useTrainUi((s) => s.select);
  const current = runs?.find((r) => r.id === selected) ?? runs?.[0];

  useEffect(() => {
    void resumeInterruptedRuns();
  }, []);

  return (
    <div data-testid="page-train">
      <h1>Train</h1>
      <p className="tp-muted">
        Supervised fine-tuning of small llama models on your shards, on this machine's GPU. The loss covers the responses only; examples are packed into sequences. Checkpoints
        with the optimizer state are kept in the browser, so a reload continues where training stopped.
      </p>
      <NewRunForm />
      <section className="panel">
        <h2>Runs</h2>
        {runs && runs.length === 0 && <p>No training runs yet.</p>}
        {runs && runs.length > 0 && (
          <table data-testid="runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th className="num">Step</th>
                <th className="num">Loss</th>
                <th className="num">Held-out</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} className={run.id === current?.id ? 'tp-selected' : undefined} data-testid={`run-${run.name}`}>
                  <td>
                    <button type="button" className="tp-link" onClick={() => select(run.id)}>
                      {run.name}
                    </button>
                  </td>
                  <td>{runState(run, Boolean(running[run.id]))}</td>
                  <td className="num">
                    {run.step}/{run.totalSteps ?? '?'}
                  </td>
                  <td className="num">{run.loss?.toFixed(3) ?? '–'}</td>
                  <td className="num">{run.heldOutLoss?.toFixed(3) ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {current && <RunDetail run={current} />}
    </div>
  );
}
