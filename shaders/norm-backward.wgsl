// RMSNorm gradients, f32. The forward pass is y[r, i] = x[r, i] · rstd[r] · weight[i] with
// rstd[r] = 1 / sqrt(mean_j x[r, j]² + eps) (shaders/rmsnorm.wgsl).
//
// backward_input: one workgroup per row.
//   dx[r, i] = rstd·weight[i]·dy[r, i] − x[r, i]·rstd³/cols · Σ_j dy[r, j]·weight[j]·x[r, j]
//   With RESIDUAL the gradient arriving through a residual connection is added: dx += residual.
//   It also stores rstd per row for backward_weight.
// backward_weight: dweight[i] = Σ_r dy[r, i]·x[r, i]·rstd[r], or += with ACCUMULATE. A workgroup
//   covers 64 columns with 4 row lanes and sums them in a fixed order, so the result is deterministic.

// With VEC4 (cols a multiple of 4) x, weight, dy, dx, residual and dweight are read as vec4:
// F holds PACKED consecutive columns.
#if VEC4
alias F = vec4f;
const PACKED: u32 = 4u;
fn hsum(v: vec4f) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
#else
alias F = f32;
const PACKED: u32 = 1u;
fn hsum(v: f32) -> f32 {
  return v;
}
#endif

struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> x: array<F>;
@group(0) @binding(1) var<storage, read> weight: array<F>;
@group(0) @binding(2) var<storage, read> dy: array<F>;
@group(0) @binding(3) var<storage, read_write> dx: array<F>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> residual: array<F>;
@group(0) @binding(7) var<storage, read_write> dweight: array<F>;

const WG: u32 = {{WG}};
var<workgroup> sums: array<vec2f, WG>;

@compute @workgroup_size(WG)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < params.rows;
  let width = params.cols / PACKED;
  let base = row * width;
  let n = select(0u, width, live);

  // x: sum of squares; y: Σ dy·weight·x.
  var partial = vec2f(0.0);
  for (var i = lid; i < n; i += WG) {
    let xv = x[base + i];
    partial += vec2f(hsum(xv * xv), hsum(dy[base + i] * weight[i] * xv));
  }
  sums[lid] = partial;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      sums[lid] += sums[lid + stride];
    }
    workgroupBarrier();
  }
  let total = sums[0];
  let cols = f32(params.cols);
  let r = inverseSqrt(total.x / cols + params.eps);
  let coefficient = r * r * r * total.y / cols;

  for (var i = lid; i < n; i += WG) {
    var g = r * weight[i] * dy[base + i] - x[base + i] * coefficient;
#if RESIDUAL
    g += residual[base + i];
#endif
    dx[base + i] = g;
  }
  if (live && lid == 0u) {
    rstd[row] = r;
  }
}

// Columns are counted in F elements here.
const COLUMNS: u32 = 64u;
const LANES: u32 = 4u;
var<workgroup> lane_sums: array<F, COLUMNS * LANES>;

@compute @workgroup_size(COLUMNS, LANES)
fn backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let width = params.cols / PACKED;
  let col = wid.x * COLUMNS + lid.x;
  var sum = F();
  if (col < width) {
    for (var r = lid.y; r < params.rows; r += LANES) {
      let index = r * width + col;
      sum = fma(dy[index] * x[index], F(rstd[r]), sum);
    }
  }
  lane_sums[lid.y * COLUMNS + lid.x] = sum;
  workgroupBarrier();
  if (lid.y == 0u && col < width) {
    var total = F();
    for (var lane = 0u; lane < LANES; lane++) {
      total += lane_sums[lane * COLUMNS + lid.x];
    }
#if ACCUMULATE
    dweight[col] += total;
#else
    dweight[col] = total;
#endif
  }
}
