// A float32 gather delivered into the caller's array chunk by chunk. Gathering the whole output into
// WebAssembly memory and then copying it out reads every output byte back after it has left the
// caches (an output of a few MiB is larger than L2, and beside a large table it is evicted from L3
// too). Gathering a chunk that fits in L2 and copying it out while it is still there reads it back
// from L2 instead. The chunks land in their places in the output region, which so ends up holding
// the whole output, as after any lookup (lookupBuffer views show it). Measured in bench/README.md
// ("Copy paths of callInto and call").
import type { KernelMemory } from "./memory.ts";
import { setElements } from "../typed-arrays.ts";

/** Output bytes gathered per chunk: a quarter of a 1 MiB L2 (64 KiB and 16 KiB measured slower), large enough that the per-chunk JS view costs nothing. */
export const GATHER_CHUNK_BYTES = 256 * 1024;

/**
 * Rows `idx[0..n)` of `mem`'s float32 table (indices already checked) into its output region (room
 * for n rows) and into `out`, one chunk at a time. Writes all of both.
 */
export function gatherInChunks(mem: KernelMemory, dim: number, idx: number, n: number, out: Float32Array): void {
  const rowsPerChunk = Math.max(1, Math.floor(GATHER_CHUNK_BYTES / (dim * 4)));
  const { kernel, tablePtr, outputPtr } = mem;
  const heap = mem.heap().f32;
  for (let first = 0; first < n; first += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, n - first);
    const chunkPtr = outputPtr + first * dim * 4;
    kernel.gatherRows(tablePtr, mem.rows, dim, idx + first * 4, rows, chunkPtr);
    // The engine's set: an override on the caller's subclass never runs.
    setElements(out, heap.subarray(chunkPtr >>> 2, (chunkPtr >>> 2) + rows * dim), first * dim);
  }
}
