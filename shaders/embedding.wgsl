// Token embedding, f32.
// gather: out[t, c] = table[ids[t], c]; an id at or past `vocab` (rejected on the host) gives zeros.
// scatter_add: dtable[v, c] += Σ dout[t, c] over the tokens t with ids[t] = v. Float atomics do not
//   exist in WGSL and would make the sum order vary, so the host groups token indices by id (plan
//   below) and one workgroup per distinct id sums its tokens in ascending token order: the result is
//   the same on every run.
//
// plan (u32): [0] distinct ids U; [1 .. tokens+1] group starts (group u is order[starts[u] .. starts[u+1]]);
// [tokens+2 .. 2·tokens+2) the id of each group; [2·tokens+2 .. 3·tokens+2) token indices sorted by id.

struct Params {
  tokens: u32,
  cols: u32,
  vocab: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<storage, read> plan: array<u32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read_write> dtable: array<f32>;

const WG: u32 = {{WG}};

@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (index >= params.tokens * params.cols) { return; }
  let token = index / params.cols;
  let col = index % params.cols;
  let id = ids[token];
  if (id >= params.vocab) {
    out[index] = 0.0;
    return;
  }
  out[index] = table[id * params.cols + col];
}

@compute @workgroup_size(WG)
fn scatter_add(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  if (group >= plan[0]) { return; }
  let start = plan[1u + group];
  let end = plan[2u + group];
  let id = plan[params.tokens + 2u + group];
  let order_base = 2u * params.tokens + 2u;
  if (id >= params.vocab) { return; }
  for (var col = lid; col < params.cols; col += WG) {
    var sum = 0.0;
    for (var k = start; k < end; k++) {
      sum += dout[plan[order_base + k] * params.cols + col];
    }
    dtable[id * params.cols + col] += sum;
  }
}
