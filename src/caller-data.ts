// Reading data the caller hands in, exactly once. A caller's array may be a Proxy or carry getters,
// and a typed array may be a subclass whose length, buffer, byteOffset or subarray lie or change
// between reads. So every value is read once into a private copy (typed arrays through the
// engine's own accessors), and checks and writes use that copy only: what was checked is what is
// written.
import { ValueError, show, typeName } from "./errors.ts";

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

/** A copy of `arr`: its length and then each element read once. */
export function readElements(where: string, arr: readonly unknown[]): unknown[] {
  const n = arrayLength(where, arr);
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = element(arr, i);
  return out;
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
    const out = readElements(where, arr);
    this.seen.set(arr, out);
    return out;
  }
}
