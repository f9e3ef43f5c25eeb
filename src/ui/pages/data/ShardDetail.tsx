/** One shard: counts by method, stage, difficulty and family, export, the problem browser and its reports. */
import Dexie from 'dexie';
import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { ShardRecord } from '../../../db/data.ts';
import { getDatabase } from '../../../db/database.ts';
import { SFT_FORMATS, type SftFormat } from '../../../data/formats.ts';
import { formatCount, dataWorker, useDataUi } from './data-worker.ts';
import { ProblemBrowser } from './ProblemBrowser.tsx';
import { ReportsPanel } from './ReportsPanel.tsx';

function CountTable({ title, counts, testId }: { title: string; counts: Record<string, number>; testId: string }) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <table className="dp-counts" data-testid={testId}>
      <thead>
        <tr>
          <th>{title}</th>
          <th className="num">Problems</th>
          <th className="num">Share</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(counts)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, n]) => (
            <tr key={key}>
              <td>{key}</td>
              <td className="num">{formatCount(n)}</td>
              <td className="num">{total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '–'}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

const FORMAT_LABELS: Record<SftFormat, string> = {
  mwb: 'mwb (every field)',
  alpaca: 'Alpaca (instruction/input/output)',
  sharegpt: 'ShareGPT (conversations)',
  openai: 'OpenAI messages',
};

function ExportForm({ shardId, name }: { shardId: string; name: string }) {
  const [format, setFormat] = useState<SftFormat>('mwb');
  const [includeMeta, setIncludeMeta] = useState(true);
  const [status, setStatus] = useState<string | null>(null);

  const run = async () => {
    setStatus('Exporting…');
    const outcome = await dataWorker().exportShard(shardId, format, { includeMeta });
    if (!outcome.ok) return setStatus(`Export failed: ${outcome.error.message}`);
    const url = URL.createObjectURL(outcome.blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `${name.replace(/[^\w.-]+/g, '_')}.${format}.jsonl`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStatus(`Exported ${formatCount(outcome.count)} problems.`);
  };

  return (
    <div className="dp-export">
      <label>
        Format{' '}
        <select value={format} onChange={(e) => setFormat(e.target.value as SftFormat)} data-testid="export-format">
          {SFT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={includeMeta} onChange={(e) => setIncludeMeta(e.target.checked)} /> include answer, method, stage and level
      </label>
      <button type="button" onClick={() => void run()} data-testid="export-button">
        Export JSONL
      </button>
      {status && <span data-testid="export-status"> {status}</span>}
    </div>
  );
}

/** Lists the first rejected items of a shard with their reasons (failed verification, malformed lines, endpoint failures). */
function RejectedList({ shard }: { shard: ShardRecord }) {
  const rejected = useLiveQuery(
    () =>
      getDatabase()
        .synthRejected.where('[shardId+index]')
        .between([shard.id, Dexie.minKey], [shard.id, Dexie.maxKey])
        .limit(100)
        .toArray(),
    [shard.id, shard.rejected],
  );
  if (!rejected || rejected.length === 0) return null;
  return (
    <details className="dp-rejected" data-testid="rejected-items">
      <summary>
        {formatCount(shard.rejected)} rejected item{shard.rejected === 1 ? '' : 's'}
        {shard.rejected > rejected.length && ` (the first ${rejected.length} are listed)`}
      </summary>
      <ul>
        {rejected.map((r) => (
          <li key={r.index}>
            #{r.index} {r.method}: {r.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ShardDetail() {
  const selected = useDataUi((s) => s.selectedShard);
  const shard = useLiveQuery(() => (selected ? getDatabase().synthShards.get(selected) : undefined), [selected]);
  if (!selected || !shard) return null;
  return (
    <section className="panel" data-testid="shard-detail">
      <h2>{shard.name}</h2>
      <p className="dp-muted">
        {shard.generator} generator {shard.generatorVersion} · created {new Date(shard.createdAt).toLocaleString('en-US')} · {formatCount(shard.stored)} problems
        {shard.rejected > 0 && ` · ${formatCount(shard.rejected)} rejected`}
      </p>
      <div className="dp-count-tables">
        <CountTable title="Method" counts={shard.counts.method} testId="counts-method" />
        <CountTable title="Stage" counts={shard.counts.stage} testId="counts-stage" />
        <CountTable title="Difficulty" counts={shard.counts.difficulty} testId="counts-difficulty" />
        <CountTable title="Family" counts={shard.counts.family} testId="counts-family" />
      </div>
      <RejectedList shard={shard} />
      <ExportForm key={`export-${shard.id}`} shardId={shard.id} name={shard.name} />
      <h3>Problems</h3>
      <ProblemBrowser key={`browser-${shard.id}`} shard={shard} />
      <ReportsPanel key={`reports-${shard.id}`} shard={shard} />
    </section>
  );
}
