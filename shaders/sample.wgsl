// Token sampling on the GPU: one token id per row of logits, so only ids are read back.
// One workgroup per row (sequence), each with its own settings (see src/kernels/sample.ts):
//   greedy (temperature ≤ 0 or top_k = 1): the first index of the largest logit;
//   otherwise, over the tokens kept by top-k and top-p, a draw from softmax(logits / temperature)
//   by the Gumbel-max trick: argmax of logit / temperature + G_i, where G_i = −log(−log(u_i)) and
//   u_i comes from a counter-based hash of (seed, stream, step, i), so a draw depends only on
//   these numbers and never on the batch slot or the GPU.
// Top-k keeps the tokens whose logit is at least the k-th largest (ties at the threshold are all
// kept), found by a radix select over order-preserving u32 keys of the logits, 8 bits per round.
// Top-p then keeps the tokens whose logit is at least t, the largest logit for which the kept
// tokens at or above t carry at least top_p of the kept probability mass, found by bisection
// over the keys (at most 32 passes). Logits must not be NaN.

struct Params {
  vocab: u32,
  row_stride: u32,
  rows: u32,
}

struct Settings {
  temperature: f32,
  top_k: u32,
  top_p: f32,
  seed: u32,
  stream: u32,
  step: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> settings: array<Settings>;
@group(0) @binding(2) var<storage, read_write> ids: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

const WG = 256u;
// The lowest finite f32; only −∞ is below it.
const LOWEST = -0x1.fffffep+127f;
// Index of "no token yet"; its value is never compared.
const NO_INDEX = 0xffffffffu;

var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_index: array<u32, WG>;
var<workgroup> sums: array<f32, WG>;
var<workgroup> histogram: array<atomic<u32>, 256>;
var<workgroup> row_settings: Settings;
var<workgroup> select_prefix: u32;
var<workgroup> select_remaining: u32;

// PCG-style hash: one 32-bit LCG step, then the RXS-M-XS output permutation. The TypeScript
// reference (src/kernels/sample-reference.ts) computes the same numbers.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn sampling_hash(seed: u32, stream: u32, step: u32, index: u32) -> u32 {
  return pcg(pcg(pcg(pcg(seed) ^ stream) ^ step) ^ index);
}

// Standard Gumbel noise from the top 23 bits of a hash: u = (h + 0.5) / 2^23 is exact in f32.
fn gumbel(hash: u32) -> f32 {
  let u = (f32(hash >> 9u) + 0.5) * 0x1p-23f;
  return -log(-log(u));
}

// u32 key that orders like the f32 value (negative values bit-flipped, positive ones with the sign bit set).
fn order_key(value: f32) -> u32 {
  let bits = bitcast<u32>(value);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

// True when (value, index) goes before the best so far: a larger value, or an equal one with a lower index.
fn better(value: f32, index: u32, best: f32, best_at: u32) -> bool {
  return index != NO_INDEX && (best_at == NO_INDEX || value > best || (value == best && index < best_at));
}

// Reduces the invocations' (value, index) pairs to the best one in best_value[0], best_index[0].
fn reduce_best(lid: u32, value: f32, index: u32) {
  // The barrier keeps this write from racing with reads of a previous reduction's result.
  workgroupBarrier();
  best_value[lid] = value;
  best_index[lid] = index;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride && better(best_value[lid + stride], best_index[lid + stride], best_value[lid], best_index[lid])) {
      best_value[lid] = best_value[lid + stride];
      best_index[lid] = best_index[lid + stride];
    }
    workgroupBarrier();
  }
}

// Sums `value` over the workgroup; every invocation gets the total.
fn reduce_sum(lid: u32, value: f32) -> f32 {
  workgroupBarrier();
  sums[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      sums[lid] += sums[lid + stride];
    }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&sums[0]);
}

// Probability mass, up to the softmax normalization, of the tokens whose key is at least `threshold`.
fn kept_mass(lid: u32, base: u32, threshold: u32, max_logit: f32, inv_temperature: f32) -> f32 {
  var mass = 0.0;
  for (var i = lid; i < params.vocab; i += WG) {
    let logit = logits[base + i];
    if (order_key(logit) >= threshold) {
      mass += exp((logit - max_logit) * inv_temperature);
    }
  }
  return reduce_sum(lid, mass);
}

// Key of the k-th largest logit, by radix select from the top byte down.
fn top_k_key(lid: u32, base: u32, k: u32) -> u32 {
  if (lid == 0u) {
    select_prefix = 0u;
    select_remaining = k;
  }
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    // Bits above this round's byte, which must equal the prefix chosen so far.
    let high_mask = select(0xffffffffu << (shift + 8u), 0u, round == 0u);
    // Invocation 0 has finished reading the previous round's histogram before it is cleared.
    workgroupBarrier();
    atomicStore(&histogram[lid], 0u);
    let prefix = workgroupUniformLoad(&select_prefix);
    for (var i = lid; i < params.vocab; i += WG) {
      let key = order_key(logits[base + i]);
      if ((key & high_mask) == prefix) {
        atomicAdd(&histogram[(key >> shift) & 255u], 1u);
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var above = 0u;
      for (var bin = 255i; bin >= 0i; bin--) {
        let count = atomicLoad(&histogram[bin]);
        if (above + count >= select_remaining) {
          select_prefix |= u32(bin) << shift;
          select_remaining -= above;
          break;
        }
        above += count;
      }
    }
  }
  return workgroupUniformLoad(&select_prefix);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  if (row >= params.rows) {
    return;
  }
  let base = row * params.row_stride;
  if (lid == 0u) {
    row_settings = settings[row];
  }
  let s = workgroupUniformLoad(&row_settings);

  // The largest logit and its first index.
  var value = 0.0;
  var index = NO_INDEX;
  for (var i = lid; i < params.vocab; i += WG) {
    let logit = logits[base + i];
    if (better(logit, i, value, index)) {
      value = logit;
      index = i;
    }
  }
  reduce_best(lid, value, index);
  let max_logit = workgroupUniformLoad(&best_value[0]);
  // A row of −∞ logits (every token masked) has nothing to sample from; it returns index 0.
  if (s.temperature <= 0.0 || s.top_k == 1u || max_logit < LOWEST) {
    if (lid == 0u) {
      ids[row] = best_index[0];
    }
    return;
  }

  var threshold = 0u;
  if (s.top_k > 1u && s.top_k < params.vocab) {
    threshold = top_k_key(lid, base, s.top_k);
  }

  let inv_temperature = 1.0 / s.temperature;
  if (s.top_p < 1.0) {
    // Bisection over keys for the largest threshold whose mass reaches top_p of the kept mass.
    // Invariant: the mass at or above `low` reaches the target; the answer lies in [low, high].
    // The first probe, at the top-k threshold, measures the kept mass that sets the target. One
    // call site for kept_mass keeps the shader small, which software adapters compile faster.
    var low = threshold;
    var high = order_key(max_logit);
    var probe = threshold;
    var target_mass = -1.0;
    loop {
      let mass = kept_mass(lid, base, probe, max_logit, inv_temperature);
      if (target_mass < 0.0) {
        target_mass = s.top_p * mass;
      } else if (mass >= target_mass) {
        low = probe;
      } else {
        high = probe - 1u;
      }
      if (low >= high) {
        break;
      }
      let gap = high - low;
      probe = low + (gap >> 1u) + (gap & 1u);
    }
    threshold = low;
  }

  value = 0.0;
  index = NO_INDEX;
  for (var i = lid; i < params.vocab; i += WG) {
    let logit = logits[base + i];
    if (order_key(logit) >= threshold) {
      let score = (logit - max_logit) * inv_temperature + gumbel(sampling_hash(s.seed, s.stream, s.step, i));
      if (better(score, i, value, index)) {
        value = score;
        index = i;
      }
    }
  }
  reduce_best(lid, value, index);
  if (lid == 0u) {
    ids[row] = best_index[0];
  }
}
