// Index validation and conversion. Every conversion maps an input that is not a valid int32 index
// (NaN, +-Infinity, a value whose truncation falls outside int32) to -1, so that the single unsigned
// range check in `firstOutOfRange` rejects it; the wrapper then reports the caller's original value.

/**
 * Returns the first position `i < n` whose index `idx[i]` is not in `[0, rows)`, or `n` when all are.
 * One unsigned compare per index also rejects negatives. `rows` must be at most 2^31.
 */
export function firstOutOfRange(idx: usize, n: u32, rows: u32): u32 {
  const limit = i32x4.splat(rows);
  const vecEnd = n & ~3;
  let i: u32 = 0;
  // 16 indices per step: one branch per four vectors.
  const blockEnd = n & ~15;
  for (; i < blockEnd; i += 16) {
    const p = idx + (<usize>i << 2);
    const ok = v128.and(
      v128.and(i32x4.lt_u(v128.load(p), limit), i32x4.lt_u(v128.load(p, 16), limit)),
      v128.and(i32x4.lt_u(v128.load(p, 32), limit), i32x4.lt_u(v128.load(p, 48), limit)),
    );
    if (!i32x4.all_true(ok)) break;
  }
  for (; i < vecEnd; i += 4) {
    if (!i32x4.all_true(i32x4.lt_u(v128.load(idx + (<usize>i << 2)), limit))) break;
  }
  for (; i < n; i++) {
    if (load<u32>(idx + (<usize>i << 2)) >= rows) return i;
  }
  return n;
}

/**
 * Converts `n` float64 values at `src` to int32 indices at `dst`, truncating toward zero as Keras'
 * cast to int32 does (2.7 -> 2, -0.4 -> 0). NaN becomes -1; +-Infinity and values beyond int32
 * saturate to INT32_MIN / INT32_MAX, which no table of at most 2^30 rows accepts.
 * `dst` may alias the start of `src` (each store lands behind the loads it depends on).
 */
export function f64ToIndices(src: usize, n: u32, dst: usize): usize {
  const minusOne = f64x2.splat(-1.0);
  const vecEnd = n & ~3;
  let i: u32 = 0;
  for (; i < vecEnd; i += 4) {
    const p = src + (<usize>i << 3);
    let a = v128.load(p);
    let b = v128.load(p, 16);
    a = v128.bitselect(a, minusOne, f64x2.eq(a, a));
    b = v128.bitselect(b, minusOne, f64x2.eq(b, b));
    const lo = i32x4.trunc_sat_f64x2_s_zero(a);
    const hi = i32x4.trunc_sat_f64x2_s_zero(b);
    v128.store(dst + (<usize>i << 2), i32x4.shuffle(lo, hi, 0, 1, 4, 5));
  }
  for (; i < n; i++) {
    const v = load<f64>(src + (<usize>i << 3));
    // NaN fails both comparisons.
    store<i32>(dst + (<usize>i << 2), v > -2147483649.0 && v < 2147483648.0 ? <i32>v : -1);
  }
  return dst;
}

/** As `f64ToIndices`, for float32 input. `dst` may equal `src`. */
export function f32ToIndices(src: usize, n: u32, dst: usize): usize {
  const minusOne = f32x4.splat(-1.0);
  const vecEnd = n & ~3;
  let i: u32 = 0;
  for (; i < vecEnd; i += 4) {
    const p = <usize>i << 2;
    let a = v128.load(src + p);
    a = v128.bitselect(a, minusOne, f32x4.eq(a, a));
    v128.store(dst + p, i32x4.trunc_sat_f32x4_s(a));
  }
  for (; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    store<i32>(dst + (<usize>i << 2), v >= <f32>-2147483648.0 && v < <f32>2147483648.0 ? <i32>v : -1);
  }
  return dst;
}

/** Converts `n` int64 values to int32 indices; values outside int32 become -1. `dst` may alias `src`. */
export function i64ToIndices(src: usize, n: u32, dst: usize): usize {
  for (let i: u32 = 0; i < n; i++) {
    const v = load<i64>(src + (<usize>i << 3));
    store<i32>(dst + (<usize>i << 2), v == <i64><i32>v ? <i32>v : -1);
  }
  return dst;
}
