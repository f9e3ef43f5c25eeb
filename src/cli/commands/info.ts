/** `mwb info FILE.gguf`: architecture, hyperparameters, tensor types, tokenizer and chat template of a GGUF file. */
import { formatValue, describeValueType } from '../../model/gguf/metadata.ts';
import type { GgufFile } from '../../model/gguf/file.ts';
import { summarizeModelFile, type ModelFileSummary } from '../../model/summary.ts';
import { parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(2)} ${units[unit]}`;
}

function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)} M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)} K`;
  return String(count);
}

function printSummary(summary: ModelFileSummary): void {
  const row = (label: string, value: string) => console.log(`${label.padEnd(16)}${value}`);
  row('file', `${summary.file} (${formatBytes(summary.fileBytes)})`);
  row('gguf', `version ${summary.version}, ${summary.tensorCount} tensors, ${summary.metadataCount} metadata keys, alignment ${summary.alignment}, data at byte ${summary.dataOffset}`);
  row('architecture', `${summary.architecture ?? '(none)'}${summary.name ? `  (${summary.name})` : ''}`);
  if (summary.fileType) row('file type', `${summary.fileType.name} (general.file_type ${summary.fileType.id})`);

  const c = summary.config;
  if (c) {
    console.log('hyperparameters');
    const item = (label: string, value: string) => console.log(`  ${label.padEnd(22)}${value}`);
    item('layers', String(c.layerCount));
    item('embedding length', String(c.embeddingLength));
    item('heads', `${c.headCount} (KV heads ${c.headCountKv}${c.headCountKv < c.headCount ? ', grouped-query' : ''}), head size ${c.headDim}`);
    item('feed-forward length', String(c.feedForwardLength));
    item('context length', String(c.contextLength));
    item('vocabulary', String(c.vocabSize));
    // Stored as f32, so 1e-5 reads back as 9.99999974e-6; six digits show the intended value.
    item('RMSNorm epsilon', Number(c.rmsNormEpsilon.toPrecision(6)).toExponential());
    const scaling = c.ropeScaling.type === 'none' ? 'no scaling' : `${c.ropeScaling.type} scaling ×${c.ropeScaling.factor}`;
    item('RoPE', `${c.ropeStyle === 'neox' ? 'NeoX' : 'normal'} style, base ${c.ropeFreqBase}, ${c.ropeDimensionCount} dims, ${scaling}`);
    if ('tiedOutput' in c) {
      item('output head', c.tiedOutput ? 'tied to token_embd.weight' : 'output.weight');
      item('Q/K/V biases', c.attentionBias ? 'yes' : 'no');
    }
  }
  if (summary.configError) row('model', summary.configError);

  if (summary.tensorCount > 0) {
    console.log(`tensors         ${formatCount(summary.parameterCount)} parameters, ${formatBytes(summary.tensorBytes)}`);
    for (const total of summary.tensorTypes) console.log(`  ${total.type.padEnd(8)}${String(total.count).padStart(5)} ${total.count === 1 ? 'tensor ' : 'tensors'}  ${formatBytes(total.bytes).padStart(12)}`);
  }
  const t = summary.tokenizer;
  if (t) {
    const specials = [t.bosTokenId !== null ? `BOS ${t.bosTokenId}` : '', t.eosTokenId !== null ? `EOS ${t.eosTokenId}` : ''].filter(Boolean).join(', ');
    const addBos = t.addBosToken === null ? '' : `, adds BOS: ${t.addBosToken ? 'yes' : 'no'}`;
    row('tokenizer', `${t.model}${t.pre ? ` (pre-tokenizer ${t.pre})` : ''}, ${t.tokenCount} tokens${t.mergeCount !== null ? `, ${t.mergeCount} merges` : ''}${specials ? `, ${specials}` : ''}${addBos}`);
  } else {
    row('tokenizer', 'none (no tokenizer.ggml.model)');
  }
  row('chat template', summary.chatTemplate ? 'yes (tokenizer.chat_template)' : 'no');
  for (const warning of summary.warnings) row('warning', warning);
}

function printTensors(file: GgufFile, json: boolean): unknown[] | void {
  const rows = file.tensors.map((t) => ({ name: t.name, type: t.typeName, dims: t.dims, bytes: t.byteSize, offset: t.fileOffset }));
  if (json) return rows;
  console.log('tensor list (name, type, dims in ggml order, bytes, file offset)');
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`  ${r.name.padEnd(width)}  ${r.type.padEnd(6)} [${r.dims.join(', ')}]  ${r.bytes}  @${r.offset}`);
}

function printMetadata(file: GgufFile, json: boolean): unknown[] | void {
  const rows = [...file.metadata].map(([key, value]) => ({ key, type: describeValueType(value), value: formatValue(value) }));
  if (json) return rows;
  console.log('metadata (key, type, value; arrays show their length and first items)');
  const width = Math.max(...rows.map((r) => r.key.length));
  for (const r of rows) console.log(`  ${r.key.padEnd(width)}  ${r.type.padEnd(14)} ${r.value}`);
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'show a GGUF model: architecture, hyperparameters, tensor types, tokenizer',
  usage: `mwb info FILE.gguf [--json] [--tensors] [--metadata]

Reads the header of a GGUF file (metadata and tensor infos, no tensor data) and prints the
architecture, hyperparameters, tensor types with counts and bytes, the tokenizer type and whether
a chat template is present. Only the llama and qwen2 architectures get hyperparameters; for others,
and for files that fail the tensor checks, "model" says why.

Options:
  --tensors    also list every tensor: name, type, dims (ggml order), bytes, file offset
  --metadata   also list every metadata key with its type and value (arrays shortened)
  --json       print one JSON object instead of text:
                 file, fileBytes, version, alignment, dataOffset (bytes), metadataCount, tensorCount
                 architecture, name: general.architecture and general.name, or null
                 fileType: {id, name} from general.file_type (llama.cpp names, e.g. "Q4_K_M"), or null
                 config: {architecture, layerCount, embeddingLength, headCount, headCountKv, headDim,
                   feedForwardLength, rmsNormEpsilon, ropeFreqBase, ropeDimensionCount,
                   ropeScaling: {type, factor, originalContextLength}, ropeStyle ("normal"|"neox"),
                   contextLength, vocabSize, and for files with tensors tiedOutput, attentionBias},
                   or null
                 configError: why config is null or metadata-only, or null
                 tensorTypes: [{type, count, bytes}], largest first; tensorBytes; parameterCount
                 tokenizer: {model, pre, tokenCount, mergeCount, bosTokenId, eosTokenId,
                   addBosToken, addEosToken}, or null
                 chatTemplate: true when tokenizer.chat_template is present
                 warnings: metadata keys that could not be read
                 tensors: [{name, type, dims, bytes, offset}] with --tensors
                 metadata: [{key, type, value}] with --metadata`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, tensors: { type: 'boolean' }, metadata: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE.gguf' : `expected one file, got ${positionals.length}: ${positionals.join(' ')}`);
    return withGgufFile(positionals[0], async (file) => {
      const summary = summarizeModelFile(file);
      const json = values.json ?? false;
      if (json) {
        const tensors = values.tensors ? { tensors: printTensors(file, true) } : {};
        const metadata = values.metadata ? { metadata: printMetadata(file, true) } : {};
        printJson({ ...summary, ...tensors, ...metadata });
      } else {
        printSummary(summary);
        if (values.tensors) printTensors(file, false);
        if (values.metadata) printMetadata(file, false);
      }
      return 0;
    });
  },
};
