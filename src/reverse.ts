// The reverse projection of a tied (or untied) embedding, Keras Hub's ReversibleEmbedding with
// `reverse=True`: logits = x · Wᵀ (tied) or x · R (untied, R the [outputDim, inputDim] reverse
// embeddings), then optionally `cap · tanh(logits / cap)` (keras_hub reversible_embedding.py). And its
// backward pass: the gradients of x, of the table (tied) or of R (untied).
import type { KernelMemory } from "./core/memory.ts";
import { freshCopy } from "./core/fresh.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { flatten } from "./input.ts";
import { privateCopy, setElements, typedArrayName } from "./typed-arrays.ts";
import type { Tensor } from "./options.ts";
import type { SparseGradient } from "./sparse-gradient.ts";

/** What the reverse projection needs from its layer. */
export interface ReverseHost {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly logitSoftCap: number | null;
  /** Byte offset of the reverse embeddings ([outputDim, inputDim]), or 0 when tied. */
  readonly reversePtr: number;
}

/** What `reverse` keeps for `reverseBackward`: its input, and the capped logits when a cap is set. */
export interface ReverseRecord {
  readonly x: Float32Array;
  readonly shape: readonly number[];
  readonly capped: Float32Array | null;
}

/** What `reverseBackward` returns. */
export interface ReverseGradients {
  /** The gradient of the loss with respect to `reverse`'s input (its shape). */
  dInput: Tensor<Float32Array>;
  /**
   * Tied weights: the gradient of the table (every row; plus the rows of `options.gradient` when
   * given), ready for `applyGradients`. Null when untied or not trainable.
   */
  gradient: SparseGradient | null;
  /** Untied weights: the gradient of `reverseEmbeddings`, `[outputDim, inputDim]`, for `applyReverseGradients`. Null when tied or not trainable. */
  reverseGradient: Tensor<Float32Array> | null;
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** Consecutive 64-byte-aligned regions of one scratch block, reserved at once. */
function carveScratch(mem: KernelMemory, sizes: number[]): number[] {
  let at = mem.scratch(sizes.reduce((a, b) => a + align(b), 0));
  return sizes.map((size) => {
    const p = at;
    at += align(size);
    return p;
  });
}

/**
 * `x` as flat float values with its shape, checked (numbers, last dimension `dim`) and copied into a
 * Float32Array of its own, through the engine's accessors: a view of the layer's memory stays
 * readable after the call grows memory, and a subclass's length or iterator is never used.
 */
export function readFloats(name: string, x: unknown, dim: number, what: string): { data: Float32Array; shape: number[] } {
  const flat = flatten(x, undefined, name);
  if (flat.kind === "BigInt64Array" || flat.kind === "BigUint64Array") invalidArgument(name, "float values (a Float32Array, Float64Array, number array or { data, shape })", x);
  if (flat.shape.length === 0 || flat.shape[flat.shape.length - 1] !== dim) {
    throw new ValueError(`${name} must have a last dimension of ${dim} (${what}). Received: shape [${flat.shape.join(", ")}]`);
  }
  const data = new Float32Array(flat.size);
  setElements(data, flat.data as ArrayLike<number>);
  return { data, shape: flat.shape };
}

/** logits = x · Wᵀ (or x · R), soft-capped when set. Returns the logits and what backward needs. */
export function reverseLogits(mem: KernelMemory, host: ReverseHost, x: unknown): { logits: Tensor<Float32Array>; record: ReverseRecord } {
  const { inputDim: rows, outputDim: dim } = host;
  const { data, shape } = readFloats("x", x, dim, "the layer's outputDim");
  const q = data.length / dim;
  const [xPtr, out] = carveScratch(mem, [q * dim * 4, q * rows * 4]) as [number, number];
  const buffer = mem.memory.buffer;
  const xs = new Float32Array(buffer, xPtr, q * dim);
  xs.set(data);
  const k = mem.kernel;
  if (host.reversePtr === 0) k.matmulNT(xPtr, q, dim, mem.tablePtr, rows, out);
  else k.matmulNN(xPtr, q, dim, host.reversePtr, rows, out);
  if (host.logitSoftCap !== null) k.softCap(out, q * rows, host.logitSoftCap);
  const logits = freshCopy(new Float32Array(buffer, out, q * rows));
  const record = { x: xs.slice(), shape, capped: host.logitSoftCap === null ? null : logits.slice() };
  return { logits: { data: logits, shape: [...shape.slice(0, -1), rows] }, record };
}

/**
 * The backward pass of the last `reverse`, given dLogits (its output's shape). The table (or R) is
 * read as it is now: call this before stepping an optimizer on the layer.
 */
export function reverseBackward(mem: KernelMemory, host: ReverseHost, record: ReverseRecord, dLogits: unknown, trainable: boolean, extra: SparseGradient | undefined): ReverseGradients {
  const { inputDim: rows, outputDim: dim } = host;
  const q = record.x.length / dim;
  const expected = [...record.shape.slice(0, -1), rows];
  let upstream: ArrayLike<number>;
  const kind = typedArrayName(dLogits);
  if (kind === "Float32Array" || kind === "Float64Array") {
    // Copied before scratch is taken: growing memory would detach a view of the layer's own memory.
    const copy = privateCopy("dLogits", dLogits, kind) as Float32Array | Float64Array;
    if (copy.length !== q * rows) {
      throw new ValueError(`dLogits must have ${q * rows} values, the size of the last reverse() output [${expected.join(", ")}]. Received: dLogits.length=${copy.length}`);
    }
    upstream = copy;
  } else {
    const flat = readFloats("dLogits", dLogits, rows, "the layer's inputDim");
    if (flat.shape.length !== expected.length || flat.shape.some((d, i) => d !== expected[i])) {
      throw new ValueError(`dLogits must have the shape of the last reverse() output, [${expected.join(", ")}]. Received: shape [${flat.shape.join(", ")}]`);
    }
    upstream = flat.data;
  }
  const tied = host.reversePtr === 0;
  if (extra !== undefined) checkExtra(extra, tied, rows, dim);
  const capped = record.capped !== null;
  const [g, xPtr, cappedPtr, dX, dW] = carveScratch(mem, [q * rows * 4, q * dim * 4, capped ? q * rows * 4 : 0, q * dim * 4, trainable ? rows * dim * 4 : 0]) as [
    number, number, number, number, number,
  ];
  const buffer = mem.memory.buffer;
  new Float32Array(buffer, g, q * rows).set(upstream);
  new Float32Array(buffer, xPtr, q * dim).set(record.x);
  const k = mem.kernel;
  if (capped) {
    new Float32Array(buffer, cappedPtr, q * rows).set(record.capped!);
    k.softCapBackward(g, cappedPtr, q * rows, host.logitSoftCap!);
  }
  // dx = dL · W (tied, W: rows x dim) or dL · Rᵀ (untied, R: dim x rows).
  if (tied) k.matmulNN(g, q, rows, mem.tablePtr, dim, dX);
  else k.matmulNT(g, q, rows, host.reversePtr, dim, dX);
  const dInput = { data: new Float32Array(buffer, dX, q * dim).slice(), shape: [...record.shape] };
  if (!trainable) return { dInput, gradient: null, reverseGradient: null };
  if (!tied) {
    // dR = xᵀ · dL.
    k.matmulTN(xPtr, q, dim, g, rows, dW);
    return { dInput, gradient: null, reverseGradient: { data: new Float32Array(buffer, dW, rows * dim).slice(), shape: [dim, rows] } };
  }
  // dW = dLᵀ · x.
  k.matmulTN(g, q, rows, xPtr, dim, dW);
  const values = new Float32Array(buffer, dW, rows * dim).slice();
  if (extra !== undefined) {
    extra.indices.forEach((r, j) => {
      for (let d = 0; d < dim; d++) values[r * dim + d]! += extra.values[j * dim + d]!;
    });
  }
  const indices = new Int32Array(rows);
  for (let r = 0; r < rows; r++) indices[r] = r;
  return { dInput, gradient: { indices, values, shape: [rows, dim], denseShape: [rows, dim] }, reverseGradient: null };
}

function checkExtra(extra: SparseGradient, tied: boolean, rows: number, dim: number): void {
  if (!tied) throw new ValueError("options.gradient can only be added with tied weights (tieWeights: true): untied, the table gets no gradient from reverse().");
  if (extra === null || typeof extra !== "object" || !(extra.indices instanceof Int32Array) || !(extra.values instanceof Float32Array)) {
    throw new ValueError(`options.gradient must be { indices: Int32Array, values: Float32Array } as backward() returns. Received: ${show(extra)}`);
  }
  if (extra.values.length !== extra.indices.length * dim) {
    throw new ValueError(`options.gradient.values must have indices.length × outputDim = ${extra.indices.length * dim} values. Received: ${extra.values.length}`);
  }
  extra.indices.forEach((r, j) => {
    if (r < 0 || r >= rows) throw new RangeError(`options.gradient.indices[${j}] = ${r} is not in [0, ${rows})`);
  });
}
