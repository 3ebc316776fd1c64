// Scores of every table row against query vectors, for exact (brute-force) nearest-neighbour search.
// The products are logits.ts' blocked kernel; the metric is applied in a second pass over the
// scores (q x rows floats, small beside the table).
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
 * `queryNorms`: q float32 scratch, written here), 0 when either norm is 0; METRIC_EUCLIDEAN the
 * Euclidean distance, from the squared differences themselves (no |x|² + |y|² − 2x·y cancellation).
 * Returns out.
 */
export function scoreRows(queries: usize, q: u32, table: usize, rows: u32, dim: u32, metric: u32, rowNorms: usize, queryNorms: usize, out: usize): usize {
  if (metric == METRIC_EUCLIDEAN) {
    productNT(queries, q, dim, table, rows, out, true);
    const n = <usize>q * <usize>rows;
    for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), Mathf.sqrt(load<f32>(out + (i << 2))));
    return out;
  }
  matmulNT(queries, q, dim, table, rows, out);
  if (metric == METRIC_COSINE) {
    rowNormsF32(queries, q, dim, queryNorms);
    for (let i: u32 = 0; i < q; i++) {
      const qn = load<f32>(queryNorms + (<usize>i << 2));
      const o = out + ((<usize>i * <usize>rows) << 2);
      for (let r: u32 = 0; r < rows; r++) {
        const d = qn * load<f32>(rowNorms + (<usize>r << 2));
        const p = o + (<usize>r << 2);
        store<f32>(p, d > 0 ? load<f32>(p) / d : 0);
      }
    }
  }
  return out;
}
