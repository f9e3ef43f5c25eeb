// RMSNorm over each row: out[r, i] = x[r, i] / sqrt(mean_j(x[r, j]^2) + eps) * weight[i].
// One workgroup per row; the sum of squares is reduced in shared memory.
#if F16
enable f16;
#endif
alias T = {{T}};

struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<T>;
@group(0) @binding(1) var<storage, read> weight: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;
@group(0) @binding(3) var<uniform> params: Params;

const WG: u32 = {{WG}};
var<workgroup> scratch: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < params.rows;
  let base = row * params.cols;
  let n = select(0u, params.cols, live);

  var local_sum = 0.0;
  for (var i = lid; i < n; i += WG) {
    let v = f32(x[base + i]);
    local_sum = fma(v, v, local_sum);
  }
  scratch[lid] = local_sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      scratch[lid] += scratch[lid + stride];
    }
    workgroupBarrier();
  }
  let scale = inverseSqrt(scratch[0] / f32(params.cols) + params.eps);

  for (var i = lid; i < n; i += WG) {
    out[base + i] = T(f32(x[base + i]) * scale * f32(weight[i]));
  }
}
