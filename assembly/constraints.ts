// Norm constraints and NonNeg, in place on a row-major rows x cols float32 table
// (keras/src/constraints/constraints.py). With n the L2 norm along the axis (computed in float64,
// then rounded to float32 as Keras' float32 norms are):
//   desired = rate * clip(n, lo, hi) + (1 - rate) * n      (MaxNorm: lo 0, hi max, rate 1;
//                                                          MinMaxNorm: lo min, hi max, rate)
//   w <- w * (desired / (1e-7 + n))                         (MaxNorm, MinMaxNorm)
//   w <- w / (1e-7 + n)                                     (UnitNorm: divide = true)
// all in float32, in Keras' order of operations.

import { sumSquares, sumSquaresWhileScaling } from "./norms";

const EPSILON: f32 = 1e-7;

/** The float32 factor (or divisor, when `divide`) for a vector of norm `n`. */
// @ts-ignore: decorator
@inline function factor(n: f32, lo: f32, hi: f32, rate: f32, divide: bool): f32 {
  if (divide) return EPSILON + n;
  const clipped = n < lo ? lo : n > hi ? hi : n;
  const desired = rate * clipped + (<f32>1 - rate) * n;
  return desired / (EPSILON + n);
}

/** w[i] = w[i] * f (or / f) for `len` float32s at p. `divide` must be a constant at every call. */
// @ts-ignore: decorator
@inline function scaleRun(p: usize, len: u32, f: f32, divide: bool): void {
  const vf = f32x4.splat(f);
  let q = p;
  const end = p + (<usize>len << 2);
  const end16 = p + (<usize>(len & ~(<u32>15)) << 2);
  const end4 = p + (<usize>(len & ~(<u32>3)) << 2);
  // 64 bytes per iteration: four independent vectors, one pointer bump.
  for (; q < end16; q += 64) {
    const a = v128.load(q), b = v128.load(q, 16), c = v128.load(q, 32), d = v128.load(q, 48);
    v128.store(q, divide ? f32x4.div(a, vf) : f32x4.mul(a, vf));
    v128.store(q, divide ? f32x4.div(b, vf) : f32x4.mul(b, vf), 16);
    v128.store(q, divide ? f32x4.div(c, vf) : f32x4.mul(c, vf), 32);
    v128.store(q, divide ? f32x4.div(d, vf) : f32x4.mul(d, vf), 48);
  }
  for (; q < end4; q += 16) v128.store(q, divide ? f32x4.div(v128.load(q), vf) : f32x4.mul(v128.load(q), vf));
  for (; q < end; q += 4) store<f32>(q, divide ? load<f32>(q) / f : load<f32>(q) * f);
}

/** Row t of the table: row t itself, or row list[t] when `listed`. */
// @ts-ignore: decorator
@inline function rowAt(table: usize, rowBytes: usize, list: usize, t: u32, listed: bool): usize {
  return table + <usize>(listed ? load<u32>(list + (<usize>t << 2)) : t) * rowBytes;
}

/**
 * Scales m rows (rows 0..m, or the distinct rows list[0..m) when `listed`) by their norms' factors.
 * Software-pipelined: row t + 1's norm is summed before (or, dividing, while) row t is scaled, so
 * the latency of each row's sqrt and factor division overlaps the previous row's scaling. `listed`
 * and `divide` are constants at each call: the four copies have no per-vector test.
 */
// @ts-ignore: decorator
@inline function constrainRowsWith(table: usize, m: u32, cols: u32, list: usize, listed: bool, lo: f32, hi: f32, rate: f32, divide: bool): void {
  if (m == 0) return;
  const rowBytes = <usize>cols << 2;
  let p = rowAt(table, rowBytes, list, 0, listed);
  let f = factor(<f32>Math.sqrt(sumSquares(p, cols)), lo, hi, rate, divide);
  for (let t: u32 = 1; t < m; t++) {
    const next = rowAt(table, rowBytes, list, t, listed);
    if (divide) {
      // Dividing is bound by the divider: row t's divides interleaved with row t + 1's loads keep
      // it busy (12% less time on 100000 x 128, A/B). A multiply is cheap enough that the fused
      // loop was slower (15%), so MaxNorm and MinMaxNorm keep the two loops.
      f = factor(<f32>Math.sqrt(sumSquaresWhileScaling(next, cols, p, f, true, true)), lo, hi, rate, true);
    } else {
      const fNext = factor(<f32>Math.sqrt(sumSquares(next, cols)), lo, hi, rate, false);
      scaleRun(p, cols, f, false);
      f = fNext;
    }
    p = next;
  }
  scaleRun(p, cols, f, divide);
}

/** axis = 1 (each row is one embedding): every row scaled by its own norm. Returns `table`. */
export function constrainRows(table: usize, rows: u32, cols: u32, lo: f32, hi: f32, rate: f32, divide: bool): usize {
  if (divide) constrainRowsWith(table, rows, cols, 0, false, lo, hi, rate, true);
  else constrainRowsWith(table, rows, cols, 0, false, lo, hi, rate, false);
  return table;
}

/** Rows whose squares are summed in float32 lanes before each float64 flush into `sums`. */
const COLUMN_BLOCK_ROWS: u32 = 8;

/** sums[0..4) (float64) += the four float32 lanes of `v`. */
// @ts-ignore: decorator
@inline function flushLanes(s: usize, v: v128): void {
  v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v)));
  v128.store(s, f64x2.add(v128.load(s, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/** a + v * v, lane-wise in float32. */
// @ts-ignore: decorator
@inline function addSquare(a: v128, v: v128): v128 {
  return f32x4.add(a, f32x4.mul(v, v));
}

/**
 * Per-column sums of squares into `sums` (cols float64, overwritten), one pass over the table. Each
 * block of COLUMN_BLOCK_ROWS rows is summed, rows in order, in float32 lanes into `partials` (cols
 * float32 of scratch; a float32 computation like Keras' own), and each block's sums are added in
 * float64, so the error stays at a few float32 ulps for any number of rows while the pass runs near
 * read bandwidth (promoting every value to float64 made it compute-bound). Returns `sums`.
 */
export function columnSumSquares(table: usize, rows: u32, cols: u32, sums: usize, partials: usize): usize {
  memory.fill(sums, 0, <usize>cols << 3);
  return addColumnSumSquares(table, rows, cols, sums, partials);
}

/**
 * columnSumSquares without clearing `sums` first: adds this table's blocks to the sums already
 * there. A table split into row ranges of multiples of COLUMN_BLOCK_ROWS rows, passed range after
 * range, adds the same blocks in the same order as one pass over the whole table (sharded tables).
 */
export function addColumnSumSquares(table: usize, rows: u32, cols: u32, sums: usize, partials: usize): usize {
  const rowBytes = <usize>cols << 2;
  const wideBytes = <usize>(cols & ~(<u32>15)) << 2;
  const vecBytes = <usize>(cols & ~(<u32>3)) << 2;
  for (let r0: u32 = 0; r0 < rows; r0 += COLUMN_BLOCK_ROWS) {
    memory.fill(partials, 0, rowBytes);
    const rEnd = r0 + COLUMN_BLOCK_ROWS < rows ? r0 + COLUMN_BLOCK_ROWS : rows;
    // One row at a time (sweeping several rows at once, or keeping the sums in registers and
    // striding down the rows, measured 1.7-2.6x slower), 64 bytes per iteration.
    for (let r = r0; r < rEnd; r++) {
      const p = table + <usize>r * rowBytes;
      let o: usize = 0;
      for (; o < wideBytes; o += 64) {
        const q = p + o, t = partials + o;
        v128.store(t, addSquare(v128.load(t), v128.load(q)));
        v128.store(t, addSquare(v128.load(t, 16), v128.load(q, 16)), 16);
        v128.store(t, addSquare(v128.load(t, 32), v128.load(q, 32)), 32);
        v128.store(t, addSquare(v128.load(t, 48), v128.load(q, 48)), 48);
      }
      for (; o < vecBytes; o += 16) v128.store(partials + o, addSquare(v128.load(partials + o), v128.load(p + o)));
      for (; o < rowBytes; o += 4) {
        const x = load<f32>(p + o);
        store<f32>(partials + o, load<f32>(partials + o) + x * x);
      }
    }
    let o: usize = 0;
    for (; o < vecBytes; o += 16) flushLanes(sums + (o << 1), v128.load(partials + o));
    for (; o < rowBytes; o += 4) {
      const s = sums + (o << 1);
      store<f64>(s, load<f64>(s) + <f64>load<f32>(partials + o));
    }
  }
  return sums;
}

/**
 * axis = 0 (Keras' default: each column, across the vocabulary): column norms from `sums`
 * (from columnSumSquares), then every row scaled element-wise by the column factors. `factors` is
 * scratch for cols float32. Returns `table`.
 */
export function constrainColumns(table: usize, rows: u32, cols: u32, sums: usize, factors: usize, lo: f32, hi: f32, rate: f32, divide: bool): usize {
  for (let c: u32 = 0; c < cols; c++) {
    const n = <f32>Math.sqrt(load<f64>(sums + (<usize>c << 3)));
    store<f32>(factors + (<usize>c << 2), divide ? factor(n, lo, hi, rate, true) : factor(n, lo, hi, rate, false));
  }
  // Two loops, not one testing `divide` per vector. They differ in more than the operation (the
  // multiply takes 64 bytes per iteration, the throughput-bound divide 16), or Binaryen folds them
  // back into one loop with a branch around the multiply or divide.
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~(<u32>3)) << 2;
  if (divide) {
    for (let r: u32 = 0; r < rows; r++) {
      const p = table + <usize>r * rowBytes;
      let o: usize = 0;
      for (; o < vecBytes; o += 16) v128.store(p + o, f32x4.div(v128.load(p + o), v128.load(factors + o)));
      for (; o < rowBytes; o += 4) store<f32>(p + o, load<f32>(p + o) / load<f32>(factors + o));
    }
  } else {
    const wideBytes = <usize>(cols & ~(<u32>15)) << 2;
    for (let r: u32 = 0; r < rows; r++) {
      const p = table + <usize>r * rowBytes;
      let o: usize = 0;
      for (; o < wideBytes; o += 64) {
        const q = p + o, f = factors + o;
        v128.store(q, f32x4.mul(v128.load(q), v128.load(f)));
        v128.store(q, f32x4.mul(v128.load(q, 16), v128.load(f, 16)), 16);
        v128.store(q, f32x4.mul(v128.load(q, 32), v128.load(f, 32)), 32);
        v128.store(q, f32x4.mul(v128.load(q, 48), v128.load(f, 48)), 48);
      }
      for (; o < vecBytes; o += 16) v128.store(p + o, f32x4.mul(v128.load(p + o), v128.load(factors + o)));
      for (; o < rowBytes; o += 4) store<f32>(p + o, load<f32>(p + o) * load<f32>(factors + o));
    }
  }
  return table;
}

/**
 * NonNeg: w = maximum(w, 0) for `n` float32s, with numpy's and TF's rule (x >= 0 ? x : 0, NaN
 * kept): NaN stays NaN and -0 stays -0. pmax (a < b ? b : a, one maxps) is that rule exactly;
 * f32x4.max would turn -0 into +0 and costs V8 several instructions more. Returns `table`.
 */
export function clampNonNegative(table: usize, n: u32): usize {
  const zero = f32x4.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const q = table + (<usize>i << 2);
    v128.store(q, f32x4.pmax(v128.load(q), zero));
  }
  for (; i < n; i++) {
    const q = table + (<usize>i << 2);
    const x = load<f32>(q);
    store<f32>(q, x < 0 ? 0 : x);
  }
  return table;
}

/**
 * PyTorch's max_norm (aten/src/ATen/native/Embedding.cpp, embedding_renorm_): every distinct row
 * referenced by idx[0..n) whose p-norm exceeds maxNorm is scaled by maxNorm / (norm + 1e-7), in
 * place. p = Infinity gives max |w|. `seen` is a zeroed bitmap of ceil(rows / 8) bytes, cleared
 * again before returning. Indices must be checked. Returns the number of rows rescaled.
 */
export function renormRows(table: usize, cols: u32, idx: usize, n: u32, maxNorm: f64, p: f64, seen: usize): u32 {
  const rowBytes = <usize>cols << 2;
  let rescaled: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const r = load<u32>(idx + (<usize>i << 2));
    const byte = seen + (<usize>r >> 3);
    const bit: u32 = <u32>1 << (r & 7);
    if (<u32>load<u8>(byte) & bit) continue;
    store<u8>(byte, <u8>(<u32>load<u8>(byte) | bit));
    const row = table + <usize>r * rowBytes;
    let norm: f64;
    if (p == 2) {
      norm = Math.sqrt(sumSquares(row, cols));
    } else {
      let s: f64 = 0;
      for (let c: u32 = 0; c < cols; c++) {
        const a = Math.abs(<f64>load<f32>(row + (<usize>c << 2)));
        if (p == Infinity) s = a > s ? a : s;
        else if (p == 1) s += a;
        else s += Math.pow(a, p);
      }
      norm = p == Infinity || p == 1 ? s : Math.pow(s, 1 / p);
    }
    // PyTorch computes the norm in the weight's dtype (float32) and compares it as a double.
    norm = <f64><f32>norm;
    if (norm > maxNorm) {
      scaleRun(row, cols, <f32>(maxNorm / (norm + 1e-7)), false);
      rescaled++;
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    const r = load<u32>(idx + (<usize>i << 2));
    store<u8>(seen + (<usize>r >> 3), 0);
  }
  return rescaled;
}

/**
 * As constrainRows, for the `m` rows listed in `list` only (after a lazy optimizer step). The rows
 * must be distinct (the ids of a sparse gradient are). Returns `table`.
 */
export function constrainListedRows(table: usize, cols: u32, list: usize, m: u32, lo: f32, hi: f32, rate: f32, divide: bool): usize {
  if (divide) constrainRowsWith(table, m, cols, list, true, lo, hi, rate, true);
  else constrainRowsWith(table, m, cols, list, true, lo, hi, rate, false);
  return table;
}

/** NonNeg for the `m` rows listed in `list` only. */
export function clampListedRows(table: usize, cols: u32, list: usize, m: u32): usize {
  const rowBytes = <usize>cols << 2;
  for (let t: u32 = 0; t < m; t++) clampNonNegative(table + <usize>load<u32>(list + (<usize>t << 2)) * rowBytes, cols);
  return table;
}
