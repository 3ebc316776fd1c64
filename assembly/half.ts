// Gathers from 16-bit float tables (IEEE binary16 "float16", and bfloat16), widening each value
// to float32 exactly. Keras' Embedding gathers the variable in its own dtype and casts it to the
// compute dtype (keras/src/layers/core/embedding.py, call); the widening here is that cast's
// float32 image, lossless. Indices must already be checked (see indices.ts).
import { linesOf, readsStoredInTouchedChunks, touchedChunkRows, touchRows, touchRowsAheadInBursts, worthReadingAhead } from "./gather-ahead";
import { float16RowsOf64 } from "./rows-of-64";

/** 2^112: moves a binary16 exponent (bias 15) shifted into float32's field (bias 127) into place. */
export const REBIAS: f32 = 5.192296858534828e33;

/**
 * Four binary16 values (in the low 16 bits of each lane) as float32 bit patterns. Normal and
 * subnormal halves become exact float32 values through one exact multiply by 2^112; infinities and
 * NaNs (which that multiply leaves with exponent 143) get their exponent field filled with ones.
 */
// @ts-ignore: decorator
@inline function halfToSingle(h: v128): v128 {
  const magnitude = v128.and(h, i32x4.splat(0x7fff));
  const sign = i32x4.shl(v128.xor(h, magnitude), 16);
  const finite = f32x4.mul(i32x4.shl(magnitude, 13), f32x4.splat(REBIAS));
  const special = v128.and(i32x4.gt_s(magnitude, i32x4.splat(0x7bff)), i32x4.splat(0x7f800000));
  return v128.or(finite, v128.or(sign, special));
}

/** One binary16 value as float32, the scalar form of halfToSingle. */
// @ts-ignore: decorator
@inline function halfToSingleScalar(h: u32): f32 {
  const magnitude = h & 0x7fff;
  const shifted = magnitude << 13;
  const bits = magnitude > 0x7bff ? shifted | 0x7f800000 : reinterpret<u32>(reinterpret<f32>(shifted) * REBIAS);
  return reinterpret<f32>(bits | ((h & 0x8000) << 16));
}

/**
 * Eight binary16 values as float32 stored at `dst` (32 bytes), assuming none is infinite or NaN:
 * each lane's bits before the rebias are put together from two 16-bit halves (the low one the
 * half shifted left by 13, the high one shifted right by 3 with the sign kept), so the sign lands
 * at bit 31 and the exponent and mantissa at bits 13-27; one exact multiply by 2^112 then rebiases
 * normal and subnormal values alike. `high` is splat16(0x8fff), `rebias` splat(2^112).
 */
// @ts-ignore: decorator
@inline export function storeFiniteHalves(v: v128, high: v128, rebias: v128, dst: usize): void {
  const lo = i16x8.shl(v, 13);
  const hi = v128.and(i16x8.shr_s(v, 3), high);
  v128.store(dst, f32x4.mul(i16x8.shuffle(lo, hi, 0, 8, 1, 9, 2, 10, 3, 11), rebias));
  v128.store(dst, f32x4.mul(i16x8.shuffle(lo, hi, 4, 12, 5, 13, 6, 14, 7, 15), rebias), 16);
}

/** Each lane's half with the sign shifted out: 0xf800 and above are the infinities and NaNs. */
// @ts-ignore: decorator
@inline export function withoutSign(v: v128): v128 {
  return i16x8.shl(v, 1);
}

/**
 * out[i, :] = table[idx[i], :] widened from float16 (2 bytes a value) to float32. Returns `out`.
 * Rows are widened on the finite path (storeFiniteHalves) while the largest exponent seen is
 * tracked; a row holding an infinity or a NaN is then widened again on the exact path. Far tables
 * (readsStoredInTouchedChunks) are read in touched chunks, as gatherRows reads float32 tables.
 */
export function gatherFloat16(table: usize, rows: u32, dim: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>dim << 1;
  if (!readsStoredInTouchedChunks(rows, rowBytes)) return float16Rows(table, dim, idx, n, out, worthReadingAhead(rows, rowBytes));
  return halfRowsInTouchedChunks(float16Rows, table, dim, idx, n, out);
}

/** Widens rows idx[0..n) of a 16-bit table into out; reads rows ahead in bursts when `readAhead`. */
type HalfRows = (table: usize, dim: u32, idx: usize, n: u32, out: usize, readAhead: bool) => usize;

/** `widen` on rows idx[0..n) of a far 16-bit table, a touched chunk at a time. Returns `out`. */
function halfRowsInTouchedChunks(widen: HalfRows, table: usize, dim: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>dim << 1;
  const chunk = touchedChunkRows(linesOf(rowBytes));
  for (let first: usize = 0; first < <usize>n; first += chunk) {
    const m = <usize>n - first < chunk ? <usize>n - first : chunk;
    touchRows(table, rowBytes, idx + (first << 2), m);
    widen(table, dim, idx + (first << 2), <u32>m, out + first * (rowBytes << 1), false);
  }
  return out;
}

/** gatherFloat16 on rows idx[0..n), reading rows ahead in bursts when `readAhead`. */
function float16Rows(table: usize, dim: u32, idx: usize, n: u32, out: usize, readAhead: bool): usize {
  const rowBytes = <usize>dim << 1;
  const last = <usize>n - 1;
  const blocks = dim & ~31;
  const vectors = dim & ~7;
  const high = i16x8.splat(<i16>0x8fff);
  const rebias = f32x4.splat(REBIAS);
  const specialFrom = i16x8.splat(<i16>0xf800);
  for (let i: usize = 0; i < <usize>n; i++) {
    if (dim == 64) {
      // Straight-line rows while they hold no infinity or NaN; this loop takes the row that does.
      i = float16RowsOf64(table, idx, i, n, out, readAhead);
      if (i == <usize>n) break;
    }
    if (readAhead) touchRowsAheadInBursts(table, rowBytes, idx, i, last);
    const src = table + <usize>load<u32>(idx + (i << 2)) * rowBytes;
    const dst = out + i * (rowBytes << 1);
    let largest = i16x8.splat(0);
    let j: u32 = 0;
    for (; j < blocks; j += 32) {
      const s = src + (<usize>j << 1);
      const d = dst + (<usize>j << 2);
      const a = v128.load(s);
      const b = v128.load(s, 16);
      const c = v128.load(s, 32);
      const e = v128.load(s, 48);
      largest = i16x8.max_u(largest, i16x8.max_u(i16x8.max_u(withoutSign(a), withoutSign(b)), i16x8.max_u(withoutSign(c), withoutSign(e))));
      storeFiniteHalves(a, high, rebias, d);
      storeFiniteHalves(b, high, rebias, d + 32);
      storeFiniteHalves(c, high, rebias, d + 64);
      storeFiniteHalves(e, high, rebias, d + 96);
    }
    for (; j < vectors; j += 8) {
      const v = v128.load(src + (<usize>j << 1));
      largest = i16x8.max_u(largest, withoutSign(v));
      storeFiniteHalves(v, high, rebias, dst + (<usize>j << 2));
    }
    if (v128.any_true(i16x8.ge_u(largest, specialFrom))) {
      for (j = 0; j < vectors; j += 8) {
        const v = v128.load(src + (<usize>j << 1));
        v128.store(dst + (<usize>j << 2), halfToSingle(i32x4.extend_low_i16x8_u(v)));
        v128.store(dst + (<usize>j << 2), halfToSingle(i32x4.extend_high_i16x8_u(v)), 16);
      }
    }
    if (j + 4 <= dim) {
      v128.store(dst + (<usize>j << 2), halfToSingle(i32x4.extend_low_i16x8_u(v128.load64_zero(src + (<usize>j << 1)))));
      j += 4;
    }
    for (; j < dim; j++) store<f32>(dst + (<usize>j << 2), halfToSingleScalar(<u32>load<u16>(src + (<usize>j << 1))));
  }
  return out;
}

/** Eight bfloat16 values as float32 (each the top half of its lane, zeros below) stored at `dst` (32 bytes). */
// @ts-ignore: decorator
@inline function storeBfloats(v: v128, dst: usize): void {
  const zero = i32x4.splat(0);
  v128.store(dst, i16x8.shuffle(zero, v, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(dst, i16x8.shuffle(zero, v, 4, 12, 5, 13, 6, 14, 7, 15), 16);
}

/**
 * out[i, :] = table[idx[i], :] widened from bfloat16 (the top half of a float32) to float32, from a
 * table of `rows` rows (read in touched chunks when far: readsStoredInTouchedChunks). Returns `out`.
 */
export function gatherBfloat16(table: usize, rows: u32, dim: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>dim << 1;
  if (!readsStoredInTouchedChunks(rows, rowBytes)) return bfloat16Rows(table, dim, idx, n, out, true);
  return halfRowsInTouchedChunks(bfloat16Rows, table, dim, idx, n, out);
}

/** gatherBfloat16 on rows idx[0..n), reading rows ahead in bursts when `readAhead`. */
function bfloat16Rows(table: usize, dim: u32, idx: usize, n: u32, out: usize, readAhead: bool): usize {
  const rowBytes = <usize>dim << 1;
  const last = <usize>n - 1;
  const blocks = dim & ~31;
  const vectors = dim & ~7;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (readAhead) touchRowsAheadInBursts(table, rowBytes, idx, i, last);
    const src = table + <usize>load<u32>(idx + (i << 2)) * rowBytes;
    const dst = out + i * (rowBytes << 1);
    let j: u32 = 0;
    // Four vectors an iteration: the loads of a block issue together (measured faster than one at a time).
    for (; j < blocks; j += 32) {
      const s = src + (<usize>j << 1);
      const d = dst + (<usize>j << 2);
      const a = v128.load(s);
      const b = v128.load(s, 16);
      const c = v128.load(s, 32);
      const e = v128.load(s, 48);
      storeBfloats(a, d);
      storeBfloats(b, d + 32);
      storeBfloats(c, d + 64);
      storeBfloats(e, d + 96);
    }
    for (; j < vectors; j += 8) storeBfloats(v128.load(src + (<usize>j << 1)), dst + (<usize>j << 2));
    if (j + 4 <= dim) {
      v128.store(dst + (<usize>j << 2), i16x8.shuffle(i32x4.splat(0), v128.load64_zero(src + (<usize>j << 1)), 0, 8, 1, 9, 2, 10, 3, 11));
      j += 4;
    }
    for (; j < dim; j++) store<u32>(dst + (<usize>j << 2), <u32>load<u16>(src + (<usize>j << 1)) << 16);
  }
  return out;
}

/**
 * The float16 pattern nearest the float32 `x` (bits), ties to even, overflow to infinity, subnormals
 * kept. A NaN keeps the top ten bits of its payload; two conversions Keras reaches differ in the
 * quiet bit: NumPy's astype (variable assignment) leaves it as it was and makes a payload that would
 * vanish 1, XLA's convert (a mixed_float16 lookup) sets it. `quiet` picks XLA's.
 */
function singleToHalf(x: u32, quiet: bool): u32 {
  const sign = (x >> 16) & 0x8000;
  const exponent = <i32>((x >> 23) & 0xff);
  const mantissa = x & 0x7fffff;
  if (exponent == 0xff) {
    if (mantissa == 0) return sign | 0x7c00;
    if (quiet) return sign | 0x7e00 | (mantissa >> 13);
    const payload = mantissa >> 13;
    return sign | 0x7c00 | (payload != 0 ? payload : 1);
  }
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00;
  if (unbiased >= -14) {
    let half = (<u32>(unbiased + 15) << 10) | (mantissa >> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) half++;
    return sign | half;
  }
  if (unbiased < -25) return sign;
  const significand = mantissa | 0x800000;
  const shift = <u32>(-unbiased - 1);
  let half = significand >> shift;
  const rest = significand & ((<u32>1 << shift) - 1);
  const tie = <u32>1 << (shift - 1);
  if (rest > tie || (rest == tie && (half & 1) != 0)) half++;
  return sign | half;
}

/** dst[i] = the float16 nearest src[i] (n float32s), as NumPy's astype(float16) rounds (NaN payloads included). Returns `dst`. */
export function roundToFloat16(src: usize, n: u32, dst: usize): usize {
  for (let i: usize = 0; i < <usize>n; i++) store<u16>(dst + (i << 1), <u16>singleToHalf(load<u32>(src + (i << 2)), false));
  return dst;
}

/** dst[i] = the bfloat16 nearest src[i] (n float32s): top 16 bits rounded to nearest even, NaN the canonical quiet NaN. Returns `dst`. */
export function roundToBfloat16(src: usize, n: u32, dst: usize): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    store<u16>(dst + (i << 1), <u16>singleToBfloat(load<u32>(src + (i << 2))));
  }
  return dst;
}

/**
 * The bfloat16 pattern nearest the float32 `x` (bits): top half rounded to nearest even. Every NaN
 * becomes the canonical quiet NaN 0x7fc0 with its sign, as ml_dtypes (Eigen) and XLA convert it.
 */
// @ts-ignore: decorator
@inline function singleToBfloat(x: u32): u32 {
  return (x & 0x7fffffff) > 0x7f800000 ? ((x >> 16) & 0x8000) | 0x7fc0 : (x + 0x7fff + ((x >> 16) & 1)) >> 16;
}

/** The float16 value nearest `x`, as a float32: XLA's convert (a NaN quieted). */
// @ts-ignore: decorator
@inline export function narrowScalarToFloat16(x: f32): f32 {
  return halfToSingleScalar(singleToHalf(reinterpret<u32>(x), true));
}

/** The bfloat16 value nearest `x`, as a float32. */
// @ts-ignore: decorator
@inline export function narrowScalarToBfloat16(x: f32): f32 {
  return reinterpret<f32>(singleToBfloat(reinterpret<u32>(x)) << 16);
}

/** p[i] = the float16 value nearest p[i], as a float32 (n values, in place; a NaN quieted as XLA's convert does). Returns `p`. */
export function narrowToFloat16(p: usize, n: u32): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    const at = p + (i << 2);
    store<f32>(at, narrowScalarToFloat16(load<f32>(at)));
  }
  return p;
}

/** p[i] = the bfloat16 value nearest p[i], as a float32 (n values, in place). Returns `p`. */
export function narrowToBfloat16(p: usize, n: u32): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    const at = p + (i << 2);
    store<f32>(at, narrowScalarToBfloat16(load<f32>(at)));
  }
  return p;
}
