/**
 * GGUF container: byte sources (memory, Blob/File, URL with Range requests), the reader, the
 * streaming writer and typed metadata. Node-only file access is in source-node.ts.
 */
export * from './errors.ts';
export * from './metadata.ts';
export * from './source.ts';
export * from './file.ts';
export * from './reader.ts';
export * from './writer.ts';
export * from './tensor-data.ts';
