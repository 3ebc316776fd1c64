// Seeded uniform fill for the 'uniform' / RandomUniform initializer.
//
// Generator: xoshiro128+ (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018),
// run as LANES = 8 independent streams, two v128 groups of four lanes for instruction-level
// parallelism. Element e of the output comes from stream (e mod 8) at step floor(e / 8), so the
// values depend only on (seed, e): the SIMD body and the scalar tail agree bit for bit, and a
// prefix of a table does not depend on the table's length.
// Seeding: a SplitMix64 sequence started at the 64-bit seed; stream s takes draws 2s and 2s+1 as
// its state words (lo, hi, lo, hi). SplitMix64 is a bijection of its counter, so no stream's state
// is all zero. Float: u = (x >>> 8) * 2^-24 in [0, 1), then minval + u * range in float32,
// with range = f32(maxval) - f32(minval) as Keras/TF compute it.

const LANES: u32 = 8;
const INV_2_24: f32 = 5.9604644775390625e-8; // 2^-24

// @ts-ignore: decorator
@inline function splitmix64(state: u64): u64 {
  let z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

const GOLDEN: u64 = 0x9E3779B97F4A7C15;

/** Writes state word `w` (0..3) of stream `s` for a seed into a little scratch of locals. */
// @ts-ignore: decorator
@inline function stateWord(seed: u64, s: u32, w: u32): u32 {
  const draw = splitmix64(seed + GOLDEN * <u64>(2 * s + (w >> 1) + 1));
  return (w & 1) ? <u32>(draw >> 32) : <u32>draw;
}

// @ts-ignore: decorator
@inline function rotl4(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}

// @ts-ignore: decorator
@inline function toUnit(x: v128): v128 {
  // After >>> 8 the value is below 2^24, so the signed convert (one native instruction, unlike the
  // unsigned one) gives the same float.
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(x, 8)), f32x4.splat(INV_2_24));
}

/**
 * Fills `n` float32s at `out` with U[minval, minval + range) for the 64-bit seed (seedHi:seedLo).
 * `upper` is the largest value allowed (the float just below maxval, or +Infinity when range <= 0):
 * float32 rounding of minval + u * range can otherwise land exactly on maxval.
 * Returns `out`.
 */
export function fillUniform(out: usize, n: u32, seedLo: u32, seedHi: u32, minval: f32, range: f32, upper: f32): usize {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  // Lane l of group A is stream l; lane l of group B is stream 4 + l.
  let a0 = i32x4(stateWord(seed, 0, 0), stateWord(seed, 1, 0), stateWord(seed, 2, 0), stateWord(seed, 3, 0));
  let a1 = i32x4(stateWord(seed, 0, 1), stateWord(seed, 1, 1), stateWord(seed, 2, 1), stateWord(seed, 3, 1));
  let a2 = i32x4(stateWord(seed, 0, 2), stateWord(seed, 1, 2), stateWord(seed, 2, 2), stateWord(seed, 3, 2));
  let a3 = i32x4(stateWord(seed, 0, 3), stateWord(seed, 1, 3), stateWord(seed, 2, 3), stateWord(seed, 3, 3));
  let b0 = i32x4(stateWord(seed, 4, 0), stateWord(seed, 5, 0), stateWord(seed, 6, 0), stateWord(seed, 7, 0));
  let b1 = i32x4(stateWord(seed, 4, 1), stateWord(seed, 5, 1), stateWord(seed, 6, 1), stateWord(seed, 7, 1));
  let b2 = i32x4(stateWord(seed, 4, 2), stateWord(seed, 5, 2), stateWord(seed, 6, 2), stateWord(seed, 7, 2));
  let b3 = i32x4(stateWord(seed, 4, 3), stateWord(seed, 5, 3), stateWord(seed, 6, 3), stateWord(seed, 7, 3));
  const vMin = f32x4.splat(minval);
  const vRange = f32x4.splat(range);
  const vUpper = f32x4.splat(upper);
  const steps = n / LANES;
  let p = out;
  // One step of all eight streams per iteration: 8 outputs.
  for (let s: u32 = 0; s < steps; s++) {
    const ra = i32x4.add(a0, a3);
    const rb = i32x4.add(b0, b3);
    const ta = i32x4.shl(a1, 9);
    const tb = i32x4.shl(b1, 9);
    a2 = v128.xor(a2, a0); b2 = v128.xor(b2, b0);
    a3 = v128.xor(a3, a1); b3 = v128.xor(b3, b1);
    a1 = v128.xor(a1, a2); b1 = v128.xor(b1, b2);
    a0 = v128.xor(a0, a3); b0 = v128.xor(b0, b3);
    a2 = v128.xor(a2, ta); b2 = v128.xor(b2, tb);
    a3 = rotl4(a3, 11); b3 = rotl4(b3, 11);
    v128.store(p, f32x4.min(f32x4.add(f32x4.mul(toUnit(ra), vRange), vMin), vUpper));
    v128.store(p, f32x4.min(f32x4.add(f32x4.mul(toUnit(rb), vRange), vMin), vUpper), 16);
    p += 32;
  }
  // Tail (n mod 8 elements): one more step of the streams, storing only the first `rest` lanes
  // (lane indices must be constants, hence the ladder).
  const rest = n - steps * LANES;
  if (rest > 0) {
    const ra = f32x4.min(f32x4.add(f32x4.mul(toUnit(i32x4.add(a0, a3)), vRange), vMin), vUpper);
    const rb = f32x4.min(f32x4.add(f32x4.mul(toUnit(i32x4.add(b0, b3)), vRange), vMin), vUpper);
    v128.store32_lane(p, ra, 0);
    if (rest > 1) v128.store32_lane(p, ra, 1, 4);
    if (rest > 2) v128.store32_lane(p, ra, 2, 8);
    if (rest > 3) v128.store32_lane(p, ra, 3, 12);
    if (rest > 4) v128.store32_lane(p, rb, 0, 16);
    if (rest > 5) v128.store32_lane(p, rb, 1, 20);
    if (rest > 6) v128.store32_lane(p, rb, 2, 24);
  }
  return out;
}
