/** Producers of tensor data for the writer: whole f32 arrays, or rows generated and quantized in chunks. */
import { quantize } from '../quant/quantize.ts';
import { byteSizeOf, type GgmlType } from '../quant/types.ts';
import type { GgufTensorSpec } from './writer.ts';

/** Creates a tensor spec by quantizing f32 `values` (in ggml order) to `type` up front. */
export function tensorFromValues(name: string, dims: number[], type: GgmlType, values: Float32Array): GgufTensorSpec {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new RangeError(`tensor "${name}": ${values.length} values given for shape [${dims.join(', ')}] (${count} values)`);
  return { name, dims, type, data: quantize(type, values) };
}

/**
 * Tensor data for `rowCount` rows of `rowLength` values, produced a chunk of rows at a time:
 * `fillRows(firstRow, rows, values)` writes rows × rowLength f32 values, which are quantized to
 * `type` and yielded. Memory stays at one chunk (at most `maxChunkValues` values) whatever the
 * tensor size. The yielded array is reused, so consumers must finish with it before resuming.
 */
export function quantizedRows(
  type: GgmlType,
  rowLength: number,
  rowCount: number,
  fillRows: (firstRow: number, rows: number, values: Float32Array) => void,
  maxChunkValues = 1 << 20,
): () => Iterable<Uint8Array> {
  const rowsPerChunk = Math.max(1, Math.min(rowCount, Math.floor(maxChunkValues / rowLength)));
  const rowBytes = byteSizeOf(type, rowLength);
  return function* () {
    const values = new Float32Array(rowsPerChunk * rowLength);
    const bytes = new Uint8Array(rowsPerChunk * rowBytes);
    for (let first = 0; first < rowCount; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, rowCount - first);
      const chunkValues = values.subarray(0, rows * rowLength);
      fillRows(first, rows, chunkValues);
      const chunkBytes = bytes.subarray(0, rows * rowBytes);
      quantize(type, chunkValues, chunkBytes);
      yield chunkBytes;
    }
  };
}
