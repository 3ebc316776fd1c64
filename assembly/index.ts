// The kernel module's exports. Every kernel takes pointers and sizes into the memory the host
// imports (env.memory), never allocates and never traps on valid arguments: the TypeScript wrapper
// (src/) owns the memory layout and validates everything before a kernel runs.
export { gatherRows } from "./gather";
export { firstOutOfRange, f64ToIndices, f32ToIndices, i64ToIndices } from "./indices";
export { fillRandom, seedRandomState } from "./random";

/** First byte the kernels' own static data does not use; the wrapper lays out regions above it. */
export function heapBase(): usize {
  return __heap_base;
}
export { orthogonalFill, orthogonalFactor, orthogonalFormQ, orthogonalWrite, widenToF64 } from "./orthogonal";
export { constrainRows, columnSumSquares, addColumnSumSquares, constrainColumns, clampNonNegative, renormRows, constrainListedRows, clampListedRows } from "./constraints";
export { absAndSquareSums, absAndSquareSumsPart, gatherRowsWithSums, outputRowSums, rowPairAbsCosineSum, columnPairAbsCosineSum } from "./penalties";
export { sparseGradient, optimizerStep, fillF32 } from "./training";
export { orthogonalRowsGradient, orthogonalColumnsGradient } from "./penalty-gradients";

// Constants the host must agree with (checked by tests/kernel-contract.test.ts against src/core/kernel.ts).
export { RANDOM_STATE_BYTES, UNIFORM as RANDOM_UNIFORM, NORMAL as RANDOM_NORMAL, TRUNCATED_NORMAL as RANDOM_TRUNCATED_NORMAL, SYMMETRIC_UNIFORM as RANDOM_SYMMETRIC_UNIFORM } from "./random";
export { SGD as OPTIMIZER_SGD, ADAGRAD as OPTIMIZER_ADAGRAD, ADAM as OPTIMIZER_ADAM } from "./training";
export {
  STEP_KIND, STEP_LAZY, STEP_TABLE, STEP_ROWS, STEP_DIM, STEP_SLOT_A, STEP_SLOT_B, STEP_IDS, STEP_GRADS, STEP_COUNT, STEP_HASH,
  STEP_HASH_CAPACITY, STEP_EXTRA, STEP_NESTEROV, STEP_LEARNING_RATE, STEP_MOMENTUM, STEP_EPSILON, STEP_ALPHA, STEP_BETA_1, STEP_BETA_2,
  STEP_L1, STEP_L2, STEP_WEIGHT_DECAY, STEP_ARGS_BYTES,
} from "./training";
export { bagReduce, bagGradientRows, BAG_SUM, BAG_MEAN, BAG_MAX } from "./bag";
export { matmulNT, matmulNTStrided, matmulNN, matmulTN, softCap, softCapBackward } from "./logits";
export { rowNormsF32, scoreRows, selectTop, METRIC_DOT, METRIC_COSINE, METRIC_EUCLIDEAN } from "./nearest";
export { gatherInt8, gatherInt4, gatherInt4Grouped } from "./quantized";
export { gatherFloat16, gatherBfloat16, roundToFloat16, roundToBfloat16, narrowToFloat16, narrowToBfloat16 } from "./half";
export { addLoraRows, addLoraRowsRounded, mergeLoraTable, loraGradients } from "./lora";
