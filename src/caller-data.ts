// Reading data the caller hands in, exactly once. A caller's array may be a Proxy or carry getters,
// and a typed array may be a subclass whose length, buffer, byteOffset or subarray lie or change
// between reads. So every value is read once into a private copy (typed arrays through the
// engine's own accessors), and checks and writes use that copy only: what was checked is what is
// written.
import { ValueError, show, typeName } from "./errors.ts";

type Getter = (this: unknown) => unknown;

function intrinsicGetter(owner: object, key: PropertyKey): Getter {
  return Object.getOwnPropertyDescriptor(owner, key)!.get as Getter;
}

/** %TypedArray%.prototype: its accessors read a typed array's internal slots, whatever a subclass overrides. */
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const typedLength = intrinsicGetter(TypedArrayPrototype, "length");
const typedBuffer = intrinsicGetter(TypedArrayPrototype, "buffer");
/** The element type's name for a real typed array, undefined for anything else (a DataView included). */
const typedTag = intrinsicGetter(TypedArrayPrototype, Symbol.toStringTag);
const arrayBufferByteLength = intrinsicGetter(ArrayBuffer.prototype, "byteLength");

export type TypedArrayName =
  | "Int8Array" | "Uint8Array" | "Uint8ClampedArray" | "Int16Array" | "Uint16Array" | "Int32Array" | "Uint32Array"
  | "Float32Array" | "Float64Array" | "BigInt64Array" | "BigUint64Array";

/** The intrinsic element type name of a typed array (unaffected by subclassing), or undefined. */
export function typedArrayName(value: unknown): TypedArrayName | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return Reflect.apply(typedTag, value, []) as TypedArrayName | undefined;
}

/**
 * True when `buffer` was detached (transferred or released). Node 20 has no
 * `ArrayBuffer.prototype.detached`: a detached buffer reads as 0 bytes, and only constructing a
 * view on it tells it apart from an empty one. A SharedArrayBuffer can never be detached.
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
 * the caller's object or its subclass runs (copies are then made with `TypedArray.prototype.set`,
 * which reads the same internal slots). Throws a ValueError naming `where` when the buffer is
 * detached. Undefined for a DataView.
 */
export function typedArrayInfo(where: string, value: ArrayBufferView): TypedArrayInfo | undefined {
  const name = typedArrayName(value);
  if (name === undefined) return undefined;
  const length = Reflect.apply(typedLength, value, []) as number;
  // A detached buffer leaves its views empty: only an empty view needs the (slower) check.
  if (length === 0 && isDetached(Reflect.apply(typedBuffer, value, []) as ArrayBufferLike)) {
    throw new ValueError(`${where}'s buffer is detached (transferred or released), so the ${name} holds no data any more. Pass an array whose buffer is still usable.`);
  }
  return { name, length };
}

/** Largest length a JavaScript array can have. */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

/** `arr.length`, read once and checked (a Proxy may report anything). */
export function arrayLength(where: string, arr: readonly unknown[]): number {
  const n: unknown = arr.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_ARRAY_LENGTH) {
    throw new ValueError(`${where}.length must be an array length (an integer in [0, 2^32)). Received: ${where}.length=${show(n)} (of type ${typeName(n)})`);
  }
  return n;
}

/**
 * `arr[i]`, read once. An empty slot of a sparse array reads as undefined, and is then refused by
 * the caller's type check, naming its position, like any other value that is not a number.
 */
export function element(arr: readonly unknown[], i: number): unknown {
  return arr[i];
}

/**
 * Snapshots of caller arrays for one call: each array's length and elements are read once, the
 * first time it is asked for, and later requests (a second look, or the same array object at
 * another position) get the snapshot.
 */
export class OnceReader {
  private readonly seen = new Map<object, unknown[]>();

  elements(where: string, arr: readonly unknown[]): unknown[] {
    const known = this.seen.get(arr);
    if (known !== undefined) return known;
    const n = arrayLength(where, arr);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = element(arr, i);
    this.seen.set(arr, out);
    return out;
  }
}
