/** Creates a procedural shard (method mix, stage, families, size, seed) and starts generating it. */
import { useState } from 'react';
import { FAMILIES, type FamilyId } from '../../../data/families/index.ts';
import { METHODS, type Method, type Stage } from '../../../data/types.ts';
import { dataWorker, runShard, useDataUi } from './data-worker.ts';

export const METHOD_LABELS: Record<Method, string> = {
  plain: 'plain (seed problem)',
  backward: 'backward reasoning',
  evol: 'evolutionary complexity',
  selfcorrect: 'self-correction',
};

export function MethodPicker({ methods, onChange, testPrefix = 'method' }: { methods: Method[]; onChange(methods: Method[]): void; testPrefix?: string }) {
  return (
    <fieldset className="dp-choices">
      <legend>Methods (equal shares)</legend>
      {METHODS.map((m) => (
        <label key={m}>
          <input type="checkbox" checked={methods.includes(m)} onChange={(e) => onChange(e.target.checked ? [...methods, m] : methods.filter((x) => x !== m))} data-testid={`${testPrefix}-${m}`} />
          {METHOD_LABELS[m]}
        </label>
      ))}
    </fieldset>
  );
}

export function CreateShardPanel() {
  const [name, setName] = useState('normal shard');
  const [stage, setStage] = useState<Stage>('normal');
  const [methods, setMethods] = useState<Method[]>([...METHODS]);
  const [families, setFamilies] = useState<FamilyId[]>(FAMILIES.map((f) => f.id));
  const [count, setCount] = useState('10000');
  const [seed, setSeed] = useState('1');
  const [error, setError] = useState<string | null>(null);
  const select = useDataUi((s) => s.select);

  const create = async () => {
    setError(null);
    const outcome = await dataWorker().createProceduralShard({ name, stage, methods, families, count: Number(count), seed: Number(seed) });
    if (!outcome.ok) return setError(outcome.error.message);
    select(outcome.shard.id);
    void runShard(outcome.shard.id);
  };

  return (
    <section className="panel" data-testid="create-shard">
      <h2>Generate a procedural shard</h2>
      <p>Problems are computed exactly from a seed, so every item is verified, and the same settings always give the same shard.</p>
      <div className="dp-form-grid">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="shard-name" />
        </label>
        <label>
          Stage{' '}
          <select value={stage} onChange={(e) => setStage(e.target.value as Stage)} data-testid="shard-stage">
            <option value="normal">normal (levels 1–3, evol items up to 4)</option>
            <option value="hard">hard (levels 3–5)</option>
          </select>
        </label>
        <label>
          Size <input type="number" min={1} value={count} onChange={(e) => setCount(e.target.value)} data-testid="shard-size" />
        </label>
        <label>
          Seed <input type="number" value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="shard-seed" />
        </label>
      </div>
      <MethodPicker methods={methods} onChange={setMethods} />
      <fieldset className="dp-choices">
        <legend>Families</legend>
        {FAMILIES.map((f) => (
          <label key={f.id}>
            <input type="checkbox" checked={families.includes(f.id)} onChange={(e) => setFamilies(e.target.checked ? [...families, f.id] : families.filter((x) => x !== f.id))} />
            {f.title}
          </label>
        ))}
      </fieldset>
      <button type="button" onClick={() => void create()} disabled={methods.length === 0 || families.length === 0} data-testid="create-shard-button">
        Create and generate
      </button>
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
