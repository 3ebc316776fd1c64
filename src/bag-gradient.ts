// The backward pass of EmbeddingBag: one gradient row per non-padding position (bagGradientRows),
// merged by row into a sparse gradient (sparseGradient, with PyTorch's scale_grad_by_freq).
import { BagMode } from "./core/kernel.ts";
import type { KernelMemory } from "./core/memory.ts";
import type { SparseGradient } from "./sparse-gradient.ts";

/** What a bag call reduced: its indices, bag bounds, weights and (max mode) arg-max positions. */
export interface BagRecord {
  readonly bags: number;
  readonly idx: Int32Array;
  readonly bounds: Uint32Array;
  readonly weights: Float32Array | null;
  readonly argmax: Int32Array | null;
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(16, n)));

export function bagBackward(mem: KernelMemory, last: BagRecord, upstream: ArrayLike<number>, mode: "sum" | "mean" | "max", padding: number, byFrequency: boolean): SparseGradient {
  const dim = mem.dim;
  const n = last.idx.length;
  const out = last.bags * dim;
  const cap = nextPowerOfTwo(2 * n);
  const sizes = [n * 4, (last.bags + 1) * 4, n * 4, out * 4, out * 4, n * 4, n * dim * 4, cap * 8, n * 4, n * dim * 4, n * 4];
  const base = mem.scratch(sizes.reduce((a, b) => a + align(b), 0));
  let at = base;
  const [idx, bounds, weights, dOut, argmax, ids, rows, hash, uniq, grads, counts] = sizes.map((size) => {
    const p = at;
    at += align(size);
    return p;
  }) as [number, number, number, number, number, number, number, number, number, number, number];
  const buffer = mem.memory.buffer;
  new Int32Array(buffer, idx, n).set(last.idx);
  new Uint32Array(buffer, bounds, last.bags + 1).set(last.bounds);
  if (last.weights !== null) new Float32Array(buffer, weights, n).set(last.weights);
  new Float32Array(buffer, dOut, out).set(upstream);
  if (last.argmax !== null) new Int32Array(buffer, argmax, out).set(last.argmax);
  const k = mem.kernel;
  const m = k.bagGradientRows(idx, bounds, last.bags, last.weights === null ? 0 : weights, BagMode[mode], padding, dim, dOut, argmax, ids, rows);
  const u = k.sparseGradient(ids, m, dim, rows, hash, cap, uniq, grads, counts, byFrequency ? 1 : 0);
  return {
    indices: new Int32Array(buffer, uniq, u).slice(),
    values: new Float32Array(buffer, grads, u * dim).slice(),
    shape: [u, dim],
    denseShape: [mem.rows, dim],
  };
}
