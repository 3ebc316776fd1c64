// Orthogonal initializer: the Q factor of a QR decomposition of a normal matrix, with Keras' sign
// correction (keras/src/initializers/random_initializers.py, Orthogonal):
//   a = normal((max(rows, cols), min(rows, cols))); q, r = qr(a); q *= sign(diag(r));
//   if rows < cols: q = q.T;  result = gain * q
// Householder QR and the explicit thin Q follow LAPACK's dgeqr2 / dorg2r, in float64, on a
// column-major m x n matrix (m >= n) so that every inner loop runs over one contiguous column.

// @ts-ignore: decorator
@inline function col(a: usize, m: u32, j: u32): usize {
  return a + ((<usize>j * <usize>m) << 3);
}

/** Sum of x[i] * y[i] for i < len (f64x2 with a scalar tail). */
function dot(x: usize, y: usize, len: u32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) s += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s;
}

/** y[i] += alpha * x[i] for i < len. */
function axpy(alpha: f64, x: usize, y: usize, len: u32): void {
  const va = f64x2.splat(alpha);
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
    v128.store(y + o, f64x2.add(v128.load(y + o, 16), f64x2.mul(va, v128.load(x + o, 16))), 16);
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** x[i] *= alpha for i < len. */
function scal(alpha: f64, x: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) store<f64>(x + (<usize>i << 3), load<f64>(x + (<usize>i << 3)) * alpha);
}

/**
 * In-place Householder QR (dgeqr2), columns k0 <= k < k1: R above the diagonal, reflectors v
 * (v_k = 1 implied) below. Running column ranges one after another is the same as one run.
 */
function householderQR(a: usize, m: u32, n: u32, tau: usize, k0: u32, k1: u32): void {
  for (let k: u32 = k0; k < k1; k++) {
    const ck = col(a, m, k);
    const diag = ck + (<usize>k << 3);
    const below = diag + 8;
    const len = m - k - 1;
    const alpha = load<f64>(diag);
    const xnorm = Math.sqrt(dot(below, below, len));
    if (xnorm == 0) {
      store<f64>(tau + (<usize>k << 3), 0);
      continue;
    }
    const norm = Math.sqrt(alpha * alpha + xnorm * xnorm);
    const beta = alpha >= 0 ? -norm : norm;
    const t = (beta - alpha) / beta;
    store<f64>(tau + (<usize>k << 3), t);
    scal(1 / (alpha - beta), below, len);
    store<f64>(diag, beta);
    // Apply H = I - t v v^T to the remaining columns.
    for (let j = k + 1; j < n; j++) {
      const cj = col(a, m, j) + (<usize>k << 3);
      const w = load<f64>(cj) + dot(below, cj + 8, len);
      store<f64>(cj, load<f64>(cj) - t * w);
      axpy(-t * w, below, cj + 8, len);
    }
  }
}

/** Overwrites the QR factors with the thin Q (dorg2r), columns j1 > j >= j0, last column first. */
function formQ(a: usize, m: u32, n: u32, tau: usize, j1: u32, j0: u32): void {
  for (let jj: i32 = <i32>j1 - 1; jj >= <i32>j0; jj--) {
    const j = <u32>jj;
    const t = load<f64>(tau + (<usize>j << 3));
    const cj = col(a, m, j);
    const diag = cj + (<usize>j << 3);
    const len = m - j;
    if (j < n - 1) {
      store<f64>(diag, 1);
      for (let c = j + 1; c < n; c++) {
        const cc = col(a, m, c) + (<usize>j << 3);
        axpy(-t * dot(diag, cc, len), diag, cc, len);
      }
    }
    scal(-t, diag + 8, len - 1);
    store<f64>(diag, 1 - t);
    for (let i: u32 = 0; i < j; i++) store<f64>(cj + (<usize>i << 3), 0);
  }
}

/**
 * Writes gain * orthogonal matrix into the float32 table `out` (rows x cols, row-major).
 * `a` holds m x n float64 normals, column-major, m = max(rows, cols), n = min(rows, cols); it is
 * overwritten. `work` has room for 2n float64. Returns `out`. The same as orthogonalFactor over
 * [0, n), orthogonalFormQ over [n, 0) and orthogonalWrite, which let a caller spread the work.
 */
export function orthogonalFill(a: usize, rows: u32, cols: u32, work: usize, out: usize, gain: f64): usize {
  const n = rows >= cols ? cols : rows;
  orthogonalFactor(a, rows, cols, work, 0, n);
  orthogonalFormQ(a, rows, cols, work, n, 0);
  return orthogonalWrite(a, rows, cols, work, out, gain);
}

/** Householder steps for columns k0 <= k < k1 of the QR (then, at k1 = n, the signs of R's diagonal). */
export function orthogonalFactor(a: usize, rows: u32, cols: u32, work: usize, k0: u32, k1: u32): void {
  const m = rows >= cols ? rows : cols;
  const n = rows >= cols ? cols : rows;
  householderQR(a, m, n, work, k0, k1);
  if (k1 < n) return;
  const signs = work + (<usize>n << 3);
  for (let k: u32 = 0; k < n; k++) {
    const r = load<f64>(col(a, m, k) + (<usize>k << 3));
    // numpy's sign: 0 stays 0 (which would zero the column, as Keras does).
    store<f64>(signs + (<usize>k << 3), r > 0 ? 1.0 : r < 0 ? -1.0 : 0.0);
  }
}

/** Forms columns j1 > j >= j0 of the thin Q (after every factor step), last column first. */
export function orthogonalFormQ(a: usize, rows: u32, cols: u32, work: usize, j1: u32, j0: u32): void {
  const m = rows >= cols ? rows : cols;
  const n = rows >= cols ? cols : rows;
  formQ(a, m, n, work, j1, j0);
}

/** Writes gain * sign-corrected Q (transposed when rows < cols) into the float32 table `out`. */
export function orthogonalWrite(a: usize, rows: u32, cols: u32, work: usize, out: usize, gain: f64): usize {
  const m = rows >= cols ? rows : cols;
  const n = rows >= cols ? cols : rows;
  const signs = work + (<usize>n << 3);
  if (rows >= cols) {
    // out[i, j] = Q[i, j] * sign_j: column j of Q scattered down column j of the table.
    for (let j: u32 = 0; j < n; j++) {
      const s = gain * load<f64>(signs + (<usize>j << 3));
      const cj = col(a, m, j);
      for (let i: u32 = 0; i < m; i++) {
        store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), <f32>(load<f64>(cj + (<usize>i << 3)) * s));
      }
    }
  } else {
    // out = Q^T: row i of the table is column i of Q, contiguous.
    for (let i: u32 = 0; i < n; i++) {
      const s = gain * load<f64>(signs + (<usize>i << 3));
      const ci = col(a, m, i);
      const row = out + ((<usize>i * <usize>m) << 2);
      for (let j: u32 = 0; j < m; j++) store<f32>(row + (<usize>j << 2), <f32>(load<f64>(ci + (<usize>j << 3)) * s));
    }
  }
  return out;
}

/** Widens `n` float32s at `src` to float64 at `dst` (regions must not overlap). */
export function widenToF64(src: usize, n: u32, dst: usize): usize {
  for (let i: u32 = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
  return dst;
}
