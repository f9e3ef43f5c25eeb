// Elementwise ops over flat arrays: out = a + b, out = a * b, out = silu(a) = a / (1 + exp(-a)).
// Storage type T is f32 or f16; arithmetic runs in f32. With VEC4 every invocation handles four
// consecutive elements (params.n counts vec4 elements then).
#if F16
enable f16;
#endif
#if VEC4
alias T = vec4<{{T}}>;
alias F = vec4f;
#else
alias T = {{T}};
alias F = f32;
#endif

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> a: array<T>;
@group(0) @binding(1) var<storage, read> b: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256;

fn element_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
}

@compute @workgroup_size(WG)
fn add(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  out[i] = T(F(a[i]) + F(b[i]));
}

@compute @workgroup_size(WG)
fn mul(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  out[i] = T(F(a[i]) * F(b[i]));
}

@compute @workgroup_size(WG)
fn silu(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let x = F(a[i]);
  out[i] = T(x / (1.0 + exp(-x)));
}
