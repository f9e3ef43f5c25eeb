// Tiled dequantizing GEMM Y = X · Wᵀ (+ bias) (+ Y) for prefill and batched decoding, W one part
// of a quantized weight (qdecode.wgsl, spliced in below), X and Y f32. Shapes and parameters are
// those of qmatmul.wgsl, plus k_steps = ceil(K / (4·KT4)) and tile_k4 = KT4. The loop over the
// tile's columns runs to tile_k4 rather than the constant so software adapters do not unroll it,
// which made their compile times grow tenfold.
//
// Geometry: a workgroup of 128 invocations computes a TN × TM block of Y (weight rows × tokens).
// For each step of 4·KT4 values along K it decodes the TN × 4·KT4 weight tile into shared memory
// (each weight byte is read once per token tile) and copies the TM × 4·KT4 activation tile next to
// it; then invocation (r, t), r < 16, t < 8, accumulates rows r + 16i (i < TN/16) and tokens
// t + 8j (j < TM/8) from shared memory, 4·(TN/16)·(TM/8) multiply-adds per pair of vec4 loads.
// Weight tile rows are padded by one vec4 so the 16 rows read together fall in different banks.
// Rows and tokens past the end are clamped when loading and dropped when writing; units and
// activation columns past K (F32/F16 rows and Q4_0/Q8_0 rows that end mid-step) load as zeros.

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
  k_steps: u32,
  tile_k4: u32,
}

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
#if BIAS
@group(0) @binding(5) var<storage, read> bias: array<f32>;
#endif

const WG = 128u;
const TN = {{TN}}u;
const TM = {{TM}}u;
const KT4 = {{KT4}}u;
const UNITS_PER_STEP = KT4 / UNIT_VEC4;
const W_STRIDE = KT4 + 1u;
const RT = TN / 16u;
const TT = TM / 8u;

var<workgroup> w_tile: array<vec4<f32>, TN * W_STRIDE>;
var<workgroup> x_tile: array<vec4<f32>, TM * KT4>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
) {
  let group = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let row0 = (group / params.m_tiles) * TN;
  let m0 = (group % params.m_tiles) * TM;
  let r0 = lid % 16u;
  let t0 = lid / 16u;

  var acc: array<array<f32, TT>, RT>;
  for (var step = 0u; step < params.k_steps; step++) {
    for (var i = lid; i < TN * UNITS_PER_STEP; i += WG) {
      let r = i / UNITS_PER_STEP;
      let unit = step * UNITS_PER_STEP + i % UNITS_PER_STEP;
      let row = min(row0 + r, params.rows - 1u);
      let live = unit < params.units;
      let loaded = load_unit(row * params.quant_stride, row * params.scale_stride, min(unit, params.units - 1u));
      for (var v = 0u; v < UNIT_VEC4; v++) {
        w_tile[r * W_STRIDE + unit_vec(unit, v) - step * KT4] = select(vec4<f32>(0.0), unit_values(loaded, v), live);
      }
    }
    for (var i = lid; i < TM * KT4; i += WG) {
      let token = min(m0 + i / KT4, params.m - 1u);
      let col = step * KT4 + i % KT4;
      x_tile[i] = select(vec4<f32>(0.0), x[token * params.k_vec + min(col, params.k_vec - 1u)], col < params.k_vec);
    }
    workgroupBarrier();

    for (var c = 0u; c < params.tile_k4; c++) {
      var xv: array<vec4<f32>, TT>;
      for (var j = 0u; j < TT; j++) {
        xv[j] = x_tile[(t0 + 8u * j) * KT4 + c];
      }
      for (var i = 0u; i < RT; i++) {
        let wv = w_tile[(r0 + 16u * i) * W_STRIDE + c];
        for (var j = 0u; j < TT; j++) {
          acc[i][j] += dot(wv, xv[j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < RT; i++) {
    let row = row0 + r0 + 16u * i;
    for (var j = 0u; j < TT; j++) {
      let token = m0 + t0 + 8u * j;
      if (row < params.rows && token < params.m) {
        let index = token * params.y_stride + params.row_start + row;
        var total = acc[i][j];
#if BIAS
        total += bias[params.row_start + row];
#endif
#if ACCUMULATE
        total += y[index];
#endif
        y[index] = total;
      }
    }
  }
}
