// Cross-entropy over the vocabulary with a per-token loss mask, f32.
//
// rows: one workgroup per row of `logits` (a chunk of rows starting at global row row_offset).
//   lse = logsumexp(logits[r]) from per-invocation running (max, sum) pairs merged in a tree, so no
//   exp overflows; row_loss[row] = mask[row]·(lse − logits[r, target]), or 0 where the mask is 0.
//   With GRAD the row is overwritten in place by the gradient of grad_scale[0]·Σ_r row_loss[r]:
//   dlogits[r, c] = mask·grad_scale·(softmax(logits[r])[c] − [c = target]).
// reduce: one workgroup sums row_loss and mask over all rows in a fixed order into
//   stats = (Σ mask·loss, Σ mask, mean loss or 0 when Σ mask = 0).

struct Params {
  rows: u32,
  vocab: u32,
  row_offset: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(4) var<storage, read> grad_scale: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;

const WG: u32 = {{WG}}u;
// Start value of a running maximum: the most negative finite f32, which any logit replaces.
const LOWEST: f32 = -3.4028234e38;
var<workgroup> max_sum: array<vec2f, WG>;
var<workgroup> totals: array<vec2f, WG>;

fn merge(a: vec2f, b: vec2f) -> vec2f {
  let m = max(a.x, b.x);
  return vec2f(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  let live = r < params.rows;
  let n = select(0u, params.vocab, live);
  let base = r * params.vocab;
  let row = params.row_offset + r;
  let target_id = min(targets[min(row, arrayLength(&targets) - 1u)], params.vocab - 1u);
  // Read before the workgroup starts overwriting the row with its gradient.
  let target_logit = select(0.0, logits[base + target_id], live);

  var running = vec2f(LOWEST, 0.0);
  for (var c = lid; c < n; c += WG) {
    running = merge(running, vec2f(logits[base + c], 1.0));
  }
  max_sum[lid] = running;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      max_sum[lid] = merge(max_sum[lid], max_sum[lid + stride]);
    }
    workgroupBarrier();
  }
  let lse = max_sum[0].x + log(max_sum[0].y);
  if (!live) { return; }

  let weight = mask[row];
  if (lid == 0u) {
    row_loss[row] = select(0.0, weight * (lse - target_logit), weight != 0.0);
  }
#if GRAD
  let scale = weight * grad_scale[0];
  for (var c = lid; c < n; c += WG) {
    let p = exp(logits[base + c] - lse);
    let onehot = select(0.0, 1.0, c == target_id);
    logits[base + c] = select(0.0, scale * (p - onehot), weight != 0.0);
  }
#endif
}

@compute @workgroup_size(WG)
fn reduce(@builtin(local_invocation_index) lid: u32) {
  var partial = vec2f(0.0);
  for (var r = lid; r < params.rows; r += WG) {
    partial += vec2f(row_loss[r], mask[r]);
  }
  totals[lid] = partial;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      totals[lid] += totals[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let total = totals[0];
    stats[0] = total.x;
    stats[1] = total.y;
    stats[2] = select(0.0, total.x / total.y, total.y > 0.0);
  }
}
