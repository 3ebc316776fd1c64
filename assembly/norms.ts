// Squared norms, shared by the constraints, the penalties and their gradients.

/** Sum of squares of `len` float32s at p, accumulated in float64 (two f64x2 lanes, then the tail). */
// @ts-ignore: decorator
@inline export function sumSquares(p: usize, len: u32): f64 {
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
