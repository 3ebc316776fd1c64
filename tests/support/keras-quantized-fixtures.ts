// Reading the JSON fixtures made with real Keras 3.15.1 on JAX (tests/fixtures/quantized/*.json by
// scripts/fixtures/make_quantized_fixtures.py, tests/fixtures/keras/regularized/*.json by make_regularized_fixtures.py): arrays are { dtype, shape, hex } of little-endian bytes.
import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import { widenBfloat16Bits, widenFloat16Bits } from "../../src/half.ts";

export interface FixtureArray {
  dtype: "float32" | "int8" | "int32" | "float16" | "bfloat16";
  shape: number[];
  hex: string;
}

/** One fixture file, parsed: `path` is relative to tests/fixtures/, without ".json". */
export function fixtureFile<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}.json`, import.meta.url), "utf8")) as T;
}

/** The cases of one file of tests/fixtures/quantized/. */
export function fixtureCases<T>(file: string): T {
  return fixtureFile<{ cases: T }>(`quantized/${file}`).cases;
}

function bytesOf(a: FixtureArray): ArrayBuffer {
  const bytes = Buffer.from(a.hex, "hex");
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

export function float32s(a: FixtureArray): Float32Array {
  assert.is(a.dtype, "float32");
  return new Float32Array(bytesOf(a));
}

export function int32s(a: FixtureArray): Int32Array {
  assert.is(a.dtype, "int32");
  return new Int32Array(bytesOf(a));
}

/** A fixture array as { data, shape } in the typed array of its dtype (16-bit floats as bit patterns). */
export function tensorOf(a: FixtureArray): { data: Float32Array | Int8Array | Int32Array | Uint16Array; shape: number[] } {
  const buffer = bytesOf(a);
  const data = a.dtype === "float32" ? new Float32Array(buffer) : a.dtype === "int8" ? new Int8Array(buffer) : a.dtype === "int32" ? new Int32Array(buffer) : new Uint16Array(buffer);
  return { data, shape: a.shape };
}

/** The hex of a typed array's bytes, to compare with a fixture's bit for bit. */
export function hexOf(data: ArrayBufferView): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("hex");
}

/** Asserts `actual` has exactly the fixture's bytes, naming the first differing element. */
export function assertSameBits(actual: ArrayBufferView, expected: FixtureArray, what: string): void {
  const got = hexOf(actual);
  if (got === expected.hex) return;
  const width = expected.dtype === "int8" ? 2 : expected.dtype === "float16" || expected.dtype === "bfloat16" ? 4 : 8;
  let i = 0;
  while (got.slice(i * width, i * width + width) === expected.hex.slice(i * width, i * width + width)) i++;
  assert.unreachable(`${what}: element ${i} differs (bytes ${got.slice(i * width, i * width + width)} vs Keras ${expected.hex.slice(i * width, i * width + width)}; lengths ${got.length / width} vs ${expected.hex.length / width})`);
}

/** A Keras float16 / bfloat16 output as the float32 bit patterns the layer returns (widened exactly, NaN payloads kept). */
export function widenedBits(a: FixtureArray): number[] {
  const halves = tensorOf(a).data as Uint16Array;
  return Array.from(new Uint32Array((a.dtype === "bfloat16" ? widenBfloat16Bits(halves) : widenFloat16Bits(halves)).buffer));
}

/** The bit patterns of float32 values. */
export const bitsOf = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

