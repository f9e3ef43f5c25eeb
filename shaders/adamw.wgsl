// One AdamW step (decoupled weight decay, as PyTorch's AdamW), f32, over one range of the parameters
// and the matching ranges of gradients and moments. One invocation per element:
//   g = clip·grad;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
//   param −= lr·(decay·param + (m / correction1) / (sqrt(v / correction2) + eps)),
// with decay = weight_decay where region.decay is 1, else 0, and correction_k = 1 − β_k^step.
// The clip factor comes from grad-norm.wgsl's stats; when the gradient norm is not finite
// (stats[3] = 0) the step changes nothing, so one bad batch cannot destroy the weights.
// With VEC4 each invocation updates four consecutive elements (region.count counts vec4 elements).
#if VEC4
alias F = vec4f;
#else
alias F = f32;
#endif

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

struct Region {
  count: u32,
  decay: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> param: array<F>;
@group(0) @binding(1) var<storage, read> grad: array<F>;
@group(0) @binding(2) var<storage, read_write> m: array<F>;
@group(0) @binding(3) var<storage, read_write> v: array<F>;
@group(0) @binding(4) var<uniform> hyper: Hyper;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<uniform> region: Region;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (i >= region.count || stats[3] == 0.0) { return; }
  let g = grad[i] * stats[2];
  let m_new = hyper.beta1 * m[i] + (1.0 - hyper.beta1) * g;
  let v_new = hyper.beta2 * v[i] + (1.0 - hyper.beta2) * g * g;
  m[i] = m_new;
  v[i] = v_new;
  let decay = select(0.0, hyper.weight_decay, region.decay == 1u);
  let update = (m_new / hyper.correction1) / (sqrt(v_new / hyper.correction2) + hyper.eps);
  let p = param[i];
  param[i] = p - hyper.learning_rate * (decay * p + update);
}
