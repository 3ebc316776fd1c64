// Squared norms, shared by the constraints, the penalties and their gradients.

/**
 * Sum of squares of `len` float32s at p. Blocks of 16 values are squared and summed in float32
 * lanes (four terms per lane, as a float32 computation like Keras' own would), and the blocks'
 * sums are accumulated in float64, so the rounding error stays at a few float32 ulps of the result
 * however long the run is. Half the instructions of promoting every value to float64, which made
 * the row constraints compute-bound rather than memory-bound.
 */
// @ts-ignore: decorator
@inline export function sumSquares(p: usize, len: u32): f64 {
  return sumSquaresWhileScaling(p, len, 0, 0, false, false);
}

/**
 * sumSquares(p, len), and, when `scale`, w[i] = w[i] * f (or / f when `divide`) for `len` float32s
 * at w in the same loop (w and p must not overlap). The row constraints scale one row while summing
 * the next, so the multiplies or divides of one row run between the loads of the other instead of
 * in a burst after them (the divider is UnitNorm's bottleneck). The sum is the same float64 as
 * sumSquares' and every scaled value the same float32 as scaleRun's. `divide` and `scale` must be
 * constants at every call.
 */
// @ts-ignore: decorator
@inline export function sumSquaresWhileScaling(p: usize, len: u32, w: usize, f: f32, divide: bool, scale: bool): f64 {
  const vf = f32x4.splat(f);
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i: u32 = 0;
  for (; i + 16 <= len; i += 16) {
    const q = p + (<usize>i << 2);
    const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
    const s = f32x4.add(f32x4.add(f32x4.mul(v0, v0), f32x4.mul(v1, v1)), f32x4.add(f32x4.mul(v2, v2), f32x4.mul(v3, v3)));
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(s));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
    if (scale) {
      const r = w + (<usize>i << 2);
      const a = v128.load(r), b = v128.load(r, 16), c = v128.load(r, 32), d = v128.load(r, 48);
      v128.store(r, divide ? f32x4.div(a, vf) : f32x4.mul(a, vf));
      v128.store(r, divide ? f32x4.div(b, vf) : f32x4.mul(b, vf), 16);
      v128.store(r, divide ? f32x4.div(c, vf) : f32x4.mul(c, vf), 32);
      v128.store(r, divide ? f32x4.div(d, vf) : f32x4.mul(d, vf), 48);
    }
  }
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    if (scale) {
      const r = w + (<usize>i << 2);
      v128.store(r, divide ? f32x4.div(v128.load(r), vf) : f32x4.mul(v128.load(r), vf));
    }
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    s += x * x;
    if (scale) {
      const r = w + (<usize>i << 2);
      store<f32>(r, divide ? load<f32>(r) / f : load<f32>(r) * f);
    }
  }
  return s;
}

/** The L2 norm of each of `rows` rows of a rows x cols table, into norms (float64 each). */
export function rowNorms(table: usize, rows: u32, cols: u32, norms: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r: u32 = 0; r < rows; r++) store<f64>(norms + (<usize>r << 3), Math.sqrt(sumSquares(table + <usize>r * rowBytes, cols)));
}

/**
 * The upper triangle (b >= a) of the cols x cols Gram matrix X^T X of a rows x cols float32 table,
 * accumulated row by row in float64 into `gram` (cols * cols * 8 bytes, overwritten).
 */
export function columnGram(table: usize, rows: u32, cols: u32, gram: usize): void {
  memory.fill(gram, 0, (<usize>cols * <usize>cols) << 3);
  const rowBytes = <usize>cols << 2;
  for (let r: u32 = 0; r < rows; r++) {
    const p = table + <usize>r * rowBytes;
    for (let a: u32 = 0; a < cols; a++) {
      const xa = <f64>load<f32>(p + (<usize>a << 2));
      if (xa == 0) continue;
      const g = gram + ((<usize>a * <usize>cols) << 3);
      const va = f64x2.splat(xa);
      let b = a;
      for (; b + 2 <= cols; b += 2) {
        const q = g + (<usize>b << 3);
        const x = f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>b << 2)));
        v128.store(q, f64x2.add(v128.load(q), f64x2.mul(va, x)));
      }
      for (; b < cols; b++) {
        const q = g + (<usize>b << 3);
        store<f64>(q, load<f64>(q) + xa * <f64>load<f32>(p + (<usize>b << 2)));
      }
    }
  }
}
