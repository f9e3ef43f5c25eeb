// Causal attention of a chunk of new tokens over one sequence's KV cache (prefill), in the tiled
// online-softmax form of flash attention.
//
// Query token t (0 ≤ t < tokens) sits at position start + t and attends to the cached keys and
// values of positions 0 … start + t of its slot, which already hold the chunk's own keys. Query head
// h reads KV head h / group (grouped-query attention, as llama.cpp maps them).
//
// One invocation per query row (token, head) keeps its scaled query and its output accumulator in
// registers. The workgroup stages TILE cached rows of keys and values in shared memory (converted to
// f32), then each invocation scores the tile, rescales its running maximum m, sum l and accumulator
// once per tile, and adds the tile's weighted values. Scores and sums are f32; the cache is KV (f16
// when the device has shader-f16, else f32).
#if F16
enable f16;
#endif
alias KV = {{KV}};

struct Params {
  tokens: u32,
  start: u32,
  heads: u32,
  kv_heads: u32,
  group: u32,
  max_len: u32,
  slot: u32,
  scale: f32,
}

// q and out: [tokens, heads, HEAD_DIM]; caches: [slots, max_len, kv_heads, HEAD_DIM].
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k_cache: array<KV>;
@group(0) @binding(2) var<storage, read> v_cache: array<KV>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

const HEAD_DIM: u32 = {{HEAD_DIM}};
const ROWS: u32 = {{ROWS}};
const TILE: u32 = {{TILE}};
// Below any score, yet finite: exp(NEG_BIG - s) is exactly 0 without inf − inf = NaN.
const NEG_BIG: f32 = -3.0e38;

var<workgroup> k_tile: array<f32, TILE * HEAD_DIM>;
var<workgroup> v_tile: array<f32, TILE * HEAD_DIM>;

@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let block = wid.x;
  let head = wid.y;
  let t = block * ROWS + lid;
  let live = t < params.tokens;
  let kv_head = head / params.group;
  let position = params.start + t;
  // The last row of the block sees the most keys; the tile loop stops there for every row.
  let last_row = min(params.tokens, (block + 1u) * ROWS) - 1u;
  let key_end = params.start + last_row + 1u;
  let slot_row = params.slot * params.max_len;

  var query: array<f32, HEAD_DIM>;
  var acc: array<f32, HEAD_DIM>;
  if (live) {
    let q_base = (t * params.heads + head) * HEAD_DIM;
    for (var d = 0u; d < HEAD_DIM; d++) {
      query[d] = q[q_base + d] * params.scale;
    }
  }
  var m = NEG_BIG;
  var l = 0.0;

  for (var tile_start = 0u; tile_start < key_end; tile_start += TILE) {
    let count = min(TILE, key_end - tile_start);
    workgroupBarrier();
    for (var i = lid; i < count * HEAD_DIM; i += ROWS) {
      let j = i / HEAD_DIM;
      let source = ((slot_row + tile_start + j) * params.kv_heads + kv_head) * HEAD_DIM + i % HEAD_DIM;
      k_tile[i] = f32(k_cache[source]);
      v_tile[i] = f32(v_cache[source]);
    }
    workgroupBarrier();

    // Keys of this tile at positions ≤ position; rows past the end of the chunk see none.
    var visible = 0u;
    if (live && position >= tile_start) {
      visible = min(count, position + 1u - tile_start);
    }
    if (visible > 0u) {
      var scores: array<f32, TILE>;
      var tile_max = m;
      for (var j = 0u; j < visible; j++) {
        var dot = 0.0;
        for (var d = 0u; d < HEAD_DIM; d++) {
          dot = fma(query[d], k_tile[j * HEAD_DIM + d], dot);
        }
        scores[j] = dot;
        tile_max = max(tile_max, dot);
      }
      let alpha = exp(m - tile_max);
      l *= alpha;
      for (var d = 0u; d < HEAD_DIM; d++) {
        acc[d] *= alpha;
      }
      for (var j = 0u; j < visible; j++) {
        let p = exp(scores[j] - tile_max);
        l += p;
        for (var d = 0u; d < HEAD_DIM; d++) {
          acc[d] = fma(p, v_tile[j * HEAD_DIM + d], acc[d]);
        }
      }
      m = tile_max;
    }
  }

  if (live) {
    let out_base = (t * params.heads + head) * HEAD_DIM;
    let inv = 1.0 / l;
    for (var d = 0u; d < HEAD_DIM; d++) {
      out[out_base + d] = acc[d] * inv;
    }
  }
}
