/**
 * embedding-wasm: a Keras-style Embedding layer whose lookup runs in a WebAssembly SIMD kernel.
 * @packageDocumentation
 */
export { Embedding, type EmbeddingOptions, type EmbeddingConfig, type Tensor, type Identifier } from "./embedding.ts";
export { RandomUniform, Zeros, Ones, Constant, getInitializer, type Initializer, type FillTarget } from "./initializers.ts";
export { getRegularizer } from "./regularizers.ts";
export { getConstraint } from "./constraints.ts";
export { Declared } from "./registry.ts";
export { ValueError } from "./errors.ts";
export { init, type KernelSource } from "./wasm.ts";
export type { LookupInput, IndexTensor, IndexArray, NestedNumbers } from "./input.ts";
export type { WeightTable } from "./weights.ts";
export type { InputLength, Dim } from "./shapes.ts";
