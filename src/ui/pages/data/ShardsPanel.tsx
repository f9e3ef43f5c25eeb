/** The list of shards with progress, resume and pause, and JSONL import. */
import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { ShardRecord } from '../../../db/data.ts';
import { getDatabase } from '../../../db/database.ts';
import type { ImportLineError } from '../../../data/formats.ts';
import { dataWorker, formatCount, pauseShard, proxy, resumeShard, runsLocally, useDataUi } from './data-worker.ts';

/** Names the state shown for a shard: a run marked "generating" that this tab is not running was interrupted. */
export function shardState(shard: ShardRecord, runningHere: boolean): string {
  if (runningHere) return 'generating';
  if (shard.status === 'generating') return 'interrupted';
  return shard.status;
}

function ShardRow({ shard }: { shard: ShardRecord }) {
  const running = useDataUi((s) => shard.id in s.running);
  const progress = useDataUi((s) => s.running[shard.id]);
  const runError = useDataUi((s) => s.runErrors[shard.id]);
  const selected = useDataUi((s) => s.selectedShard === shard.id);
  const select = useDataUi((s) => s.select);
  const endpoint = useDataUi((s) => s.endpoint);
  const state = shardState(shard, running);
  const target = shard.generator === 'model' ? shard.count : Math.max(shard.count, 1);
  const done = shard.generator === 'model' ? shard.nextIndex : shard.stored;
  const resumable = !running && shard.generator !== 'import' && state !== 'complete';

  const remove = async () => {
    if (!confirm(`Delete shard "${shard.name}" and its ${formatCount(shard.stored)} problems?`)) return;
    const outcome = await dataWorker().deleteShard(shard.id);
    if (!outcome.ok) alert(outcome.error.message);
    else if (selected) select(null);
  };

  return (
    <tr className={selected ? 'dp-selected' : undefined} data-testid={`shard-${shard.name}`}>
      <td>
        <button type="button" className="dp-link" onClick={() => select(shard.id)}>
          {shard.name}
        </button>
        <div className="dp-muted">
          {shard.generator}
          {shard.generator === 'model' && ` (${runsLocally(shard) ? 'local' : 'remote'}: ${shard.model?.model ?? '?'})`} · {shard.stage} · {shard.methods.join(', ') || 'imported'} · seed {shard.seed}
        </div>
      </td>
      <td>
        <progress className="dp-progress" max={target} value={Math.min(done, target)} />
        <div className="dp-muted" data-testid="shard-progress">
          {formatCount(shard.stored)} stored
          {shard.generator !== 'import' && ` of ${formatCount(shard.count)}${shard.generator === 'model' ? ' seeds' : ''}`}
          {shard.rejected > 0 && `, ${formatCount(shard.rejected)} rejected`}
          {progress && ` · ${Math.round(progress.rate)} items/s`}
        </div>
      </td>
      <td data-testid="shard-state" className={`dp-state-${state}`}>
        {state}
        {(runError ?? shard.error) && state !== 'complete' && <div className="bad dp-small">{runError ?? shard.error}</div>}
      </td>
      <td className="dp-actions">
        {running && (
          <button type="button" onClick={() => void pauseShard(shard)} data-testid="pause-shard">
            Pause
          </button>
        )}
        {resumable && (
          <button type="button" onClick={() => void resumeShard(shard, endpoint)} data-testid="resume-shard">
            Resume
          </button>
        )}
        {!running && (
          <button type="button" className="dp-secondary" onClick={() => void remove()}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

function ImportForm() {
  const [report, setReport] = useState<{ name: string; imported: number; errors: ImportLineError[]; errorCount: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = async (file: File) => {
    setError(null);
    setReport(null);
    setBusy(`Importing ${file.name}…`);
    const outcome = await dataWorker().importShard(file, file.name, proxy((imported: number, errors: number) => setBusy(`Importing ${file.name}: ${formatCount(imported)} problems, ${errors} bad lines`)));
    setBusy(null);
    if (!outcome.ok) return setError(outcome.error.message);
    setReport({ name: file.name, imported: outcome.imported, errors: outcome.errors, errorCount: outcome.errorCount });
    useDataUi.getState().select(outcome.shard.id);
  };

  return (
    <div className="dp-import">
      <label>
        Import JSONL (mwb, Alpaca, ShareGPT, OpenAI messages or GSM8K records):{' '}
        <input type="file" accept=".jsonl,.json,application/jsonl" onChange={(e) => e.target.files?.[0] && void load(e.target.files[0])} data-testid="import-file" />
      </label>
      {busy && <p>{busy}</p>}
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
      {report && (
        <div data-testid="import-report">
          <p className="ok">
            Imported {formatCount(report.imported)} problems from {report.name}.
          </p>
          {report.errorCount > 0 && (
            <details open>
              <summary className="bad">
                {report.errorCount} line{report.errorCount === 1 ? ' was' : 's were'} skipped
              </summary>
              <ul data-testid="import-errors">
                {report.errors.map((e) => (
                  <li key={e.line}>
                    Line {e.line}: {e.error}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}

export function ShardsPanel() {
  const shards = useLiveQuery(() => getDatabase().synthShards.orderBy('createdAt').reverse().toArray(), []);
  return (
    <section className="panel" data-testid="shards">
      <h2>Shards</h2>
      {shards && shards.length === 0 && <p>No shards yet. Generate one above or import a JSONL file.</p>}
      {shards && shards.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Shard</th>
              <th>Progress</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shards.map((s) => (
              <ShardRow key={s.id} shard={s} />
            ))}
          </tbody>
        </table>
      )}
      <ImportForm />
    </section>
  );
}
