// Matrix transpose, f32: output [cols, rows] = input [rows, cols]ᵀ, both row-major.
// With VEC4 (rows and cols multiples of 4) each invocation moves one 4×4 block: four vec4 loads
// from consecutive input rows and four vec4 stores to consecutive output rows. Otherwise each
// invocation moves one element.

struct Params {
  rows: u32,
  cols: u32,
}

#if VEC4
@group(0) @binding(0) var<storage, read> input: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> output: array<vec4f>;
#else
@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
#endif
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
#if VEC4
  // Block (block_row, block_col) of the input, in units of 4 rows and 4 columns.
  let cols4 = params.cols / 4u;
  let rows4 = params.rows / 4u;
  if (index >= rows4 * cols4) { return; }
  let block_row = index / cols4;
  let block_col = index % cols4;
  let r0 = input[(4u * block_row) * cols4 + block_col];
  let r1 = input[(4u * block_row + 1u) * cols4 + block_col];
  let r2 = input[(4u * block_row + 2u) * cols4 + block_col];
  let r3 = input[(4u * block_row + 3u) * cols4 + block_col];
  output[(4u * block_col) * rows4 + block_row] = vec4f(r0.x, r1.x, r2.x, r3.x);
  output[(4u * block_col + 1u) * rows4 + block_row] = vec4f(r0.y, r1.y, r2.y, r3.y);
  output[(4u * block_col + 2u) * rows4 + block_row] = vec4f(r0.z, r1.z, r2.z, r3.z);
  output[(4u * block_col + 3u) * rows4 + block_row] = vec4f(r0.w, r1.w, r2.w, r3.w);
#else
  if (index >= params.rows * params.cols) { return; }
  let row = index / params.cols;
  let col = index % params.cols;
  output[col * params.rows + row] = input[index];
#endif
}
