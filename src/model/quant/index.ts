/** ggml tensor types: the type table, block layouts, dequantizers and quantizers. */
export * from './types.ts';
export * from './layouts.ts';
export { dequantize, canDequantize, DEQUANTIZABLE_TYPES } from './dequantize.ts';
export { quantize, canQuantize, QUANTIZABLE_TYPES, f32ToBf16Bits } from './quantize.ts';
export { nearestInt } from './quantize-k.ts';
