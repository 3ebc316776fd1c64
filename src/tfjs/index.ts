/**
 * embedding-wasm/tfjs: the Embedding layer as a TensorFlow.js layer, for `tf.sequential` / `tf.model`,
 * `model.fit` and `model.save` / `tf.loadLayersModel`. Needs `@tensorflow/tfjs-core` and
 * `@tensorflow/tfjs-layers` 4.x, which `@tensorflow/tfjs` and `@tensorflow/tfjs-node` both install.
 * Importing this module registers the `WasmEmbedding` class with TF.js serialization.
 * @packageDocumentation
 */
export { WasmEmbedding, wasmEmbedding } from "./wasm-embedding.ts";
export type { WasmEmbeddingOptions } from "./options.ts";
