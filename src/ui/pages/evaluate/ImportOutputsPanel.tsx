/** Imports model outputs made elsewhere as a graded run on a loaded benchmark. */
import { useState } from 'react';
import { OUTPUT_FORMAT_LABELS, type OutputFormat } from '../../../eval/import-formats.ts';
import type { ImportOutputsReport } from '../../../worker/services/eval.ts';
import { FileDrop } from '../../components/FileDrop.tsx';
import { callback, gpuWorker } from '../../worker-client.ts';
import { BenchmarkOptions, useBenchmarks } from './BenchmarksPanel.tsx';
import { count } from './format.ts';
import { LineIssues } from './LineIssues.tsx';

export function ImportOutputsPanel() {
  const benchmarks = useBenchmarks()?.filter((b) => b.status === 'ready');
  const [benchmarkId, setBenchmarkId] = useState('');
  const [format, setFormat] = useState<OutputFormat | 'auto'>('auto');
  const [modelName, setModelName] = useState('');
  const [runName, setRunName] = useState('');
  const [busy, setBusy] = useState<{ fileName: string; lines: number; matched: number } | null>(null);
  const [report, setReport] = useState<ImportOutputsReport | null>(null);
  const chosen = benchmarks?.find((b) => b.id === benchmarkId) ?? benchmarks?.[0];

  const importFile = async (file: File) => {
    if (!chosen) return;
    setReport(null);
    setBusy({ fileName: file.name, lines: 0, matched: 0 });
    try {
      const result = await gpuWorker().importOutputsFile(
        file,
        { benchmarkId: chosen.id, fileName: file.name, format, modelName, name: runName },
        callback((progress: { lines: number; matched: number }) => setBusy({ fileName: file.name, ...progress })),
      );
      setReport(result);
    } catch (error) {
      setReport({ ok: false, error: { name: 'Error', message: (error as Error).message } });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel" data-testid="import-outputs">
      <h2>Import outputs made elsewhere</h2>
      <p className="hint">
        Grade and inspect outputs from a run on another machine (vLLM, lm-evaluation-harness, or any JSONL of {'{'}"id" or "problem",
        "output"{'}'}). Each line is matched to a problem of the chosen benchmark by id, by problem text, or by the problem text inside its
        prompt, and graded here.
      </p>
      {benchmarks && benchmarks.length === 0 && <p>Load the benchmark the outputs were made on first.</p>}
      {chosen && (
        <>
          <div className="form-row">
            <label>
              Benchmark
              <select value={chosen.id} onChange={(e) => setBenchmarkId(e.target.value)} data-testid="import-benchmark">
                <BenchmarkOptions benchmarks={benchmarks!} withCounts />
              </select>
            </label>
            <label>
              Format
              <select value={format} onChange={(e) => setFormat(e.target.value as OutputFormat | 'auto')} data-testid="import-format">
                <option value="auto">detect from the first line</option>
                {(Object.keys(OUTPUT_FORMAT_LABELS) as OutputFormat[]).map((f) => (
                  <option key={f} value={f}>
                    {OUTPUT_FORMAT_LABELS[f]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Model
              <input value={modelName} placeholder="model name" onChange={(e) => setModelName(e.target.value)} data-testid="import-model" />
            </label>
            <label>
              Run name
              <input value={runName} placeholder="from the file name" onChange={(e) => setRunName(e.target.value)} data-testid="import-name" />
            </label>
          </div>
          <FileDrop label="Outputs JSONL file" disabled={busy !== null} testId="outputs-file" onFile={(file) => void importFile(file)} />
        </>
      )}
      {busy && (
        <p role="status">
          Importing {busy.fileName}: line {count(busy.lines)}, {count(busy.matched)} problems matched and graded…
        </p>
      )}
      {report && !report.ok && (
        <p className="bad" role="alert" data-testid="import-error">
          {report.error.message}
        </p>
      )}
      {report?.ok && (
        <div data-testid="import-report">
          <p className="ok">
            Imported “{report.run.name}” ({OUTPUT_FORMAT_LABELS[report.format]}): {count(report.run.problemIndices.length)} problems, up to{' '}
            {report.run.samplesPerProblem} sample{report.run.samplesPerProblem === 1 ? '' : 's'} per problem; matched by id{' '}
            {count(report.matchedBy.id)}, by problem text {count(report.matchedBy.problem)}, by prompt {count(report.matchedBy.prompt)}.
            {report.problemsWithoutOutput > 0 && ` ${count(report.problemsWithoutOutput)} problems of the benchmark have no output.`}
          </p>
          <LineIssues issues={report.issues} total={report.skippedLines} testId="import-issues" />
        </div>
      )}
    </section>
  );
}
