/** The form that configures and starts a training run: shards per stage, model preset, optimizer and cadence. */
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useState } from 'react';
import type { ShardRecord } from '../../../db/data.ts';
import { getDatabase } from '../../../db/database.ts';
import { SCHEDULE_KINDS, type ScheduleKind } from '../../../train/schedule.ts';
import { TRAIN_PRESETS } from '../../../train/training-config.ts';
import type { MemoryCheck } from '../../../worker/services/train.ts';
import { gpuWorker } from '../../worker-client.ts';
import { DEFAULT_FORM, formConfig, formProblems, formRun, type RunFormValues } from './run-form.ts';
import { runTraining, useTrainUi } from './train-ui.ts';

type NumberField = { [K in keyof RunFormValues]: RunFormValues[K] extends number ? K : never }[keyof RunFormValues];

const NUMBER_FIELDS: { field: NumberField; label: string; step?: string; help: string }[] = [
  { field: 'context', label: 'Context', help: 'positions per packed sequence' },
  { field: 'epochs', label: 'Epochs', help: 'passes over each stage' },
  { field: 'batch', label: 'Batch', help: 'examples per optimizer step (accumulated)' },
  { field: 'microBatch', label: 'Micro-batch', help: 'sequences per forward/backward pass' },
  { field: 'learningRate', label: 'Learning rate', step: 'any', help: 'peak of the schedule' },
  { field: 'warmupRatio', label: 'Warm-up ratio', step: 'any', help: "share of each stage's steps" },
  { field: 'seed', label: 'Seed', help: 'weights, held-out split and example order' },
  { field: 'heldOut', label: 'Held-out', help: 'records per stage for the held-out loss' },
  { field: 'evalEvery', label: 'Eval every', help: 'steps between held-out losses (0: stage ends)' },
  { field: 'checkpointEvery', label: 'Checkpoint every', help: 'steps between checkpoints (0: stage ends)' },
];

function ShardOptions({ shards }: { shards: ShardRecord[] }) {
  return shards.map((s) => (
    <option key={s.id} value={s.id}>
      {s.name} ({s.stored} problems, {s.stage})
    </option>
  ));
}

export function NewRunForm() {
  const shards = useLiveQuery(() => getDatabase().synthShards.orderBy('createdAt').reverse().toArray(), []);
  const [values, setValues] = useState<RunFormValues>(DEFAULT_FORM);
  const [memory, setMemory] = useState<MemoryCheck | null>(null);
  const [starting, setStarting] = useState(false);
  const select = useTrainUi((s) => s.select);
  const problems = formProblems(values);
  const set = <K extends keyof RunFormValues>(field: K, value: RunFormValues[K]) => setValues((v) => ({ ...v, [field]: value }));

  useEffect(() => {
    if (formProblems({ ...values, stage1: 'any' }).length > 0) return;
    let current = true;
    const timer = setTimeout(() => {
      gpuWorker()
        .checkTrainingMemory(formConfig(values))
        .then((check) => current && setMemory(check))
        .catch((error: Error) => current && setMemory({ description: '', error: error.message }));
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [values]);

  const start = async () => {
    setStarting(true);
    try {
      const names = new Map((shards ?? []).map((s) => [s.id, s.name]));
      const runId = await gpuWorker().createTrainRun(formRun(values, (id) => names.get(id) ?? id));
      select(runId);
      void runTraining(runId);
    } finally {
      setStarting(false);
    }
  };

  const usable = (shards ?? []).filter((s) => s.stored > 0);
  return (
    <section className="panel" data-testid="new-run">
      <h2>New training run</h2>
      <div className="tp-form">
        <label>
          Name
          <input data-testid="run-name" value={values.name} placeholder="optional" onChange={(e) => set('name', e.target.value)} />
        </label>
        <label>
          Stage 1 shard
          <select data-testid="run-stage1" value={values.stage1} onChange={(e) => set('stage1', e.target.value)}>
            <option value="">choose…</option>
            <ShardOptions shards={usable} />
          </select>
        </label>
        <label>
          Stage 2 shard
          <select data-testid="run-stage2" value={values.stage2} onChange={(e) => set('stage2', e.target.value)}>
            <option value="">none (one stage)</option>
            <ShardOptions shards={usable} />
          </select>
        </label>
        <label className="tp-check">
          <input type="checkbox" checked={values.mixed} disabled={!values.stage2} onChange={(e) => set('mixed', e.target.checked)} />
          one mixed stage
        </label>
        <label>
          Model
          <select data-testid="run-preset" value={values.preset} onChange={(e) => set('preset', e.target.value)}>
            {Object.entries(TRAIN_PRESETS).map(([name, c]) => (
              <option key={name} value={name}>
                {name}: {c.blockCount} blocks × {c.embeddingLength}, heads {c.headCount}/{c.headCountKv}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tokenizer
          <select value={values.tokenizer} onChange={(e) => set('tokenizer', e.target.value as RunFormValues['tokenizer'])}>
            <option value="bpe">BPE learned from the shards</option>
            <option value="byte">bytes</option>
          </select>
        </label>
        {values.tokenizer === 'bpe' && (
          <label>
            Vocabulary
            <input type="number" data-testid="run-vocab" value={values.vocab} onChange={(e) => set('vocab', Number(e.target.value))} />
          </label>
        )}
        <label>
          Schedule
          <select value={values.schedule} onChange={(e) => set('schedule', e.target.value as ScheduleKind)}>
            {SCHEDULE_KINDS.map((kind) => (
              <option key={kind}>{kind}</option>
            ))}
          </select>
        </label>
        {NUMBER_FIELDS.map(({ field, label, step, help }) => (
          <label key={field} title={help}>
            {label}
            <input type="number" step={step} data-testid={`run-${field}`} value={values[field]} onChange={(e) => set(field, Number(e.target.value))} />
          </label>
        ))}
      </div>
      {memory && (
        <p className={memory.error ? 'bad' : 'tp-muted'} data-testid="run-memory">
          {memory.error ?? `GPU memory: ${memory.description}`}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="tp-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <button type="button" data-testid="start-run" disabled={starting || problems.length > 0 || Boolean(memory?.error)} onClick={() => void start()}>
        Start training
      </button>
    </section>
  );
}
