// LoRA adapters of an Embedding (keras/src/layers/core/embedding.py, enable_lora): float32
// A (inputDim × rank, He-uniform) and B (rank × outputDim, zeros) in the layer's memory; lookups
// read W + (alpha / rank) · A @ B row by row in the kernel (assembly/lora.ts), in float32, or in a
// mixed policy's 16-bit compute dtype as Keras' autocast computes it there.
import { ValueError, show } from "./errors.ts";
import type { KernelMemory, TableHandle } from "./core/memory.ts";
import { HeUniform } from "./initializers/index.ts";
import { bfloat16Of, nearestFloat16 } from "./half.ts";

/** Checks a LoRA rank: a positive integer. */
export function checkLoraRank(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValueError(`${name} must be a positive integer. Received: ${name}=${show(value)}`);
  }
  return value;
}

/** Checks a LoRA alpha: a finite positive number. */
export function checkLoraAlpha(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValueError(`${name} must be a finite positive number. Received: ${name}=${show(value)}`);
  }
  return value;
}

export class LoraAdapters {
  readonly aPtr: number;
  readonly bPtr: number;

  /** Allocates A and B in `mem` and initializes them as Keras does (A He-uniform, B zeros, so the lookup is unchanged). */
  constructor(readonly mem: KernelMemory, readonly rank: number, readonly alpha: number) {
    this.aPtr = mem.persistent(mem.rows * rank * 4, "the LoRA adapter lora_embeddings_a");
    this.bPtr = mem.persistent(rank * mem.dim * 4, "the LoRA adapter lora_embeddings_b");
    new HeUniform().fill({ kernel: mem.kernel, ptr: this.aPtr, shape: [mem.rows, rank], scratch: (bytes) => mem.scratch(bytes) });
  }

  /** alpha / rank, rounded to float32 as Keras' multiply with a float32 tensor rounds it. */
  get factor(): number {
    return Math.fround(this.alpha / this.rank);
  }

  a(): Float32Array {
    return new Float32Array(this.mem.memory.buffer, this.aPtr, this.mem.rows * this.rank);
  }
  b(): Float32Array {
    return new Float32Array(this.mem.memory.buffer, this.bPtr, this.rank * this.mem.dim);
  }

  /**
   * Adds factor · A[idx[i]] @ B to the `n` gathered rows at `out`. `computeIn` is a mixed policy's
   * 16-bit compute dtype: Keras then autocasts the table and the adapters to it and rounds every
   * step (scale alpha / rank included); otherwise the sum is formed in float32.
   */
  addTo(idx: number, n: number, out: number, computeIn: "float16" | "bfloat16" | null = null): void {
    const { kernel, dim } = this.mem;
    if (computeIn === null) {
      kernel.addLoraRows(this.aPtr, this.bPtr, this.rank, dim, idx, n, this.factor, out);
      return;
    }
    const scale = computeIn === "float16" ? nearestFloat16(this.alpha / this.rank) : bfloat16Of(this.alpha / this.rank);
    kernel.addLoraRowsRounded(this.aPtr, this.bPtr, this.rank, dim, idx, n, scale, out, computeIn === "bfloat16" ? 1 : 0);
  }

  /** Adds factor · A @ B to a float32 table of rows × dim at `table`. */
  mergeInto(table: number): void {
    this.mem.kernel.mergeLoraTable(table, this.mem.rows, this.mem.dim, this.aPtr, this.bPtr, this.rank, this.factor);
  }

  /** A and B as tables (what the embeddings regularizer works on). */
  handles(): [TableHandle, TableHandle] {
    const { kernel, rows, dim } = this.mem;
    const scratch = (bytes: number) => this.mem.scratch(bytes);
    return [
      { kernel, ptr: this.aPtr, shape: [rows, this.rank], scratch },
      { kernel, ptr: this.bPtr, shape: [this.rank, dim], scratch },
    ];
  }

  /** [A, B] as Keras names them, copies. */
  read(): { name: string; dtype: "float32"; data: Float32Array; shape: number[] }[] {
    return [
      { name: "lora_embeddings_a", dtype: "float32", data: this.a().slice(), shape: [this.mem.rows, this.rank] },
      { name: "lora_embeddings_b", dtype: "float32", data: this.b().slice(), shape: [this.rank, this.mem.dim] },
    ];
  }
}
