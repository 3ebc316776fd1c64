// Reading a caller's typed array without running the caller's code: its element type, length,
// buffer and offset come from the engine's own accessors (%TypedArray%.prototype), so a subclass
// overriding `length`, a Proxy, or an object given a typed array's prototype cannot report one
// thing to a check and another to the copy that follows.
import { ValueError } from "./errors.ts";

const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const accessor = (key: PropertyKey) => Object.getOwnPropertyDescriptor(typedArrayPrototype, key)!.get!;
const tagOf = accessor(Symbol.toStringTag) as (this: unknown) => string | undefined;
const lengthOf = accessor("length") as (this: unknown) => number;
const bufferOf = accessor("buffer") as (this: unknown) => ArrayBufferLike;
const byteOffsetOf = accessor("byteOffset") as (this: unknown) => number;

/** The element type of a genuine typed array ("Float32Array", "BigInt64Array", …), or undefined for anything else. */
export function typedArrayKind(value: unknown): string | undefined {
  return tagOf.call(value);
}

/** True when `buffer` was detached (transferred, e.g. by `structuredClone(x, { transfer })` or postMessage). */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer) return false;
  const detached = (buffer as { detached?: unknown }).detached;
  if (typeof detached === "boolean") return detached;
  // Engines without ArrayBuffer.prototype.detached (Node 20): a view of a detached buffer cannot be made.
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Typed array constructors by element type, for fixed-length views of a caller's buffer. */
const VIEW_TYPES = { Int32Array, Float32Array, Float64Array } as const;
type ViewKind = keyof typeof VIEW_TYPES;

/**
 * A fixed-length view, of the engine's own class, of the same memory as the caller's typed array
 * `value` of kind `kind` (already checked with `typedArrayKind`). Throws a ValueError naming `name`
 * when its buffer is detached. Copying from the returned view runs no caller code, and its length
 * cannot change afterwards.
 */
export function ownView<K extends ViewKind>(name: string, value: unknown, kind: K): InstanceType<(typeof VIEW_TYPES)[K]> {
  const buffer = bufferOf.call(value);
  const length = lengthOf.call(value);
  // A view of a detached buffer reads as length 0: only then is the buffer worth asking.
  if (length === 0 && isDetached(buffer)) {
    throw new ValueError(
      `${name} is ${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind} whose ArrayBuffer has been detached (transferred to a worker or by structuredClone), so it has no data left to read.`,
    );
  }
  const Type = VIEW_TYPES[kind] as unknown as new (b: ArrayBufferLike, offset: number, length: number) => InstanceType<(typeof VIEW_TYPES)[K]>;
  return new Type(buffer, byteOffsetOf.call(value), length);
}
