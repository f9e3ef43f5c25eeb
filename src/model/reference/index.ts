/** The CPU reference forward pass, sampling and the generation loop. */
export * from './forward.ts';
export * from './kv-cache.ts';
export * from './weights.ts';
export * from './engine.ts';
export * from './sampling.ts';
export * from './generate.ts';
