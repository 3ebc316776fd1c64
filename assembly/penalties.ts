// Regularization penalties (keras/src/regularizers/regularizers.py), accumulated in float64:
//   L1 = l1 * sum |x|, L2 = l2 * sum x^2, L1L2 = both,
//   OrthogonalRegularizer = factor * 0.5 * sum_{i != j} |<x_i, x_j>| / (k (k - 1) / 2) over the k
//   rows (or columns) normalized to unit length, x / max(||x||, 1e-7).
import { columnGram, sumSquares } from "./norms";
import { touchRowAhead } from "./gather-ahead";

/**
 * sum |x| (when `abs`) and sum x^2 (when `squares`) of `n` float32s, each value promoted to
 * float64, into out[0] and out[1] (a sum not asked for is 0). Returns `out`.
 */
export function absAndSquareSums(p: usize, n: u32, out: usize, abs: bool, squares: bool): usize {
  // One loop per combination: L1 or L2 alone skip the other sum's work (a third fewer vector
  // operations), with the same operations and order for the sum they compute.
  if (abs && squares) sumsLoop(p, n, out, true, true, 0, true);
  else if (squares) sumsLoop(p, n, out, false, true, 0, true);
  else if (abs) sumsLoop(p, n, out, true, false, 0, true);
  else memory.fill(out, 0, 16);
  return out;
}

/**
 * absAndSquareSums of a table held in pieces (row ranges in memories of their own), one piece per
 * call, in order: the four float64x2 accumulators carry over in `state` (64 bytes, zero before the
 * first piece), and the call for the `last` piece finishes as absAndSquareSums does, writing the
 * two sums to state[0], state[1]. Every piece but the last must hold a multiple of 4 floats; then
 * the sums equal absAndSquareSums of the whole table, bit for bit. Returns `state`.
 */
export function absAndSquareSumsPart(p: usize, n: u32, state: usize, abs: bool, squares: bool, last: bool): usize {
  sumsLoop(p, n, state, abs, squares, state, last);
  return state;
}

/**
 * The sums of n float32s at p: accumulators start at zero (`from` 0) or from the four float64x2
 * at `from`; when `finish`, lanes are reduced, the scalar tail added and the sums stored at out,
 * else the accumulators are stored back at `from`.
 */
// @ts-ignore: decorator
@inline function sumsLoop(p: usize, n: u32, out: usize, abs: bool, squares: bool, from: usize, finish: bool): void {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  if (from != 0) {
    a0 = v128.load(from);
    a1 = v128.load(from, 16);
    s0 = v128.load(from, 32);
    s1 = v128.load(from, 48);
  }
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    if (abs) {
      a0 = f64x2.add(a0, f64x2.abs(lo));
      a1 = f64x2.add(a1, f64x2.abs(hi));
    }
    if (squares) {
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
  }
  if (!finish) {
    v128.store(from, a0);
    v128.store(from, a1, 16);
    v128.store(from, s0, 32);
    v128.store(from, s1, 48);
    return;
  }
  const a = f64x2.add(a0, a1);
  const s = f64x2.add(s0, s1);
  let sumAbs = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  let sumSq = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    if (abs) sumAbs += Math.abs(x);
    if (squares) sumSq += x * x;
  }
  store<f64>(out, sumAbs);
  store<f64>(out, sumSq, 8);
}

/**
 * As `gatherRows` (rows < 1024 bytes wide use v128 copies), also accumulating sum |y| and sum y^2
 * of the output into stats[0], stats[1] (float64), for the activity regularizer: one pass.
 */
export function gatherRowsWithSums(table: usize, dim: u32, idx: usize, n: u32, out: usize, stats: usize): usize {
  rowsWithSums(table, dim, idx, n, out, stats, true);
  return out;
}

/**
 * sum |y| and sum y^2 of `n` rows of `dim` float32s already at `rows` (an output dequantized,
 * adapted or gathered from shards), into stats[0], stats[1]: the same operations in the same
 * order as gatherRowsWithSums, so the activity penalty of the same output is the same float64.
 */
export function outputRowSums(rows: usize, dim: u32, n: u32, stats: usize): usize {
  rowsWithSums(rows, dim, 0, n, rows, stats, false);
  return stats;
}

/** Row i is table row idx[i] copied to out (`copy`), or out's own row i (not `copy`); sums per 16 bytes, then each row's scalar tail. */
// @ts-ignore: decorator
@inline function rowsWithSums(table: usize, dim: u32, idx: usize, n: u32, out: usize, stats: usize, copy: bool): void {
  const rowBytes = <usize>dim << 2;
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let abs: f64 = 0, sq: f64 = 0;
  const last = <usize>n - 1;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (copy) touchRowAhead(table, rowBytes, idx, i, last);
    const src = copy ? table + <usize>load<u32>(idx + (i << 2)) * rowBytes : out + i * rowBytes;
    const dst = out + i * rowBytes;
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) {
      const v = v128.load(src + b);
      if (copy) v128.store(dst + b, v);
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      a0 = f64x2.add(a0, f64x2.abs(lo));
      a1 = f64x2.add(a1, f64x2.abs(hi));
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
    for (; b < rowBytes; b += 4) {
      const x = load<f32>(src + b);
      if (copy) store<f32>(dst + b, x);
      abs += Math.abs(<f64>x);
      sq += <f64>x * <f64>x;
    }
  }
  const a = f64x2.add(a0, a1);
  const s = f64x2.add(s0, s1);
  store<f64>(stats, abs + f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1));
  store<f64>(stats, sq + f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1), 8);
}

/** 1 / max(||row||, 1e-7) for rows [from, to), into inv[0 .. to - from) (float32 each). */
function inverseRowNorms(table: usize, from: u32, to: u32, cols: u32, inv: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = from; r < to; r++) {
    const n = Math.sqrt(sumSquares(table + <usize>r * rowBytes, cols));
    store<f32>(inv + (<usize>(r - from) << 2), <f32>(1 / (n > 1e-7 ? n : 1e-7)));
  }
}

/** Dot product of two float32 runs (float32 lanes, float64 total). */
// @ts-ignore: decorator
@inline function dotF32(x: usize, y: usize, len: u32): f64 {
  let acc = f32x4.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(x + (<usize>i << 2)), v128.load(y + (<usize>i << 2))));
  let s = <f64>(f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + <f64>(f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < len; i++) s += <f64>load<f32>(x + (<usize>i << 2)) * <f64>load<f32>(y + (<usize>i << 2));
  return s;
}

/** Rows of a tile: the Gram matrix is visited in square tiles of this many rows, so both tiles of
 *  rows stay in cache while every pair between them is formed (nothing n x n is ever stored). */
const ORTHOGONAL_TILE: u32 = 64;

/**
 * Sum over pairs i < j of |<x_i, x_j>| / (||x_i|| ||x_j||) for the `rows` rows of a table, with
 * norms floored at 1e-7 as Keras' normalize does. `inv` is scratch for 2 * ORTHOGONAL_TILE float32:
 * the inverse norms of the two tiles being paired. The second tile's norms are recomputed for each
 * first tile (1 / ORTHOGONAL_TILE more work than storing all of them), so the extra memory stays
 * O(tile) however many rows the table has. O(rows^2 cols) time.
 */
export function rowPairAbsCosineSum(table: usize, rows: u32, cols: u32, inv: usize): f64 {
  const rowBytes = <usize>cols << 2;
  const invI = inv, invJ = inv + (<usize>ORTHOGONAL_TILE << 2);
  let total: f64 = 0;
  for (let bi: u32 = 0; bi < rows; bi += ORTHOGONAL_TILE) {
    const iEnd = bi + ORTHOGONAL_TILE < rows ? bi + ORTHOGONAL_TILE : rows;
    inverseRowNorms(table, bi, iEnd, cols, invI);
    for (let bj: u32 = bi; bj < rows; bj += ORTHOGONAL_TILE) {
      const jEnd = bj + ORTHOGONAL_TILE < rows ? bj + ORTHOGONAL_TILE : rows;
      // The diagonal tile pairs with itself: its norms are the ones just computed.
      const tileJ = bj == bi ? invI : invJ;
      if (bj != bi) inverseRowNorms(table, bj, jEnd, cols, invJ);
      for (let i = bi; i < iEnd; i++) {
        const xi = table + <usize>i * rowBytes;
        const ni = <f64>load<f32>(invI + (<usize>(i - bi) << 2));
        for (let j = bj > i ? bj : i + 1; j < jEnd; j++) {
          const d = dotF32(xi, table + <usize>j * rowBytes, cols);
          total += Math.abs(d * ni * <f64>load<f32>(tileJ + (<usize>(j - bj) << 2)));
        }
      }
    }
  }
  return total;
}

/**
 * The same over the `cols` columns: the cols x cols Gram matrix of the table (upper triangle,
 * float64, in `gram`, cols * cols * 8 bytes of scratch) accumulated row by row, then normalized by
 * the column norms. O(rows cols^2) time.
 */
export function columnPairAbsCosineSum(table: usize, rows: u32, cols: u32, gram: usize): f64 {
  columnGram(table, rows, cols, gram);
  let total: f64 = 0;
  for (let a: u32 = 0; a < cols; a++) {
    const na = Math.sqrt(load<f64>(gram + ((<usize>a * <usize>cols + <usize>a) << 3)));
    for (let b = a + 1; b < cols; b++) {
      const nb = Math.sqrt(load<f64>(gram + ((<usize>b * <usize>cols + <usize>b) << 3)));
      const d = load<f64>(gram + ((<usize>a * <usize>cols + <usize>b) << 3));
      total += Math.abs(d / ((na > 1e-7 ? na : 1e-7) * (nb > 1e-7 ? nb : 1e-7)));
    }
  }
  return total;
}
