/**
 * embedding-wasm: a Keras-style Embedding layer whose lookup runs in a WebAssembly SIMD kernel.
 * @packageDocumentation
 */
export {
  Embedding, type EmbeddingOptions, type EmbeddingConfig, type Tensor, type Identifier, type SparseGradient, type LoraGradient,
  type WeightArray, type VariableInput, type QuantizationMode, type TableDtype,
} from "./embedding.ts";
export {
  EmbeddingBag, type EmbeddingBagOptions, type EmbeddingBagConfig, type BagReduction, type BagCallOptions,
} from "./embedding-bag.ts";
export type { NearestOptions, NearestMetric, Neighbours } from "./nearest.ts";
export type { ReverseGradients } from "./reverse.ts";
export { EmbeddingPool, type EmbeddingPoolOptions } from "./embedding-pool.ts";
export { Optimizer, SGD, Adagrad, Adam, AdamW, type UpdateMode, type OptimizerState } from "./optimizers.ts";
export {
  getInitializer, computeFans, FunctionInitializer, Constant, Identity, Ones, Zeros, RandomUniform, RandomNormal, TruncatedNormal,
  VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
  type Initializer,
} from "./initializers/index.ts";
export {
  getRegularizer, L1, L2, L1L2, OrthogonalRegularizer, FunctionRegularizer, type Regularizer,
} from "./regularizers.ts";
export { getConstraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, FunctionConstraint, type Constraint } from "./constraints.ts";
export { ValueError } from "./errors.ts";
export { init, type KernelSource } from "./core/kernel.ts";
export type { TableHandle } from "./core/memory.ts";
/** @deprecated The old name of {@link TableHandle}. */
export type { TableHandle as FillTarget } from "./core/memory.ts";
export type { LookupInput, IndexTensor, IndexArray, NestedNumbers, TfjsTensorLike, OnnxTensorLike } from "./input.ts";
export type { WeightTable } from "./weights.ts";
export type { InputLength, Dim } from "./shapes.ts";
export type { KerasSource, KerasLoadOptions } from "./io/keras.ts";
export type { KerasSaveOptions } from "./io/keras-write.ts";
export type { TfjsSource, TfjsLoadOptions, TfjsModel } from "./io/tfjs.ts";
export { useH5wasm } from "./io/hdf5.ts";
export { loadWordVectors, type WordVectorFormat, type WordVectorOptions, type WordVectors } from "./io/word-vectors.ts";
export { Vocabulary, type VocabularyJSON, type VocabularyOptions } from "./io/vocabulary.ts";
export type { ByteSource, LoadOptions } from "./io/source.ts";
export { writeWordVectors, type VectorTable } from "./io/word-vectors-write.ts";
export { readNpy, writeNpy, type NpyArray, type NpyInput, type NpyData, type NpyDtype } from "./io/npy.ts";
export { readNpz, type NpzOptions } from "./io/npz.ts";
export type { NpyLoadOptions } from "./io/npy-table.ts";
export { toProjectorTsv, type ProjectorTsv } from "./io/projector.ts";
