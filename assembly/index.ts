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
export { orthogonalFill, widenToF64 } from "./orthogonal";
export { constrainRows, columnSumSquares, constrainColumns, clampNonNegative, renormRows, constrainListedRows, clampListedRows } from "./constraints";
export { absAndSquareSums, gatherRowsWithSums, rowPairAbsCosineSum, columnPairAbsCosineSum } from "./penalties";
export { sparseGradient, optimizerStep, fillF32 } from "./training";
export { orthogonalRowsGradient, orthogonalColumnsGradient } from "./penalty-gradients";
