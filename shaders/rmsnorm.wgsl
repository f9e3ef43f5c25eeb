// RMSNorm over each row: out[r, i] = x[r, i] / sqrt(mean_j(x[r, j]^2) + eps) * weight[i].
// One workgroup per row; the sum of squares is reduced in shared memory.
#if F16
enable f16;
#endif
// With VEC4 (cols a multiple of 4) rows are read and written as vec4: V holds PACKED columns.
#if VEC4
alias V = vec4<{{T}}>;
alias F = vec4f;
const PACKED: u32 = 4u;
fn hsum(v: vec4f) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
#else
alias V = {{T}};
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
}

@group(0) @binding(0) var<storage, read> x: array<V>;
@group(0) @binding(1) var<storage, read> weight: array<V>;
@group(0) @binding(2) var<storage, read_write> out: array<V>;
@group(0) @binding(3) var<uniform> params: Params;

const WG: u32 = {{WG}};
var<workgroup> scratch: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < params.rows;
  let width = params.cols / PACKED;
  let base = row * width;
  let n = select(0u, width, live);

  var local_sum = F();
  for (var i = lid; i < n; i += WG) {
    let v = F(x[base + i]);
    local_sum = fma(v, v, local_sum);
  }
  scratch[lid] = hsum(local_sum);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      scratch[lid] += scratch[lid + stride];
    }
    workgroupBarrier();
  }
  let scale = inverseSqrt(scratch[0] / f32(params.cols) + params.eps);

  for (var i = lid; i < n; i += WG) {
    out[base + i] = V(F(x[base + i]) * scale * F(weight[i]));
  }
}
