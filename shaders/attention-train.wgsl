// Causal self-attention for training, f32, with grouped-query heads and packed sequences.
//
// Layout (row-major, token n = b·seq_len + t): q, out, dout, dq [tokens, heads, HEAD_DIM];
// k, v, dk, dv [tokens, kv_heads, HEAD_DIM]; segments [tokens] then block ranges (below); row_stats [tokens, heads] as
// (logsumexp of the scaled scores, Σ_d dout·out). Query head h reads key/value head h / group with
// group = heads / kv_heads. Token i attends to token j of its own sequence when j ≤ i and both carry the
// same segment id, so packed examples never attend to each other; every token attends to itself.
//
// The kernels follow FlashAttention's tiled online softmax instead of materializing the
// [seq_len, seq_len] score matrix, which would take batch·heads·seq_len² floats (256 MiB at 8 sequences
// of 1024 tokens with 8 heads). A workgroup owns WG consecutive rows of one sequence and head (one
// invocation per row, its vectors in registers) and stages TILE rows of the other operand at a time
// in workgroup memory. Scores are recomputed in the backward pass from the saved logsumexp.
// - forward: out and row_stats.x.
// - backward_delta: row_stats.y = Σ_d dout·out.
// - backward_query: dq_i = scale·Σ_j P_ij·(dout_i·v_j − delta_i)·k_j.
// - backward_key_value: one workgroup per block of key rows and key/value head, looping over the
//   query heads of its group, so dk and dv are sums in a fixed order without atomics.
// For each sequence b and block of WG rows, segments[tokens + 2·(b·blocks + block)] is the first key
// position any row of the block may see and the next word is one past the last query position that
// may see a key of the block (attentionSegmentTable in attention-train.ts). Loops skip the tiles
// outside, which saves most of the work when a sequence packs many short examples.

struct Params {
  batch: u32,
  seq_len: u32,
  heads: u32,
  kv_heads: u32,
  group: u32,
  scale: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> q: array<H>;
@group(0) @binding(1) var<storage, read> k: array<H>;
@group(0) @binding(2) var<storage, read> v: array<H>;
@group(0) @binding(3) var<storage, read> segments: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read_write> out: array<H>;
@group(0) @binding(6) var<storage, read_write> row_stats: array<vec2f>;
@group(0) @binding(7) var<storage, read> dout: array<H>;
@group(0) @binding(8) var<storage, read_write> dq: array<H>;
@group(0) @binding(9) var<storage, read_write> dk: array<H>;
@group(0) @binding(10) var<storage, read_write> dv: array<H>;

const HEAD_DIM: u32 = {{HEAD_DIM}};
// Head vectors are read as HV elements of type H: vec4 with VEC4 (HEAD_DIM a multiple of 4), else f32.
#if VEC4
alias H = vec4f;
const HV: u32 = HEAD_DIM / 4u;
fn hsum(x: vec4f) -> f32 {
  return (x.x + x.y) + (x.z + x.w);
}
#else
alias H = f32;
const HV: u32 = HEAD_DIM;
fn hsum(x: f32) -> f32 {
  return x;
}
#endif
const WG: u32 = {{WG}};
const TILE: u32 = {{TILE}};
// Start value of a running maximum: the most negative finite f32, which any score replaces.
const LOWEST: f32 = -3.4028234e38;

var<workgroup> tile_a: array<H, TILE * HV>;
var<workgroup> tile_b: array<H, TILE * HV>;
var<workgroup> tile_segments: array<u32, TILE>;
var<workgroup> tile_stats: array<vec2f, TILE>;
var<workgroup> block_bound: u32;

// Index of element 0 of head `head` of token `token`, with `count` heads per token.
fn head_base(token: u32, head: u32, count: u32) -> u32 {
  return (token * count + head) * HV;
}

// The row an invocation owns: workgroup x is the block of WG rows, z the sequence.
struct BlockRow {
  position: u32,
  live: bool,
  seq_start: u32,
  // Token index of the row, clamped to the sequence for invocations past its end (live = false).
  token: u32,
  segment: u32,
}

fn block_row(wid: vec3u, lid: u32) -> BlockRow {
  let row0 = wid.x * WG;
  let position = row0 + lid;
  let seq_start = wid.z * params.seq_len;
  let token = seq_start + min(position, params.seq_len - 1u);
  return BlockRow(position, position < params.seq_len, seq_start, token, segments[token]);
}

// Reads word `which` (0: first visible key, 1: end of the queries) of this block's range, uniformly.
fn block_range(wid: vec3u, lid: u32, which: u32) -> u32 {
  let blocks = (params.seq_len + WG - 1u) / WG;
  if (lid == 0u) {
    block_bound = segments[params.batch * params.seq_len + 2u * (wid.z * blocks + wid.x) + which];
  }
  return workgroupUniformLoad(&block_bound);
}

// Stages key/value rows j0 .. j0+TILE of one sequence and key/value head into tile_a (k) and tile_b (v).
fn stage_keys(lid: u32, seq_start: u32, j0: u32, kv_head: u32) {
  for (var e = lid; e < TILE * HV; e += WG) {
    let j = min(j0 + e / HV, params.seq_len - 1u);
    let src = head_base(seq_start + j, kv_head, params.kv_heads) + e % HV;
    tile_a[e] = k[src];
    tile_b[e] = v[src];
  }
  for (var jj = lid; jj < TILE; jj += WG) {
    tile_segments[jj] = segments[seq_start + min(j0 + jj, params.seq_len - 1u)];
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = block_row(wid, lid);
  let h = wid.y;
  let kv_head = h / params.group;
  // From the workgroup id, not from `row`, so the loops with barriers stay in uniform control flow.
  let row0 = wid.x * WG;
  let i = row.position;
  let live = row.live;
  let seq_start = row.seq_start;
  let token = row.token;
  let segment = row.segment;

  var qv: array<H, HV>;
  var acc: array<H, HV>;
  let q_base = head_base(token, h, params.heads);
  for (var d = 0u; d < HV; d++) {
    qv[d] = q[q_base + d];
    acc[d] = H();
  }
  var running_max = LOWEST;
  var denominator = 0.0;

  let key_end = min(row0 + WG, params.seq_len);
  let key_start = (block_range(wid, lid, 0u) / TILE) * TILE;
  for (var j0 = key_start; j0 < key_end; j0 += TILE) {
    stage_keys(lid, seq_start, j0, kv_head);
    workgroupBarrier();

    var scores: array<f32, TILE>;
    var tile_max = LOWEST;
    for (var jj = 0u; jj < TILE; jj++) {
      let j = j0 + jj;
      var s = LOWEST;
      if (j <= i && tile_segments[jj] == segment) {
        var dot = H();
        for (var d = 0u; d < HV; d++) {
          dot = fma(qv[d], tile_a[jj * HV + d], dot);
        }
        s = hsum(dot) * params.scale;
      }
      scores[jj] = s;
      tile_max = max(tile_max, s);
    }
    // Rescale once per tile to the new running maximum (exactly 0 for the first visible tile).
    let new_max = max(running_max, tile_max);
    let correction = exp(running_max - new_max);
    denominator *= correction;
    for (var d = 0u; d < HV; d++) {
      acc[d] *= correction;
    }
    for (var jj = 0u; jj < TILE; jj++) {
      let j = j0 + jj;
      if (j <= i && tile_segments[jj] == segment) {
        let p = exp(scores[jj] - new_max);
        denominator += p;
        for (var d = 0u; d < HV; d++) {
          acc[d] = fma(H(p), tile_b[jj * HV + d], acc[d]);
        }
      }
    }
    running_max = new_max;
    workgroupBarrier();
  }

  if (live) {
    let inverse = 1.0 / denominator;
    for (var d = 0u; d < HV; d++) {
      out[q_base + d] = acc[d] * inverse;
    }
    row_stats[token * params.heads + h] = vec2f(running_max + log(denominator), 0.0);
  }
}

@compute @workgroup_size(WG)
fn backward_delta(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= params.batch * params.seq_len * params.heads) { return; }
  var delta = H();
  for (var d = 0u; d < HV; d++) {
    delta = fma(dout[row * HV + d], out[row * HV + d], delta);
  }
  row_stats[row].y = hsum(delta);
}

@compute @workgroup_size(WG)
fn backward_query(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = block_row(wid, lid);
  let h = wid.y;
  let kv_head = h / params.group;
  let row0 = wid.x * WG;
  let i = row.position;
  let live = row.live;
  let seq_start = row.seq_start;
  let token = row.token;
  let segment = row.segment;
  let stats = row_stats[token * params.heads + h];

  var qv: array<H, HV>;
  var dov: array<H, HV>;
  var dqv: array<H, HV>;
  let base = head_base(token, h, params.heads);
  for (var d = 0u; d < HV; d++) {
    qv[d] = q[base + d];
    dov[d] = dout[base + d];
    dqv[d] = H();
  }

  let key_end = min(row0 + WG, params.seq_len);
  let key_start = (block_range(wid, lid, 0u) / TILE) * TILE;
  for (var j0 = key_start; j0 < key_end; j0 += TILE) {
    stage_keys(lid, seq_start, j0, kv_head);
    workgroupBarrier();
    for (var jj = 0u; jj < TILE; jj++) {
      let j = j0 + jj;
      if (j <= i && tile_segments[jj] == segment) {
        var s = H();
        var dp = H();
        for (var d = 0u; d < HV; d++) {
          s = fma(qv[d], tile_a[jj * HV + d], s);
          dp = fma(dov[d], tile_b[jj * HV + d], dp);
        }
        let p = exp(hsum(s) * params.scale - stats.x);
        let ds = p * (hsum(dp) - stats.y);
        for (var d = 0u; d < HV; d++) {
          dqv[d] = fma(H(ds), tile_a[jj * HV + d], dqv[d]);
        }
      }
    }
    workgroupBarrier();
  }

  if (live) {
    for (var d = 0u; d < HV; d++) {
      dq[base + d] = dqv[d] * params.scale;
    }
  }
}

@compute @workgroup_size(WG)
fn backward_key_value(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = block_row(wid, lid);
  let kv_head = wid.y;
  let row0 = wid.x * WG;
  let j = row.position;
  let live = row.live;
  let seq_start = row.seq_start;
  let token = row.token;
  let segment = row.segment;

  var kv: array<H, HV>;
  var vv: array<H, HV>;
  var dkv: array<H, HV>;
  var dvv: array<H, HV>;
  let base = head_base(token, kv_head, params.kv_heads);
  for (var d = 0u; d < HV; d++) {
    kv[d] = k[base + d];
    vv[d] = v[base + d];
    dkv[d] = H();
    dvv[d] = H();
  }

  // Queries before row0 cannot see any key of this block, nor can queries past the block's range.
  let query_start = (row0 / TILE) * TILE;
  let query_end = min(block_range(wid, lid, 1u), params.seq_len);
  for (var hh = 0u; hh < params.group; hh++) {
    let h = kv_head * params.group + hh;
    for (var i0 = query_start; i0 < query_end; i0 += TILE) {
      // Stage query rows i0 .. i0+TILE of head h: q in tile_a, dout in tile_b.
      for (var e = lid; e < TILE * HV; e += WG) {
        let i = min(i0 + e / HV, params.seq_len - 1u);
        let src = head_base(seq_start + i, h, params.heads) + e % HV;
        tile_a[e] = q[src];
        tile_b[e] = dout[src];
      }
      for (var ii = lid; ii < TILE; ii += WG) {
        let i = seq_start + min(i0 + ii, params.seq_len - 1u);
        tile_segments[ii] = segments[i];
        tile_stats[ii] = row_stats[i * params.heads + h];
      }
      workgroupBarrier();
      for (var ii = 0u; ii < TILE; ii++) {
        let i = i0 + ii;
        if (i >= j && i < params.seq_len && tile_segments[ii] == segment) {
          var s = H();
          var dp = H();
          for (var d = 0u; d < HV; d++) {
            s = fma(tile_a[ii * HV + d], kv[d], s);
            dp = fma(tile_b[ii * HV + d], vv[d], dp);
          }
          let stats = tile_stats[ii];
          let p = exp(hsum(s) * params.scale - stats.x);
          let ds = p * (hsum(dp) - stats.y);
          for (var d = 0u; d < HV; d++) {
            dvv[d] = fma(H(p), tile_b[ii * HV + d], dvv[d]);
            dkv[d] = fma(H(ds), tile_a[ii * HV + d], dkv[d]);
          }
        }
      }
      workgroupBarrier();
    }
  }

  if (live) {
    for (var d = 0u; d < HV; d++) {
      dk[base + d] = dkv[d] * params.scale;
      dv[base + d] = dvv[d];
    }
  }
}
