export * from './context.ts';
export * from './dispatch.ts';
export * from './errors.ts';
export * from './pipelines.ts';
export * from './session.ts';
export * from './shader-source.ts';
