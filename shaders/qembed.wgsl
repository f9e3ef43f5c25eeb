// Embedding row gather with dequantization: out[t, :] = W[ids[t], :] for a quantized weight W
// (qdecode.wgsl, spliced in below), out f32 with a row stride of out_stride values.
//
// One invocation decodes one unit of one token's row. A weight split into parts is gathered with
// one dispatch per part; each writes the tokens whose id falls in its rows. The dispatch with
// zero_missing set also writes zeros for ids at or past total_rows, so no output row is left
// unwritten.

{{DECODE}}

struct Params {
  rows: u32,
  row_start: u32,
  units: u32,
  quant_stride: u32,
  scale_stride: u32,
  cols: u32,
  tokens: u32,
  out_stride: u32,
  total_rows: u32,
  zero_missing: u32,
}

@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
) {
  let index = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  let token = index / params.units;
  let unit = index % params.units;
  if (token >= params.tokens) {
    return;
  }
  let id = ids[token];
  let base = token * params.out_stride;
  // u32 wrap-around makes ids below row_start large, so one comparison tests both ends.
  let local = id - params.row_start;
  if (local < params.rows) {
    let loaded = load_unit(local * params.quant_stride, local * params.scale_stride, unit);
    for (var v = 0u; v < UNIT_VEC4; v++) {
      let values = unit_values(loaded, v);
      let col = 4u * unit_vec(unit, v);
      for (var c = 0u; c < 4u; c++) {
        if (col + c < params.cols) {
          out[base + col + c] = values[c];
        }
      }
    }
  } else if (params.zero_missing != 0u && id >= params.total_rows) {
    for (var v = 0u; v < UNIT_VEC4; v++) {
      let col = 4u * unit_vec(unit, v);
      for (var c = 0u; c < 4u; c++) {
        if (col + c < params.cols) {
          out[base + col + c] = 0.0;
        }
      }
    }
  }
}
