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
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i: u32 = 0;
  for (; i + 16 <= len; i += 16) {
    const q = p + (<usize>i << 2);
    const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
    const s = f32x4.add(f32x4.add(f32x4.mul(v0, v0), f32x4.mul(v1, v1)), f32x4.add(f32x4.mul(v2, v2), f32x4.mul(v3, v3)));
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(s));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
  }
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    s += x * x;
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
