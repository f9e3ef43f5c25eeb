/**
 * "Run an experiment": the form of a data-scaling sweep (sizes, augmentation methods, curricula,
 * seeds, model, epochs, test size and the rest of the spec), a Demo preset, and the live progress of
 * the sweep running in the GPU worker, with Pause. Stored cells appear in the charts below as they
 * finish; an experiment interrupted by a reload is resumed from the cells table.
 */
import { useMemo } from 'react';
import { FAMILY_IDS, type FamilyId } from '../../../data/families/index.ts';
import { METHODS, type Method } from '../../../data/types.ts';
import { planCells } from '../../../scaling/experiment/cells.ts';
import { DEMO_SPEC } from '../../../scaling/experiment/demo.ts';
import { ExperimentSpecError, resolveSpec, VARIANT_METHODS, type ExperimentSpec, type VariantMethod } from '../../../scaling/experiment/spec.ts';
import { CURRICULA, type Curriculum } from '../../../scaling/results.ts';
import { TRAIN_PRESETS } from '../../../train/training-config.ts';
import { useBenchmarks } from '../evaluate/BenchmarksPanel.tsx';
import { formFromSpec, specFromForm, type ExperimentForm } from './experiment-form.ts';
import { pauseExperiment, startExperiment, useExperimentRun } from './experiment-run-store.ts';

const METHOD_TEXT: Record<VariantMethod, string> = {
  plain: 'plain (no augmentation)',
  backward: 'backward (FOBAR)',
  evol: 'evol (Evol-Instruct)',
  selfcorrect: 'self-correction (Xwin)',
  mix: 'mix of the methods below',
};

function toggle<T>(values: readonly T[], value: T, on: boolean): T[] {
  return on ? [...values.filter((v) => v !== value), value] : values.filter((v) => v !== value);
}

function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function Checks<T extends string>(props: { label: string; values: readonly T[]; chosen: readonly T[]; text?: (value: T) => string; onChange(values: T[]): void; testId: string }) {
  return (
    <fieldset className="checks" data-testid={props.testId}>
      <legend>{props.label}</legend>
      {props.values.map((value) => (
        <label key={value}>
          <input type="checkbox" checked={props.chosen.includes(value)} onChange={(e) => props.onChange(toggle(props.chosen, value, e.target.checked))} /> {props.text?.(value) ?? value}
        </label>
      ))}
    </fieldset>
  );
}

/** Checks the form; returns the spec, or the error naming the invalid field. */
function checkForm(form: ExperimentForm): { spec: ExperimentSpec | null; error: string | null; json: Record<string, unknown> } {
  const json = specFromForm(form);
  try {
    return { spec: resolveSpec(json, 'experiment form'), error: null, json };
  } catch (error) {
    if (error instanceof ExperimentSpecError) return { spec: null, error: `${error.field}: ${error.reason}`, json };
    throw error;
  }
}

function ProgressView() {
  const { runningId, progress, pausing } = useExperimentRun();
  if (!runningId) return null;
  const fraction = progress && progress.total > 0 ? progress.done / progress.total : 0;
  let text = 'Starting…';
  if (progress?.phase === 'generating') text = `Generating the training and test problems (${progress.done} of ${progress.total})`;
  if (progress?.phase === 'tokenizer') text = 'Learning the tokenizer';
  if (progress?.cellId && progress.phase === 'training') {
    text = `Cell ${progress.cellIndex! + 1} of ${progress.cells} (${progress.cellId}): training step ${progress.done} of ${progress.total}, loss ${progress.loss?.toFixed(3)}, ETA ${formatEta(progress.etaMs)}`;
  }
  if (progress?.cellId && progress.phase === 'evaluating') text = `Cell ${progress.cellIndex! + 1} of ${progress.cells} (${progress.cellId}): evaluating, ${progress.done} of ${progress.total} test problems (${progress.message})`;
  if (progress?.cellId && progress.phase === 'stored') text = `Cell ${progress.cellIndex! + 1} of ${progress.cells} (${progress.cellId}) stored`;
  return (
    <div className="experiment-progress" data-testid="experiment-progress">
      <progress max={1} value={fraction} />
      <p>{text}</p>
      <button type="button" className="secondary" disabled={pausing || runningId === 'starting'} onClick={() => void pauseExperiment()} data-testid="experiment-pause">
        {pausing ? 'Pausing…' : 'Pause'}
      </button>
    </div>
  );
}

export function RunExperimentPanel() {
  const { form, runningId, message, set } = useExperimentRun();
  const benchmarks = (useBenchmarks() ?? []).filter((b) => b.status === 'ready' && b.kind !== 'custom');
  const { spec, error, json } = useMemo(() => checkForm(form), [form]);
  const cells = spec ? planCells(spec).length : 0;
  const update = (change: Partial<ExperimentForm>) => set({ form: { ...form, ...change } });
  const text = (key: keyof ExperimentForm, label: string, testId: string, size = 6) => (
    <label>
      {label}
      <input value={form[key] as string} onChange={(e) => update({ [key]: e.target.value })} data-testid={testId} size={size} />
    </label>
  );

  return (
    <section className="panel" aria-labelledby="run-experiment-heading" data-testid="run-experiment">
      <h2 id="run-experiment-heading">Run an experiment</h2>
      <p>
        Each cell of the grid trains a small model from scratch on the first N procedural problems of its variant (smaller sets are prefixes of larger ones) and
        evaluates it with greedy decoding on a held-out test set of normal and hard problems. Cells run one after another in the background; each result is stored
        as soon as it exists, and a reload resumes the sweep. The Demo preset is a three-size sweep of a 2-block model of width 128; docs/experiments.md lists its results and times.
      </p>
      <div className="form-row">
        <button type="button" className="secondary" onClick={() => set({ form: formFromSpec(DEMO_SPEC) })} data-testid="experiment-demo">
          Demo preset
        </button>
        {text('name', 'Name', 'experiment-name', 28)}
        {text('sizes', 'Training-set sizes', 'experiment-sizes', 22)}
        {text('seeds', 'Seeds', 'experiment-seeds', 8)}
        {text('epochs', 'Epochs', 'experiment-epochs', 4)}
        {text('testSize', 'Test problems per part', 'experiment-test-size', 5)}
      </div>
      <div className="form-row">
        <Checks label="Augmentation" values={VARIANT_METHODS} chosen={form.methods} text={(m) => METHOD_TEXT[m]} onChange={(methods) => update({ methods })} testId="experiment-methods" />
        {form.methods.includes('mix') && <Checks<Method> label="Methods in the mix" values={METHODS} chosen={form.mix} onChange={(mix) => update({ mix })} testId="experiment-mix" />}
        <Checks<Curriculum>
          label="Curriculum"
          values={CURRICULA}
          chosen={form.curriculum}
          text={(c) => (c === 'staged' ? 'staged: normal, then hard' : 'mixed: one stage')}
          onChange={(curriculum) => update({ curriculum })}
          testId="experiment-curriculum"
        />
      </div>
      <div className="form-row">
        <label>
          Model
          <select value={form.preset} onChange={(e) => update({ preset: e.target.value })} data-testid="experiment-preset">
            {Object.entries(TRAIN_PRESETS).map(([name, c]) => (
              <option key={name} value={name}>
                {name} ({c.blockCount} × {c.embeddingLength})
              </option>
            ))}
          </select>
        </label>
        {text('layers', 'Layers (blank: preset)', 'experiment-layers', 4)}
        {text('context', 'Context', 'experiment-context', 5)}
        {text('batch', 'Batch', 'experiment-batch', 4)}
        {text('microBatch', 'Micro-batch', 'experiment-micro-batch', 4)}
        {text('learningRate', 'Learning rate', 'experiment-lr', 7)}
        {text('vocabSize', 'BPE vocabulary', 'experiment-vocab', 5)}
      </div>
      <details>
        <summary>Data and evaluation</summary>
        <div className="form-row">
          <Checks<FamilyId> label="Problem families (none: all)" values={FAMILY_IDS} chosen={form.families} onChange={(families) => update({ families })} testId="experiment-families" />
        </div>
        <div className="form-row">
          {text('normalDifficulty', 'Normal levels', 'experiment-normal-levels', 4)}
          {text('hardDifficulty', 'Hard levels', 'experiment-hard-levels', 4)}
          {text('hardFraction', 'Hard share of each set', 'experiment-hard-fraction', 4)}
          {text('dataSeed', 'Data seed', 'experiment-data-seed', 4)}
          {text('evalSeed', 'Test-set seed', 'experiment-test-seed', 4)}
          {text('maxTokens', 'Max tokens per answer', 'experiment-max-tokens', 4)}
          {text('evalBatch', 'Decoding batch', 'experiment-eval-batch', 4)}
        </div>
        <div className="form-row">
          <label>
            Also evaluate on
            <select
              value={form.benchmarkId}
              onChange={(e) => {
                const chosen = benchmarks.find((b) => b.id === e.target.value);
                update({ benchmarkId: e.target.value, ...(chosen && chosen.kind !== 'custom' ? { benchmarkKind: chosen.kind } : {}) });
              }}
              data-testid="experiment-benchmark"
            >
              <option value="">no benchmark</option>
              {benchmarks.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
          {form.benchmarkId && text('benchmarkLimit', 'Benchmark problems', 'experiment-benchmark-limit', 5)}
        </div>
      </details>
      <div className="form-row">
        <button type="button" disabled={!spec || runningId !== null} onClick={() => void startExperiment(json)} data-testid="experiment-start">
          Start {cells > 0 ? `${cells} cell${cells === 1 ? '' : 's'}` : ''}
        </button>
      </div>
      {error && (
        <p className="bad" role="alert" data-testid="experiment-form-error">
          {error}
        </p>
      )}
      <ProgressView />
      {message && (
        <p className={message.ok ? 'ok' : 'bad'} data-testid="experiment-message">
          {message.text}
        </p>
      )}
    </section>
  );
}
