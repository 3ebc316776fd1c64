// Reading data the caller hands in, exactly once. A caller's array may be a Proxy or carry getters,
// and a typed array may be a subclass whose length, buffer, byteOffset or subarray lie or change
// between reads. So every value is read once into a private copy (or a plain view made from the
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
const typedByteOffset = intrinsicGetter(TypedArrayPrototype, "byteOffset");
/** The element type's name for a real typed array, undefined for anything else (a DataView included). */
const typedTag = intrinsicGetter(TypedArrayPrototype, Symbol.toStringTag);
const arrayBufferByteLength = intrinsicGetter(ArrayBuffer.prototype, "byteLength");

const TYPED_CONSTRUCTORS = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const;

export type TypedArrayName = keyof typeof TYPED_CONSTRUCTORS;
export type PlainTypedArray = InstanceType<(typeof TYPED_CONSTRUCTORS)[TypedArrayName]>;

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

/**
 * A plain typed array of the same element type over the same bytes as `value`, built from the
 * engine's accessors, so no getter or method of the caller's object (or its subclass) ever runs.
 * Throws a ValueError naming `where` when the buffer is detached. Undefined for a DataView.
 */
export function plainView(where: string, value: ArrayBufferView): PlainTypedArray | undefined {
  const name = typedArrayName(value);
  if (name === undefined) return undefined;
  const buffer = Reflect.apply(typedBuffer, value, []) as ArrayBufferLike;
  if (isDetached(buffer)) {
    throw new ValueError(`${where}'s buffer is detached (transferred or released), so the ${name} holds no data any more. Pass an array whose buffer is still usable.`);
  }
  const length = Reflect.apply(typedLength, value, []) as number;
  const byteOffset = Reflect.apply(typedByteOffset, value, []) as number;
  return new TYPED_CONSTRUCTORS[name](buffer as ArrayBuffer, byteOffset, length);
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
