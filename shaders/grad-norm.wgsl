// Global gradient norm, f32, in two deterministic passes.
// partial_sums: params.groups workgroups (at most 256, chosen by the host) stride over `values` (one range of the
//   gradients) and write their sums of squares to partials[slot + workgroup]. One dispatch per range,
//   each with its own 256 slots; slots past params.groups are never written and stay 0.
// finish: one workgroup sums partials[0 .. count) into
//   stats = (Σ g², ‖g‖, clip factor, 1 if ‖g‖ is finite else 0), where the clip factor is
//   min(1, max_norm / (‖g‖ + 1e-6)), or 1 when max_norm ≤ 0. The AdamW kernel reads it.

struct Params {
  count: u32,
  slot: u32,
  groups: u32,
  _pad: u32,
}

// The optimizer's hyperparameters for this step, written by the host (shared with adamw.wgsl).
struct Hyper {
  learning_rate: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  correction1: f32,
  correction2: f32,
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> hyper: Hyper;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

const WG: u32 = 256u;
var<workgroup> scratch: array<f32, WG>;

fn reduce_scratch(lid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      scratch[lid] += scratch[lid + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn partial_sums(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  for (var i = wid.x * WG + lid; i < params.count; i += params.groups * WG) {
    let g = values[i];
    sum = fma(g, g, sum);
  }
  scratch[lid] = sum;
  reduce_scratch(lid);
  if (lid == 0u) {
    partials[params.slot + wid.x] = scratch[0];
  }
}

fn is_finite(value: f32) -> bool {
  return (bitcast<u32>(value) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  for (var i = lid; i < params.count; i += WG) {
    sum += partials[i];
  }
  scratch[lid] = sum;
  reduce_scratch(lid);
  if (lid == 0u) {
    let total = scratch[0];
    let norm = sqrt(total);
    var clip = 1.0;
    if (hyper.max_norm > 0.0) {
      clip = min(1.0, hyper.max_norm / (norm + 1e-6));
    }
    stats[0] = total;
    stats[1] = norm;
    stats[2] = clip;
    stats[3] = select(0.0, 1.0, is_finite(total));
  }
}
