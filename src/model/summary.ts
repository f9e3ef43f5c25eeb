/**
 * A one-object summary of a GGUF model file (architecture, hyperparameters, tensor types, tokenizer,
 * chat template) built from the header alone, for `mwb info` and the app.
 */
import { readHyperparameters, readModelConfig, type ModelConfig, type ModelHyperparameters } from './config.ts';
import type { GgufFile } from './gguf/file.ts';

/** llama.cpp's `llama_ftype` names, as general.file_type stores them (llama.h). */
const LLAMA_FILE_TYPE_NAMES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
};

export interface TensorTypeTotal {
  type: string;
  count: number;
  bytes: number;
}

export interface TokenizerSummary {
  /** tokenizer.ggml.model: `llama` (SentencePiece) or `gpt2` (byte-level BPE), among others. */
  model: string;
  /** tokenizer.ggml.pre: the pre-tokenizer of BPE vocabularies. */
  pre: string | null;
  tokenCount: number;
  mergeCount: number | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  addBosToken: boolean | null;
  addEosToken: boolean | null;
}

export interface ModelFileSummary {
  file: string;
  fileBytes: number;
  version: number;
  alignment: number;
  dataOffset: number;
  metadataCount: number;
  tensorCount: number;
  architecture: string | null;
  name: string | null;
  /** general.file_type as llama.cpp names it, e.g. "Q4_K_M". */
  fileType: { id: number; name: string } | null;
  /** Full config when the tensors were checked, metadata-only hyperparameters for files without tensors. */
  config: ModelConfig | ModelHyperparameters | null;
  /** Reason that `config` is null or holds only the hyperparameters. */
  configError: string | null;
  /** Tensor count and bytes per ggml type, largest total first. */
  tensorTypes: TensorTypeTotal[];
  tensorBytes: number;
  parameterCount: number;
  tokenizer: TokenizerSummary | null;
  chatTemplate: boolean;
  /** Metadata keys that could not be read, such as a key of the wrong type. Their fields are null. */
  warnings: string[];
}

/** Runs a metadata read, turning a GgufError (a key of the wrong type) into a warning and null. */
function tolerant<T>(warnings: string[], read: () => T | undefined): T | null {
  try {
    return read() ?? null;
  } catch (error) {
    warnings.push((error as Error).message);
    return null;
  }
}

function tokenizerSummary(file: GgufFile, warnings: string[]): TokenizerSummary | null {
  const model = tolerant(warnings, () => file.getString('tokenizer.ggml.model'));
  if (model === null) return null;
  return {
    model,
    pre: tolerant(warnings, () => file.getString('tokenizer.ggml.pre')),
    tokenCount: tolerant(warnings, () => file.getStringArray('tokenizer.ggml.tokens')?.length) ?? 0,
    mergeCount: tolerant(warnings, () => file.getStringArray('tokenizer.ggml.merges')?.length),
    bosTokenId: tolerant(warnings, () => file.getCount('tokenizer.ggml.bos_token_id')),
    eosTokenId: tolerant(warnings, () => file.getCount('tokenizer.ggml.eos_token_id')),
    addBosToken: tolerant(warnings, () => file.getBoolean('tokenizer.ggml.add_bos_token')),
    addEosToken: tolerant(warnings, () => file.getBoolean('tokenizer.ggml.add_eos_token')),
  };
}

function readConfig(file: GgufFile): { config: ModelConfig | ModelHyperparameters | null; configError: string | null } {
  try {
    if (file.tensors.length > 0) return { config: readModelConfig(file), configError: null };
    return { config: readHyperparameters(file), configError: 'no tensors: this is a vocabulary-only file, so only the hyperparameters were read' };
  } catch (error) {
    return { config: null, configError: (error as Error).message };
  }
}

/**
 * Summarizes an opened GGUF file without reading tensor data. Problems in the model keys go to
 * configError and other unreadable keys to warnings, so a damaged file still gets a summary.
 */
export function summarizeModelFile(file: GgufFile): ModelFileSummary {
  const warnings: string[] = [];
  const totals = new Map<string, TensorTypeTotal>();
  let tensorBytes = 0;
  let parameterCount = 0;
  for (const tensor of file.tensors) {
    const total = totals.get(tensor.typeName) ?? { type: tensor.typeName, count: 0, bytes: 0 };
    total.count++;
    total.bytes += tensor.byteSize;
    totals.set(tensor.typeName, total);
    tensorBytes += tensor.byteSize;
    parameterCount += tensor.elementCount;
  }
  const fileTypeId = tolerant(warnings, () => file.getCount('general.file_type'));
  const { config, configError } = readConfig(file);
  return {
    file: file.name,
    fileBytes: file.fileSize,
    version: file.version,
    alignment: file.alignment,
    dataOffset: file.dataOffset,
    metadataCount: file.metadata.size,
    tensorCount: file.tensors.length,
    architecture: tolerant(warnings, () => file.getString('general.architecture')),
    name: tolerant(warnings, () => file.getString('general.name')),
    fileType: fileTypeId === null ? null : { id: fileTypeId, name: LLAMA_FILE_TYPE_NAMES[fileTypeId] ?? `type ${fileTypeId}` },
    config,
    configError,
    tensorTypes: [...totals.values()].sort((a, b) => b.bytes - a.bytes),
    tensorBytes,
    parameterCount,
    tokenizer: tokenizerSummary(file, warnings),
    chatTemplate: file.has('tokenizer.chat_template'),
    warnings,
  };
}
