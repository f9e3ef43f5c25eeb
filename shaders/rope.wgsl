// Rotary position embeddings (RoPE), in place on x of shape [tokens, heads, head_dim], f32.
// Each token has its own position id, so packed examples can restart their positions at 0.
//
// Pair p (p < rotary_dims/2) of each head rotates by angle = position · base^(−2p/rotary_dims):
// with NEOX the pair is (p, p + rotary_dims/2) (llama.cpp's NeoX style, qwen2), otherwise (2p, 2p+1)
// (llama.cpp's normal style, llama). Values past rotary_dims are left alone. The host computes
// (cos, sin) of every angle in double precision into `table` [max_positions, rotary_dims/2], which
// avoids f32 sin/cos of large arguments. With INVERSE the rotation is by −angle: that is the backward
// pass, because the gradient of a rotation is the inverse rotation of the output gradient.
// One invocation per pair.

struct Params {
  tokens: u32,
  heads: u32,
  head_dim: u32,
  half_rotary: u32,
  max_positions: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<vec2f>;
@group(0) @binding(3) var<uniform> params: Params;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  let pairs_per_token = params.heads * params.half_rotary;
  if (index >= params.tokens * pairs_per_token) { return; }

  let p = index % params.half_rotary;
  let token_head = index / params.half_rotary;
  let token = token_head / params.heads;
  let base = token_head * params.head_dim;
#if NEOX
  let i = base + p;
  let j = base + p + params.half_rotary;
#else
  let i = base + 2u * p;
  let j = i + 1u;
#endif

  // Positions are validated on the host; the clamp only keeps a bad id inside the table.
  let position = min(positions[token], params.max_positions - 1u);
  let cs = table[position * params.half_rotary + p];
#if INVERSE
  let sin_angle = -cs.y;
#else
  let sin_angle = cs.y;
#endif
  let a = x[i];
  let b = x[j];
  x[i] = a * cs.x - b * sin_angle;
  x[j] = a * sin_angle + b * cs.x;
}
