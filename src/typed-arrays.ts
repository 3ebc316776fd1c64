// Reading a caller's typed array without running the caller's code: its element type, length,
// buffer and offset come from the engine's own accessors (%TypedArray%.prototype), so a subclass
// overriding `length`, a Proxy, or an object given a typed array's prototype cannot report one
// thing to a check and another to the copy that follows. Copies are then made with
// `TypedArray.prototype.set`, which reads the same internal slots.
import { ValueError } from "./errors.ts";

type Getter = (this: unknown) => unknown;
const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const accessor = (owner: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(owner, key)!.get as Getter;
const tagOf = accessor(typedArrayPrototype, Symbol.toStringTag);
const lengthOf = accessor(typedArrayPrototype, "length");
const bufferOf = accessor(typedArrayPrototype, "buffer");
const byteOffsetOf = accessor(typedArrayPrototype, "byteOffset");
const arrayBufferByteLength = accessor(ArrayBuffer.prototype, "byteLength");

export type TypedArrayName =
  | "Int8Array" | "Uint8Array" | "Uint8ClampedArray" | "Int16Array" | "Uint16Array" | "Int32Array" | "Uint32Array"
  | "Float32Array" | "Float64Array" | "BigInt64Array" | "BigUint64Array";

/** The element type of a genuine typed array ("Float32Array", "BigInt64Array", …), unaffected by subclassing; undefined for anything else (a DataView included). */
export function typedArrayName(value: unknown): TypedArrayName | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return Reflect.apply(tagOf, value, []) as TypedArrayName | undefined;
}

/**
 * True when `buffer` was detached (transferred, e.g. by `structuredClone(x, { transfer })` or
 * postMessage). Node 20 has no `ArrayBuffer.prototype.detached`: a detached buffer reads as 0 bytes,
 * and only constructing a view on it tells it apart from an empty one. A SharedArrayBuffer can never
 * be detached.
 */
export function isDetached(buffer: ArrayBufferLike): boolean {
  let bytes: unknown;
  try {
    bytes = Reflect.apply(arrayBufferByteLength, buffer, []);
  } catch {
    return false; // not an ArrayBuffer: a SharedArrayBuffer
  }
  if (bytes !== 0) return false;
  try {
    new Uint8Array(buffer as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A typed array's element type and length, as the engine knows them. */
export interface TypedArrayInfo {
  readonly name: TypedArrayName;
  readonly length: number;
}

/**
 * The element type and length of a typed array, read with the engine's accessors, so no getter of
 * the caller's object or its subclass runs. Throws a ValueError naming `where` when the buffer is
 * detached. Undefined for anything but a typed array.
 */
export function typedArrayInfo(where: string, value: unknown): TypedArrayInfo | undefined {
  const name = typedArrayName(value);
  if (name === undefined) return undefined;
  const length = Reflect.apply(lengthOf, value, []) as number;
  // A detached buffer leaves its views empty: only an empty view needs the (slower) check.
  if (length === 0 && isDetached(Reflect.apply(bufferOf, value, []) as ArrayBufferLike)) {
    throw new ValueError(`${where} is ${/^[AEIOU]/.test(name) ? "an" : "a"} ${name} whose buffer has been detached (transferred to a worker or by structuredClone), so it holds no data any more. Pass an array whose buffer is still usable.`);
  }
  return { name, length };
}

/** Typed array constructors by element type, for fixed-length views of a caller's buffer. */
const VIEW_TYPES = { Int32Array, Float32Array, Float64Array } as const;
type ViewKind = keyof typeof VIEW_TYPES;

/**
 * A fixed-length view, of the engine's own class, of the same memory as the caller's typed array
 * `value` of kind `kind` (already checked with `typedArrayName`). Throws a ValueError naming `name`
 * when its buffer is detached. Copying from the returned view runs no caller code, and its length
 * cannot change afterwards.
 */
export function ownView<K extends ViewKind>(name: string, value: unknown, kind: K): InstanceType<(typeof VIEW_TYPES)[K]> {
  const { length } = typedArrayInfo(name, value)!;
  const Type = VIEW_TYPES[kind] as unknown as new (b: ArrayBufferLike, offset: number, length: number) => InstanceType<(typeof VIEW_TYPES)[K]>;
  return new Type(Reflect.apply(bufferOf, value, []) as ArrayBufferLike, Reflect.apply(byteOffsetOf, value, []) as number, length);
}

/** The length of a genuine typed array, read with the engine's accessor (0 once its buffer is detached). */
export function typedArrayLength(value: ArrayBufferView): number {
  return Reflect.apply(lengthOf, value, []) as number;
}

/** The ArrayBuffer (or SharedArrayBuffer) behind a genuine typed array, read with the engine's accessor (a subclass cannot disguise it). */
export function viewBuffer(value: ArrayBufferView): ArrayBufferLike {
  return Reflect.apply(bufferOf, value, []) as ArrayBufferLike;
}

const typedArraySet = (typedArrayPrototype as { set: (this: unknown, source: ArrayLike<number | bigint>, offset?: number) => void }).set;

/**
 * `target.set(source, offset)` with the engine's own `%TypedArray%.prototype.set`: an override of
 * `set` on the caller's subclass never runs, and a typed-array source is read through its internal
 * slots (length, buffer, offset), never its getters.
 */
export function setElements(target: ArrayBufferView, source: ArrayLike<number> | ArrayBufferView, offset = 0): void {
  Reflect.apply(typedArraySet, target, [source, offset]);
}

/** Constructors of every typed array an input may be, by element type. */
const CONSTRUCTORS: { [K in TypedArrayName]: new (length: number) => ArrayBufferView & ArrayLike<number | bigint> } = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

/**
 * A private copy, of the engine's own class and of kind `name` (from `typedArrayName`), of the
 * caller's typed array `value`: its `length` elements as the engine reads them, whatever its getters
 * or methods say. Throws a ValueError naming `where` when its buffer is detached.
 */
export function privateCopy(where: string, value: unknown, name: TypedArrayName): ArrayBufferView & ArrayLike<number | bigint> {
  const { length } = typedArrayInfo(where, value)!;
  const copy = new CONSTRUCTORS[name](length);
  Reflect.apply(typedArraySet, copy, [value, 0]);
  return copy;
}
