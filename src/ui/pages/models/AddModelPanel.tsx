/** Adds a GGUF model to the browser's cache from disk (picker or drop) or from a URL, with a progress bar. */
import { useState } from 'react';
import { FileDrop } from '../../components/FileDrop.tsx';
import { describeTransfer } from './format.ts';
import { cancelTransfer, downloadUrl, importFile, useModelsStore } from './models-store.ts';

export function AddModelPanel() {
  const transfer = useModelsStore((s) => s.transfer);
  const message = useModelsStore((s) => s.transferMessage);
  const [url, setUrl] = useState('');
  const busy = transfer !== null;

  return (
    <section className="panel" data-testid="add-model">
      <h2>Add a model</h2>
      <p className="hint">
        GGUF files (llama and qwen2 architectures; F32, F16, Q8_0, Q4_0, Q4_K and Q6_K tensors) are copied into this browser&apos;s private
        storage, so they load again offline.
      </p>
      <FileDrop label="Open a GGUF file" accept=".gguf" disabled={busy} testId="model-file" onFile={(file) => void importFile(file)} />
      <form
        className="form-row"
        onSubmit={(event) => {
          event.preventDefault();
          if (url.trim()) void downloadUrl(url.trim());
        }}
      >
        <label className="grow">
          or download from a URL
          <input type="url" value={url} placeholder="https://…/model-q4_0.gguf" onChange={(e) => setUrl(e.target.value)} disabled={busy} data-testid="model-url" />
        </label>
        <button type="submit" disabled={busy || !url.trim()} data-testid="model-download">
          Download
        </button>
      </form>
      {transfer && (
        <div className="transfer" data-testid="transfer">
          <div>Adding {transfer.source}</div>
          <progress max={transfer.total ?? undefined} value={transfer.total === null ? undefined : transfer.bytes} />
          <span className="hint" data-testid="transfer-figures">
            {describeTransfer(transfer.bytes, transfer.total, transfer.elapsedMs)}
          </span>{' '}
          <button type="button" className="secondary" onClick={() => void cancelTransfer()} data-testid="transfer-cancel">
            Cancel
          </button>
        </div>
      )}
      {message && (
        <p className={message.ok ? 'ok' : 'bad'} role={message.ok ? 'status' : 'alert'} data-testid="transfer-message">
          {message.text}
        </p>
      )}
    </section>
  );
}
