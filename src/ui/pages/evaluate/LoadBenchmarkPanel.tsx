/** Loads a benchmark JSONL file (picker or drag-and-drop) into IndexedDB through the worker. */
import { useState } from 'react';
import type { BenchmarkKind, FieldMapping, GoldFormat } from '../../../db/eval.ts';
import { BENCHMARK_FORMATS, BENCHMARK_LABELS } from '../../../eval/benchmarks.ts';
import type { LoadBenchmarkReport } from '../../../worker/services/eval.ts';
import { FileDrop } from '../../components/FileDrop.tsx';
import { callback, gpuWorker } from '../../worker-client.ts';
import { count } from './format.ts';
import { LineIssues } from './LineIssues.tsx';

const KINDS: BenchmarkKind[] = ['gsm8k', 'math', 'math500', 'custom'];

const GOLD_FORMATS: { value: GoldFormat; label: string }[] = [
  { value: 'plain', label: 'the field is the answer' },
  { value: 'gsm8k', label: 'after "####" (GSM8K style)' },
  { value: 'boxed', label: 'the last \\boxed{} (MATH style)' },
];

const EMPTY_MAPPING: FieldMapping = { problem: 'problem', answer: 'answer', goldFormat: 'plain', id: '', subject: '', level: '', solution: '' };

/** Drops empty optional field names, so an empty box means "not in this file". */
function cleanMapping(mapping: FieldMapping): FieldMapping {
  const clean: FieldMapping = { problem: mapping.problem.trim(), answer: mapping.answer.trim(), goldFormat: mapping.goldFormat };
  for (const key of ['id', 'subject', 'level', 'solution'] as const) {
    const value = mapping[key]?.trim();
    if (value) clean[key] = value;
  }
  return clean;
}

function describeFormat(kind: BenchmarkKind): string {
  if (kind === 'custom') return 'Any JSONL: name the fields that hold the problem and the answer.';
  const format = BENCHMARK_FORMATS[kind];
  return `Fields: ${format.required.join(', ')}${format.optional.length ? ` (read when present: ${format.optional.join(', ')})` : ''}.`;
}

export function LoadBenchmarkPanel() {
  const [kind, setKind] = useState<BenchmarkKind>('gsm8k');
  const [name, setName] = useState('');
  const [mapping, setMapping] = useState<FieldMapping>(EMPTY_MAPPING);
  const [busy, setBusy] = useState<{ fileName: string; lines: number; imported: number } | null>(null);
  const [report, setReport] = useState<{ fileName: string; result: LoadBenchmarkReport } | null>(null);

  const load = async (file: File) => {
    setReport(null);
    setBusy({ fileName: file.name, lines: 0, imported: 0 });
    const request = { kind, name: name || `${BENCHMARK_LABELS[kind]} ${file.name.replace(/\.jsonl?$/i, '')}`, fileName: file.name, ...(kind === 'custom' ? { mapping: cleanMapping(mapping) } : {}) };
    try {
      const result = await gpuWorker().loadBenchmarkFile(
        file,
        request,
        callback((progress: { lines: number; imported: number }) => setBusy({ fileName: file.name, ...progress })),
      );
      setReport({ fileName: file.name, result });
    } catch (error) {
      setReport({ fileName: file.name, result: { ok: false, error: { name: 'Error', message: (error as Error).message } } });
    } finally {
      setBusy(null);
    }
  };

  const field = (key: keyof Omit<FieldMapping, 'goldFormat'>, label: string, required = false) => (
    <label>
      {label}
      <input value={mapping[key] ?? ''} required={required} onChange={(e) => setMapping({ ...mapping, [key]: e.target.value })} data-testid={`map-${key}`} />
    </label>
  );

  return (
    <section className="panel" data-testid="load-benchmark">
      <h2>Load a benchmark</h2>
      <div className="form-row">
        <label>
          Format
          <select value={kind} onChange={(e) => setKind(e.target.value as BenchmarkKind)} data-testid="bench-kind">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {BENCHMARK_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={name} placeholder="from the file name" onChange={(e) => setName(e.target.value)} data-testid="bench-name" />
        </label>
      </div>
      <p className="hint">{describeFormat(kind)}</p>
      {kind === 'custom' && (
        <fieldset className="mapping">
          <legend>Field mapping</legend>
          {field('problem', 'Problem field', true)}
          {field('answer', 'Answer field', true)}
          <label>
            Gold answer
            <select value={mapping.goldFormat} onChange={(e) => setMapping({ ...mapping, goldFormat: e.target.value as GoldFormat })} data-testid="map-gold-format">
              {GOLD_FORMATS.map((g) => (
                <option key={g.value} value={g.value}>
                  {g.label}
                </option>
              ))}
            </select>
          </label>
          {field('id', 'Id field (optional)')}
          {field('subject', 'Subject field (optional)')}
          {field('level', 'Level field (optional)')}
          {field('solution', 'Solution field (optional)')}
        </fieldset>
      )}
      <FileDrop label="Benchmark JSONL file" disabled={busy !== null} testId="bench-file" onFile={(file) => void load(file)} />
      {busy && (
        <p role="status">
          Loading {busy.fileName}: line {count(busy.lines)}, {count(busy.imported)} problems stored…
        </p>
      )}
      {report && !report.result.ok && (
        <p className="bad" role="alert" data-testid="bench-error">
          {report.result.error.message}
        </p>
      )}
      {report?.result.ok && (
        <div data-testid="bench-report">
          <p className="ok">
            Loaded {count(report.result.benchmark.problemCount)} problems from {report.fileName} as “{report.result.benchmark.name}”.
          </p>
          <LineIssues issues={report.result.issues} total={report.result.skippedLines} testId="bench-issues" />
        </div>
      )}
    </section>
  );
}
