/** Metadata of a cached model, as `mwb info` shows it: architecture, hyperparameters, tensor types, tokenizer. */
import type { ModelFileSummary } from '../../../model/summary.ts';
import { formatBytes } from './format.ts';
import { useModelsStore } from './models-store.ts';

function Facts({ summary }: { summary: ModelFileSummary }) {
  const config = summary.config;
  const rows: [string, string][] = [
    ['Name', summary.name ?? '(not set)'],
    ['Architecture', summary.architecture ?? '(not set)'],
    ['File type', summary.fileType?.name ?? '(not set)'],
    ['File size', formatBytes(summary.fileBytes)],
    ['Parameters', summary.parameterCount.toLocaleString('en-US')],
    ['GGUF version', String(summary.version)],
    ['Tensors', `${summary.tensorCount} (${summary.tensorTypes.map((t) => `${t.type} ${t.count}`).join(', ')})`],
  ];
  if (config) {
    rows.push(
      ['Layers', String(config.layerCount)],
      ['Embedding length', String(config.embeddingLength)],
      ['Heads (KV heads)', `${config.headCount} (${config.headCountKv})`],
      ['Head size', String(config.headDim)],
      ['Feed-forward length', String(config.feedForwardLength)],
      ['Vocabulary', String(config.vocabSize)],
      ['Context length', String(config.contextLength)],
      ['RoPE', `${config.ropeStyle}, base ${config.ropeFreqBase}, ${config.ropeDimensionCount} dimensions, scaling ${config.ropeScaling.type}`],
      ['RMSNorm epsilon', Number(config.rmsNormEpsilon.toPrecision(6)).toExponential()],
    );
    if ('tiedOutput' in config) rows.push(['Output head', config.tiedOutput ? 'tied to the token embedding' : 'output.weight'], ['Q/K/V biases', config.attentionBias ? 'yes' : 'no']);
  }
  if (summary.tokenizer) {
    const t = summary.tokenizer;
    rows.push(['Tokenizer', `${t.model}${t.pre ? ` (${t.pre})` : ''}, ${t.tokenCount} tokens${t.mergeCount ? `, ${t.mergeCount} merges` : ''}`], ['BOS / EOS ids', `${t.bosTokenId ?? '–'} / ${t.eosTokenId ?? '–'}`]);
  }
  rows.push(['Chat template', summary.chatTemplate ? 'yes' : 'no']);
  return (
    <dl className="facts" data-testid="model-facts">
      {rows.map(([label, value]) => [<dt key={`${label}-t`}>{label}</dt>, <dd key={`${label}-d`}>{value}</dd>])}
    </dl>
  );
}

export function ModelInfoPanel() {
  const summary = useModelsStore((s) => s.summary);
  const selected = useModelsStore((s) => s.selected);
  if (!selected) return null;
  return (
    <section className="panel" data-testid="model-info-panel">
      <h2>Metadata of {selected}</h2>
      {!summary && <p className="hint">Reading the header…</p>}
      {summary && 'error' in summary && (
        <p className="bad" role="alert">
          {summary.error.message}
        </p>
      )}
      {summary && 'summary' in summary && (
        <>
          <Facts summary={summary.summary} />
          {summary.summary.configError && <p className="bad">{summary.summary.configError}</p>}
          {summary.summary.warnings.map((w) => (
            <p key={w} className="bad">
              {w}
            </p>
          ))}
        </>
      )}
    </section>
  );
}
