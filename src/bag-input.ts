// The input of an EmbeddingBag call (PyTorch's nn.EmbeddingBag.forward): 2-D fixed-length bags, or
// 1-D indices with `offsets` (bag b starting at offsets[b]); optional per-sample weights of the
// input's shape. Everything is read into one scratch block of the layer's memory and checked there,
// before the table is touched.
import { ValueError, invalidArgument, show, typeName } from "./errors.ts";
import type { KernelMemory } from "./core/memory.ts";
import { flatten, ownInput, stageIndices, type FlatInput } from "./input.ts";
import { readElements } from "./caller-data.ts";
import { privateCopy, setElements, typedArrayName } from "./typed-arrays.ts";

/** The second argument of `EmbeddingBag.call`. */
export interface BagCallOptions {
  /**
   * With 1-D input: where each bag starts (integers, offsets[0] = 0, non-decreasing, ≤ the number of
   * indices). Bag b is `input[offsets[b] : offsets[b + 1]]`, the last one running to the end; with
   * `includeLastOffset` the last entry is the end of the last bag and must equal the number of indices.
   * Must be absent with 2-D input.
   */
  offsets?: ArrayLike<number> | BigInt64Array | BigUint64Array;
  /** One weight per index, same shape as the input (sum mode only): each row is multiplied by its weight. */
  perSampleWeights?: Float32Array | Float64Array | readonly number[] | readonly (readonly number[])[] | { data: ArrayLike<number>; shape: readonly number[] };
}

/** A checked bag call, staged in scratch: pointers into the layer's memory. */
export interface StagedBags {
  readonly bags: number;
  /** Number of indices. */
  readonly n: number;
  readonly idx: number;
  /** bags + 1 u32 offsets. */
  readonly bounds: number;
  /** n float32, or 0. */
  readonly weights: number;
  /** bags x dim float32. */
  readonly out: number;
  /** bags x dim int32 in max mode, else 0. */
  readonly argmax: number;
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/**
 * The offsets, each element read once into an array of their own: a typed array through the engine's
 * length (a subclass cannot report another), an array (or a Proxy of one) with its length read once.
 */
function readOffsets(value: unknown): unknown[] {
  const kind = typedArrayName(value);
  if (kind !== undefined) return Array.from(privateCopy("offsets", value, kind) as ArrayLike<unknown>);
  if (Array.isArray(value)) return readElements("offsets", value);
  return invalidArgument("offsets", "an array of bag start positions (required with 1-D input)", value);
}

/**
 * Reads `input` and `options` into scratch and checks them: the shape (2-D without offsets, 1-D
 * with them), the offsets, the weights' shape (and that the mode allows them), and every index
 * (a RangeError names the first outside [0, inputDim)). Nothing outside scratch is written.
 */
export function stageBags(mem: KernelMemory, input: unknown, options: BagCallOptions | undefined, mode: "sum" | "mean" | "max", includeLastOffset: boolean): StagedBags {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    invalidArgument("options", "an object { offsets?, perSampleWeights? } or undefined", options);
  }
  const offsetsArg = options?.offsets;
  const perSampleWeights = options?.perSampleWeights;
  // Each caller array is copied as soon as it is read (typed arrays through the engine's accessors),
  // so a getter of a later argument cannot detach or change one read before.
  const flat: FlatInput = ownInput(flatten(input, (n) => mem.checkPositions(n), "input"), "input");
  const n = flat.size;
  let bags: number;
  let fixed = 0;
  let offsets: unknown[] | undefined;
  if (flat.shape.length === 2) {
    if (offsetsArg !== undefined) {
      throw new ValueError(`offsets must be undefined when input is 2-D (each row is one bag). Received: offsets=${show(offsetsArg)}`);
    }
    bags = flat.shape[0]!;
    fixed = flat.shape[1]!;
  } else if (flat.shape.length === 1) {
    offsets = readOffsets(offsetsArg);
    if (includeLastOffset && offsets.length === 0) {
      throw new ValueError("offsets must have at least one entry with includeLastOffset (its last entry ends the last bag). Received: offsets=[]");
    }
    bags = includeLastOffset ? offsets.length - 1 : offsets.length;
  } else {
    throw new ValueError(`input must be 2-D (bags of equal length) or 1-D with offsets. Received: input of shape [${flat.shape.join(", ")}]`);
  }
  if (perSampleWeights !== undefined && perSampleWeights !== null && mode !== "sum") {
    throw new ValueError(`perSampleWeights is only supported in mode "sum" (as PyTorch's EmbeddingBag). Received it with mode "${mode}".`);
  }
  const weighted = perSampleWeights !== undefined && perSampleWeights !== null;
  let weights: FlatInput | undefined;
  if (weighted) {
    weights = flatten(perSampleWeights, undefined, "perSampleWeights");
    const same = weights.shape.length === flat.shape.length && weights.shape.every((d, i) => d === flat.shape[i]);
    if (!same) {
      throw new ValueError(`perSampleWeights must have the input's shape [${flat.shape.join(", ")}]. Received: shape [${weights.shape.join(", ")}]`);
    }
    if (weights.kind === "BigInt64Array" || weights.kind === "BigUint64Array") {
      invalidArgument("perSampleWeights", "numbers (a Float32Array, Float64Array or number array)", perSampleWeights);
    }
    weights = ownInput(weights, "perSampleWeights");
  }
  const offsetCount = offsets === undefined ? 0 : offsets.length;
  const dim = mem.dim;
  // Every region the call needs, reserved at once before anything is written.
  const sizes = [n * 8, offsetCount * 8, (bags + 1) * 4, weighted ? n * 4 : 0, bags * dim * 4, mode === "max" ? bags * dim * 4 : 0];
  const base = mem.scratch(sizes.reduce((a, b) => a + align(b), 0));
  const ptrs: number[] = [];
  let at = base;
  for (const size of sizes) {
    ptrs.push(at);
    at += align(size);
  }
  const [idx, offsetsPtr, bounds, weightsPtr, out, argmax] = ptrs as [number, number, number, number, number, number];
  const buffer = mem.memory.buffer;
  const boundsView = new Uint32Array(buffer, bounds, bags + 1);
  if (offsets === undefined) {
    for (let b = 0; b <= bags; b++) boundsView[b] = b * fixed;
  } else {
    // Copied once, then checked and converted from the copy.
    const copy = new Float64Array(buffer, offsetsPtr, offsetCount);
    const source = offsets;
    for (let i = 0; i < offsetCount; i++) {
      const v = source[i];
      copy[i] = typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : NaN;
      if (typeof v !== "number" && typeof v !== "bigint") {
        throw new ValueError(`offsets[${i}] must be an integer. Received: ${show(v)} (of type ${typeName(v)})`);
      }
    }
    for (let i = 0; i < offsetCount; i++) {
      const v = copy[i]!;
      if (!Number.isInteger(v) || v < 0 || v > n) {
        throw new ValueError(`offsets[${i}] must be an integer in [0, ${n}] (the number of indices). Received: offsets[${i}]=${show(v)}`);
      }
      if (i === 0 && v !== 0) throw new ValueError(`offsets[0] must be 0 (the first bag starts at the first index). Received: offsets[0]=${v}`);
      if (i > 0 && v < copy[i - 1]!) {
        throw new ValueError(`offsets must be non-decreasing. Received: offsets[${i - 1}]=${copy[i - 1]}, offsets[${i}]=${v}`);
      }
      boundsView[i] = v;
    }
    if (includeLastOffset) {
      if (copy[offsetCount - 1] !== n) {
        throw new ValueError(
          `With includeLastOffset the last offset ends the last bag and must equal the number of indices, ${n}. Received: offsets[${offsetCount - 1}]=${copy[offsetCount - 1]}`,
        );
      }
    } else {
      boundsView[bags] = n;
    }
  }
  stageIndices(mem, flat, idx);
  if (weights !== undefined) setElements(new Float32Array(mem.memory.buffer, weightsPtr, n), weights.data as ArrayLike<number>);
  return { bags, n, idx, bounds, weights: weighted ? weightsPtr : 0, out, argmax: mode === "max" ? argmax : 0 };
}
