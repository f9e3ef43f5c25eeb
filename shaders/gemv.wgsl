// Matrix-vector product y = W · x, W stored as N rows of K values (row-major), x of length K.
// One workgroup per output row; invocations stride over K, then the partial sums are reduced:
// with SUBGROUPS through subgroupAdd (lane 0 of each subgroup posts its sum), otherwise through a
// shared-memory tree. Rows are spread over a 2D grid when N exceeds the per-dimension limit.
#if F16
enable f16;
#endif
#if SUBGROUPS
enable subgroups;
#endif
alias T = {{T}};

struct Params {
  n: u32,
  k: u32,
}

@group(0) @binding(0) var<storage, read> w: array<T>;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> y: array<T>;
@group(0) @binding(3) var<uniform> params: Params;

const WG: u32 = {{WG}};
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
#if SUBGROUPS
  @builtin(subgroup_invocation_id) lane: u32,
#endif
) {
  let row = wid.x + wid.y * nwg.x;
  // Every invocation of the workgroup reaches the barriers below, so the row check comes last.
  let live = row < params.n;
  var sum = 0.0;
  if (live) {
    let base = row * params.k;
    for (var kk = lid; kk < params.k; kk += WG) {
      sum = fma(f32(w[base + kk]), f32(x[kk]), sum);
    }
  }
#if SUBGROUPS
  let subgroup_sum = subgroupAdd(sum);
  partial[lid] = select(0.0, subgroup_sum, lane == 0u);
  workgroupBarrier();
  if (lid == 0u && live) {
    var total = 0.0;
    for (var i = 0u; i < WG; i++) {
      total += partial[i];
    }
    y[row] = T(total);
  }
#else
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u && live) {
    y[row] = T(partial[0]);
  }
#endif
}
