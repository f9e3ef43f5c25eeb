// Batched matrix product C[b] = A[b] · B[b] for operands whose inner sizes are multiples of 4,
// read and written as vec4. Same operand layouts as matmul.wgsl: A is M×K (K×M with TRANS_A),
// B is K×N (N×K with TRANS_B); TRANS_A with TRANS_B is not offered (matmul.wgsl handles it).
//
// A workgroup owns ROWS consecutive rows of C, and each invocation owns four consecutive columns.
// Every A element an invocation reads depends only on the workgroup and the loop counter, so a
// SIMD compiler (lavapipe's, for one) can load it once and broadcast it to all lanes; only the B
// loads differ per invocation. No shared memory and no barrier. Out-of-range rows and columns read
// a clamped index and are never written.
// With ACCUMULATE the product is added to C (C += A·B), for gradient accumulation. With RESIDUAL
// C = R + A·B for a separate R of C's shape (a residual connection), saving an elementwise pass.
#if F16
enable f16;
#endif
alias T = {{T}};
alias V = vec4<T>;
const ROWS: u32 = {{ROWS}}u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  stride_a: u32,
  stride_b: u32,
  stride_c: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> a: array<V>;
@group(0) @binding(1) var<storage, read> b: array<V>;
@group(0) @binding(2) var<storage, read_write> c: array<V>;
@group(0) @binding(3) var<uniform> params: Params;
#if RESIDUAL
@group(0) @binding(4) var<storage, read> residual: array<V>;
#endif

override WG: u32 = 8;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let batch = wid.z;
  if (batch >= params.batch) { return; }
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
  let col4 = wid.x * WG + lid.x;
  let col = min(col4, n4 - 1u);
  let row0 = wid.y * ROWS;
  let base_a = batch * (params.stride_a / 4u);
  let base_b = batch * (params.stride_b / 4u);
  let base_c = batch * (params.stride_c / 4u);

  var acc: array<vec4f, ROWS>;
#if TRANS_A
  // A is K×M: four rows of C at a time come from one vec4 of an A row.
  let m4 = params.m / 4u;
  for (var kk = 0u; kk < params.k; kk++) {
    let bv = vec4f(b[base_b + kk * n4 + col]);
    let a_row = base_a + kk * m4;
    for (var g = 0u; g < ROWS / 4u; g++) {
      let av = vec4f(a[a_row + min(row0 / 4u + g, m4 - 1u)]);
      acc[4u * g] = fma(vec4f(av.x), bv, acc[4u * g]);
      acc[4u * g + 1u] = fma(vec4f(av.y), bv, acc[4u * g + 1u]);
      acc[4u * g + 2u] = fma(vec4f(av.z), bv, acc[4u * g + 2u]);
      acc[4u * g + 3u] = fma(vec4f(av.w), bv, acc[4u * g + 3u]);
    }
  }
#else
  var rows: array<u32, ROWS>;
  for (var i = 0u; i < ROWS; i++) {
    rows[i] = base_a + min(row0 + i, params.m - 1u) * k4;
  }
  for (var kq = 0u; kq < k4; kq++) {
#if TRANS_B
    // B is N×K: one vec4 along K for each of the invocation's four columns.
    let b_col = base_b + 4u * col * k4 + kq;
    let b0 = vec4f(b[b_col]);
    let b1 = vec4f(b[b_col + k4]);
    let b2 = vec4f(b[b_col + 2u * k4]);
    let b3 = vec4f(b[b_col + 3u * k4]);
    for (var i = 0u; i < ROWS; i++) {
      let av = vec4f(a[rows[i] + kq]);
      acc[i] += vec4f(dot(av, b0), dot(av, b1), dot(av, b2), dot(av, b3));
    }
#else
    // B is K×N: four B rows, one vec4 of four columns each.
    let b_row = base_b + 4u * kq * n4 + col;
    let b0 = vec4f(b[b_row]);
    let b1 = vec4f(b[b_row + n4]);
    let b2 = vec4f(b[b_row + 2u * n4]);
    let b3 = vec4f(b[b_row + 3u * n4]);
    for (var i = 0u; i < ROWS; i++) {
      let av = vec4f(a[rows[i] + kq]);
      acc[i] = fma(vec4f(av.x), b0, fma(vec4f(av.y), b1, fma(vec4f(av.z), b2, fma(vec4f(av.w), b3, acc[i]))));
    }
#endif
  }
#endif

  if (col4 >= n4) { return; }
  for (var i = 0u; i < ROWS; i++) {
    let row = row0 + i;
    if (row >= params.m) { break; }
    let index = base_c + row * n4 + col4;
#if ACCUMULATE
    c[index] = V(vec4f(c[index]) + acc[i]);
#else
#if RESIDUAL
    c[index] = V(vec4f(residual[index]) + acc[i]);
#else
    c[index] = V(acc[i]);
#endif
#endif
  }
}
