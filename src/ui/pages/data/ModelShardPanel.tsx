/**
 * Model-driven shards made from a seed file, run either on the model loaded on the Models page (in
 * the GPU worker) or on a remote OpenAI-compatible server. The endpoint's API key stays in this tab's
 * memory unless the user chooses to save it in this browser.
 */
import { useEffect, useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import { METHODS, type Method, type Stage } from '../../../data/types.ts';
import { MethodPicker } from './CreateShardPanel.tsx';
import type { LoadedModelView } from '../../../worker/services/models.ts';
import { gpuWorker } from '../../worker-client.ts';
import { dataWorker, runLocalShard, runShard, useDataUi, type EndpointSettings } from './data-worker.ts';

type Backend = 'local' | 'remote';

/** Reads the model loaded on the Models page each time the local option is chosen. */
function useLoadedModel(active: boolean): LoadedModelView | null | undefined {
  const [loaded, setLoaded] = useState<LoadedModelView | null | undefined>(undefined);
  useEffect(() => {
    if (!active) return;
    let live = true;
    void gpuWorker()
      .loadedModel()
      .then((view) => live && setLoaded(view));
    return () => {
      live = false;
    };
  }, [active]);
  return loaded;
}

const SETTINGS_KEY = 'data.endpoint';

function EndpointForm() {
  const endpoint = useDataUi((s) => s.endpoint);
  const setEndpoint = useDataUi((s) => s.setEndpoint);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    void getDatabase()
      .meta.get(SETTINGS_KEY)
      .then((saved) => saved && setEndpoint(saved.value as Partial<EndpointSettings>));
  }, [setEndpoint]);

  const save = async () => {
    const { apiKey, ...rest } = endpoint;
    await getDatabase().meta.put({ key: SETTINGS_KEY, value: endpoint.storeKey ? endpoint : { ...rest, apiKey: '' } });
    setStatus(endpoint.storeKey ? 'Saved, including the API key.' : 'Saved; the API key stays in this tab only.');
    void apiKey;
  };
  const test = async () => {
    setStatus('Sending a test request…');
    const outcome = await dataWorker().testEndpoint(endpoint);
    setStatus(outcome.ok ? `The endpoint replied: ${outcome.reply}` : `Test failed: ${outcome.error.message}`);
  };

  return (
    <form className="dp-form-grid" data-testid="endpoint" onSubmit={(e) => e.preventDefault()}>
      <label>
        Base URL <input value={endpoint.baseUrl} onChange={(e) => setEndpoint({ baseUrl: e.target.value })} placeholder="http://127.0.0.1:8000/v1" data-testid="endpoint-url" />
      </label>
      <label>
        Model <input value={endpoint.model} onChange={(e) => setEndpoint({ model: e.target.value })} placeholder="served model name" data-testid="endpoint-model" />
      </label>
      <label>
        API key <input type="password" value={endpoint.apiKey ?? ''} onChange={(e) => setEndpoint({ apiKey: e.target.value })} autoComplete="off" />
      </label>
      <label>
        <input type="checkbox" checked={endpoint.storeKey} onChange={(e) => setEndpoint({ storeKey: e.target.checked })} /> save the key in this browser
      </label>
      <div>
        <button type="button" onClick={() => void save()}>
          Save settings
        </button>{' '}
        <button type="button" className="dp-secondary" onClick={() => void test()} disabled={!endpoint.model} data-testid="endpoint-test">
          Test endpoint
        </button>
      </div>
      {status && (
        <p className="dp-muted" data-testid="endpoint-status">
          {status}
        </p>
      )}
    </form>
  );
}

export function ModelShardPanel() {
  const endpoint = useDataUi((s) => s.endpoint);
  const [backend, setBackend] = useState<Backend>('remote');
  const loaded = useLoadedModel(backend === 'local');
  const [name, setName] = useState('model shard');
  const [stage, setStage] = useState<Stage>('normal');
  const [methods, setMethods] = useState<Method[]>(METHODS.filter((m) => m !== 'plain'));
  const [seedFile, setSeedFile] = useState<File | null>(null);
  const [k, setK] = useState('4');
  const [agreement, setAgreement] = useState('3');
  const [temperature, setTemperature] = useState('0.7');
  const [maxTokens, setMaxTokens] = useState('1024');
  const [evolRounds, setEvolRounds] = useState('2');
  const [error, setError] = useState<string | null>(null);

  const create = async () => {
    if (!seedFile) return;
    setError(null);
    const local = backend === 'local';
    if (local && !loaded) return setError('No model is loaded: load a GGUF file on the Models page first.');
    const settings = {
      backend,
      baseUrl: local ? '' : endpoint.baseUrl,
      model: local && loaded ? loaded.name : endpoint.model,
      k: Number(k),
      minAgreement: Number(agreement),
      temperature: Number(temperature),
      maxTokens: Number(maxTokens),
      evolRounds: Number(evolRounds),
      seedFile: seedFile.name,
    };
    const outcome = await dataWorker().createModelShard({ name, stage, methods, seed: Date.now() % 1_000_000, settings }, seedFile);
    if (!outcome.ok) return setError(outcome.error.message);
    useDataUi.getState().select(outcome.shard.id);
    void (local ? runLocalShard(outcome.shard.id) : runShard(outcome.shard.id, endpoint));
  };
  const ready = backend === 'local' ? Boolean(loaded) : Boolean(endpoint.model);

  return (
    <section className="panel" data-testid="model-shard">
      <h2>Augment seed problems with a model</h2>
      <p>
        Runs the backward, evol and self-correction prompt templates on seed problems (for example a MATH or GSM8K train file) on the model loaded on the Models page,
        or through a remote OpenAI-compatible server: vLLM, llama.cpp server, Ollama or OpenAI. Each new item is solved k times and kept only when the answers agree.
      </p>
      <fieldset className="dp-choices" data-testid="model-backend">
        <legend>Run the prompts on</legend>
        <label>
          <input type="radio" name="model-backend" checked={backend === 'local'} onChange={() => setBackend('local')} data-testid="backend-local" /> the loaded model (WebGPU,
          this browser)
        </label>{' '}
        <label>
          <input type="radio" name="model-backend" checked={backend === 'remote'} onChange={() => setBackend('remote')} data-testid="backend-remote" /> a remote endpoint
        </label>
      </fieldset>
      {backend === 'local' ? (
        <p className={loaded === null ? 'bad' : 'dp-muted'} data-testid="local-model-status">
          {loaded === undefined && 'Looking for the loaded model…'}
          {loaded === null && 'No model is loaded. Load a GGUF file on the Models page, then come back here.'}
          {loaded &&
            `Loaded: ${loaded.modelName} (${loaded.name}), ${loaded.batch === 1 ? 'one sequence at a time' : `${loaded.batch} sequences decoded together`}. Large k and max tokens make a run long on a laptop GPU.`}
        </p>
      ) : (
        <EndpointForm />
      )}
      <div className="dp-form-grid">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="model-shard-name" />
        </label>
        <label>
          Stage{' '}
          <select value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            <option value="normal">normal</option>
            <option value="hard">hard</option>
          </select>
        </label>
        <label>
          Seed problems (JSONL) <input type="file" accept=".jsonl,.json" onChange={(e) => setSeedFile(e.target.files?.[0] ?? null)} data-testid="seed-file" />
        </label>
        <label>
          Samples k <input type="number" min={1} value={k} onChange={(e) => setK(e.target.value)} data-testid="samples-k" />
        </label>
        <label>
          Agreeing samples needed <input type="number" min={1} value={agreement} onChange={(e) => setAgreement(e.target.value)} data-testid="agreement" />
        </label>
        <label>
          Temperature <input type="number" step="0.1" min={0} value={temperature} onChange={(e) => setTemperature(e.target.value)} />
        </label>
        <label>
          Max tokens <input type="number" min={16} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />
        </label>
        <label>
          Evol rounds <input type="number" min={1} max={5} value={evolRounds} onChange={(e) => setEvolRounds(e.target.value)} />
        </label>
      </div>
      <MethodPicker methods={methods} onChange={setMethods} testPrefix="model-method" />
      <button type="button" onClick={() => void create()} disabled={!seedFile || !ready || methods.length === 0} data-testid="create-model-shard">
        Create and run
      </button>
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
