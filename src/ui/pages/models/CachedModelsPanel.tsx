/** The models kept in the browser's private storage, with their sizes: show metadata, load or delete. */
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { formatBytes } from './format.ts';
import { loadModel, removeCached, showInfo, useModelsStore } from './models-store.ts';

export function CachedModelsPanel() {
  const cached = useModelsStore((s) => s.cached);
  const storage = useModelsStore((s) => s.storage);
  const listError = useModelsStore((s) => s.listError);
  const loaded = useModelsStore((s) => s.loaded);
  const loading = useModelsStore((s) => s.loading);

  return (
    <section className="panel" data-testid="cached-models">
      <h2>Cached models</h2>
      {listError && (
        <p className="bad" role="alert">
          {listError.message}
        </p>
      )}
      {cached === null && <p className="hint">Reading the cache…</p>}
      {cached?.length === 0 && <p className="hint">No models yet: add a GGUF file above.</p>}
      {cached && cached.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>File</th>
              <th className="num">Size</th>
              <th>Added</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {cached.map((model) => (
              <tr key={model.name} data-testid="cached-model">
                <td>
                  {model.name}
                  {loaded?.name === model.name && <span className="ok"> (loaded)</span>}
                </td>
                <td className="num">{formatBytes(model.bytes)}</td>
                <td>{new Date(model.lastModified).toLocaleString('en-US')}</td>
                <td className="actions">
                  <button type="button" className="secondary" onClick={() => void showInfo(model.name)} data-testid="model-info">
                    Metadata
                  </button>{' '}
                  <button type="button" disabled={loading !== null} onClick={() => void loadModel(model.name)} data-testid="model-load">
                    Load
                  </button>{' '}
                  <ConfirmButton label="Delete" question={`Delete ${model.name} (${formatBytes(model.bytes)}) from this browser?`} testId="model-delete" onConfirm={() => removeCached(model.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {storage && (
        <p className="hint" data-testid="storage">
          This site uses {formatBytes(storage.usage)} of the {formatBytes(storage.quota)} the browser allows it.
        </p>
      )}
    </section>
  );
}
