// What EmbeddingPool needs from the layer whose table it shares: package-internal, implemented by
// Embedding.poolLink(), so that the pool checks input with the layer's own code and the layer refuses
// table writes while pool lookups read the table from other threads.
import type { KernelMemory } from "../core/memory.ts";
import type { LookupInput } from "../input.ts";
import type { NearestOptions, StagedNearest } from "../nearest.ts";

/** A lookup checked on the owning thread: the output's shape and the int32 indices, in order. */
export interface StagedLookup {
  readonly shape: number[];
  readonly indices: Int32Array;
}

/** A region of the layer's memory lent to a pool: its byte offset and size. */
export interface PoolRegion {
  readonly ptr: number;
  readonly bytes: number;
}

export interface PoolLink {
  /** Refuses tables a pool cannot read, then moves the layer's memory to a shared one (the shared kernel `module`). */
  share(module: WebAssembly.Module): KernelMemory;
  /**
   * A region of at least `bytes` in the layer's memory (for a pool's job slots, or one call's
   * staging): the smallest one given back that is large enough, else a new one kept for the
   * layer's life. `bytes` is the region's whole size, which may exceed what was asked for.
   */
  reserve(bytes: number, name: string): PoolRegion;
  /** Gives a region of `mem` back, whole, for a later `reserve`. */
  release(mem: KernelMemory, region: PoolRegion): void;
  /** The layer's live memory, after refusing what a pool cannot read (the layer may have changed since the pool was made). */
  memory(method: string): KernelMemory;
  /** Checks `x` (and `out`) exactly as the layer's `method` does, throwing the same errors, and returns its indices. */
  stage(method: "call" | "callInto", x: LookupInput, out?: Float32Array): StagedLookup;
  /**
   * Checks `x` exactly as the layer's `reverse()` does (same errors) and returns it as float32
   * queries with its shape (last dimension outputDim).
   */
  stageReverse(x: unknown): { data: Float32Array; shape: number[] };
  /** Checks a search exactly as the layer's `nearest()` does (same errors) and stages it. */
  stageNearest(query: unknown, options: NearestOptions | undefined): StagedNearest;
  /** Marks one more pool lookup as reading the table: the layer refuses writes until `giveBack()`. */
  lend(): void;
  giveBack(): void;
}
