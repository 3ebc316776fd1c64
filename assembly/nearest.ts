// Scores of every table row against query vectors, for exact (brute-force) nearest-neighbour search,
// and the selection of the best k. The products are logits.ts' blocked kernel; the metric is applied
// in a second, vectorized pass over the scores (q x rows floats, small beside the table).
import { matmulNT, productNT } from "./logits";

export const METRIC_DOT: u32 = 0;
export const METRIC_COSINE: u32 = 1;
export const METRIC_EUCLIDEAN: u32 = 2;

/**
 * Σ x² of `len` float32s at p with every square exact (formed in float64, where a float32's square
 * neither overflows nor underflows), summed in float64: the norm of any finite float32 vector is
 * right to float32 precision, from subnormal entries to entries near 3e38.
 */
function exactSumSquares(p: usize, len: u32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    sum += x * x;
  }
  return sum;
}

/** The L2 norm of each of `rows` rows of a rows x dim float32 table, as float32 (exact squares, see exactSumSquares), into out. Returns out. */
export function rowNormsF32(table: usize, rows: u32, dim: u32, out: usize): usize {
  const rowBytes = <usize>dim << 2;
  for (let r: u32 = 0; r < rows; r++) store<f32>(out + (<usize>r << 2), <f32>Math.sqrt(exactSumSquares(table + <usize>r * rowBytes, dim)));
  return out;
}

/**
 * out (q x rows) = the score of each table row for each query (q x dim): METRIC_DOT the dot product;
 * METRIC_COSINE the dot product over the row's norm (`rowNorms`: rows float32 from rowNormsF32),
 * for queries already scaled to unit length (or zero): the product then never exceeds the row's
 * norm, so no entry of a finite table overflows it. 0 when the row's norm is 0 (NaN for a NaN query), NaN when either
 * vector holds a NaN (so such rows rank last, as with the other metrics). METRIC_EUCLIDEAN the
 * Euclidean distance, from the squared differences themselves (no |x|² + |y|² − 2x·y
 * cancellation), redone in float64 where float32 squares overflow or underflow. Returns out.
 */
export function scoreRows(queries: usize, q: u32, table: usize, rows: u32, dim: u32, metric: u32, rowNorms: usize, out: usize): usize {
  if (metric == METRIC_EUCLIDEAN) {
    productNT(queries, q, dim, table, rows, out, rows, true);
    const bytes = (<usize>q * <usize>rows) << 2;
    const whole = bytes & ~(<usize>15);
    let i: usize = 0;
    for (; i < whole; i += 16) v128.store(out + i, f32x4.sqrt(v128.load(out + i)));
    for (; i < bytes; i += 4) store<f32>(out + i, Mathf.sqrt(load<f32>(out + i)));
    redoOutOfRange(queries, q, table, rows, dim, out);
    return out;
  }
  matmulNT(queries, q, dim, table, rows, out);
  if (metric == METRIC_COSINE) {
    const whole = rows & ~(<u32>3);
    for (let i: u32 = 0; i < q; i++) {
      const o = out + ((<usize>i * <usize>rows) << 2);
      let r: u32 = 0;
      for (; r < whole; r += 4) {
        const p = o + (<usize>r << 2);
        const d = v128.load(rowNorms + (<usize>r << 2));
        const dot = v128.load(p);
        // d == 0 ? |dot · 0| : dot / d, four at a time: a zero row scores 0, or NaN for a NaN query (its dot is NaN).
        v128.store(p, v128.bitselect(f32x4.abs(f32x4.mul(dot, f32x4.splat(0))), f32x4.div(dot, d), f32x4.eq(d, f32x4.splat(0))));
      }
      for (; r < rows; r++) {
        const d = load<f32>(rowNorms + (<usize>r << 2));
        const p = o + (<usize>r << 2);
        const dot = load<f32>(p);
        store<f32>(p, d == 0 ? Mathf.abs(dot * 0) : dot / d);
      }
    }
  }
  return out;
}

/** Below this a float32 distance may have lost digits: its sum of squares was under float32's smallest normal number, 2^-126. */
const TINY_DISTANCE: f32 = 1.0842021724855044e-19; // 2^-63

/** The Euclidean distance of two dim-long float32 vectors in float64 (exact differences), as float32. */
function exactDistance(x: usize, y: usize, dim: u32): f32 {
  let sum: f64 = 0;
  for (let d: u32 = 0; d < dim; d++) {
    const diff = <f64>load<f32>(x + (<usize>d << 2)) - <f64>load<f32>(y + (<usize>d << 2));
    sum += diff * diff;
  }
  return <f32>Math.sqrt(sum);
}

/**
 * Recomputes, in float64, the distances of `out` that float32 squares could not hold: infinite ones
 * (a difference or its square beyond float32, for entries near 1e19 and up) and those below
 * TINY_DISTANCE (squares under the normal range). Scores are checked four at a time, so the
 * distances of ordinary vectors cost one compare each.
 */
function redoOutOfRange(queries: usize, q: u32, table: usize, rows: u32, dim: u32, out: usize): void {
  const tiny = f32x4.splat(TINY_DISTANCE);
  const huge = f32x4.splat(Infinity);
  const rowBytes = <usize>dim << 2;
  for (let i: u32 = 0; i < q; i++) {
    const o = out + ((<usize>i * <usize>rows) << 2);
    const x = queries + <usize>i * rowBytes;
    let r: u32 = 0;
    for (; r + 4 <= rows; r += 4) {
      const v = v128.load(o + (<usize>r << 2));
      // NaN fails both compares and is redone too (to NaN again): rare, and no special case.
      if (!v128.any_true(v128.or(f32x4.lt(v, tiny), v128.not(f32x4.lt(v, huge))))) continue;
      for (let j: u32 = r; j < r + 4; j++) redoOne(x, table + <usize>j * rowBytes, dim, o + (<usize>j << 2), TINY_DISTANCE);
    }
    for (; r < rows; r++) redoOne(x, table + <usize>r * rowBytes, dim, o + (<usize>r << 2), TINY_DISTANCE);
  }
}

// @ts-ignore: decorator
@inline function redoOne(x: usize, y: usize, dim: u32, at: usize, tiny: f32): void {
  const s = load<f32>(at);
  if (s < tiny || !(s < Infinity)) store<f32>(at, exactDistance(x, y, dim));
}

/** a ranks before b, best = highest: a > b, and every number before NaN. */
// @ts-ignore: decorator
@inline function before(a: f32, b: f32): bool {
  return a > b || (b != b && a == a);
}

/**
 * The best k of n scores (highest first; lowest first with `ascending`), passing over the `skipCount`
 * row indices at `skip` (int32, sorted ascending, distinct): row indices to idx (k int32), scores to
 * val (k float32). NaN ranks last; ties keep the lower index (rows are visited in order and only a
 * strictly better score moves ahead of a kept one). Once k are kept, a score is rejected with one
 * compare against the k-th best, four scores at a time. Returns how many were kept (k unless fewer
 * rows remain). Selection by insertion: meant for small k.
 */
export function selectTop(scores: usize, n: u32, skip: usize, skipCount: u32, k: u32, ascending: bool, idx: usize, val: usize): u32 {
  // Ranked by sign · score, highest first: negation is exact and leaves NaN a NaN.
  const sign: f32 = ascending ? -1 : 1;
  const signs = f32x4.splat(sign);
  let count: u32 = 0;
  let threshold: f32 = NaN;
  let lo: u32 = 0;
  for (let s: u32 = 0; s <= skipCount; s++) {
    const hi = s < skipCount ? <u32>load<i32>(skip + (<usize>s << 2)) : n;
    let r = lo;
    while (r < hi) {
      // A full list with a numeric threshold rejects whole vectors of scores at once.
      if (count == k && threshold == threshold && r + 4 <= hi) {
        const v = f32x4.mul(v128.load(scores + (<usize>r << 2)), signs);
        if (!v128.any_true(f32x4.gt(v, f32x4.splat(threshold)))) {
          r += 4;
          continue;
        }
      }
      const v = load<f32>(scores + (<usize>r << 2)) * sign;
      if (count < k || before(v, threshold)) {
        let j = count < k ? count++ : k - 1;
        while (j > 0 && before(v, load<f32>(val + (<usize>(j - 1) << 2)))) {
          store<f32>(val + (<usize>j << 2), load<f32>(val + (<usize>(j - 1) << 2)));
          store<i32>(idx + (<usize>j << 2), load<i32>(idx + (<usize>(j - 1) << 2)));
          j--;
        }
        store<f32>(val + (<usize>j << 2), v);
        store<i32>(idx + (<usize>j << 2), <i32>r);
        if (count == k) threshold = load<f32>(val + (<usize>(k - 1) << 2));
      }
      r++;
    }
    lo = hi + 1;
  }
  for (let j: u32 = 0; j < count; j++) store<f32>(val + (<usize>j << 2), load<f32>(val + (<usize>j << 2)) * sign);
  return count;
}
