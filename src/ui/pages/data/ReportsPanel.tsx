/** Dedup and decontamination reports of a shard, with removal of the items they find. */
import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { ShardRecord } from '../../../db/data.ts';
import { getDatabase } from '../../../db/database.ts';
import type { FlaggedProblem, ShardDedupReport } from '../../../data/store/queries.ts';
import { MathText } from '../../components/MathText.tsx';
import { dataWorker, formatCount } from './data-worker.ts';

function DedupReport({ shard }: { shard: ShardRecord }) {
  const [threshold, setThreshold] = useState('0.8');
  const [report, setReport] = useState<ShardDedupReport | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const run = async () => {
    setStatus('Deduplicating…');
    const outcome = await dataWorker().dedupShard(shard.id, { threshold: Number(threshold) });
    if (!outcome.ok) return setStatus(outcome.error.message);
    setReport(outcome.report);
    setStatus(null);
  };
  const remove = async () => {
    if (!report || !confirm(`Remove ${formatCount(report.duplicates.length)} duplicates from "${shard.name}"?`)) return;
    const outcome = await dataWorker().removeProblems(shard.id, report.duplicates);
    setStatus(outcome.ok ? `Removed ${formatCount(outcome.removed)} duplicates.` : outcome.error.message);
    setReport(null);
  };

  return (
    <div className="dp-report" data-testid="dedup">
      <h3>Duplicates</h3>
      <label>
        Near-duplicate Jaccard threshold <input type="number" step="0.05" min="0.05" max="1" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
      </label>{' '}
      <button type="button" onClick={() => void run()} data-testid="dedup-button">
        Find duplicates
      </button>
      {status && <p>{status}</p>}
      {report && (
        <div data-testid="dedup-report">
          <p>
            {formatCount(report.total)} problems: {formatCount(report.exactDuplicates)} exact duplicates, {formatCount(report.nearDuplicates)} near duplicates
            (MinHash {report.params.numPerm}, {report.params.bands}×{report.params.rows} LSH bands, {report.params.ngram}-word shingles); {formatCount(report.kept)} kept.
          </p>
          {report.duplicates.length > 0 && (
            <button type="button" className="dp-secondary" onClick={() => void remove()}>
              Remove {formatCount(report.duplicates.length)} duplicates
            </button>
          )}
          <ol className="dp-clusters">
            {report.clusters.slice(0, 50).map((c) => (
              <li key={c.indexes[0]}>
                {c.indexes.length} problems ({c.kind}
                {c.kind === 'near' ? `, similarity ≥ ${c.minSimilarity.toFixed(2)}` : ''}): #{c.indexes.slice(0, 8).join(', #')}
                {c.problems.map((p, i) => (
                  <div key={i} className="dp-muted dp-small">
                    <MathText text={p} />
                  </div>
                ))}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function DecontamReport({ shard }: { shard: ShardRecord }) {
  const benchmarks = useLiveQuery(() => getDatabase().benchmarks.toArray(), []);
  const [files, setFiles] = useState<File[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [n, setN] = useState('30');
  const [result, setResult] = useState<{ checked: number; testProblems: number; flagged: FlaggedProblem[]; flaggedCount: number; skippedLines: number } | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const run = async () => {
    setStatus('Checking against the test sets…');
    const outcome = await dataWorker().decontaminateShard(shard.id, { files: files.map((f) => ({ name: f.name, file: f })), benchmarkIds: chosen, options: { n: Number(n) } });
    if (!outcome.ok) return setStatus(outcome.error.message);
    setResult(outcome);
    setStatus(null);
  };
  const remove = async () => {
    if (!result || !confirm(`Remove ${result.flagged.length} flagged problems from "${shard.name}"?`)) return;
    const outcome = await dataWorker().removeProblems(shard.id, result.flagged.map((f) => f.index));
    setStatus(outcome.ok ? `Removed ${formatCount(outcome.removed)} flagged problems.` : outcome.error.message);
    setResult(null);
  };

  return (
    <div className="dp-report" data-testid="decontam">
      <h3>Test-set contamination</h3>
      <p className="dp-muted">
        Flags problems that share a run of n words with a benchmark test problem (the whole problem when it is shorter), or cover most of one with shared 5-word shingles.
      </p>
      <label>
        Test files (GSM8K or MATH JSONL): <input type="file" multiple accept=".jsonl,.json" onChange={(e) => setFiles([...(e.target.files ?? [])])} data-testid="decontam-files" />
      </label>
      {benchmarks && benchmarks.length > 0 && (
        <fieldset className="dp-choices">
          <legend>Loaded benchmarks</legend>
          {benchmarks.map((b) => (
            <label key={b.id}>
              <input type="checkbox" checked={chosen.includes(b.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, b.id] : chosen.filter((x) => x !== b.id))} />
              {b.name} ({formatCount(b.problemCount)})
            </label>
          ))}
        </fieldset>
      )}
      <label>
        n <input type="number" min={1} value={n} onChange={(e) => setN(e.target.value)} style={{ width: '5em' }} />
      </label>{' '}
      <button type="button" onClick={() => void run()} disabled={files.length === 0 && chosen.length === 0} data-testid="decontam-button">
        Check
      </button>
      {status && <p>{status}</p>}
      {result && (
        <div data-testid="decontam-report">
          <p className={result.flaggedCount > 0 ? 'bad' : 'ok'}>
            {formatCount(result.flaggedCount)} of {formatCount(result.checked)} problems flagged against {formatCount(result.testProblems)} test problems
            {result.skippedLines > 0 && ` (${result.skippedLines} test-file lines skipped)`}.
          </p>
          {result.flagged.length > 0 && (
            <button type="button" className="dp-secondary" onClick={() => void remove()}>
              Remove the flagged problems
            </button>
          )}
          <table className="dp-flagged">
            <thead>
              <tr>
                <th>Problem</th>
                <th>Matching test problem</th>
                <th>Overlap</th>
              </tr>
            </thead>
            <tbody>
              {result.flagged.map((f) => (
                <tr key={f.index}>
                  <td>
                    #{f.index} <MathText text={f.problem} />
                  </td>
                  <td>
                    {f.match.source} {f.match.testId}: <MathText text={f.match.testText} />
                  </td>
                  <td>{f.match.reason === 'ngram' ? `${f.match.longestRun}-word run` : `${Math.round(100 * f.match.coverage)}% covered`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function ReportsPanel({ shard }: { shard: ShardRecord }) {
  return (
    <div className="dp-reports">
      <DedupReport shard={shard} />
      <DecontamReport shard={shard} />
    </div>
  );
}
