// SwiGLU feed-forward activation, f32: h = silu(gate) ⊙ up with silu(g) = g·σ(g).
// backward: dgate = dh·up·σ(g)·(1 + g·(1 − σ(g))), dup = dh·silu(g). One invocation per element,
// or per four consecutive elements with VEC4 (params.n counts vec4 elements then).
#if VEC4
alias F = vec4f;
#else
alias F = f32;
#endif

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> gate: array<F>;
@group(0) @binding(1) var<storage, read> up: array<F>;
@group(0) @binding(2) var<storage, read_write> h: array<F>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<storage, read> dh: array<F>;
@group(0) @binding(5) var<storage, read_write> dgate: array<F>;
@group(0) @binding(6) var<storage, read_write> dup: array<F>;

const WG: u32 = 256u;

fn element_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
}

fn sigmoid(g: F) -> F {
  // exp(−g) overflows to +inf for g < −88, which correctly gives 0.
  return 1.0 / (1.0 + exp(-g));
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let g = gate[i];
  h[i] = g * sigmoid(g) * up[i];
}

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let g = gate[i];
  let s = sigmoid(g);
  let grad = dh[i];
  dgate[i] = grad * up[i] * s * (1.0 + g * (1.0 - s));
  dup[i] = grad * g * s;
}
