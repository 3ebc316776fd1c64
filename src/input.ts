// Lookup input: what `call`, `callInto` and `computeMask` accept, its shape, and how it reaches the
// kernel's int32 index region. Float input is truncated toward zero (Keras casts to int32); NaN,
// +-Infinity and values outside int32 are rejected together with out-of-range indices, naming the
// caller's original value.
import { ValueError, show, typeName } from "./errors.ts";
import type { KernelMemory } from "./core/memory.ts";

/** Typed arrays accepted as index data. */
export type IndexArray =
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A nested array of numbers of any depth (a bare number is a rank-0 input). */
export type NestedNumbers = number | readonly NestedNumbers[];

/** Index data with an explicit shape; `data.length` must equal the product of `shape`. */
export interface IndexTensor {
  readonly data: IndexArray | readonly number[];
  readonly shape: readonly number[];
}

/** Everything a lookup accepts: nested arrays, `{ data, shape }`, or a bare typed array (rank 1). */
export type LookupInput = NestedNumbers | IndexTensor | IndexArray;

/** Input reduced to flat data and a shape. */
export interface FlatInput {
  readonly shape: number[];
  readonly size: number;
  /** Flat values; nested arrays are flattened into a Float64Array. */
  readonly data: IndexArray | readonly number[];
}

const ACCEPTED =
  "a number, a nested array of numbers, a typed array, or { data, shape } with data an Int32Array, Uint32Array, " +
  "Float32Array, Float64Array, BigInt64Array (or another integer typed array) or number[]";

function isIndexArray(value: unknown): value is IndexArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Deeper nesting is refused: far beyond any real input, and it bounds the walks below (an array that contains itself would otherwise never end). */
export const MAX_RANK = 64;

/** Walks the first elements of a nested array to find its shape. */
function nestedShape(x: readonly NestedNumbers[]): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = x;
  while (Array.isArray(level)) {
    if (shape.length === MAX_RANK) {
      throw new ValueError(`x is nested more than ${MAX_RANK} levels deep (an array that contains itself?); inputs may have rank ${MAX_RANK} at most.`);
    }
    shape.push(level.length);
    if (level.length === 0) break;
    level = (level as readonly NestedNumbers[])[0]!;
  }
  return shape;
}

function position(path: number[]): string {
  return `[${path.join(",")}]`;
}

/** Flattens a nested array into `out`, checking that it is rectangular and holds numbers only. */
function flattenNested(x: readonly NestedNumbers[], shape: number[], out: Float64Array): void {
  let k = 0;
  const path: number[] = [];
  const walk = (level: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof level !== "number") {
        const what = Array.isArray(level)
          ? `an array, deeper than x${position(path.slice(0, depth).map(() => 0))}`
          : `${show(level)} (of type ${typeName(level)})`;
        throw new ValueError(`x${position(path)} must be a number, like the other leaves of x. Received: ${what}`);
      }
      out[k++] = level;
      return;
    }
    if (!Array.isArray(level)) {
      throw new ValueError(
        `x is ragged: x${position(path)} is ${show(level)} (of type ${typeName(level)}), but x${position(path.map(() => 0))} ` +
          `is an array of length ${shape[depth]}. Nested input must be rectangular.`,
      );
    }
    if (level.length !== shape[depth]) {
      throw new ValueError(
        `x is ragged: x${position(path)} has length ${level.length}, but x${position(path.map(() => 0))} has length ` +
          `${shape[depth]}. Nested input must be rectangular.`,
      );
    }
    for (let i = 0; i < level.length; i++) {
      path.push(i);
      walk(level[i], depth + 1);
      path.pop();
    }
  };
  walk(x, 0);
}

function checkShape(shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`x.shape must be an array of non-negative integers. Received: x.shape=${show(shape)} (of type ${typeName(shape)})`);
  }
  return [...shape];
}

/**
 * Reduces any accepted input to flat data and a shape, checking the form (not the values).
 * `checkSize` runs on the size before nested input is copied, so an input too large for the layer
 * is refused before anything is allocated.
 */
export function flatten(x: unknown, checkSize?: (size: number) => void): FlatInput {
  if (typeof x === "number") return { shape: [], size: 1, data: [x] };
  if (isIndexArray(x)) return { shape: [x.length], size: x.length, data: x };
  if (Array.isArray(x)) {
    const shape = nestedShape(x);
    const size = shape.reduce((a, b) => a * b, 1);
    checkSize?.(size);
    const data = new Float64Array(size);
    flattenNested(x, shape, data);
    return { shape, size, data };
  }
  if (x !== null && typeof x === "object" && "data" in x && "shape" in x) {
    const { data, shape: rawShape } = x as { data: unknown; shape: unknown };
    const shape = checkShape(rawShape);
    if (shape.length > MAX_RANK) throw new ValueError(`x.shape has rank ${shape.length}; inputs may have rank ${MAX_RANK} at most.`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!isIndexArray(data) && !Array.isArray(data)) {
      throw new ValueError(`x.data must be a typed array or an array of numbers. Received: x.data=${show(data)} (of type ${typeName(data)})`);
    }
    if (data.length !== size) {
      throw new ValueError(
        `x.shape [${shape.join(", ")}] holds ${size} values, but x.data has ${data.length}. ` +
          `Received: x.shape=${show(shape)}, x.data.length=${data.length}`,
      );
    }
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        if (typeof data[i] !== "number") {
          throw new ValueError(`x.data[${i}] must be a number. Received: ${show(data[i])} (of type ${typeName(data[i])})`);
        }
      }
    }
    return { shape, size, data: data as IndexArray | number[] };
  }
  throw new ValueError(`x must be ${ACCEPTED}. Received: x=${show(x)} (of type ${typeName(x)})`);
}

/** `indices[6,4]` for flat position `i` of an input of `shape` (`indices` for a scalar). */
export function indexPosition(shape: readonly number[], i: number): string {
  if (shape.length === 0) return "indices";
  const coords = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const extent = shape[d]!;
    coords[d] = i % extent;
    i = Math.floor(i / extent);
  }
  return `indices[${coords.join(",")}]`;
}

/** The RangeError for an index out of `[0, rows)`, naming its position and the caller's value. */
export function outOfRange(shape: readonly number[], i: number, value: number | bigint, rows: number): RangeError {
  const finite = typeof value === "bigint" || Number.isFinite(value);
  const hint = finite ? "" : " (indices must be finite numbers)";
  return new RangeError(`${indexPosition(shape, i)} = ${String(value)} is not in [0, ${rows})${hint}`);
}

/**
 * Writes the indices of `input` as int32 at `ptr` (8 bytes per position of room, for float64 and
 * int64 input converted in place), converting floats and 64-bit integers in the kernel, then checks
 * them all: a RangeError names the first index out of range.
 */
export function stageIndices(mem: KernelMemory, input: FlatInput, ptr: number): void {
  const { data, size } = input;
  const k = mem.kernel;
  const buffer = mem.memory.buffer;
  if (data instanceof Float64Array || Array.isArray(data)) {
    new Float64Array(buffer, ptr, size).set(data as ArrayLike<number>);
    k.f64ToIndices(ptr, size, ptr);
  } else if (data instanceof Float32Array) {
    new Float32Array(buffer, ptr, size).set(data);
    k.f32ToIndices(ptr, size, ptr);
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    // BigUint64 values >= 2^63 read as negative int64 and are rejected like any other.
    new BigInt64Array(buffer, ptr, size).set(new BigInt64Array(data.buffer, data.byteOffset, data.length));
    k.i64ToIndices(ptr, size, ptr);
  } else {
    // Integer typed arrays convert exactly, except uint32 >= 2^31, which wraps negative: rejected.
    new Int32Array(buffer, ptr, size).set(data as ArrayLike<number>);
  }
  const bad = k.firstOutOfRange(ptr, size, mem.rows);
  if (bad < size) throw outOfRange(input.shape, bad, (data as ArrayLike<number | bigint>)[bad]!, mem.rows);
}
