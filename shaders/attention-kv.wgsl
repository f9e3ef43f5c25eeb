// Appends new keys and values to the KV cache. Token t's row of k_new and v_new (row_size =
// kv_heads · head_dim f32 values, keys already rotated by RoPE) goes to cache row cache_rows[t]
// (= slot · max_len + position), converted to KV (f16 with shader-f16, else f32). A row index at or
// past params.cache_rows marks a token to skip. One invocation per value.
#if F16
enable f16;
#endif
alias KV = {{KV}};

struct Params {
  tokens: u32,
  row_size: u32,
  cache_rows: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> k_new: array<f32>;
@group(0) @binding(1) var<storage, read> v_new: array<f32>;
@group(0) @binding(2) var<storage, read_write> k_cache: array<KV>;
@group(0) @binding(3) var<storage, read_write> v_cache: array<KV>;
@group(0) @binding(4) var<storage, read> cache_rows: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (i >= params.tokens * params.row_size) {
    return;
  }
  let t = i / params.row_size;
  let row = cache_rows[t];
  if (row >= params.cache_rows) {
    return;
  }
  let destination = row * params.row_size + i % params.row_size;
  k_cache[destination] = KV(k_new[i]);
  v_cache[destination] = KV(v_new[i]);
}
