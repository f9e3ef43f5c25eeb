// Batched matrix product C[b] = A[b] · B[b] with f32 accumulation.
// A is M×K (or K×M when TRANS_A), B is K×N (or N×K when TRANS_B, the layout of weight matrices
// stored one output row after another). Row-major, densely packed; batch strides in elements.
//
// Register tiling: each invocation computes a TILE×TILE block of C from registers and a
// workgroup of WG_X×WG_Y invocations covers a (WG_Y·TILE)×(WG_X·TILE) block. There is no shared
// memory and no barrier, which suits software adapters and keeps the kernel simple; out-of-range
// rows and columns read a clamped index and are never written.
// With ACCUMULATE the product is added to C (C += A·B), for gradient accumulation. With RESIDUAL
// C = R + A·B for a separate R of C's shape (a residual connection).
#if F16
enable f16;
#endif
alias T = {{T}};
const TILE: u32 = 4u;

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

@group(0) @binding(0) var<storage, read> a: array<T>;
@group(0) @binding(1) var<storage, read> b: array<T>;
@group(0) @binding(2) var<storage, read_write> c: array<T>;
@group(0) @binding(3) var<uniform> params: Params;
#if RESIDUAL
@group(0) @binding(4) var<storage, read> residual: array<T>;
#endif

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

fn load_a(base: u32, row: u32, kk: u32) -> f32 {
#if TRANS_A
  return f32(a[base + kk * params.m + row]);
#else
  return f32(a[base + row * params.k + kk]);
#endif
}

fn load_b(base: u32, kk: u32, col: u32) -> f32 {
#if TRANS_B
  return f32(b[base + col * params.k + kk]);
#else
  return f32(b[base + kk * params.n + col]);
#endif
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let batch = wid.z;
  if (batch >= params.batch) { return; }
  let row0 = (wid.y * WG_Y + lid.y) * TILE;
  let col0 = (wid.x * WG_X + lid.x) * TILE;
  if (row0 >= params.m || col0 >= params.n) { return; }

  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
  let base_c = batch * params.stride_c;

  var rows: array<u32, TILE>;
  var cols: array<u32, TILE>;
  for (var i = 0u; i < TILE; i++) {
    rows[i] = min(row0 + i, params.m - 1u);
    cols[i] = min(col0 + i, params.n - 1u);
  }

  var acc: array<array<f32, TILE>, TILE>;
  for (var kk = 0u; kk < params.k; kk++) {
    var av: array<f32, TILE>;
    var bv: array<f32, TILE>;
    for (var i = 0u; i < TILE; i++) {
      av[i] = load_a(base_a, rows[i], kk);
      bv[i] = load_b(base_b, kk, cols[i]);
    }
    for (var i = 0u; i < TILE; i++) {
      for (var j = 0u; j < TILE; j++) {
        acc[i][j] = fma(av[i], bv[j], acc[i][j]);
      }
    }
  }

  for (var i = 0u; i < TILE; i++) {
    let row = row0 + i;
    if (row >= params.m) { break; }
    for (var j = 0u; j < TILE; j++) {
      let col = col0 + j;
      if (col >= params.n) { break; }
      let index = base_c + row * params.n + col;
#if ACCUMULATE
      c[index] = T(f32(c[index]) + acc[i][j]);
#else
#if RESIDUAL
      c[index] = T(f32(residual[index]) + acc[i][j]);
#else
      c[index] = T(acc[i][j]);
#endif
#endif
    }
  }
}
