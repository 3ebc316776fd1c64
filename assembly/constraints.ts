// Norm constraints and NonNeg, in place on a row-major rows x cols float32 table
// (keras/src/constraints/constraints.py). With n the L2 norm along the axis (computed in float64,
// then rounded to float32 as Keras' float32 norms are):
//   desired = rate * clip(n, lo, hi) + (1 - rate) * n      (MaxNorm: lo 0, hi max, rate 1;
//                                                          MinMaxNorm: lo min, hi max, rate)
//   w <- w * (desired / (1e-7 + n))                         (MaxNorm, MinMaxNorm)
//   w <- w / (1e-7 + n)                                     (UnitNorm: divide = true)
// all in float32, in Keras' order of operations.

import { sumSquares } from "./norms";

const EPSILON: f32 = 1e-7;

/** The float32 factor (or divisor, when `divide`) for a vector of norm `n`. */
// @ts-ignore: decorator
@inline function factor(n: f32, lo: f32, hi: f32, rate: f32, divide: bool): f32 {
  if (divide) return EPSILON + n;
  const clipped = n < lo ? lo : n > hi ? hi : n;
  const desired = rate * clipped + (<f32>1 - rate) * n;
  return desired / (EPSILON + n);
}

/** w[i] = w[i] * f (or / f) for `len` float32s at p. */
// @ts-ignore: decorator
@inline function scaleRun(p: usize, len: u32, f: f32, divide: bool): void {
  const vf = f32x4.splat(f);
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, divide ? f32x4.div(v128.load(q), vf) : f32x4.mul(v128.load(q), vf));
  }
  for (; i < len; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, divide ? load<f32>(q) / f : load<f32>(q) * f);
  }
}

/** axis = 1 (each row is one embedding): every row scaled by its own norm. Returns `table`. */
export function constrainRows(table: usize, rows: u32, cols: u32, lo: f32, hi: f32, rate: f32, divide: bool): usize {
  const rowBytes = <usize>cols << 2;
  for (let r: u32 = 0; r < rows; r++) {
    const p = table + <usize>r * rowBytes;
    const n = <f32>Math.sqrt(sumSquares(p, cols));
    scaleRun(p, cols, factor(n, lo, hi, rate, divide), divide);
  }
  return table;
}

/** Rows whose squares are summed in float32 (in `partials`) before each float64 flush into `sums`. */
const COLUMN_BLOCK_ROWS: u32 = 8;

/**
 * Per-column sums of squares into `sums` (cols float64), one pass over the table. Each block of
 * COLUMN_BLOCK_ROWS rows is summed in float32 lanes into `partials` (cols float32 of scratch; a
 * float32 computation like Keras' own), and each block's sums are added in float64, so the error
 * stays at a few float32 ulps for any number of rows while the pass runs near read bandwidth
 * (promoting every value to float64 made it compute-bound). `sums` is overwritten. Returns `sums`.
 */
export function columnSumSquares(table: usize, rows: u32, cols: u32, sums: usize, partials: usize): usize {
  memory.fill(sums, 0, <usize>cols << 3);
  const rowBytes = <usize>cols << 2;
  const vecCols = cols & ~(<u32>3);
  for (let r0: u32 = 0; r0 < rows; r0 += COLUMN_BLOCK_ROWS) {
    memory.fill(partials, 0, rowBytes);
    const rEnd = r0 + COLUMN_BLOCK_ROWS < rows ? r0 + COLUMN_BLOCK_ROWS : rows;
    for (let r = r0; r < rEnd; r++) {
      const p = table + <usize>r * rowBytes;
      let c: u32 = 0;
      for (; c < vecCols; c += 4) {
        const o = <usize>c << 2;
        const v = v128.load(p + o);
        v128.store(partials + o, f32x4.add(v128.load(partials + o), f32x4.mul(v, v)));
      }
      for (; c < cols; c++) {
        const o = <usize>c << 2;
        const x = load<f32>(p + o);
        store<f32>(partials + o, load<f32>(partials + o) + x * x);
      }
    }
    let c: u32 = 0;
    for (; c < vecCols; c += 4) {
      const q = v128.load(partials + (<usize>c << 2));
      const s = sums + (<usize>c << 3);
      v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(q)));
      v128.store(s, f64x2.add(v128.load(s, 16), f64x2.promote_low_f32x4(i32x4.shuffle(q, q, 2, 3, 0, 1))), 16);
    }
    for (; c < cols; c++) {
      const s = sums + (<usize>c << 3);
      store<f64>(s, load<f64>(s) + <f64>load<f32>(partials + (<usize>c << 2)));
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
    store<f32>(factors + (<usize>c << 2), factor(n, lo, hi, rate, divide));
  }
  const rowBytes = <usize>cols << 2;
  for (let r: u32 = 0; r < rows; r++) {
    const p = table + <usize>r * rowBytes;
    let c: u32 = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = p + (<usize>c << 2);
      const f = v128.load(factors + (<usize>c << 2));
      v128.store(q, divide ? f32x4.div(v128.load(q), f) : f32x4.mul(v128.load(q), f));
    }
    for (; c < cols; c++) {
      const q = p + (<usize>c << 2);
      const f = load<f32>(factors + (<usize>c << 2));
      store<f32>(q, divide ? load<f32>(q) / f : load<f32>(q) * f);
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

/** As constrainRows, for the `m` rows listed in `list` only (after a lazy optimizer step). */
export function constrainListedRows(table: usize, cols: u32, list: usize, m: u32, lo: f32, hi: f32, rate: f32, divide: bool): usize {
  const rowBytes = <usize>cols << 2;
  for (let t: u32 = 0; t < m; t++) {
    const p = table + <usize>load<u32>(list + (<usize>t << 2)) * rowBytes;
    const n = <f32>Math.sqrt(sumSquares(p, cols));
    scaleRun(p, cols, factor(n, lo, hi, rate, divide), divide);
  }
  return table;
}

/** NonNeg for the `m` rows listed in `list` only. */
export function clampListedRows(table: usize, cols: u32, list: usize, m: u32): usize {
  const rowBytes = <usize>cols << 2;
  for (let t: u32 = 0; t < m; t++) clampNonNegative(table + <usize>load<u32>(list + (<usize>t << 2)) * rowBytes, cols);
  return table;
}
