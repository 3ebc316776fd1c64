// Shared test helpers: a seeded JS PRNG for fixtures, the typed-array constructors, the reference
// gather, and error assertions.
import * as assert from "uvu/assert";
import { generator } from "../../bench/shared/random.mjs";

/**
 * mulberry32: a tiny seeded generator for test fixtures (independent of the kernel's PRNG), the
 * same one the bench makes its data with.
 */
export const fixtureRandom: (seed: number) => () => number = generator;

/** Every typed array an index input may be, by name. */
export const TYPED = {
  Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const;
export type TypedName = keyof typeof TYPED;
export const TYPED_NAMES = Object.keys(TYPED) as TypedName[];

/** Reference lookup: out[i, :] = table[trunc(idx[i]), :], in plain TypeScript. */
export function referenceGather(table: Float32Array, dim: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    const row = Math.trunc(indices[i]!);
    for (let d = 0; d < dim; d++) out[i * dim + d] = table[row * dim + d]!;
  }
  return out;
}

/** Asserts two float arrays are identical element for element (NaN equal to NaN). */
export function assertSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>, what = "values"): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) assert.unreachable(`${what}[${i}] = ${a}, expected ${e}`);
  }
}

/** Asserts |a - e| <= atol + rtol * |e| everywhere (spec vectors use 1e-6 / 1e-6). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 1e-6): void {
  assert.is(actual.length, expected.length, "length");
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) assert.unreachable(`[${i}] = ${a}, expected ${e}`);
  }
}

/** Runs `fn`, asserting it throws an error of `type` whose message equals `message` (string) or matches it (RegExp). */
export function assertThrowsMessage(fn: () => unknown, type: abstract new (...args: never[]) => Error, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) assert.unreachable(`expected a ${type.name} with message ${String(message)}, nothing was thrown`);
  assert.instance(caught, type, `expected ${type.name}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
  const text = (caught as Error).message;
  if (typeof message === "string") assert.is(text, message);
  else assert.match(text, message);
}

/** Row-major flatten of a nested number array. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

/** Awaits `promise`, asserting it rejects with an error of `type` whose message matches `message`; returns the error. */
export async function assertRejects(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: RegExp): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, type, `expected ${type.name}, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.match((error as Error).message, message);
    return error as Error;
  }
  assert.unreachable(`expected a ${type.name} matching ${message}`);
  throw new Error("unreachable");
}
