// Exact gradients of the OrthogonalRegularizer penalty (see penalties.ts), for a list of rows.
// With k vectors (rows or columns) x_a, norms n_a = max(||x_a||, 1e-7), cosines c_ab = <x_a, x_b> /
// (n_a n_b) and coef = factor / (k (k - 1) / 2), the penalty is coef * sum_{a < b} |c_ab|, and
//   d c_ab / d x_a = (x_b / n_b - c_ab x_a / n_a) / n_a      (n_a above the floor)
//   d c_ab / d x_a = x_b / (n_b n_a)                         (n_a floored at 1e-7: no dependence)

import { columnGram, rowNorms } from "./norms";

const EPS: f64 = 1e-7;

/**
 * Rows mode: for each of the `m` rows listed in `list` (or rows 0..m-1 when list = 0), writes the
 * gradient of the penalty into out (m x cols float32). `norms` is scratch for `rows` float64.
 */
export function orthogonalRowsGradient(table: usize, rows: u32, cols: u32, list: usize, m: u32, coef: f64, norms: usize, out: usize): usize {
  rowNorms(table, rows, cols, norms);
  const rowBytes = <usize>cols << 2;
  for (let t: u32 = 0; t < m; t++) {
    const i = list ? load<u32>(list + (<usize>t << 2)) : t;
    const xi = table + <usize>i * rowBytes;
    const ni = Math.max(load<f64>(norms + (<usize>i << 3)), EPS);
    const floored = load<f64>(norms + (<usize>i << 3)) <= EPS;
    const o = out + <usize>t * rowBytes;
    memory.fill(o, 0, rowBytes);
    let absSum: f64 = 0;
    for (let j: u32 = 0; j < rows; j++) {
      if (j == i) continue;
      const xj = table + <usize>j * rowBytes;
      const nj = Math.max(load<f64>(norms + (<usize>j << 3)), EPS);
      let d: f64 = 0;
      for (let c: u32 = 0; c < cols; c++) d += <f64>load<f32>(xi + (<usize>c << 2)) * <f64>load<f32>(xj + (<usize>c << 2));
      const cij = d / (ni * nj);
      if (cij == 0) continue;
      const sign: f64 = cij > 0 ? 1 : -1;
      absSum += Math.abs(cij);
      // out += sign * x_j / n_j (scaled below)
      const f = <f32>(sign / nj);
      for (let c: u32 = 0; c < cols; c++) {
        const q = o + (<usize>c << 2);
        store<f32>(q, load<f32>(q) + f * load<f32>(xj + (<usize>c << 2)));
      }
    }
    // grad = coef / n_i * (sum_j sign * x_j / n_j - [not floored] absSum * x_i / n_i)
    const scale = <f32>(coef / ni);
    const self = floored ? <f32>0 : <f32>(absSum / ni);
    for (let c: u32 = 0; c < cols; c++) {
      const q = o + (<usize>c << 2);
      store<f32>(q, scale * (load<f32>(q) - self * load<f32>(xi + (<usize>c << 2))));
    }
  }
  return out;
}

/**
 * Columns mode: the cols x cols Gram matrix (float64 in `gram`, cols² × 8 bytes of scratch) gives the
 * column norms and cosines; then for each listed row (or rows 0..m-1 when list = 0) the gradient of
 * its elements goes to out (m x cols float32). `aux` is scratch for cols × cols float32 + 2 cols float64.
 */
export function orthogonalColumnsGradient(table: usize, rows: u32, cols: u32, list: usize, m: u32, coef: f64, gram: usize, aux: usize, out: usize): usize {
  const rowBytes = <usize>cols << 2;
  columnGram(table, rows, cols, gram);
  // P[a][b] = sign(c_ab) / n_b (a != b), norms n, S[a] = sum_b |c_ab|, floored flags folded into S.
  const P = aux;
  const n = aux + ((<usize>cols * <usize>cols) << 2);
  const S = n + (<usize>cols << 3);
  for (let a: u32 = 0; a < cols; a++) store<f64>(n + (<usize>a << 3), Math.sqrt(load<f64>(gram + ((<usize>a * <usize>cols + a) << 3))));
  for (let a: u32 = 0; a < cols; a++) {
    const na = Math.max(load<f64>(n + (<usize>a << 3)), EPS);
    let abs: f64 = 0;
    for (let b: u32 = 0; b < cols; b++) {
      let v: f32 = 0;
      if (b != a) {
        const lo = a < b ? a : b;
        const hi = a < b ? b : a;
        const nb = Math.max(load<f64>(n + (<usize>b << 3)), EPS);
        const c = load<f64>(gram + ((<usize>lo * <usize>cols + hi) << 3)) / (na * nb);
        if (c != 0) {
          v = <f32>((c > 0 ? 1.0 : -1.0) / nb);
          abs += Math.abs(c);
        }
      }
      store<f32>(P + ((<usize>a * <usize>cols + b) << 2), v);
    }
    store<f64>(S + (<usize>a << 3), load<f64>(n + (<usize>a << 3)) <= EPS ? 0 : abs / na);
  }
  for (let t: u32 = 0; t < m; t++) {
    const i = list ? load<u32>(list + (<usize>t << 2)) : t;
    const xi = table + <usize>i * rowBytes;
    const o = out + <usize>t * rowBytes;
    for (let a: u32 = 0; a < cols; a++) {
      const row = P + ((<usize>a * <usize>cols) << 2);
      let acc: f64 = 0;
      for (let b: u32 = 0; b < cols; b++) acc += <f64>load<f32>(row + (<usize>b << 2)) * <f64>load<f32>(xi + (<usize>b << 2));
      const na = Math.max(load<f64>(n + (<usize>a << 3)), EPS);
      store<f32>(o + (<usize>a << 2), <f32>((coef / na) * (acc - load<f64>(S + (<usize>a << 3)) * <f64>load<f32>(xi + (<usize>a << 2)))));
    }
  }
  return out;
}
