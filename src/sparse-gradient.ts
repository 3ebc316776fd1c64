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

/**
 * The gradient `backward()` returns for a layer with LoRA on: the table is frozen and only the
 * adapters train. `indices` / `values` are the sparse gradient of `lora_embeddings_a` (the rows
 * looked up, `rank` values each; shape [indices.length, rank], denseShape [inputDim, rank]) and
 * `loraB` the dense gradient of `lora_embeddings_b` (rank × outputDim).
 */
export interface LoraGradient extends SparseGradient {
  loraB: { data: Float32Array; shape: [number, number] };
}
