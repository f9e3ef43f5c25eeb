/** One run: status, live figures, loss curves, data report, and pause, resume, export and delete. */
import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import type { TrainRunRecord } from '../../../db/train.ts';
import { EXPORT_TYPES, type ExportType } from '../../../train/export.ts';
import { describeReports } from '../../../train/prepare.ts';
import { gpuWorker } from '../../worker-client.ts';
import { LossCurves } from './LossCurves.tsx';
import { exportRun, formatDuration, pauseTraining, runTraining, useTrainUi } from './train-ui.ts';

/** Names the state shown for a run: a run stored as running that this tab is not training was interrupted. */
export function runState(run: TrainRunRecord, runningHere: boolean): string {
  if (runningHere) return 'running';
  if (run.status === 'running') return 'interrupted';
  return run.status;
}

export function RunDetail({ run }: { run: TrainRunRecord }) {
  const db = getDatabase();
  const steps = useLiveQuery(() => db.trainSteps.where('runId').equals(run.id).sortBy('step'), [run.id]) ?? [];
  const evals = useLiveQuery(() => db.trainEvals.where('runId').equals(run.id).sortBy('step'), [run.id]) ?? [];
  const running = useTrainUi((s) => Boolean(s.running[run.id]));
  const note = useTrainUi((s) => s.notes[run.id]);
  const select = useTrainUi((s) => s.select);
  const [exportType, setExportType] = useState<ExportType>('f16');
  const state = runState(run, running);
  const total = run.totalSteps ?? 0;
  const m = run.config.model;

  const remove = async () => {
    if (!confirm(`Delete run "${run.name}", its curves and checkpoints?`)) return;
    await gpuWorker().deleteTrainRun(run.id);
    select(null);
  };

  return (
    <section className="panel" data-testid="run-detail">
      <h2>{run.name}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="run-state">{state}</dd>
        <dt>Progress</dt>
        <dd>
          <progress max={Math.max(total, 1)} value={run.step} /> <span data-testid="run-step">step {run.step} of {total || '?'}</span>
        </dd>
        <dt>Loss</dt>
        <dd data-testid="run-loss">
          training {run.loss?.toFixed(4) ?? '–'}, held-out {run.heldOutLoss?.toFixed(4) ?? '–'}
        </dd>
        <dt>Speed</dt>
        <dd>
          {run.tokensPerSecond ? `${Math.round(run.tokensPerSecond)} tokens/s` : '–'} · ETA {state === 'running' ? formatDuration(run.etaMs) : '–'} · learning rate {run.learningRate?.toExponential(2) ?? '–'}
        </dd>
        <dt>Trained</dt>
        <dd>
          {run.tokens.toLocaleString()} tokens in {formatDuration(run.elapsedMs)}
          {run.lastCheckpoint && ` · last checkpoint at step ${run.lastCheckpoint.step}`}
        </dd>
        <dt>Model</dt>
        <dd>
          {run.preset}: {m.blockCount} blocks × {m.embeddingLength}, heads {m.headCount}/{m.headCountKv}, feed-forward {m.feedForwardLength}, vocabulary {m.vocabSize}; sequences of {run.config.seqLen}, batch {run.config.batch}{' '}
          (micro-batch {run.config.microBatch}), {run.config.epochs} epochs, learning rate {run.config.optimizer.learningRate}, {run.config.schedule}, seed {run.config.seed}
        </dd>
        <dt>Data</dt>
        <dd>
          {(run.reports ? describeReports(run.reports) : run.data.stages.map((s) => `stage ${s.name}: ${s.shards.map((r) => r.shardName).join(' + ')}`)).map((line) => (
            <div key={line}>{line}</div>
          ))}
        </dd>
      </dl>
      {run.error && (
        <p className="bad" data-testid="run-error">
          {run.error}
        </p>
      )}
      {note && <p data-testid="run-note">{note}</p>}
      <div className="tp-actions">
        {running && (
          <button type="button" data-testid="pause-run" onClick={() => pauseTraining(run.id)}>
            Pause
          </button>
        )}
        {!running && state !== 'completed' && (
          <button type="button" data-testid="resume-run" onClick={() => void runTraining(run.id)}>
            {run.status === 'created' ? 'Start' : 'Resume'}
          </button>
        )}
        <select value={exportType} onChange={(e) => setExportType(e.target.value as ExportType)} aria-label="GGUF type">
          {EXPORT_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="button" data-testid="export-run" disabled={!run.lastCheckpoint} onClick={() => void exportRun(run.id, exportType)}>
          Export GGUF
        </button>
        {!running && (
          <button type="button" className="tp-secondary" onClick={() => void remove()}>
            Delete
          </button>
        )}
      </div>
      <LossCurves runName={run.name} steps={steps} evals={evals} totalSteps={total} />
    </section>
  );
}
