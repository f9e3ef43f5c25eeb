// Numerically stable softmax over each row of a rows×cols matrix:
// out[r, i] = exp(x[r, i] - max_r) / sum_j exp(x[r, j] - max_r). One workgroup per row.
#if F16
enable f16;
#endif
alias T = {{T}};

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<storage, read> x: array<T>;
@group(0) @binding(1) var<storage, read_write> out: array<T>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = {{WG}};
var<workgroup> scratch: array<f32, WG>;

fn reduce_max(lid: u32, value: f32) -> f32 {
  scratch[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      scratch[lid] = max(scratch[lid], scratch[lid + stride]);
    }
    workgroupBarrier();
  }
  let result = scratch[0];
  workgroupBarrier();
  return result;
}

fn reduce_sum(lid: u32, value: f32) -> f32 {
  scratch[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      scratch[lid] += scratch[lid + stride];
    }
    workgroupBarrier();
  }
  let result = scratch[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  // Rows past the end still take part in the barriers; they only skip loads and stores.
  let live = row < params.rows;
  let base = row * params.cols;
  let n = select(0u, params.cols, live);

  var local_max = -3.0e38;
  for (var i = lid; i < n; i += WG) {
    local_max = max(local_max, f32(x[base + i]));
  }
  let row_max = reduce_max(lid, local_max);

  var local_sum = 0.0;
  for (var i = lid; i < n; i += WG) {
    local_sum += exp(f32(x[base + i]) - row_max);
  }
  let inv_sum = 1.0 / reduce_sum(lid, local_sum);

  for (var i = lid; i < n; i += WG) {
    out[base + i] = T(exp(f32(x[base + i]) - row_max) * inv_sum);
  }
}
