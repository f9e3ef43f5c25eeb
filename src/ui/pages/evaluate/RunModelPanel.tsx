/**
 * "Run a model": evaluates a model from the browser's model cache (OPFS) on a loaded benchmark with
 * the WebGPU engine in the worker. Every finished problem is stored at once, so a stopped run, a
 * closed tab or a reload loses only the problems in flight; interrupted runs are listed with a
 * Resume button.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import type { EvalRunRecord } from '../../../db/eval.ts';
import { runCounts } from '../../../eval/runs/store.ts';
import { builtinTemplate, validateTemplate, type BuiltinTemplateId, type PromptTemplate } from '../../../eval/templates.ts';
import type { CachedModelFile } from '../../../worker/services/models.ts';
import { gpuWorker } from '../../worker-client.ts';
import { BenchmarkOptions, useBenchmarks } from './BenchmarksPanel.tsx';
import { count, duration, percent } from './format.ts';
import { resumeModelRun, startModelRun, stopModelRun, useModelRunStore, type EngineSettings } from './model-run-store.ts';
import { TemplateOptions, useExemplars } from './TemplatesPanel.tsx';

interface Settings {
  limit: string;
  samples: string;
  batch: string;
  context: string;
  maxTokens: string;
  temperature: string;
  topP: string;
  topK: string;
  seed: string;
}

const DEFAULTS: Settings = { limit: '', samples: '1', batch: '8', context: '2048', maxTokens: '512', temperature: '0', topP: '1', topK: '0', seed: '0' };

/** Parses the form; returns the problems it found instead when a field is invalid. */
function parseSettings(s: Settings): { values: Record<keyof Settings, number>; problems: string[] } {
  const problems: string[] = [];
  const read = (key: keyof Settings, label: string, min: number, max: number, integer: boolean, empty?: number): number => {
    const text = s[key].trim();
    if (text === '' && empty !== undefined) return empty;
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      problems.push(`${label} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got “${s[key]}”.`);
    }
    return value;
  };
  const values = {
    limit: read('limit', 'Problems', 1, 1e7, true, 0),
    samples: read('samples', 'Samples per problem', 1, 64, true),
    batch: read('batch', 'Batch', 1, 256, true),
    context: read('context', 'Context', 16, 131_072, true),
    maxTokens: read('maxTokens', 'Max tokens', 1, 131_072, true),
    temperature: read('temperature', 'Temperature', 0, 10, false),
    topP: read('topP', 'Top-p', 1e-6, 1, false),
    topK: read('topK', 'Top-k', 0, 1e6, true),
    seed: read('seed', 'Seed', 0, 2 ** 31 - 1, true),
  };
  if (values.samples > 1 && values.temperature === 0) problems.push('More than one sample per problem needs a temperature above 0: greedy decoding gives the same output every time.');
  if (values.maxTokens >= values.context) problems.push(`Max tokens (${values.maxTokens}) must leave room for the prompt in the context (${values.context}).`);
  return { values, problems };
}

function ProgressView() {
  const { runId, loading, progress, stopping } = useModelRunStore();
  if (loading) {
    const fraction = loading.totalBytes > 0 ? loading.loadedBytes / loading.totalBytes : 0;
    return (
      <div data-testid="model-run-loading">
        <p>
          Loading {loading.name} onto the GPU… {percent(fraction, 0)}
        </p>
        <progress max={1} value={fraction} />
      </div>
    );
  }
  if (!runId || !progress) return null;
  const accuracy = progress.accuracy === null ? '–' : `${percent(progress.accuracy)} (${count(progress.correct)} of ${count(progress.finished)})`;
  return (
    <div data-testid="model-run-progress">
      <progress max={progress.total} value={progress.finished} />
      <p>
        {count(progress.finished)} of {count(progress.total)} samples · running accuracy {accuracy} · {progress.unparsed} unparsed ·{' '}
        {progress.tokensPerSecond.toFixed(1)} tokens/s · ETA {progress.etaMs === null ? '–' : duration(progress.etaMs)}
      </p>
      <button type="button" className="secondary" disabled={stopping} onClick={() => void stopModelRun()} data-testid="model-run-stop">
        {stopping ? 'Stopping…' : 'Stop'}
      </button>
    </div>
  );
}

/** Model runs of this browser that did not finish: stopped, interrupted by a reload, or failed. */
function UnfinishedRuns({ settings }: { settings: EngineSettings | null }) {
  const activeRun = useModelRunStore((s) => s.runId);
  const busy = useModelRunStore((s) => s.runId !== null || s.loading !== null);
  const rows = useLiveQuery(async () => {
    const db = getDatabase();
    const runs = (await db.evalRuns.toArray()).filter((r) => r.source === 'model' && r.status !== 'finished');
    const counts = await Promise.all(runs.map((r) => runCounts(db, r.id)));
    return runs.map((run, i) => ({ run, finished: counts[i].finished }));
  }, []);
  const others = rows?.filter((r) => r.run.id !== activeRun) ?? [];
  if (others.length === 0) return null;
  const resume = (run: EvalRunRecord) => settings && void resumeModelRun(run, settings);
  return (
    <>
      <h3>Unfinished runs</h3>
      <table className="results compact" data-testid="unfinished-runs">
        <tbody>
          {others.map(({ run, finished }) => (
            <tr key={run.id}>
              <td>{run.name}</td>
              <td>{run.model.name}</td>
              <td className="num">
                {count(finished)} of {count(run.problemIndices.length * run.samplesPerProblem)} stored
              </td>
              <td>{run.error ?? (run.status === 'running' ? 'interrupted (the page was closed or reloaded)' : run.status)}</td>
              <td>
                <button type="button" disabled={busy || !settings} onClick={() => resume(run)} data-testid="model-run-resume">
                  Resume
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">Resuming loads the run's model with the batch and context set above, and generates only the samples not stored yet.</p>
    </>
  );
}

export function RunModelPanel() {
  const benchmarks = useBenchmarks()?.filter((b) => b.status === 'ready') ?? [];
  const savedTemplates = useLiveQuery(() => getDatabase().promptTemplates.orderBy('name').toArray(), []);
  const [models, setModels] = useState<CachedModelFile[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [modelName, setModelName] = useState('');
  const [benchmarkId, setBenchmarkId] = useState('');
  const [templateChoice, setTemplateChoice] = useState('alpaca-cot');
  const [exemplarSourceId, setExemplarSourceId] = useState('');
  const [runName, setRunName] = useState('');
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const { message, runId, loading } = useModelRunStore();

  useEffect(() => {
    void gpuWorker()
      .listCachedModels()
      .then((result) => (result.ok ? setModels(result.models) : setListError(result.error.message)))
      .catch((error: unknown) => setListError((error as Error).message));
  }, []);

  const template: PromptTemplate = templateChoice.startsWith('saved:')
    ? (savedTemplates?.find((t) => `saved:${t.name}` === templateChoice)?.template ?? builtinTemplate('alpaca-cot'))
    : builtinTemplate(templateChoice as BuiltinTemplateId);
  const { exemplars, error: exemplarError } = useExemplars(template, exemplarSourceId);
  const model = models?.find((m) => m.name === modelName) ?? models?.[0];
  const benchmark = benchmarks.find((b) => b.id === benchmarkId) ?? benchmarks[0];
  const { values, problems } = parseSettings(settings);
  const blockers = [
    ...problems,
    ...validateTemplate(template),
    ...(template.fewShot && exemplarError ? [exemplarError] : []),
    ...(model ? [] : ['Add a GGUF model on the Models page first: runs use models from the browser cache.']),
    ...(benchmark ? [] : ['Load a benchmark file below first.']),
  ];
  const engine: EngineSettings | null = problems.length === 0 ? { contextLength: values.context, batch: values.batch } : null;
  const field = (key: keyof Settings, label: string, testId: string) => (
    <label>
      {label}
      <input value={settings[key]} onChange={(e) => setSettings({ ...settings, [key]: e.target.value })} data-testid={testId} size={7} />
    </label>
  );

  const start = () => {
    if (!model || !benchmark || !engine || blockers.length > 0) return;
    void startModelRun(
      {
        name: runName.trim(),
        benchmark,
        model: { name: model.name, detail: `batch ${values.batch}, context ${values.context}` },
        template,
        exemplars,
        sampling: { temperature: values.temperature, topP: values.topP, topK: values.topK, maxTokens: values.maxTokens, seed: values.seed, stop: [] },
        samplesPerProblem: values.samples,
        ...(values.limit > 0 ? { limit: values.limit } : {}),
      },
      model.name,
      engine,
    );
  };

  return (
    <section className="panel" data-testid="run-model">
      <h2>Run a model</h2>
      <p className="hint">
        Generates and grades answers with a GGUF model from this browser's model cache on the WebGPU engine, decoding a batch of problems together. Each finished
        problem is stored at once: a reload or a closed tab loses only the problems in flight, and the run resumes from the rest.
      </p>
      {listError && <p className="bad">The model cache could not be read: {listError}</p>}
      <div className="form-row">
        <label>
          Model
          <select value={model?.name ?? ''} onChange={(e) => setModelName(e.target.value)} data-testid="model-run-model">
            {models?.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Benchmark
          <select value={benchmark?.id ?? ''} onChange={(e) => setBenchmarkId(e.target.value)} data-testid="model-run-benchmark">
            <BenchmarkOptions benchmarks={benchmarks} withCounts />
          </select>
        </label>
        <label>
          Template
          <select value={templateChoice} onChange={(e) => setTemplateChoice(e.target.value)} data-testid="model-run-template">
            <TemplateOptions saved={savedTemplates} />
          </select>
        </label>
        {template.fewShot && (
          <label>
            Exemplars from
            <select value={exemplarSourceId} onChange={(e) => setExemplarSourceId(e.target.value)}>
              <option value="">choose a loaded split…</option>
              <BenchmarkOptions benchmarks={benchmarks} />
            </select>
          </label>
        )}
        <label>
          Run name
          <input value={runName} onChange={(e) => setRunName(e.target.value)} placeholder="model on benchmark" />
        </label>
      </div>
      <div className="form-row">
        {field('limit', 'Problems (empty: all)', 'model-run-limit')}
        {field('samples', 'Samples per problem (k)', 'model-run-samples')}
        {field('batch', 'Batch', 'model-run-batch')}
        {field('context', 'Context', 'model-run-context')}
        {field('maxTokens', 'Max tokens', 'model-run-max-tokens')}
        {field('temperature', 'Temperature', 'model-run-temperature')}
        {field('topP', 'Top-p', 'model-run-top-p')}
        {field('topK', 'Top-k', 'model-run-top-k')}
        {field('seed', 'Seed', 'model-run-seed')}
        <button type="button" disabled={blockers.length > 0 || runId !== null || loading !== null} onClick={start} data-testid="model-run-start">
          Start
        </button>
      </div>
      {blockers.length > 0 && (
        <ul className="bad" data-testid="model-run-problems">
          {blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <ProgressView />
      {message && (
        <p className={message.ok ? 'ok' : 'bad'} data-testid="model-run-message">
          {message.text}
        </p>
      )}
      <UnfinishedRuns settings={engine} />
    </section>
  );
}
