// The gradient of an embedding table as backward() returns it and optimizers take it.

/**
 * The gradient of the table, sparse: row `indices[k]` has gradient `values[k * dim … (k + 1) * dim]`;
 * every other row's gradient is zero (TensorFlow's IndexedSlices, with the rows made unique).
 */
export interface SparseGradient {
  /** Distinct row ids, in order of first occurrence in the lookup. */
  indices: Int32Array;
  /** Their gradient rows, row-major. */
  values: Float32Array;
  /** [indices.length, outputDim]. */
  shape: [number, number];
  /** [inputDim, outputDim]: the table's shape. */
  denseShape: [number, number];
}
