// The one place the io loaders turn a parsed float32 table into an Embedding layer, so that a later
// change (adopting the table without a copy) happens here only.
import { Embedding, type EmbeddingOptions } from "../embedding.ts";

/** Layer options a loader passes through (everything but the table and its shape). */
export type TableLayerOptions = Omit<EmbeddingOptions, "inputDim" | "outputDim" | "weights">;

/**
 * Creates an `Embedding` of `rows` × `dim` whose table is `table` (row-major, exactly `rows * dim`
 * values). The caller hands the table over: it must not use or change it afterwards.
 */
export function layerFromTable(table: Float32Array, rows: number, dim: number, options: TableLayerOptions = {}): Embedding {
  return new Embedding({ ...options, inputDim: rows, outputDim: dim, weights: { data: table, shape: [rows, dim] } });
}
