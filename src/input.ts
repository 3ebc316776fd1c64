// Lookup input: what `call`, `callInto` and `computeMask` accept, its shape, and how it reaches the
// kernel's int32 index region. Float input is truncated toward zero (Keras casts to int32); NaN,
// +-Infinity and values outside int32 are rejected together with out-of-range indices, naming the
// caller's original value.
import { ValueError, show, typeName } from "./errors.ts";
import type { KernelMemory } from "./core/memory.ts";
import { arrayLength, element, readElements } from "./caller-data.ts";
import { privateCopy, typedArrayInfo, typedArrayLength, viewBuffer, type TypedArrayName } from "./typed-arrays.ts";

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
/** A TensorFlow.js tensor, as far as the lookup reads it (int32 or float32 indices). */
export interface TfjsTensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  dataSync(): ArrayLike<number>;
}

/** An ONNX Runtime (or transformers.js) tensor, as far as the lookup reads it. */
export interface OnnxTensorLike {
  readonly data: IndexArray;
  readonly dims: readonly number[];
  readonly type: string;
}

/**
 * Everything a lookup accepts: nested arrays, `{ data, shape }`, a bare typed array (rank 1), a
 * TensorFlow.js tensor or an ONNX Runtime / transformers.js tensor (read by shape; neither library
 * is imported).
 */
export type LookupInput = NestedNumbers | IndexTensor | IndexArray | TfjsTensorLike | OnnxTensorLike;

/** Input reduced to flat data and a shape. */
export interface FlatInput {
  readonly shape: number[];
  readonly size: number;
  /**
   * Flat values: a private Float64Array for numbers and nested arrays, or the caller's typed array
   * (copied once when staged, with `TypedArray.prototype.set`, which reads its internal slots).
   */
  readonly data: IndexArray;
  /** The element type of `data` as the engine knows it (a subclass cannot disguise it). */
  readonly kind: TypedArrayName;
  /** True when `data` is the caller's own typed array, false for a private copy. */
  readonly borrowed: boolean;
}

const ACCEPTED =
  "a number, a nested array of numbers, a typed array, or { data, shape } with data an Int32Array, Uint32Array, " +
  "Float32Array, Float64Array, BigInt64Array (or another integer typed array) or number[]";

/** Deeper nesting is refused: far beyond any real input, and it bounds the walks below (an array that contains itself would otherwise never end). */
export const MAX_RANK = 64;

/**
 * Positions no lookup can ever hold: each needs an 8-byte index slot in a 4 GiB WebAssembly memory.
 * The limit when the caller gives no tighter one, checked before anything is copied.
 */
const MAX_POSITIONS = 2 ** 29;

function checkMaxPositions(size: number, name = "x"): void {
  if (size > MAX_POSITIONS) {
    throw new RangeError(`${name} describes ${size} positions, more than any lookup can hold (${MAX_POSITIONS}: an 8-byte index slot each in 4 GiB). Split the batch.`);
  }
}

function position(path: number[]): string {
  return `[${path.join(",")}]`;
}

/**
 * The shape of a nested array, from its first elements (each length and first element read once;
 * `firstPath[d]` keeps the element at `[0,…,0]` of depth d so the full walk does not read it again).
 */
function nestedShape(x: readonly NestedNumbers[], name: string): { shape: number[]; firstPath: unknown[] } {
  const shape: number[] = [];
  const firstPath: unknown[] = [x];
  let level: unknown = x;
  while (Array.isArray(level)) {
    if (shape.length === MAX_RANK) {
      throw new ValueError(`${name} is nested more than ${MAX_RANK} levels deep (an array that contains itself?); inputs may have rank ${MAX_RANK} at most.`);
    }
    const n = arrayLength(`${name}${position(shape.map(() => 0))}`, level);
    shape.push(n);
    if (n === 0) break;
    level = level[0];
    firstPath.push(level);
  }
  return { shape, firstPath };
}

/**
 * Copies a nested array into `out`, reading every length and element once (the first path comes
 * from `nestedShape`), checking that it is rectangular and holds numbers only.
 */
function flattenNested(shape: number[], firstPath: unknown[], out: Float64Array, name: string): void {
  let k = 0;
  const path: number[] = [];
  const walk = (level: unknown, depth: number, onFirstPath: boolean): void => {
    if (depth === shape.length) {
      if (typeof level !== "number") {
        const what = Array.isArray(level)
          ? `an array, deeper than ${name}${position(path.slice(0, depth).map(() => 0))}`
          : `${show(level)} (of type ${typeName(level)})`;
        throw new ValueError(`${name}${position(path)} must be a number, like the other leaves of ${name}. Received: ${what}`);
      }
      out[k++] = level;
      return;
    }
    if (!Array.isArray(level)) {
      throw new ValueError(
        `${name} is ragged: ${name}${position(path)} is ${show(level)} (of type ${typeName(level)}), but ${name}${position(path.map(() => 0))} ` +
          `is an array of length ${shape[depth]}. Nested input must be rectangular.`,
      );
    }
    const n = onFirstPath ? shape[depth]! : arrayLength(`${name}${position(path)}`, level);
    if (n !== shape[depth]) {
      throw new ValueError(
        `${name} is ragged: ${name}${position(path)} has length ${n}, but ${name}${position(path.map(() => 0))} has length ` +
          `${shape[depth]}. Nested input must be rectangular.`,
      );
    }
    for (let i = 0; i < n; i++) {
      const first = onFirstPath && i === 0;
      const child = first ? firstPath[depth + 1] : level[i];
      path.push(i);
      walk(child, depth + 1, first);
      path.pop();
    }
  };
  walk(firstPath[0], 0, true);
}

/** The `shape` of an input given as `{ data, shape }` (`name` the argument's name), each entry read once, as non-negative integers. */
function readShape(rawShape: unknown, name: string): number[] {
  const dims = Array.isArray(rawShape) ? readElements(`${name}.shape`, rawShape) : undefined;
  if (dims === undefined || !dims.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`${name}.shape must be an array of non-negative integers. Received: ${name}.shape=${show(rawShape)} (of type ${typeName(rawShape)})`);
  }
  return dims as number[];
}

/** The element type and length of a typed array given as index data, refusing a DataView or a detached buffer. */
function indexArrayInfo(where: string, value: ArrayBufferView): { name: TypedArrayName; length: number } {
  const info = typedArrayInfo(where, value);
  if (info === undefined) throw new ValueError(`${where} must be ${ACCEPTED}. Received: ${where}=${show(value)} (of type ${typeName(value)})`);
  return info;
}

/**
 * Reduces any accepted input to flat data and a shape, checking the form (not the values). Every
 * caller value is read once. `checkSize` (by default the limit of any lookup) runs on the size
 * before anything is copied, so an input too large is refused before it is allocated: a small
 * nested array that repeats one inner array can describe ~1e12 positions. Errors name the input
 * `name` (the caller's argument: `x` unless given).
 */
export function flatten(x: unknown, checkSize: (size: number) => void = checkMaxPositions, name = "x"): FlatInput {
  const tensor = fromTensor(x);
  if (tensor !== undefined) x = tensor;
  if (typeof x === "number") {
    return { shape: [], size: 1, data: Float64Array.of(x), kind: "Float64Array", borrowed: false };
  }
  if (ArrayBuffer.isView(x)) {
    // Typed input already exists in full: flattening allocates nothing for it.
    const { name: kind, length } = indexArrayInfo(name, x);
    return { shape: [length], size: length, data: x as IndexArray, kind, borrowed: true };
  }
  if (Array.isArray(x)) {
    const { shape, firstPath } = nestedShape(x, name);
    const size = shape.reduce((a, b) => a * b, 1);
    checkSize(size);
    checkMaxPositions(size, name);
    const data = new Float64Array(size);
    flattenNested(shape, firstPath, data, name);
    return { shape, size, data, kind: "Float64Array", borrowed: false };
  }
  if (x !== null && typeof x === "object" && "data" in x && "shape" in x) {
    const { data: rawData, shape: rawShape } = x as { data: unknown; shape: unknown };
    const shape = readShape(rawShape, name);
    if (shape.length > MAX_RANK) throw new ValueError(`${name}.shape has rank ${shape.length}; inputs may have rank ${MAX_RANK} at most.`);
    const size = shape.reduce((a, b) => a * b, 1);
    const typed = ArrayBuffer.isView(rawData) ? typedArrayInfo(`${name}.data`, rawData) : undefined;
    if (typed === undefined && !Array.isArray(rawData)) {
      throw new ValueError(`${name}.data must be a typed array or an array of numbers. Received: ${name}.data=${show(rawData)} (of type ${typeName(rawData)})`);
    }
    const length = typed !== undefined ? typed.length : arrayLength(`${name}.data`, rawData as unknown[]);
    if (length !== size) {
      throw new ValueError(
        `${name}.shape [${shape.join(", ")}] holds ${size} values, but ${name}.data has ${length}. ` +
          `Received: ${name}.shape=${show(shape)}, ${name}.data.length=${length}`,
      );
    }
    if (typed !== undefined) return { shape, size, data: rawData as IndexArray, kind: typed.name, borrowed: true };
    checkSize(size);
    checkMaxPositions(size, name);
    const values = rawData as unknown[];
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const value = element(values, i);
      if (typeof value !== "number") {
        throw new ValueError(`${name}.data[${i}] must be a number. Received: ${show(value)} (of type ${typeName(value)})`);
      }
      data[i] = value;
    }
    return { shape, size, data, kind: "Float64Array", borrowed: false };
  }
  throw new ValueError(`${name} must be ${ACCEPTED}. Received: ${name}=${show(x)} (of type ${typeName(x)})`);
}

/**
 * `input` with data of its own: the caller's typed array is copied (read through the engine's
 * accessors), so caller code that runs later (a getter of another argument, a callback) cannot
 * detach, resize or rewrite what was checked. A private copy is returned as it is.
 */
export function ownInput(input: FlatInput, where = "x"): FlatInput {
  if (!input.borrowed) return input;
  const data = privateCopy(where, input.data, input.kind) as IndexArray;
  if (data.length !== input.size) {
    throw new ValueError(`${where} changed length while it was being read: ${input.size} elements, then ${data.length}. Pass an array whose size stays fixed during the call.`);
  }
  return { ...input, data, borrowed: false };
}

/**
 * `input`, copied first when its data is a view of `mem` (an `indexBuffer()` or `lookupBuffer()`
 * view handed back as input): growing memory for the lookup would detach it, and moving the lookup
 * regions would overwrite it, before its indices are staged. Other input is read where it is.
 */
export function readBeforeGrowth(mem: KernelMemory, input: FlatInput): FlatInput {
  if (!input.borrowed) return input;
  const buffer = viewBuffer(input.data);
  // A shared memory's older SharedArrayBuffer objects still alias it after growth: copy any shared input then.
  const mayAlias = buffer === mem.heap().buffer || (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer && mem.shared);
  return mayAlias ? ownInput(input) : input;
}

const TENSOR_DTYPES = ["int32", "float32", "int64", "uint8", "int8", "uint16", "int16", "uint32", "float64"];

/**
 * A TensorFlow.js tensor (`dataSync()`, `shape`, `dtype`) or an ONNX Runtime / transformers.js tensor
 * (`data`, `dims`, `type`) as `{ data, shape }`; undefined for anything else. Recognized by shape,
 * so neither library is imported. The tensor's values are read once (`dataSync` copies them).
 */
export function fromTensor(x: unknown): { data: unknown; shape: unknown } | undefined {
  if (x === null || typeof x !== "object" || ArrayBuffer.isView(x) || Array.isArray(x)) return undefined;
  const t = x as Record<string, unknown>;
  if (typeof t["dataSync"] === "function" && Array.isArray(t["shape"]) && typeof t["dtype"] === "string") {
    const dtype = t["dtype"] as string;
    if (!TENSOR_DTYPES.includes(dtype)) {
      throw new ValueError(`x is a TensorFlow.js tensor of dtype ${JSON.stringify(dtype)}; indices must be an int32 or float32 tensor.`);
    }
    if (t["isDisposed"] === true) throw new ValueError("x is a TensorFlow.js tensor that has been disposed.");
    let data: unknown;
    try {
      data = (t["dataSync"] as () => unknown).call(x);
    } catch (cause) {
      throw new ValueError(`x is a TensorFlow.js tensor whose values could not be read: ${(cause as Error)?.message ?? cause}`, { cause });
    }
    return { data, shape: [...(t["shape"] as unknown[])] };
  }
  if ("data" in t && Array.isArray(t["dims"]) && typeof t["type"] === "string" && !("shape" in t)) {
    const type = t["type"] as string;
    if (!TENSOR_DTYPES.includes(type)) {
      throw new ValueError(`x is an ONNX Runtime tensor of type ${JSON.stringify(type)}; indices must be an integer or float tensor.`);
    }
    return { data: t["data"], shape: [...(t["dims"] as unknown[])] };
  }
  return undefined;
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
  const { data, size, kind } = input;
  const k = mem.kernel;
  // The staging writes into a whole-memory view: a caller's array must still have the length checked.
  if (input.borrowed && typedArrayLength(data) !== size) {
    throw new ValueError(`x changed length while it was being read: ${size} elements, then ${typedArrayLength(data)}. Pass an array whose size stays fixed during the call.`);
  }
  const heap = mem.heap();
  // Each branch copies the caller's values once (`set` reads a typed array's internal slots, never
  // its getters); the checks below read the copy. `ptr` is 64-byte aligned.
  if (kind === "Float64Array") {
    heap.f64.set(data as Float64Array, ptr >>> 3);
    k.f64ToIndices(ptr, size, ptr);
  } else if (kind === "Float32Array") {
    heap.f32.set(data as Float32Array, ptr >>> 2);
    k.f32ToIndices(ptr, size, ptr);
  } else if (kind === "BigInt64Array" || kind === "BigUint64Array") {
    // Copying wraps BigUint64 values >= 2^63 to negative int64, which are rejected like any other.
    heap.i64.set(data as BigInt64Array, ptr >>> 3);
    k.i64ToIndices(ptr, size, ptr);
  } else {
    // Integer typed arrays convert exactly, except uint32 >= 2^31, which wraps negative: rejected.
    heap.i32.set(data as Int32Array, ptr >>> 2);
  }
  const bad = k.firstOutOfRange(ptr, size, mem.rows);
  if (bad < size) throw outOfRange(input.shape, bad, (data as ArrayLike<number | bigint>)[bad]!, mem.rows);
}
