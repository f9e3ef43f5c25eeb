/** Type a problem and watch the loaded model's chain of thought stream, typeset with KaTeX, with tokens per second. */
import { useState } from 'react';
import { MathText } from '../../components/MathText.tsx';
import { solve, stopSolve, useModelsStore } from './models-store.ts';

const STOP_REASONS: Record<string, string> = {
  eos: 'the model ended its answer',
  stop: 'a stop string',
  length: 'the token limit',
  context: 'the context length',
  aborted: 'Stop was pressed',
};

export function SolvePanel() {
  const loaded = useModelsStore((s) => s.loaded);
  const state = useModelsStore((s) => s.solve);
  const [prompt, setPrompt] = useState('');
  const [maxTokens, setMaxTokens] = useState(512);
  const [temperature, setTemperature] = useState(0);
  const [raw, setRaw] = useState(false);

  const elapsed = state.running ? (performance.now() - state.startedAt) / 1000 : 0;
  const liveRate = state.running && elapsed > 0 ? state.pieces / elapsed : null;

  return (
    <section className="panel" data-testid="solve">
      <h2>Solve</h2>
      {!loaded && <p className="hint">Load a model to solve problems with it.</p>}
      <label className="block">
        Problem
        <textarea rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="solve-prompt" placeholder="What is the sum of the first 100 positive integers?" />
      </label>
      <div className="form-row">
        <label>
          Max tokens
          <input type="number" min={1} value={maxTokens} onChange={(e) => setMaxTokens(Math.max(1, Number(e.target.value) || 1))} data-testid="solve-max-tokens" />
        </label>
        <label>
          Temperature (0 = greedy)
          <input type="number" min={0} step={0.1} value={temperature} onChange={(e) => setTemperature(Math.max(0, Number(e.target.value) || 0))} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} /> raw prompt (no chat template)
        </label>
        <button type="button" disabled={!loaded || state.running || !prompt.trim()} onClick={() => void solve({ prompt, maxTokens, temperature, seed: 0, raw })} data-testid="solve-run">
          Solve
        </button>
        <button type="button" className="secondary" disabled={!state.running} onClick={() => void stopSolve()} data-testid="solve-stop">
          Stop
        </button>
      </div>
      {(state.running || state.text || state.result) && (
        <div className="solve-output" data-testid="solve-output">
          <MathText text={state.text} />
        </div>
      )}
      {state.running && (
        <p className="hint" data-testid="solve-live">
          Generating… {state.pieces} pieces{liveRate !== null ? `, ${liveRate.toFixed(1)} per second` : ''}
        </p>
      )}
      {state.result && (
        <p className="hint" data-testid="solve-stats">
          {state.result.tokens} tokens at {state.result.tokensPerSecond.toFixed(1)} tokens/s (prompt {state.result.promptTokens} tokens in {(state.result.prefillMs / 1000).toFixed(2)} s); stopped
          by {STOP_REASONS[state.result.stopReason] ?? state.result.stopReason}.
        </p>
      )}
      {state.error && (
        <p className="bad" role="alert" data-testid="solve-error">
          {state.error.message}
        </p>
      )}
    </section>
  );
}
