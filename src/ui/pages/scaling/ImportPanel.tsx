/**
 * CSV import of the user's own scaling points: the file input, the import report (rows skipped by
 * line and reason, how accuracy was read), the stored imports, and their chart, optionally next to
 * the Skywork-Math paper's points.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useState, type ChangeEvent } from 'react';
import { getDatabase } from '../../../db/database.ts';
import { deleteImport, saveImport, setImportVisible, type ScalingImportRecord } from '../../../db/scaling.ts';
import { CsvFormatError, csvSeries, describeRejected, importScalingCsv, summarizeImport, type AccuracyScale, type CsvImport } from '../../../scaling/csv.ts';
import { REFERENCE_BENCHMARKS, referenceSeries, type ReferenceBenchmark } from '../../../scaling/reference.ts';
import type { ScalingSeries } from '../../../scaling/series.ts';
import { ScalingChart } from './ScalingChart.tsx';
import { useScalingView } from './scaling-store.ts';

type Report = { kind: 'ok'; fileName: string; imported: CsvImport } | { kind: 'error'; fileName: string; message: string };

function ImportReport({ report }: { report: Report }) {
  if (report.kind === 'error') {
    return (
      <div className="import-report bad" role="alert" data-testid="import-error">
        Could not import {report.fileName}: {report.message}
      </div>
    );
  }
  const { imported } = report;
  return (
    <div className="import-report" role="status" data-testid="import-report">
      <p>
        Imported {report.fileName}: {summarizeImport(imported)}.
      </p>
      <p>{imported.scaleReason}</p>
      {imported.warnings.map((w, i) => (
        <p key={i}>{w}</p>
      ))}
      {imported.rejected.length > 0 && (
        <>
          <p>Rows left out:</p>
          <ul className="rejected-rows" data-testid="rejected-rows">
            {describeRejected(imported.rejected).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function seriesOf(records: ScalingImportRecord[]): ScalingSeries[] {
  const visible = records.filter((r) => r.visible);
  return visible.flatMap((record) =>
    csvSeries(record.points, record.fileName, `import/${record.id}`).map((s) => ({
      ...s,
      // Two files can use the same labels, so the file name is added to keep their lines apart.
      label: visible.length > 1 ? `${s.label} (${record.fileName})` : s.label,
    })),
  );
}

function StoredImports({ records }: { records: ScalingImportRecord[] }) {
  const db = getDatabase();
  return (
    <ul className="stored-imports" data-testid="stored-imports">
      {records.map((record) => (
        <li key={record.id}>
          <label>
            <input type="checkbox" checked={record.visible} onChange={(e) => void setImportVisible(db, record.id as number, e.target.checked)} /> {record.fileName}
          </label>{' '}
          <span className="muted">
            {record.points.length} points, imported {new Date(record.importedAt).toLocaleString('en-US')}, {record.accuracyScale}
            {record.rejected.length > 0 ? `, ${record.rejected.length} row${record.rejected.length === 1 ? '' : 's'} left out` : ''}
          </span>{' '}
          <button
            type="button"
            className="link-button"
            aria-label={`Delete ${record.fileName}`}
            onClick={() => {
              if (window.confirm(`Delete the imported points of ${record.fileName} from this browser?`)) void deleteImport(db, record.id as number);
            }}
          >
            Delete
          </button>
          {record.rejected.length > 0 && (
            <details>
              <summary>Rows left out of {record.fileName}</summary>
              <ul>
                {describeRejected(record.rejected).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ImportPanel() {
  const [scale, setScale] = useState<'auto' | AccuracyScale>('auto');
  const [report, setReport] = useState<Report | null>(null);
  const compareWith = useScalingView((s) => s.compareWith);
  const setView = useScalingView((s) => s.set);
  const records = useLiveQuery(() => getDatabase().scalingImports.orderBy('importedAt').toArray(), []);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const file = input.files?.[0];
    if (!file) return;
    try {
      const imported = importScalingCsv(await file.text(), { defaultLabel: file.name.replace(/\.[^.]+$/, ''), accuracyScale: scale });
      if (imported.points.length === 0) {
        setReport({ kind: 'error', fileName: file.name, message: `no row could be used. ${describeRejected(imported.rejected).join('; ')}` });
      } else {
        await saveImport(getDatabase(), file.name, imported);
        setReport({ kind: 'ok', fileName: file.name, imported });
      }
    } catch (error) {
      const message = error instanceof CsvFormatError ? error.message : `reading or storing the file failed: ${(error as Error).message}`;
      setReport({ kind: 'error', fileName: file.name, message });
    } finally {
      input.value = '';
    }
  };

  const imported = useMemo(() => seriesOf(records ?? []), [records]);
  const shown = useMemo(() => (compareWith === 'none' ? imported : [...imported, ...referenceSeries(compareWith)]), [imported, compareWith]);

  return (
    <section className="panel" aria-labelledby="import-heading" data-testid="import-panel">
      <h2 id="import-heading">Your imported points</h2>
      <p>
        Plot results from elsewhere (for example runs on a cluster) from a CSV file with a header row naming its columns: <code>size</code>, <code>accuracy</code>, optional{' '}
        <code>label</code> (one line per label), and optionally an interval as <code>low</code> and <code>high</code>, as a <code>±</code> half-width, or as <code>total</code> test problems (a
        Wilson interval is computed). Sizes may use K and M (60K, 1.5M). Accuracy may be a fraction or a percentage. Imported points stay in this browser.
      </p>
      <div className="import-controls">
        <label>
          Accuracy in the file:{' '}
          <select value={scale} onChange={(e) => setScale(e.target.value as typeof scale)}>
            <option value="auto">detect (percent if any value is above 1 or has %)</option>
            <option value="fraction">fractions 0–1</option>
            <option value="percent">percent 0–100</option>
          </select>
        </label>{' '}
        <label className="file-button">
          Import CSV…
          <input type="file" accept=".csv,.tsv,.txt,text/csv" onChange={(e) => void onFile(e)} data-testid="csv-input" />
        </label>
      </div>
      {report && <ImportReport report={report} />}
      {records && records.length > 0 ? (
        <>
          <StoredImports records={records} />
          <label>
            Compare with the paper:{' '}
            <select value={compareWith} onChange={(e) => setView({ compareWith: e.target.value as ReferenceBenchmark | 'none' })}>
              <option value="none">no</option>
              {REFERENCE_BENCHMARKS.map((b) => (
                <option key={b} value={b}>
                  {b} points
                </option>
              ))}
            </select>
          </label>
          {shown.length > 0 ? (
            <ScalingChart title="Imported points: accuracy vs training-data size" series={shown} caption={compareWith === 'none' ? undefined : 'Paper points: Skywork-Math, arXiv:2407.08348v2.'} testId="import-chart" />
          ) : (
            <p>Every import is hidden; tick one above to plot it.</p>
          )}
        </>
      ) : (
        <p className="muted">No imported points in this browser yet.</p>
      )}
    </section>
  );
}
