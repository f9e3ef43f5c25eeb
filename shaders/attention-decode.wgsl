// Split-K attention for decoding: one new query token per row (sequence), over that sequence's
// KV cache, split along the keys so a long context spreads over many workgroups.
//
// `split`: workgroup (s, b, r) takes keys [s·chunk, min((s + 1)·chunk, keys)) of row r and the
// HEADS_WG query heads b·HEADS_WG … that share one KV head, so each cached key and value is read
// once for all of them. It walks its keys in tiles of TILE with an online softmax and stores, per
// head, the running maximum m, the sum l of exp(score − m) and the unnormalized output Σ exp(score − m)·v.
// Splits past the row's keys do nothing.
// `combine`: per (head, row), out = Σ_s e^(m_s − M)·acc_s / Σ_s e^(m_s − M)·l_s with M = max_s m_s,
// over the splits that hold keys.
//
// Row r decodes slot rows[r].x, whose cache holds rows[r].y keys (the new token's included).
// Query head h reads KV head h / group. The cache is KV (f16 with shader-f16, else f32); the math is f32.
#if F16
enable f16;
#endif
alias KV = {{KV}};

struct Params {
  rows: u32,
  heads: u32,
  kv_heads: u32,
  group: u32,
  max_len: u32,
  chunk: u32,
  chunks: u32,
  scale: f32,
}

// q and out: [rows, heads, HEAD_DIM]; caches: [slots, max_len, kv_heads, HEAD_DIM];
// partial_acc: [rows, heads, chunks, HEAD_DIM]; partial_stats: [rows, heads, chunks] of (m, l).
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k_cache: array<KV>;
@group(0) @binding(2) var<storage, read> v_cache: array<KV>;
@group(0) @binding(3) var<storage, read> rows: array<vec2u>;
@group(0) @binding(4) var<storage, read_write> partial_acc: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial_stats: array<vec2f>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

const WG: u32 = 64u;
const HEAD_DIM: u32 = {{HEAD_DIM}};
const HEADS_WG: u32 = {{HEADS_WG}};
const TILE: u32 = {{TILE}};
// Accumulator entries (head, dimension) per invocation.
const ACC: u32 = (HEADS_WG * HEAD_DIM + WG - 1u) / WG;
const NEG_BIG: f32 = -3.0e38;

var<workgroup> query: array<f32, HEADS_WG * HEAD_DIM>;
var<workgroup> weights: array<f32, HEADS_WG * TILE>;
var<workgroup> m_run: array<f32, HEADS_WG>;
var<workgroup> l_run: array<f32, HEADS_WG>;
var<workgroup> alpha: array<f32, HEADS_WG>;
var<workgroup> key_count: u32;

@compute @workgroup_size(WG)
fn split(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let split_index = wid.x;
  let first_head = wid.y * HEADS_WG;
  let row = wid.z;
  if (lid == 0u) {
    key_count = rows[row].y;
  }
  // A uniform copy, so the early return and the tile loop below keep the barriers in uniform control flow.
  let keys = workgroupUniformLoad(&key_count);
  let key_start = split_index * params.chunk;
  if (key_start >= keys) {
    return;
  }
  let key_end = min(keys, key_start + params.chunk);
  let kv_head = first_head / params.group;
  let slot_row = rows[row].x * params.max_len;

  let q_base = (row * params.heads + first_head) * HEAD_DIM;
  for (var i = lid; i < HEADS_WG * HEAD_DIM; i += WG) {
    query[i] = q[q_base + i] * params.scale;
  }
  if (lid < HEADS_WG) {
    m_run[lid] = NEG_BIG;
    l_run[lid] = 0.0;
  }
  var acc: array<f32, ACC>;
  workgroupBarrier();

  for (var tile_start = key_start; tile_start < key_end; tile_start += TILE) {
    let count = min(TILE, key_end - tile_start);
    for (var i = lid; i < HEADS_WG * TILE; i += WG) {
      let h = i / TILE;
      let j = i % TILE;
      if (j < count) {
        let k_base = ((slot_row + tile_start + j) * params.kv_heads + kv_head) * HEAD_DIM;
        var dot = 0.0;
        for (var d = 0u; d < HEAD_DIM; d++) {
          dot = fma(query[h * HEAD_DIM + d], f32(k_cache[k_base + d]), dot);
        }
        weights[i] = dot;
      }
    }
    workgroupBarrier();

    // One invocation per head turns the tile's scores into weights and updates m and l.
    if (lid < HEADS_WG) {
      let base = lid * TILE;
      var tile_max = m_run[lid];
      for (var j = 0u; j < count; j++) {
        tile_max = max(tile_max, weights[base + j]);
      }
      var sum = 0.0;
      for (var j = 0u; j < count; j++) {
        let p = exp(weights[base + j] - tile_max);
        weights[base + j] = p;
        sum += p;
      }
      let scale_old = exp(m_run[lid] - tile_max);
      alpha[lid] = scale_old;
      l_run[lid] = l_run[lid] * scale_old + sum;
      m_run[lid] = tile_max;
    }
    workgroupBarrier();

    for (var a = 0u; a < ACC; a++) {
      let e = lid + a * WG;
      if (e < HEADS_WG * HEAD_DIM) {
        let h = e / HEAD_DIM;
        let d = e % HEAD_DIM;
        var sum = acc[a] * alpha[h];
        for (var j = 0u; j < count; j++) {
          let v_index = ((slot_row + tile_start + j) * params.kv_heads + kv_head) * HEAD_DIM + d;
          sum = fma(weights[h * TILE + j], f32(v_cache[v_index]), sum);
        }
        acc[a] = sum;
      }
    }
    workgroupBarrier();
  }

  if (lid < HEADS_WG) {
    partial_stats[(row * params.heads + first_head + lid) * params.chunks + split_index] = vec2f(m_run[lid], l_run[lid]);
  }
  for (var a = 0u; a < ACC; a++) {
    let e = lid + a * WG;
    if (e < HEADS_WG * HEAD_DIM) {
      let h = e / HEAD_DIM;
      let d = e % HEAD_DIM;
      partial_acc[((row * params.heads + first_head + h) * params.chunks + split_index) * HEAD_DIM + d] = acc[a];
    }
  }
}

@compute @workgroup_size(WG)
fn combine(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let row = wid.y;
  let keys = rows[row].y;
  let out_base = (row * params.heads + head) * HEAD_DIM;
  if (keys == 0u) {
    for (var d = lid; d < HEAD_DIM; d += WG) {
      out[out_base + d] = 0.0;
    }
    return;
  }
  let used = (keys + params.chunk - 1u) / params.chunk;
  let base = (row * params.heads + head) * params.chunks;
  var m = NEG_BIG;
  for (var s = 0u; s < used; s++) {
    m = max(m, partial_stats[base + s].x);
  }
  var denominator = 0.0;
  for (var s = 0u; s < used; s++) {
    let stats = partial_stats[base + s];
    denominator += exp(stats.x - m) * stats.y;
  }
  let inv = 1.0 / denominator;
  for (var d = lid; d < HEAD_DIM; d += WG) {
    var sum = 0.0;
    for (var s = 0u; s < used; s++) {
      sum = fma(exp(partial_stats[base + s].x - m), partial_acc[(base + s) * HEAD_DIM + d], sum);
    }
    out[out_base + d] = sum * inv;
  }
}
