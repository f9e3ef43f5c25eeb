/**
 * Quantized weights on the GPU: the repacking of GGUF rows into the layout formats.ts documents,
 * the split of a tensor into parts of whole rows that each fit one storage binding, and upload.
 * Rows can be written in any number of calls, so a loader can stream a tensor from its file.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { rowLayout, WEIGHT_FORMATS, type RowLayout, type WeightType } from './formats.ts';

export interface WeightPartPlan {
  /** First row of the weight held by this part; it is also the part's output offset. */
  rowStart: number;
  rows: number;
  quantBytes: number;
  scaleBytes: number;
}

export interface WeightPlan {
  type: WeightType;
  rows: number;
  cols: number;
  layout: RowLayout;
  parts: WeightPartPlan[];
  /** GPU memory of all parts together, in bytes. */
  gpuBytes: number;
}

export interface WeightPart extends WeightPartPlan {
  quants: GPUBuffer;
  /** Null for types without a scales buffer (F32, F16, Q4_K). */
  scales: GPUBuffer | null;
}

/** A weight matrix of `rows` × `cols` values in its GPU layout, split by rows into `parts`. */
export interface QuantWeight {
  type: WeightType;
  rows: number;
  cols: number;
  layout: RowLayout;
  parts: WeightPart[];
  gpuBytes: number;
  label: string;
}

/**
 * Splits a `rows` × `cols` weight of `type` into parts of whole rows whose buffers are each at most
 * `maxBindingBytes` (the device's maxStorageBufferBindingSize, or less to test splitting).
 * Raises a RangeError when a single row does not fit.
 */
export function planWeight(type: WeightType, rows: number, cols: number, maxBindingBytes: number): WeightPlan {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`a ${type} weight needs a positive whole number of rows, got ${rows}`);
  const layout = rowLayout(type, cols);
  const widest = Math.max(layout.quantBytes, layout.scaleBytes);
  const rowsPerPart = Math.floor(maxBindingBytes / widest);
  if (rowsPerPart < 1) {
    throw new RangeError(`one row of a ${type} weight with ${cols} columns takes ${widest} bytes, more than the ${maxBindingBytes}-byte binding limit, so it cannot be split by rows`);
  }
  // Equal parts rather than full parts and a small remainder, so every dispatch has similar work.
  const partCount = Math.ceil(rows / rowsPerPart);
  const parts: WeightPartPlan[] = [];
  let gpuBytes = 0;
  for (let p = 0; p < partCount; p++) {
    const rowStart = Math.round((p * rows) / partCount);
    const rowEnd = Math.round(((p + 1) * rows) / partCount);
    const part = { rowStart, rows: rowEnd - rowStart, quantBytes: (rowEnd - rowStart) * layout.quantBytes, scaleBytes: (rowEnd - rowStart) * layout.scaleBytes };
    parts.push(part);
    gpuBytes += part.quantBytes + part.scaleBytes;
  }
  return { type, rows, cols, layout, parts, gpuBytes };
}

/** Largest binding a weight part may use on this device. */
export function maxWeightBindingBytes(ctx: GpuContext): number {
  return Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
}

/** Offsets of a type's f16 scale `d` and of its quants in a GGUF block, in bytes. */
const SPLIT_BLOCKS: Partial<Record<WeightType, { scaleOffset: number; quantOffset: number }>> = {
  Q4_0: { scaleOffset: 0, quantOffset: 2 },
  Q8_0: { scaleOffset: 0, quantOffset: 2 },
  Q6_K: { scaleOffset: 208, quantOffset: 0 },
};

export interface RepackedRows {
  quants: Uint8Array;
  /** Null for types without a scales buffer. */
  scales: Uint8Array | null;
}

/**
 * Converts `rowCount` whole GGUF rows at the start of `source` into the GPU layout. Returns views
 * of `source` when the layout is the same (Q4_K, and F32/F16 rows of a multiple of 8 values).
 */
export function repackRows(layout: RowLayout, source: Uint8Array, rowCount: number): RepackedRows {
  const needed = rowCount * layout.sourceBytes;
  if (source.length < needed) throw new RangeError(`${rowCount} rows of ${layout.type} × ${layout.cols} need ${needed} bytes, got ${source.length}`);
  const format = WEIGHT_FORMATS[layout.type];
  const split = SPLIT_BLOCKS[layout.type];
  if (!split) {
    if (layout.quantBytes === layout.sourceBytes) return { quants: source.subarray(0, needed), scales: null };
    // F32 or F16 rows padded with zeros to a multiple of 8 values.
    const quants = new Uint8Array(rowCount * layout.quantBytes);
    for (let r = 0; r < rowCount; r++) quants.set(source.subarray(r * layout.sourceBytes, (r + 1) * layout.sourceBytes), r * layout.quantBytes);
    return { quants, scales: null };
  }
  const quants = new Uint8Array(rowCount * layout.quantBytes);
  const scales = new Uint8Array(rowCount * layout.scaleBytes);
  for (let r = 0; r < rowCount; r++) {
    for (let b = 0; b < layout.blocks; b++) {
      const block = r * layout.sourceBytes + b * format.blockBytes;
      const quantStart = block + split.quantOffset;
      quants.set(source.subarray(quantStart, quantStart + format.quantBytesPerBlock), r * layout.quantBytes + b * format.quantBytesPerBlock);
      const scale = r * layout.scaleBytes + 2 * b;
      scales[scale] = source[block + split.scaleOffset];
      scales[scale + 1] = source[block + split.scaleOffset + 1];
    }
  }
  return { quants, scales };
}

/** Allocates the buffers of a planned weight; fill them with writeWeightRows. */
export function createQuantWeight(ctx: GpuContext, plan: WeightPlan, label = 'weight'): QuantWeight {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const parts: WeightPart[] = [];
  try {
    for (const [index, part] of plan.parts.entries()) {
      const suffix = plan.parts.length > 1 ? ` part ${index + 1}/${plan.parts.length}` : '';
      const quants = ctx.createBuffer(part.quantBytes, usage, `${label} quants${suffix}`);
      parts.push({ ...part, quants, scales: null });
      if (part.scaleBytes > 0) parts[index].scales = ctx.createBuffer(part.scaleBytes, usage, `${label} scales${suffix}`);
    }
  } catch (error) {
    releaseParts(ctx, parts);
    throw error;
  }
  return { type: plan.type, rows: plan.rows, cols: plan.cols, layout: plan.layout, parts, gpuBytes: plan.gpuBytes, label };
}

function releaseParts(ctx: GpuContext, parts: WeightPart[]): void {
  for (const part of parts) {
    ctx.release(part.quants);
    if (part.scales) ctx.release(part.scales);
  }
}

/**
 * Writes GGUF rows `firstRow`… of `weight` from `source`, which contains whole rows (a multiple of
 * the row's byte size). Rows may cross part boundaries.
 */
export function writeWeightRows(ctx: GpuContext, weight: QuantWeight, firstRow: number, source: Uint8Array): void {
  const { layout } = weight;
  if (source.length % layout.sourceBytes !== 0) {
    throw new RangeError(`${weight.label}: ${source.length} bytes are not whole rows of ${layout.sourceBytes} bytes (${layout.type} × ${layout.cols})`);
  }
  const rowCount = source.length / layout.sourceBytes;
  if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow + rowCount > weight.rows) {
    throw new RangeError(`${weight.label}: rows ${firstRow}…${firstRow + rowCount - 1} are outside the weight's ${weight.rows} rows`);
  }
  for (const part of weight.parts) {
    const start = Math.max(firstRow, part.rowStart);
    const end = Math.min(firstRow + rowCount, part.rowStart + part.rows);
    if (start >= end) continue;
    const slice = source.subarray((start - firstRow) * layout.sourceBytes, (end - firstRow) * layout.sourceBytes);
    const repacked = repackRows(layout, slice, end - start);
    ctx.write(part.quants, repacked.quants, (start - part.rowStart) * layout.quantBytes);
    if (part.scales && repacked.scales) ctx.write(part.scales, repacked.scales, (start - part.rowStart) * layout.scaleBytes);
  }
}

export interface UploadWeightArgs {
  type: WeightType;
  rows: number;
  cols: number;
  /** The whole tensor as GGUF stores it. */
  bytes: Uint8Array;
  /** Largest buffer per part; defaults to the device's binding limit. */
  maxBindingBytes?: number;
  label?: string;
}

/** Plans, allocates and fills a weight from its GGUF bytes in one call. */
export function uploadWeight(ctx: GpuContext, args: UploadWeightArgs): QuantWeight {
  const plan = planWeight(args.type, args.rows, args.cols, args.maxBindingBytes ?? maxWeightBindingBytes(ctx));
  const expected = args.rows * plan.layout.sourceBytes;
  if (args.bytes.length !== expected) {
    throw new RangeError(`${args.label ?? 'weight'}: ${args.rows} rows of ${args.type} × ${args.cols} are ${expected} bytes, got ${args.bytes.length}`);
  }
  const weight = createQuantWeight(ctx, plan, args.label);
  writeWeightRows(ctx, weight, 0, args.bytes);
  return weight;
}

/** Frees every buffer of `weight`. */
export function releaseQuantWeight(ctx: GpuContext, weight: QuantWeight): void {
  releaseParts(ctx, weight.parts);
}
