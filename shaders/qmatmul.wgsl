// Dequantizing matrix product Y = X · Wᵀ (+ bias) (+ Y): a matrix-vector product for decoding
// (M = 1) and a thin GEMM for prefill and batched decoding (M > 1). W is one part of a quantized
// weight (qdecode.wgsl, spliced in below); X and Y are f32.
//
// Shapes: the part holds `rows` rows of K values. X is M rows with a stride of k_vec vec4s (K, or
// K rounded up to 8 for F32/F16 weights). Y is M rows with a stride of y_stride values; this part
// writes columns row_start … row_start + rows − 1 of each.
//
// Geometry: a workgroup of WG invocations computes ROWS weight rows for a tile of TM tokens. The
// invocations stride over the units of the rows, each keeping ROWS·TM partial sums in registers,
// which are then reduced across the workgroup: through subgroupAdd where the device has
// subgroups (lane 0 of each subgroup posts its sum, so any subgroup size and layout works), else
// through a shared-memory tree. With TM = 1 an invocation loads the activations of a unit once and
// uses them for all ROWS rows. With TM > 1 it decodes each weight unit once and uses it for every
// token of the tile, so weights are read once per tile. Workgroup ids run over token tiles first,
// so the tiles of one row group run side by side and share the weights in cache.
// Row indices past the part are clamped for loads and their results dropped, so the inner loop has
// no bounds checks.
#if SUBGROUPS
enable subgroups;
#endif

{{DECODE}}

struct Params {
  rows: u32,
  row_start: u32,
  units: u32,
  quant_stride: u32,
  scale_stride: u32,
  k_vec: u32,
  m: u32,
  m_tiles: u32,
  y_stride: u32,
}

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
#if BIAS
@group(0) @binding(5) var<storage, read> bias: array<f32>;
#endif

const WG = {{WG}}u;
const ROWS = {{ROWS}}u;
const TM = {{TM}}u;
const ACC = ROWS * TM;

var<workgroup> partial: array<f32, ACC * WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
#if SUBGROUPS
  @builtin(subgroup_invocation_id) lane: u32,
#endif
) {
  let group = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let row0 = (group / params.m_tiles) * ROWS;
  let m0 = (group % params.m_tiles) * TM;

  var qrow: array<u32, ROWS>;
  var srow: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    let row = min(row0 + r, params.rows - 1u);
    qrow[r] = row * params.quant_stride;
    srow[r] = row * params.scale_stride;
  }

  var acc: array<f32, ACC>;
#if TM_ONE
  for (var u = lid; u < params.units; u += WG) {
    var units: array<Unit, ROWS>;
    for (var r = 0u; r < ROWS; r++) {
      units[r] = load_unit(qrow[r], srow[r], u);
    }
    for (var v = 0u; v < UNIT_VEC4; v++) {
      let xv = x[unit_vec(u, v)];
      for (var r = 0u; r < ROWS; r++) {
        acc[r] += dot(unit_values(units[r], v), xv);
      }
    }
  }
#else
  var xrow: array<u32, TM>;
  for (var t = 0u; t < TM; t++) {
    xrow[t] = min(m0 + t, params.m - 1u) * params.k_vec;
  }
  for (var u = lid; u < params.units; u += WG) {
    for (var r = 0u; r < ROWS; r++) {
      let unit = load_unit(qrow[r], srow[r], u);
      for (var v = 0u; v < UNIT_VEC4; v++) {
        let wv = unit_values(unit, v);
        let col = unit_vec(u, v);
        for (var t = 0u; t < TM; t++) {
          acc[r * TM + t] += dot(wv, x[xrow[t] + col]);
        }
      }
    }
  }
#endif

  // Sum each of the ACC partial sums over the workgroup; invocation i < ACC ends with sum i.
#if SUBGROUPS
  for (var i = 0u; i < ACC; i++) {
    let subgroup_sum = subgroupAdd(acc[i]);
    partial[i * WG + lid] = select(0.0, subgroup_sum, lane == 0u);
  }
  workgroupBarrier();
  var total = 0.0;
  if (lid < ACC) {
    for (var j = 0u; j < WG; j++) {
      total += partial[lid * WG + j];
    }
  }
#else
  for (var i = 0u; i < ACC; i++) {
    partial[i * WG + lid] = acc[i];
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      for (var i = 0u; i < ACC; i++) {
        partial[i * WG + lid] += partial[i * WG + lid + stride];
      }
    }
    workgroupBarrier();
  }
  var total = 0.0;
  if (lid < ACC) {
    total = partial[lid * WG];
  }
#endif

  let row = row0 + lid / TM;
  let token = m0 + lid % TM;
  if (lid < ACC && row < params.rows && token < params.m) {
    let index = token * params.y_stride + params.row_start + row;
#if BIAS
    total += bias[params.row_start + row];
#endif
#if ACCUMULATE
    total += y[index];
#endif
    y[index] = total;
  }
}
