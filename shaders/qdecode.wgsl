// Decoders of quantized weight rows, one block per weight type (define F32, F16, Q4_0, Q8_0, Q4_K
// or Q6_K; HAS_SCALES when the type has a scales buffer). src/kernels/quant/shader.ts preprocesses
// this file and splices it into qmatmul.wgsl and qembed.wgsl in place of their DECODE placeholder.
// GPU layouts: src/kernels/quant/formats.ts. Block formats: ggml-common.h (ggml-org/llama.cpp).
//
// A unit is the slice of a row that one invocation decodes per step, UNIT_VEC4 vectors of 4 values.
// load_unit(qrow, srow, unit) reads unit `unit` of the row whose quants start at vec4 `qrow` of wq
// and whose f16 scales start at word `srow` of ws, with one to three vec4 loads. unit_values(u, v)
// decodes vector v < UNIT_VEC4 of a loaded unit, and unit_vec(unit, v) is that vector's position
// in the row, counted in vec4s, which is where the matching activations sit. Decoding one vector
// at a time keeps the shaders small, which matters to software adapters that compile slowly.

@group(0) @binding(0) var<storage, read> wq: array<vec4<u32>>;
#if HAS_SCALES
@group(0) @binding(1) var<storage, read> ws: array<u32>;

// The f16 scale `index` of the row whose scales start at word `srow`.
fn scale_f16(srow: u32, index: u32) -> f32 {
  return unpack2x16float(ws[srow + (index >> 1u)])[index & 1u];
}
#endif

const LOW_NIBBLES = 0x0F0F0F0Fu;

// The four bytes of `word`, lowest first, as unsigned values.
fn bytes4(word: u32) -> vec4<f32> {
  return vec4<f32>((vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(255u));
}

// The four bytes of `word`, lowest first, as two's-complement signed values.
fn signed_bytes4(word: u32) -> vec4<f32> {
  return vec4<f32>((vec4<i32>(bitcast<i32>(word)) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}

#if !Q6_K
// Every type but Q6_K decodes a run of consecutive values per unit.
fn unit_vec(unit: u32, v: u32) -> u32 {
  return unit * UNIT_VEC4 + v;
}
#endif

#if F32
// 8 values from two vec4 loads.
const UNIT_VEC4 = 2u;

struct Unit {
  q: array<vec4<u32>, 2>,
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  return Unit(array<vec4<u32>, 2>(wq[qrow + 2u * unit], wq[qrow + 2u * unit + 1u]));
}

fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  return bitcast<vec4<f32>>(u.q[v]);
}

#endif

#if F16
// 8 values from one vec4 load.
const UNIT_VEC4 = 2u;

struct Unit {
  q: vec4<u32>,
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  return Unit(wq[qrow + unit]);
}

fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(u.q[2u * v]), unpack2x16float(u.q[2u * v + 1u]));
}

#endif

#if Q4_0
// One block of 32 values: byte j holds value j in its low nibble and value j + 16 in its high one.
const UNIT_VEC4 = 8u;

struct Unit {
  q: vec4<u32>,
  d: f32,
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  return Unit(wq[qrow + unit], scale_f16(srow, unit));
}

fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  let nibbles = (u.q[v & 3u] >> (4u * (v >> 2u))) & LOW_NIBBLES;
  return u.d * (bytes4(nibbles) - 8.0);
}

#endif

#if Q8_0
// One block of 32 signed 8-bit values.
const UNIT_VEC4 = 8u;

struct Unit {
  q: array<vec4<u32>, 2>,
  d: f32,
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  return Unit(array<vec4<u32>, 2>(wq[qrow + 2u * unit], wq[qrow + 2u * unit + 1u]), scale_f16(srow, unit));
}

fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  return u.d * signed_bytes4(u.q[v >> 2u][v & 3u]);
}

#endif

#if Q4_K
// One 64-value chunk c of a 256-value super-block (9 vec4: a header, then 128 bytes of quants).
// Chunk c's 32 quant bytes hold sub-block 2c in their low nibbles and sub-block 2c + 1 in their
// high nibbles; each sub-block has a 6-bit scale and min packed into the header's 12 bytes.
const UNIT_VEC4 = 16u;

struct Unit {
  q: array<vec4<u32>, 2>,
  // d · scale and dmin · min of the low-nibble and the high-nibble sub-block.
  scale: vec2<f32>,
  offset: vec2<f32>,
}

fn header_byte(head: vec4<u32>, index: u32) -> u32 {
  return (head[1u + (index >> 2u)] >> (8u * (index & 3u))) & 255u;
}

// Scale and min of sub-block j, as in ggml's get_scale_min_k4.
fn scale_min_k4(head: vec4<u32>, j: u32) -> vec2<f32> {
  if (j < 4u) {
    return vec2<f32>(f32(header_byte(head, j) & 63u), f32(header_byte(head, j + 4u) & 63u));
  }
  let scale = (header_byte(head, j + 4u) & 15u) | ((header_byte(head, j - 4u) >> 6u) << 4u);
  let offset = (header_byte(head, j + 4u) >> 4u) | ((header_byte(head, j) >> 6u) << 4u);
  return vec2<f32>(f32(scale), f32(offset));
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  let block = qrow + 9u * (unit >> 2u);
  let c = unit & 3u;
  let head = wq[block];
  let d_dmin = unpack2x16float(head.x);
  let low = scale_min_k4(head, 2u * c);
  let high = scale_min_k4(head, 2u * c + 1u);
  return Unit(
    array<vec4<u32>, 2>(wq[block + 1u + 2u * c], wq[block + 2u + 2u * c]),
    d_dmin.x * vec2<f32>(low.x, high.x),
    d_dmin.y * vec2<f32>(low.y, high.y),
  );
}

// Vectors 0–7 are the low nibbles of the chunk's 32 bytes, 8–15 the high nibbles.
fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  let high = v >> 3u;
  let nibbles = (u.q[(v >> 2u) & 1u][v & 3u] >> (4u * high)) & LOW_NIBBLES;
  return u.scale[high] * bytes4(nibbles) - u.offset[high];
}

#endif

#if Q6_K
// A quarter of a 256-value super-block (13 vec4: ql, qh, scales; the f16 d is in ws). Half h of the
// block keeps its 128 values in ql[64h…64h+63] and qh[32h…32h+31]; for l < 32, byte l of each gives
// values 128h + l + 32s (s = 0…3) through the low/high nibbles of ql[l], ql[l + 32] and the 2-bit
// fields of qh[l]. Unit (h, q) takes l in 16q…16q+15, so it decodes four 16-value segments.
const UNIT_VEC4 = 16u;
const LOW_2BITS = 0x03030303u;

struct Unit {
  // ql[64h + 16q …], ql[64h + 32 + 16q …], qh[32h + 16q …]
  q: array<vec4<u32>, 3>,
  // d · scale of each segment s.
  scale: vec4<f32>,
}

fn signed_byte(words: vec4<u32>, index: u32) -> f32 {
  return f32(bitcast<i32>(words[index >> 2u] << (24u - 8u * (index & 3u))) >> 24u);
}

fn load_unit(qrow: u32, srow: u32, unit: u32) -> Unit {
  let b = unit >> 2u;
  let h = (unit >> 1u) & 1u;
  let q = unit & 1u;
  let block = qrow + 13u * b;
  let scales = wq[block + 12u];
  let first = 8u * h + q;
  let scale = vec4<f32>(signed_byte(scales, first), signed_byte(scales, first + 2u), signed_byte(scales, first + 4u), signed_byte(scales, first + 6u));
  return Unit(
    array<vec4<u32>, 3>(wq[block + 4u * h + q], wq[block + 4u * h + 2u + q], wq[block + 8u + 2u * h + q]),
    scale_f16(srow, b) * scale,
  );
}

// Vector 4s + i holds segment s: the low (s < 2) or high nibbles of ql[l] (s even) or ql[l + 32]
// (s odd), with bits 2s, 2s + 1 of qh[l] above them.
fn unit_values(u: Unit, v: u32) -> vec4<f32> {
  let s = v >> 2u;
  let i = v & 3u;
  let nibbles = (u.q[s & 1u][i] >> (4u * (s >> 1u))) & LOW_NIBBLES;
  let high = (u.q[2][i] >> (2u * s)) & LOW_2BITS;
  return u.scale[s] * (bytes4(nibbles | (high << 4u)) - 32.0);
}

// Vector 4s + i holds values 128h + 32s + 16q + 4i … + 3 of block b.
fn unit_vec(unit: u32, v: u32) -> u32 {
  let b = unit >> 2u;
  let h = (unit >> 1u) & 1u;
  let q = unit & 1u;
  return 64u * b + 32u * h + 8u * (v >> 2u) + 4u * q + (v & 3u);
}
#endif
