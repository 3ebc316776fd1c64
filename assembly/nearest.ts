// Scores of every table row against query vectors, for exact (brute-force) nearest-neighbour search,
// and the selection of the best k. The products are logits.ts' blocked kernel; the metric is applied
// in a second, vectorized pass over the scores (q x rows floats, small beside the table).
import { matmulNT, productNT } from "./logits";
import { sumSquares } from "./norms";

export const METRIC_DOT: u32 = 0;
export const METRIC_COSINE: u32 = 1;
export const METRIC_EUCLIDEAN: u32 = 2;

/** The L2 norm of each of `rows` rows of a rows x dim float32 table, as float32, into out. Returns out. */
export function rowNormsF32(table: usize, rows: u32, dim: u32, out: usize): usize {
  const rowBytes = <usize>dim << 2;
  for (let r: u32 = 0; r < rows; r++) store<f32>(out + (<usize>r << 2), <f32>Math.sqrt(sumSquares(table + <usize>r * rowBytes, dim)));
  return out;
}

/**
 * out (q x rows) = the score of each table row for each query (q x dim): METRIC_DOT the dot product;
 * METRIC_COSINE the dot product over both norms (`rowNorms`: rows float32 from rowNormsF32;
 * `queryNorms`: q float32 scratch, written here), 0 when either norm is 0 and NaN when either
 * vector holds a NaN (so such rows rank last, as with the other metrics); METRIC_EUCLIDEAN the
 * Euclidean distance, from the squared differences themselves (no |x|² + |y|² − 2x·y cancellation).
 * Returns out.
 */
export function scoreRows(queries: usize, q: u32, table: usize, rows: u32, dim: u32, metric: u32, rowNorms: usize, queryNorms: usize, out: usize): usize {
  if (metric == METRIC_EUCLIDEAN) {
    productNT(queries, q, dim, table, rows, out, rows, true);
    const bytes = (<usize>q * <usize>rows) << 2;
    const whole = bytes & ~(<usize>15);
    let i: usize = 0;
    for (; i < whole; i += 16) v128.store(out + i, f32x4.sqrt(v128.load(out + i)));
    for (; i < bytes; i += 4) store<f32>(out + i, Mathf.sqrt(load<f32>(out + i)));
    return out;
  }
  matmulNT(queries, q, dim, table, rows, out);
  if (metric == METRIC_COSINE) {
    rowNormsF32(queries, q, dim, queryNorms);
    const whole = rows & ~(<u32>3);
    for (let i: u32 = 0; i < q; i++) {
      const qn = load<f32>(queryNorms + (<usize>i << 2));
      const vq = f32x4.splat(qn);
      const o = out + ((<usize>i * <usize>rows) << 2);
      let r: u32 = 0;
      for (; r < whole; r += 4) {
        const p = o + (<usize>r << 2);
        const d = f32x4.mul(vq, v128.load(rowNorms + (<usize>r << 2)));
        // d == 0 ? 0 : dot / d, four at a time (the lanes divided by 0 are cleared; a NaN norm keeps its NaN).
        v128.store(p, v128.andnot(f32x4.div(v128.load(p), d), f32x4.eq(d, f32x4.splat(0))));
      }
      for (; r < rows; r++) {
        const d = qn * load<f32>(rowNorms + (<usize>r << 2));
        const p = o + (<usize>r << 2);
        store<f32>(p, d == 0 ? 0 : load<f32>(p) / d);
      }
    }
  }
  return out;
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
