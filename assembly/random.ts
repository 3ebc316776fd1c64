// Seeded random fills for the initializers: uniform, normal and truncated normal.
//
// Generator: xoshiro128+ (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
// 2018) run as 8 independent streams: two v128 groups of four lanes, A = streams 0-3 and
// B = streams 4-7, kept in locals during a fill and in a 128-byte state block between fills
// (seedRandomState, fillRandom), so a table can be filled in pieces. Seeding: a SplitMix64 sequence started at the 64-bit seed;
// stream s takes draws 2s+1 and 2s+2 as its state words (lo, hi, lo, hi). SplitMix64 is a
// bijection of its counter, so no stream's state is all zero and different seeds start different
// streams. Each step of all eight streams yields 8 outputs, written in order, so element e of a
// fill depends only on (seed, e, distribution): the vector body and the tail (which runs the same
// vector code and stores the first lanes) agree, and a prefix does not depend on the fill's length.
//
// Unit floats: u = (x >>> 8) * 2^-24 in [0, 1) (24 bits, exact in float32).
//   UNIFORM     out[8k + l] = minval + u * range   (A lanes give l = 0..3, B lanes l = 4..7), computed
//               as (x >>> 8) * step + minval with step = range * 2^-24 from the caller: the same float32
//               product, since both scalings by 2^-24 are exact (range >= 2^-102, i.e. step normal), capped
//               at `upper`, the float below maxval, where float32 rounding can reach maxval (the caller
//               passes upper = +Infinity where even the largest value, k = 2^24 - 1, stays below it).
//   SYMMETRIC_UNIFORM   U[-maxval, maxval) (minval = -maxval exactly: RandomUniform's default and every
//               VarianceScaling uniform): j = x >> 8 (signed, in [-2^23, 2^23)), out = j * (maxval * 2^-23)
//               rounded once to float32. Computed as float(x & 0xffffff00) * (maxval * 2^-31): the
//               masked integer is exact in float32 and both scalings by powers of two are exact, so the
//               product is the same float (caller: maxval * 2^-31 normal). j = -2^23 gives -maxval
//               exactly; the largest, maxval * (1 - 2^-23), lies at least one float below maxval, so
//               no cap is needed. Three vector operations per 4 values where UNIFORM takes four.
//   NORMAL      Box-Muller: u1 = ((xA >>> 8) + 1) * 2^-24 in (0, 1], u2 = u(xB);
//               r = sqrt(-2 ln u1); out[8k + l] = mean + stddev * r cos(2 pi u2) for l = 0..3 and
//               mean + stddev * r sin(2 pi u2) for l = 4..7. |z| <= sqrt(2 ln 2^24) = 5.77.
//   TRUNCATED   the NORMAL candidates; each output slot keeps the first candidate, in step order,
//               with |z| <= bound (2 for Keras' TruncatedNormal, inclusive as NumPy's rejection
//               sampler), so values lie in [mean - bound * stddev, mean + bound * stddev]. All streams
//               step together until every slot of the group of 8 is filled.
import { cosTurn4, log4, sinTurn4 } from "./mathf4";

export const UNIFORM: u32 = 0;
export const NORMAL: u32 = 1;
export const TRUNCATED_NORMAL: u32 = 2;
export const SYMMETRIC_UNIFORM: u32 = 3;
/** UNIFORM without the cap (fillRandom picks it when `upper` is +Infinity): one instruction fewer per 4 values. */
const UNIFORM_UNCAPPED: u32 = 4;

const INV_2_24: f32 = 5.9604644775390625e-8; // 2^-24
const GOLDEN: u64 = 0x9e3779b97f4a7c15;

// @ts-ignore: decorator
@inline function splitmix64(state: u64): u64 {
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** State word `w` (0..3) of stream `s` for a seed. */
// @ts-ignore: decorator
@inline function stateWord(seed: u64, s: u32, w: u32): u32 {
  const draw = splitmix64(seed + GOLDEN * <u64>(2 * s + (w >> 1) + 1));
  return (w & 1) ? <u32>(draw >> 32) : <u32>draw;
}

// @ts-ignore: decorator
@inline function rotl4(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}

/** 24-bit unit floats k * 2^-24; `plusOne` shifts them to (0, 1]. After >>> 8 the integer is below
 *  2^24, so the signed convert (one native instruction, unlike the unsigned one) is exact. */
// @ts-ignore: decorator
@inline function unit(x: v128, plusOne: bool): v128 {
  let k = i32x4.shr_u(x, 8);
  if (plusOne) k = i32x4.add(k, i32x4.splat(1));
  return f32x4.mul(f32x4.convert_i32x4_s(k), f32x4.splat(INV_2_24));
}

// @ts-ignore: decorator
@inline function radius(u1: v128): v128 {
  return f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(u1)));
}

// @ts-ignore: decorator
@inline function affine(z: v128, scale: v128, offset: v128): v128 {
  return f32x4.add(f32x4.mul(z, scale), offset);
}

/** Stores the first `rest` (1..7) lanes of lo:hi at p. Lane indices must be constants. */
// @ts-ignore: decorator
@inline function storeFirst(p: usize, lo: v128, hi: v128, rest: u32): void {
  v128.store32_lane(p, lo, 0);
  if (rest > 1) v128.store32_lane(p, lo, 1, 4);
  if (rest > 2) v128.store32_lane(p, lo, 2, 8);
  if (rest > 3) v128.store32_lane(p, lo, 3, 12);
  if (rest > 4) v128.store32_lane(p, hi, 0, 16);
  if (rest > 5) v128.store32_lane(p, hi, 1, 20);
  if (rest > 6) v128.store32_lane(p, hi, 2, 24);
}

/** Bytes of generator state: the 4 words of each of the 8 xoshiro128+ streams, as 8 v128. */
export const RANDOM_STATE_BYTES: u32 = 128;

/**
 * Writes the generator state for the 64-bit seed (seedHi:seedLo) at `state` (RANDOM_STATE_BYTES):
 * v128 `w` holds word w of streams 0-3, v128 4 + w word w of streams 4-7. Returns `state`.
 */
export function seedRandomState(state: usize, seedLo: u32, seedHi: u32): usize {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  for (let w: u32 = 0; w < 4; w++) {
    v128.store(state + (<usize>w << 4), i32x4(stateWord(seed, 0, w), stateWord(seed, 1, w), stateWord(seed, 2, w), stateWord(seed, 3, w)));
    v128.store(state + (<usize>(4 + w) << 4), i32x4(stateWord(seed, 4, w), stateWord(seed, 5, w), stateWord(seed, 6, w), stateWord(seed, 7, w)));
  }
  return state;
}

/**
 * Fills `n` float32s at `out` from the generator state at `state` (see seedRandomState) with
 * distribution `kind`: UNIFORM (p0 = minval, p1 = step = range * 2^-24, p2 = upper), SYMMETRIC_UNIFORM
 * (p1 = maxval * 2^-31; p0, p2 unused), NORMAL (p0 = mean,
 * p1 = stddev) or TRUNCATED_NORMAL (p0 = mean, p1 = stddev, p2 = bound in standard deviations),
 * and leaves the advanced state there. Each group of 8 values takes what the streams give next, so
 * filling a table in pieces whose lengths are multiples of 8 gives the same values as one fill
 * (how `apply` fills a fresh array through a small buffer). Returns `out`.
 */
export function fillRandom(out: usize, n: u32, state: usize, kind: u32, p0: f32, p1: f32, p2: f32): usize {
  // Each call below inlines the loop with a constant kind, so the optimizer drops the other
  // distributions' branches and every distribution runs a loop of its own.
  if (kind == UNIFORM) {
    // The caller passes upper = +Infinity when no value can round up to maxval (uniformDraw checks
    // the largest one); the cap is then the identity and its loop is skipped.
    if (p2 == Infinity) fillLoop(UNIFORM_UNCAPPED, out, n, state, p0, p1, p2);
    else fillLoop(UNIFORM, out, n, state, p0, p1, p2);
  }
  else if (kind == SYMMETRIC_UNIFORM) fillLoop(SYMMETRIC_UNIFORM, out, n, state, p0, p1, p2);
  else if (kind == NORMAL) fillLoop(NORMAL, out, n, state, p0, p1, p2);
  else fillLoop(TRUNCATED_NORMAL, out, n, state, p0, p1, p2);
  return out;
}

// @ts-ignore: decorator
@inline function fillLoop(kind: u32, out: usize, n: u32, state: usize, p0: f32, p1: f32, p2: f32): void {
  let a0 = v128.load(state), a1 = v128.load(state, 16), a2 = v128.load(state, 32), a3 = v128.load(state, 48);
  let b0 = v128.load(state, 64), b1 = v128.load(state, 80), b2 = v128.load(state, 96), b3 = v128.load(state, 112);
  const v0 = f32x4.splat(p0);
  const v1 = f32x4.splat(p1);
  const v2 = f32x4.splat(p2);
  if (n == 0) return;
  // The loop's only test is for the last group, which may be partial and is stored after it: per
  // group of 8, one compare instead of counting groups and computing how many values remain
  // (1-3% faster for the uniform fill, A/B).
  const last = out + (<usize>((n - 1) >> 3) << 5);
  let p = out;
  let lo = i32x4.splat(0);
  let hi = i32x4.splat(0);
  while (true) {
    lo = i32x4.splat(0);
    hi = i32x4.splat(0);
    let haveLo = i32x4.splat(0);
    let haveHi = i32x4.splat(0);
    // One step of all streams per pass; only TRUNCATED_NORMAL may take more than one pass.
    while (true) {
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
      if (kind == SYMMETRIC_UNIFORM) {
        // The top 24 bits kept in place (the scale carries the 2^-8); an arithmetic shift by 8 with
        // the scale maxval * 2^-23 gives the same floats and measured the same speed.
        lo = f32x4.mul(f32x4.convert_i32x4_s(v128.and(ra, i32x4.splat(0xffffff00))), v1);
        hi = f32x4.mul(f32x4.convert_i32x4_s(v128.and(rb, i32x4.splat(0xffffff00))), v1);
        break;
      }
      if (kind == UNIFORM || kind == UNIFORM_UNCAPPED) {
        // unit()'s multiply by 2^-24 is folded into step (p1): one multiply fewer per 4 values.
        lo = affine(f32x4.convert_i32x4_s(i32x4.shr_u(ra, 8)), v1, v0);
        hi = affine(f32x4.convert_i32x4_s(i32x4.shr_u(rb, 8)), v1, v0);
        if (kind == UNIFORM) {
          // The cap is pmin (b < a ? b : a: one minps), not min: min's NaN and -0 rules cost V8
          // about six more instructions per vector (28% of the fill, A/B) and cannot matter here:
          // the values are finite and `upper` is never NaN or zero (uniformDraw).
          lo = f32x4.pmin(lo, v2);
          hi = f32x4.pmin(hi, v2);
        }
        break;
      }
      const r = radius(unit(ra, true));
      const t = unit(rb, false);
      const zc = f32x4.mul(r, cosTurn4(t));
      const zs = f32x4.mul(r, sinTurn4(t));
      if (kind == NORMAL) {
        lo = affine(zc, v1, v0);
        hi = affine(zs, v1, v0);
        break;
      }
      const takeLo = v128.andnot(f32x4.le(f32x4.abs(zc), v2), haveLo);
      const takeHi = v128.andnot(f32x4.le(f32x4.abs(zs), v2), haveHi);
      lo = v128.bitselect(zc, lo, takeLo);
      hi = v128.bitselect(zs, hi, takeHi);
      haveLo = v128.or(haveLo, takeLo);
      haveHi = v128.or(haveHi, takeHi);
      if (i32x4.all_true(v128.and(haveLo, haveHi))) {
        lo = affine(lo, v1, v0);
        hi = affine(hi, v1, v0);
        break;
      }
    }
    if (p == last) break;
    v128.store(p, lo);
    v128.store(p, hi, 16);
    p += 32;
  }
  const rest = n - (<u32>(last - out) >> 2);
  if (rest == 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  } else {
    storeFirst(p, lo, hi, rest);
  }
  v128.store(state, a0); v128.store(state, a1, 16); v128.store(state, a2, 32); v128.store(state, a3, 48);
  v128.store(state, b0, 64); v128.store(state, b1, 80); v128.store(state, b2, 96); v128.store(state, b3, 112);
}
