/** Tokenizers built from GGUF metadata that reproduce llama.cpp's token ids. */
export * from './vocab.ts';
export * from './tokenizer.ts';
export { PRE_TOKENIZER_NAMES, preTokenizerSpec, type PreTokenizerSpec } from './pre-tokenizers.ts';
export { preTokenize } from './hf-models.ts';
