// Helpers shared by the EmbeddingPool suites: bit-exact comparison, rejection capture, seeded inputs.
import * as assert from "uvu/assert";

/** A RandomUniform initializer config in [-1, 1) with this seed. */
export const seeded = (seed: number) => ({ className: "RandomUniform", config: { minval: -1, maxval: 1, seed } });

/** Deterministic query values in [-1, 1) (a 32-bit LCG), `q` rows of `dim`. */
export function queries(q: number, dim: number, seed: number): Float32Array {
  const x = new Float32Array(q * dim);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

/** Element-wise identity of 32-bit patterns (so -0 and NaN payloads count). */
export function sameBits(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.unreachable(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
}

/** The error `promise` rejects with; throws if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
