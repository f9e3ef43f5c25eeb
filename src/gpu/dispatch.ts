/** Workgroup-grid helpers. WebGPU caps each dispatch dimension at maxComputeWorkgroupsPerDimension (65535 by default). */

export type Grid = [number, number, number];

/**
 * Splits a linear count of workgroups into a grid no dimension of which exceeds `maxPerDimension`.
 * Shaders recover the linear id as `wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y` (nwg = num_workgroups)
 * and must ignore ids at or past `count`, because the grid may hold a few more workgroups than asked.
 */
export function splitWorkgroups(count: number, maxPerDimension = 65535): Grid {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`workgroup count must be a non-negative integer, got ${count}`);
  if (count <= maxPerDimension) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDimension);
  if (y <= maxPerDimension) return [Math.ceil(count / y), y, 1];
  const xy = maxPerDimension * maxPerDimension;
  const z = Math.ceil(count / xy);
  if (z > maxPerDimension) throw new RangeError(`${count} workgroups do not fit in a ${maxPerDimension}³ grid`);
  return [maxPerDimension, maxPerDimension, z];
}

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}
