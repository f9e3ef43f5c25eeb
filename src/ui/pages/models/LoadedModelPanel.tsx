/** Load settings, loading progress, the loaded model's memory and warnings, and the engine's kernel check. */
import { describeTransfer, formatBytes } from './format.ts';
import { runEngineCheck, unloadModel, useModelsStore } from './models-store.ts';

function NumberField({ label, value, min, testId, onChange }: { label: string; value: number | null; min: number; testId: string; onChange(value: number | null): void }) {
  return (
    <label>
      {label}
      <input
        type="number"
        min={min}
        value={value ?? ''}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
      />
    </label>
  );
}

function Settings() {
  const settings = useModelsStore((s) => s.settings);
  const set = useModelsStore((s) => s.set);
  return (
    <div className="form-row">
      <NumberField label="Context (tokens)" value={settings.contextLength} min={16} testId="setting-context" onChange={(v) => set({ settings: { ...settings, contextLength: v ?? 4096 } })} />
      <NumberField label="Batch (sequences decoded together)" value={settings.batch} min={1} testId="setting-batch" onChange={(v) => set({ settings: { ...settings, batch: v ?? 1 } })} />
      <NumberField
        label="GPU memory limit (MiB, empty: automatic)"
        value={settings.memoryLimitMb}
        min={0}
        testId="setting-memory"
        onChange={(v) => set({ settings: { ...settings, memoryLimitMb: v } })}
      />
    </div>
  );
}

function EngineCheck() {
  const check = useModelsStore((s) => s.check);
  const passed = check.rows.filter((r) => r.pass).length;
  return (
    <details>
      <summary>Engine check</summary>
      <p className="hint">Runs the KV-cache and attention kernels on random inputs and compares them with their TypeScript references.</p>
      <button type="button" className="secondary" disabled={check.running} onClick={() => void runEngineCheck()} data-testid="engine-check">
        {check.running ? 'Checking…' : 'Check engine kernels'}
      </button>
      {!check.running && check.rows.length > 0 && (
        <p className={passed === check.rows.length ? 'ok' : 'bad'} data-testid="engine-check-summary">
          {passed} of {check.rows.length} kernels match their reference.
        </p>
      )}
      {check.error && <p className="bad">{check.error.message}</p>}
      <ul className="hint">
        {check.rows.map((row, i) => (
          <li key={i} className={row.pass ? undefined : 'bad'} title={row.message}>
            {row.pass ? 'pass' : 'FAIL'} {row.kernel}: {row.shape}, max error {row.maxAbsError.toExponential(2)}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function LoadedModelPanel() {
  const loaded = useModelsStore((s) => s.loaded);
  const loading = useModelsStore((s) => s.loading);
  const loadError = useModelsStore((s) => s.loadError);

  return (
    <section className="panel" data-testid="loaded-model">
      <h2>Loaded model</h2>
      <Settings />
      {!loaded && !loading && <p className="hint">No model is loaded. Press Load next to a cached model; the settings above apply.</p>}
      {loading && (
        <div className="transfer" data-testid="load-progress">
          <div>Loading {loading.name} onto the GPU</div>
          <progress max={loading.totalBytes || undefined} value={loading.totalBytes ? loading.loadedBytes : undefined} />
          <span className="hint">{describeTransfer(loading.loadedBytes, loading.totalBytes || null, loading.elapsedMs)}</span>
        </div>
      )}
      {loadError && (
        <p className="bad" role="alert" data-testid="load-error">
          {loadError.message}
        </p>
      )}
      {loaded && (
        <>
          <dl className="facts" data-testid="loaded-facts">
            <dt>Model</dt>
            <dd>
              {loaded.modelName} ({loaded.name})
            </dd>
            <dt>Adapter</dt>
            <dd>
              {loaded.adapter}
              {loaded.fallbackAdapter ? ' (software adapter: expect CPU speed)' : ''}
            </dd>
            <dt>Context, batch</dt>
            <dd>
              {loaded.contextLength} tokens, {loaded.batch} {loaded.batch === 1 ? 'sequence' : 'sequences'}, KV cache in {loaded.kvDType}
            </dd>
            <dt>GPU memory</dt>
            <dd>
              {formatBytes(loaded.estimate.totalBytes)}: weights {formatBytes(loaded.estimate.weightBytes)}, KV cache {formatBytes(loaded.estimate.kvCacheBytes)}, workspace{' '}
              {formatBytes(loaded.estimate.workspaceBytes)}
              {loaded.budget ? ` (limit ${formatBytes(loaded.budget.bytes)}: ${loaded.budget.source})` : ''}
            </dd>
          </dl>
          {loaded.warnings.map((warning) => (
            <p key={warning} className="bad" data-testid="load-warning">
              {warning}
            </p>
          ))}
          <button type="button" className="secondary" onClick={() => void unloadModel()} data-testid="model-unload">
            Unload
          </button>
        </>
      )}
      <EngineCheck />
    </section>
  );
}
