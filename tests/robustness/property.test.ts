// Property-based tests (fast-check) of the lookup against a plain-TypeScript reference: random
// input dims, output dims (1 … 1024), ranks (0 … 4), every accepted input form and dtype, and index
// values that include every edge (0, inputDim-1, inputDim, -1, 2^31-1, -2^31, NaN, ±Infinity, -0,
// 2.5, 1e300, 64-bit values …). Each case gives either the reference's rows or the documented
// error with its exact message, never anything else, and a failed call writes nothing.
//
// Seeded and reproducible: FC_SEED=<n> overrides the seed, FC_PATH=<path> replays one
// counterexample, FC_RUNS_SCALE=<x> scales the number of runs. A failure prints all three.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Embedding, ValueError } from "../../src/index.ts";
import type { LookupInput } from "../../src/index.ts";
import { show, typeName } from "../../src/errors.ts";
import { layerMemory } from "../../src/testing.ts";
import { fixtureRandom, TYPED, TYPED_NAMES, type TypedName } from "../support/helpers.ts";
import { propertyRunner } from "../support/property-runner.ts";

const runner = propertyRunner("property.test.ts", 0x1a7e57);
const { seed: SEED, runsScale: RUNS_SCALE, path: PATH } = runner;
const runProperty = runner.run.bind(runner);

// ---------------------------------------------------------------------------------------------
// Layers: a small cache per (inputDim, outputDim, variant), each with a row-unique table

type Variant = "plain" | "activity" | "maxNorm" | "mask";

interface Entry {
  layer: Embedding;
  /** The table as set, as raw bits. */
  table: Uint32Array;
  inputDim: number;
  outputDim: number;
  variant: Variant;
}

/**
 * Column 0 of row r is r + 0.25 (exact and distinct for every row), the other columns pseudo-random
 * in [-1, 1): a wrong row can never match the expected one.
 */
function makeTable(inputDim: number, outputDim: number): Float32Array {
  const t = new Float32Array(inputDim * outputDim);
  for (let r = 0; r < inputDim; r++) {
    t[r * outputDim] = r + 0.25;
    for (let c = 1; c < outputDim; c++) {
      let h = Math.imul(r + 0x3c6ef372, 0x9e3779b1) ^ Math.imul(c + 0x1b873593, 0x85ebca77);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
      t[r * outputDim + c] = ((h ^ (h >>> 13)) >>> 8) / 2 ** 23 - 1;
    }
  }
  return t;
}

type LayerFactory = (options: ConstructorParameters<typeof Embedding>[0]) => Embedding;
const realLayer: LayerFactory = (options) => new Embedding(options);

class LayerCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly factory: LayerFactory, private readonly limit = 64) {}
  get(inputDim: number, outputDim: number, variant: Variant): Entry {
    const key = `${inputDim}x${outputDim}:${variant}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const data = makeTable(inputDim, outputDim);
    const layer = this.factory({
      inputDim,
      outputDim,
      weights: { data, shape: [inputDim, outputDim] },
      // maxNorm far above any row's norm: the renorm kernel runs on every lookup but never rescales.
      ...(variant === "activity" ? { activityRegularizer: "l1" } : {}),
      ...(variant === "maxNorm" ? { maxNorm: 1e30 } : {}),
      ...(variant === "mask" ? { maskZero: true } : {}),
    });
    const entry = { layer, table: new Uint32Array(data.buffer), inputDim, outputDim, variant };
    this.entries.set(key, entry);
    if (this.entries.size > this.limit) {
      const [oldKey, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldKey);
      old.layer.dispose();
    }
    return entry;
  }
  clear(): void {
    for (const e of this.entries.values()) e.layer.dispose();
    this.entries.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Input forms and the values a caller gives


/** How the caller passes the input: a bare number, nested arrays, `{ data: number[] }`, a bare typed array, `{ data: typed }`, or indexBuffer/lookupBuffer. */
type Form = "scalar" | "nested" | "array" | "lookupBuffer" | { typed: TypedName; bare: boolean };
type Api = "call" | "callInto";

const formName = (f: Form) => (typeof f === "string" ? f : `${f.bare ? "bare " : ""}${f.typed}`);

/** A value the generator intends: a number or a bigint (converted as the form's storage does). */
type Intended = number | bigint;

const toNumber = (v: Intended) => (typeof v === "bigint" ? Number(v) : v);
function toBigInt(v: Intended): bigint {
  if (typeof v === "bigint") return v;
  if (Number.isNaN(v)) return -1n;
  if (v === Infinity) return 2n ** 63n - 1n;
  if (v === -Infinity) return -(2n ** 63n);
  return BigInt(Math.trunc(v));
}

function typedFrom(name: TypedName, values: readonly Intended[]): ArrayLike<number | bigint> {
  if (name === "BigInt64Array") return BigInt64Array.from(values.map(toBigInt).map((b) => BigInt.asIntN(64, b)));
  if (name === "BigUint64Array") return BigUint64Array.from(values.map(toBigInt).map((b) => BigInt.asUintN(64, b)));
  return TYPED[name].from(values.map(toNumber));
}

/** Row-major nested arrays of `shape` (an empty level where a dimension is 0). */
function nest(shape: readonly number[], flat: readonly number[]): unknown {
  let k = 0;
  const build = (d: number): unknown => {
    if (d === shape.length) return flat[k++];
    return Array.from({ length: shape[d]! }, () => build(d + 1));
  };
  return build(0);
}

/** The shape a nested array has: the lengths along its first elements. */
function nestedShape(x: unknown): number[] {
  const shape: number[] = [];
  let level = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

interface Built {
  /** What is passed to the layer (for lookupBuffer: the values to write into indexBuffer). */
  x: unknown;
  /** The shape the layer must see. */
  shape: number[];
  /** The values as the caller's storage holds them (what an error message must quote). */
  given: ArrayLike<number | bigint>;
}

function build(form: Form, shape: readonly number[], values: readonly Intended[]): Built {
  if (form === "scalar") {
    const v = toNumber(values[0]!);
    return { x: v, shape: [], given: [v] };
  }
  if (form === "nested") {
    const flat = values.map(toNumber);
    const x = nest(shape, flat);
    return { x, shape: nestedShape(x), given: flat };
  }
  if (form === "array") {
    const flat = values.map(toNumber);
    return { x: { data: flat, shape: [...shape] }, shape: [...shape], given: flat };
  }
  if (form === "lookupBuffer") {
    const data = Int32Array.from(values.map(toNumber));
    return { x: data, shape: [...shape], given: data };
  }
  const data = typedFrom(form.typed, values);
  return { x: form.bare ? data : { data, shape: [...shape] }, shape: [...shape], given: data };
}

// ---------------------------------------------------------------------------------------------
// The reference

type Expected = { ok: true; rows: Int32Array } | { ok: false; type: typeof RangeError | typeof ValueError; message: string };

function position(shape: readonly number[], i: number): string {
  if (shape.length === 0) return "indices";
  const coords: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    coords.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return `indices[${coords.join(",")}]`;
}

/** Truncate toward zero; reject non-finite values and anything outside [0, inputDim), in order. */
function reference(shape: readonly number[], given: ArrayLike<number | bigint>, inputDim: number): Expected {
  const rows = new Int32Array(given.length);
  for (let i = 0; i < given.length; i++) {
    const v = given[i]!;
    let row: number;
    let hint = "";
    if (typeof v === "bigint") {
      row = v >= 0n && v < BigInt(inputDim) ? Number(v) : -1;
    } else if (!Number.isFinite(v)) {
      row = -1;
      hint = " (indices must be finite numbers)";
    } else {
      const t = Math.trunc(v);
      row = t >= 0 && t < inputDim ? t : -1;
    }
    if (row < 0) return { ok: false, type: RangeError, message: `${position(shape, i)} = ${String(v)} is not in [0, ${inputDim})${hint}` };
    rows[i] = row;
  }
  return { ok: true, rows };
}

/** The first mismatch between `out` and the reference rows, or null. */
function compareRows(out: Float32Array, table: Uint32Array, rows: Int32Array, dim: number): string | null {
  if (out.length !== rows.length * dim) return `output length ${out.length}, expected ${rows.length * dim}`;
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i]! * dim;
    for (let c = 0; c < dim; c++) {
      if (bits[i * dim + c] !== table[base + c]) {
        return `position ${i} (row ${rows[i]}), column ${c}: got ${out[i * dim + c]}, expected ${new Float32Array(table.buffer, (base + c) * 4, 1)[0]}`;
      }
    }
  }
  return null;
}

function sameBits(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const SENTINEL = -7.77e-33;
const SENTINEL_BITS = new Uint32Array(new Float32Array([SENTINEL]).buffer)[0]!;

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Runs one lookup of `built` on `entry` through `api` (or indexBuffer/lookupBuffer) and checks it
 * against `expected`: the rows, or the error and that nothing caller-visible was written.
 */
function checkLookup(entry: Entry, form: Form, api: Api, built: Built, expected: Expected): void {
  const { layer, outputDim, inputDim } = entry;
  const mem = layerMemory(layer);
  const size = built.given.length;
  const what = `${formName(form)} via ${form === "lookupBuffer" ? "lookupBuffer" : api}, shape [${built.shape}], inputDim ${inputDim}, outputDim ${outputDim}, ${entry.variant}`;
  const lossesBefore = layer.losses;
  // The part of the output region this lookup would write, to prove a refused lookup leaves it alone.
  const capacityBefore = mem.capacity;
  const regionBefore = mem.output().slice(0, Math.min(size, mem.capacity) * outputDim);
  let out: Float32Array | undefined;
  let result: { data: Float32Array; shape: number[] } | undefined;
  let caught: unknown;
  try {
    if (form === "lookupBuffer") {
      layer.indexBuffer(size).set(built.x as Int32Array);
      const view = layer.lookupBuffer(built.shape);
      result = { data: view, shape: [...built.shape, outputDim] };
    } else if (api === "callInto") {
      out = new Float32Array(size * outputDim).fill(SENTINEL);
      result = layer.callInto(built.x as LookupInput, out);
      if (result.data !== out) fail(`${what}: callInto must return out itself`);
    } else {
      result = layer.call(built.x as LookupInput);
    }
  } catch (e) {
    caught = e;
  }
  if (expected.ok) {
    if (caught !== undefined) fail(`${what}: expected rows, got ${(caught as Error).name}: ${(caught as Error).message}`);
    const got = result!;
    const shape = [...built.shape, outputDim];
    if (got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      fail(`${what}: shape [${got.shape}], expected [${shape}]`);
    }
    const bad = compareRows(got.data, entry.table, expected.rows, outputDim);
    if (bad !== null) fail(`${what}: ${bad}`);
    if (entry.variant === "activity") {
      const losses = layer.losses;
      if (losses.length !== 1 || !Number.isFinite(losses[0])) fail(`${what}: losses ${show(losses)} after a lookup`);
    }
  } else {
    if (caught === undefined) fail(`${what}: expected ${expected.type.name} "${expected.message}", got a result`);
    const err = caught as Error;
    if (!(err instanceof expected.type) || err.message !== expected.message) {
      fail(`${what}: expected ${expected.type.name} "${expected.message}", got ${err?.name}: ${err?.message}`);
    }
    if (out !== undefined) {
      const bits = new Uint32Array(out.buffer);
      if (!bits.every((b) => b === SENTINEL_BITS)) fail(`${what}: out was written by a refused callInto`);
    }
    // No re-layout: the output region must hold exactly what it held before.
    if (mem.capacity === capacityBefore) {
      const now = mem.output().subarray(0, regionBefore.length);
      const i = sameBits(new Uint32Array(now.slice().buffer), new Uint32Array(regionBefore.buffer));
      if (i !== -1) fail(`${what}: the output region changed at float ${i} in a refused lookup`);
    }
    const lossesAfter = layer.losses;
    if (lossesAfter.length !== lossesBefore.length || lossesAfter.some((l, i) => !Object.is(l, lossesBefore[i]))) {
      fail(`${what}: losses changed by a refused lookup: ${show(lossesBefore)} → ${show(lossesAfter)}`);
    }
  }
  // The table is byte-identical (no variant here may change it).
  const live = new Uint32Array(mem.memory.buffer, mem.tablePtr, inputDim * outputDim);
  const i = sameBits(live, entry.table);
  if (i !== -1) fail(`${what}: the table changed at float ${i}`);
  // computeMask sees the raw values: x != 0 (only the form is checked, never the range).
  if (entry.variant === "mask" && form !== "lookupBuffer") {
    const mask = layer.computeMask(built.x as LookupInput)!;
    if (mask.shape.length !== built.shape.length || mask.shape.some((d, k) => d !== built.shape[k])) fail(`${what}: mask shape [${mask.shape}]`);
    for (let k = 0; k < size; k++) {
      const v = built.given[k]!;
      const want = v != 0 ? 1 : 0; // eslint-disable-line eqeqeq -- loose, as the layer (0n == 0)
      if (mask.data[k] !== want) fail(`${what}: mask[${k}] = ${mask.data[k]} for value ${String(v)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const TABLE_CAP = 1 << 16; // floats per table (256 KiB): making and checking a table stays cheap

/** Edge values, resolved against inputDim. */
const EDGES: Record<string, (inputDim: number) => Intended> = {
  "0": () => 0,
  "inputDim-1": (n) => n - 1,
  inputDim: (n) => n,
  "-1": () => -1,
  "2^31-1": () => 2 ** 31 - 1,
  "-2^31": () => -(2 ** 31),
  NaN: () => NaN,
  Infinity: () => Infinity,
  "-Infinity": () => -Infinity,
  "-0": () => -0,
  "2.5": () => 2.5,
  "1e300": () => 1e300,
  "-1e300": () => -1e300,
  "-0.5": () => -0.5,
  "-0.9999": () => -0.9999,
  "inputDim-0.5": (n) => n - 0.5,
  "inputDim+0.5": (n) => n + 0.5,
  "2^31": () => 2 ** 31,
  "-2^31-1": () => -(2 ** 31) - 1,
  "2^32": () => 2 ** 32,
  "2^32+1": () => 2 ** 32 + 1,
  "2^53": () => 2 ** 53,
  MIN_VALUE: () => Number.MIN_VALUE,
  "-MIN_VALUE": () => -Number.MIN_VALUE,
  "127": () => 127,
  "128": () => 128,
  "-128": () => -128,
  "255": () => 255,
  "256": () => 256,
  "65535": () => 65535,
  "65536": () => 65536,
  "2^63 (bigint)": () => 2n ** 63n,
  "2^63-1 (bigint)": () => 2n ** 63n - 1n,
  "-2^63 (bigint)": () => -(2n ** 63n),
  "2^64-1 (bigint)": () => 2n ** 64n - 1n,
  "inputDim (bigint)": (n) => BigInt(n),
  "inputDim-1 (bigint)": (n) => BigInt(n - 1),
  "-1 (bigint)": () => -1n,
};
const EDGE_NAMES = Object.keys(EDGES);

/** A value to inject: a named edge, any double, any int32, or any bigint up to ±2^64. */
type Injection = { edge: string } | { value: Intended };
const injectionArb: fc.Arbitrary<Injection> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...EDGE_NAMES).map((edge) => ({ edge })) },
  { weight: 1, arbitrary: fc.double().map((value) => ({ value })) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ value })) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((value) => ({ value })) },
);
const resolveInjection = (inj: Injection, inputDim: number): Intended => ("edge" in inj ? EDGES[inj.edge]!(inputDim) : inj.value);

const outputDimArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 1023, 1024) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1024 }) },
);
const inputDimArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 10, 100, 127, 128, 129, 255, 256, 257, 1000, 32767, 32768, 65535, 65536, 65537, 100_000, 300_000) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }) },
);
const layerArb = fc
  .record({ outputDim: outputDimArb, inputDim: inputDimArb, variant: fc.constantFrom<Variant>("plain", "plain", "activity", "maxNorm", "mask") })
  .map(({ outputDim, inputDim, variant }) => ({ outputDim, variant, inputDim: Math.max(1, Math.min(inputDim, Math.floor(TABLE_CAP / outputDim))) }));

/** Ranks 0 … 4; rank 1 sometimes past the 256 positions a layer starts with (memory grows). */
const shapeArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<number[]>([]) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 64 }).map((n) => [n]) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 700 }).map((n) => [n]) },
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 2, maxLength: 2 }) },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 3, maxLength: 3 }) },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }) },
);

const formArb: fc.Arbitrary<Form> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<Form>("scalar", "nested", "array", "lookupBuffer") },
  { weight: 2, arbitrary: fc.record({ typed: fc.constantFrom(...TYPED_NAMES), bare: fc.boolean() }) },
);

/** Fits the form to the rank: a bare number is rank 0 only, a bare typed array rank 1 only. */
function fitForm(form: Form, rank: number): Form {
  if (form === "scalar" && rank !== 0) return "nested";
  if (typeof form === "object" && form.bare && rank !== 1) return { typed: form.typed, bare: false };
  return form;
}

/** Valid indices from a seeded stream: integers in [0, inputDim), with fractions and -0.x when `fractions`. */
function validValues(seed: number, size: number, inputDim: number, fractions: boolean): Intended[] {
  const rnd = fixtureRandom(seed);
  const values: Intended[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const row = Math.floor(rnd() * inputDim);
    let v: number = row;
    if (fractions && rnd() < 0.5) v = row === 0 && rnd() < 0.5 ? -rnd() * 0.99 : row + rnd() * 0.99;
    values[i] = v;
  }
  return values;
}

const caseArb = fc.record({
  layer: layerArb,
  shape: shapeArb,
  form: formArb,
  api: fc.constantFrom<Api>("call", "callInto"),
  seed: fc.integer(),
  fractions: fc.boolean(),
  injections: fc.oneof(
    { weight: 2, arbitrary: fc.constant([]) },
    {
      weight: 3,
      arbitrary: fc.array(fc.record({ at: fc.oneof(fc.constant("last" as const), fc.constant("first" as const), fc.nat()), value: injectionArb }), {
        minLength: 1,
        maxLength: 3,
      }),
    },
  ),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function runCase(cache: LayerCache, c: Case): void {
  const entry = cache.get(c.layer.inputDim, c.layer.outputDim, c.layer.variant);
  const form = fitForm(c.form, c.shape.length);
  const size = c.shape.reduce((a, b) => a * b, 1);
  const values = validValues(c.seed, size, entry.inputDim, c.fractions);
  for (const { at, value } of c.injections) {
    if (size === 0) break;
    const i = at === "last" ? size - 1 : at === "first" ? 0 : at % size;
    values[i] = resolveInjection(value, entry.inputDim);
  }
  const built = build(form, c.shape, values);
  checkLookup(entry, form, c.api, built, reference(built.shape, built.given, entry.inputDim));
}

// ---------------------------------------------------------------------------------------------
const lookups = suite("property: lookups match the reference");

lookups("random dims, ranks 0-4, every form and dtype, edge values injected anywhere (10,000 cases)", () => {
  const cache = new LayerCache(realLayer);
  try {
    runProperty("lookups", caseArb, (c) => runCase(cache, c), 10_000);
  } finally {
    cache.clear();
  }
});

/** One value per case, from the whole double / int / bigint range, in every form and rank 0-2. */
const singleArb = fc.record({
  inputDim: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(1, 2, 127, 128, 255, 256, 32768, 65536, 1 << 18)),
  outputDim: fc.integer({ min: 1, max: 5 }),
  shape: fc.constantFrom<number[]>([], [1], [1, 1], [1, 1, 1]),
  form: formArb,
  api: fc.constantFrom<Api>("call", "callInto"),
  value: fc.oneof(
    injectionArb,
    fc.double({ min: -3, max: 300 }).map((value) => ({ value })),
    fc.integer({ min: -3, max: 70_000 }).map((value) => ({ value })),
    fc.bigInt({ min: -3n, max: 70_000n }).map((value) => ({ value })),
  ),
});

lookups("a single value from the whole double / int32 / int64 range, every form (6,000 cases)", () => {
  const cache = new LayerCache(realLayer);
  try {
    runProperty(
      "single values",
      singleArb,
      (c) => {
        const entry = cache.get(c.inputDim, c.outputDim, "plain");
        const form = fitForm(c.form, c.shape.length);
        const built = build(form, c.shape, [resolveInjection(c.value, entry.inputDim)]);
        checkLookup(entry, form, c.api, built, reference(built.shape, built.given, entry.inputDim));
      },
      6_000,
    );
  } finally {
    cache.clear();
  }
});

// ---------------------------------------------------------------------------------------------
// Malformed input: a reference of the documented ValueErrors

const pos = (path: readonly number[]) => `[${path.join(",")}]`;
const zeros = (n: number) => pos(new Array<number>(n).fill(0));

/** The ValueError (or the flat values) nested input gives: the shape along first elements, then a depth-first walk. */
function referenceNested(x: unknown[]): { error: string } | { shape: number[]; flat: number[] } {
  const shape = nestedShape(x);
  const flat: number[] = [];
  const walk = (level: unknown, path: number[]): string | null => {
    const depth = path.length;
    if (depth === shape.length) {
      if (typeof level === "number") {
        flat.push(level);
        return null;
      }
      const what = Array.isArray(level) ? `an array, deeper than x${zeros(depth)}` : `${show(level)} (of type ${typeName(level)})`;
      return `x${pos(path)} must be a number, like the other leaves of x. Received: ${what}`;
    }
    if (!Array.isArray(level)) {
      return `x is ragged: x${pos(path)} is ${show(level)} (of type ${typeName(level)}), but x${zeros(depth)} is an array of length ${shape[depth]}. Nested input must be rectangular.`;
    }
    if (level.length !== shape[depth]) {
      return `x is ragged: x${pos(path)} has length ${level.length}, but x${zeros(depth)} has length ${shape[depth]}. Nested input must be rectangular.`;
    }
    for (let i = 0; i < level.length; i++) {
      const e = walk(level[i], [...path, i]);
      if (e !== null) return e;
    }
    return null;
  };
  const error = walk(x, []);
  return error === null ? { shape, flat } : { error };
}

/** The ValueError `{ data, shape }` gives, or its values. */
function referenceTensor(x: { data: unknown; shape: unknown }): { error: string } | { shape: number[]; flat: ArrayLike<number | bigint> } {
  const { data, shape } = x;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    return { error: `x.shape must be an array of non-negative integers. Received: x.shape=${show(shape)} (of type ${typeName(shape)})` };
  }
  const isTyped = ArrayBuffer.isView(data) && !(data instanceof DataView);
  if (!isTyped && !Array.isArray(data)) {
    return { error: `x.data must be a typed array or an array of numbers. Received: x.data=${show(data)} (of type ${typeName(data)})` };
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const length = (data as ArrayLike<unknown>).length;
  if (length !== size) {
    return { error: `x.shape [${shape.join(", ")}] holds ${size} values, but x.data has ${length}. Received: x.shape=${show(shape)}, x.data.length=${length}` };
  }
  if (Array.isArray(data)) {
    const i = data.findIndex((v) => typeof v !== "number");
    if (i >= 0) return { error: `x.data[${i}] must be a number. Received: ${show(data[i])} (of type ${typeName(data[i])})` };
  }
  return { shape: [...(shape as number[])], flat: data as ArrayLike<number | bigint> };
}

const BAD_LEAVES: unknown[] = ["1", "", null, undefined, true, false, {}, { length: 1 }, [], [0], [[1]], 5n, Symbol.iterator, () => 1, new Date(0)];
const BAD_SHAPES: unknown[] = ["3", 3, null, undefined, {}, { length: 1, 0: 1 }, [-1], [1.5], [NaN], [Infinity], ["2"], [2 ** 53], [null], [1, -0.5], new Int32Array([2])];
const BAD_DATA: unknown[] = ["12", 12, null, undefined, {}, { length: 2 }, new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), [1, "2"], [1, null], [undefined, 1], [1n, 2n], [[1], [2]], [{}, 1]];

type Mutation = { kind: "leaf"; at: number; value: number } | { kind: "length"; at: number; delta: number } | { kind: "replace"; at: number; value: number } | { kind: "hole"; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("leaf" as const), at: fc.nat(), value: fc.nat(BAD_LEAVES.length - 1) }),
  fc.record({ kind: fc.constant("length" as const), at: fc.nat(), delta: fc.constantFrom(-1, 1, 2) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: fc.nat(BAD_LEAVES.length - 1) }),
  fc.record({ kind: fc.constant("hole" as const), at: fc.nat() }),
);

/** Every array node of a nested array, depth first (the root first). */
function arrayNodes(x: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(x)) {
    out.push(x);
    for (const e of x) arrayNodes(e, out);
  }
  return out;
}

const deepCopy = (v: unknown): unknown => (Array.isArray(v) ? v.map(deepCopy) : v);

function mutate(x: unknown[], m: Mutation): void {
  const nodes = arrayNodes(x).filter((n) => n.length > 0 || m.kind === "length");
  if (nodes.length === 0) return;
  const node = nodes[m.at % nodes.length]!;
  const i = node.length === 0 ? 0 : m.at % node.length;
  if (m.kind === "leaf" || m.kind === "replace") {
    // "leaf" replaces a number where there is one; "replace" replaces whatever is there (array or number).
    if (m.kind === "leaf" && Array.isArray(node[i])) {
      const leaves = arrayNodes(node[i]).find((n) => n.length > 0 && !Array.isArray(n[0]));
      if (leaves !== undefined) leaves[0] = deepCopy(BAD_LEAVES[m.value]);
      return;
    }
    // A copy: inserting the shared constant itself would let a later mutation make x contain itself.
    node[i] = deepCopy(BAD_LEAVES[m.value]);
  } else if (m.kind === "length") {
    if (m.delta < 0) node.pop();
    else for (let k = 0; k < m.delta; k++) node.push(Array.isArray(node[0]) ? deepCopy(node[0]) : 1);
  } else {
    delete node[i];
  }
}

const malformedArb = fc.oneof(
  fc.record({
    kind: fc.constant("nested" as const),
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    kind: fc.constant("tensor" as const),
    shape: fc.oneof(fc.nat(BAD_SHAPES.length - 1).map((i) => ({ bad: i })), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).map((good) => ({ good }))),
    data: fc.oneof(
      fc.nat(BAD_DATA.length - 1).map((i) => ({ bad: i })),
      fc.record({ length: fc.nat(70), typed: fc.option(fc.constantFrom(...TYPED_NAMES), { nil: undefined }) }),
    ),
  }),
);

lookups("malformed input gives the documented ValueError and writes nothing (4,000 cases)", () => {
  const cache = new LayerCache(realLayer);
  try {
    runProperty(
      "malformed input",
      fc.tuple(malformedArb, fc.constantFrom<Api>("call", "callInto")),
      ([m, api]) => {
        const entry = cache.get(7, 3, "plain");
        let x: unknown;
        let outcome: ReturnType<typeof referenceNested> | ReturnType<typeof referenceTensor>;
        if (m.kind === "nested") {
          const size = m.shape.reduce((a, b) => a * b, 1);
          x = nest(m.shape, Array.from({ length: size }, (_, i) => i % 7));
          for (const mutation of m.mutations) mutate(x as unknown[], mutation);
          outcome = referenceNested(x as unknown[]);
        } else {
          const shape = "bad" in m.shape ? BAD_SHAPES[m.shape.bad] : m.shape.good;
          const data =
            "bad" in m.data
              ? BAD_DATA[m.data.bad]
              : m.data.typed === undefined
                ? Array.from({ length: m.data.length }, (_, i) => i % 7)
                : typedFrom(m.data.typed, Array.from({ length: m.data.length }, (_, i) => i % 7));
          x = { data, shape };
          outcome = referenceTensor(x as { data: unknown; shape: unknown });
        }
        if ("error" in outcome) {
          // `given` only sets the length of callInto's out: flatten refuses x before out's length is checked.
          checkLookup(entry, "array", api, { x, shape: [], given: new Array<number>(4).fill(0) }, { ok: false, type: ValueError, message: outcome.error });
        } else {
          checkLookup(entry, "array", api, { x, shape: outcome.shape, given: outcome.flat }, reference(outcome.shape, outcome.flat, entry.inputDim));
        }
      },
      4_000,
    );
  } finally {
    cache.clear();
  }
});

// ---------------------------------------------------------------------------------------------
const harness = suite("property harness");

/** A layer whose call() output is off by one ulp in its last float: the properties must catch it. */
class OffByOne extends Embedding {
  override call(x: LookupInput) {
    const y = super.call(x);
    if (y.data.length > 0) new Uint32Array(y.data.buffer)[y.data.length - 1]! ^= 1;
    return y;
  }
}
/** A layer that answers an out-of-range index at the last position with row 0 instead of an error. */
class Lenient extends Embedding {
  override call(x: LookupInput) {
    try {
      return super.call(x);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const flat: unknown[] = Array.isArray(x) ? (x as unknown[]).flat(Infinity as 1) : [x];
      return super.call(flat.map(() => 0) as number[]);
    }
  }
}

harness("the lookup property finds a corrupted output, and its report names the seed and path", () => {
  const cache = new LayerCache((o) => new OffByOne(o));
  let message = "";
  try {
    runProperty("lookups (broken layer)", caseArb.filter((c) => c.api === "call"), (c) => runCase(cache, c), 300, false);
  } catch (e) {
    message = (e as Error).message;
  } finally {
    cache.clear();
  }
  assert.match(message, `Reproduce with FC_SEED=${SEED} FC_PATH="`);
  assert.match(message, /Counterexample: /);
  assert.match(message, /column \d+: got /);
});

harness("the lookup property finds a missing RangeError", () => {
  const cache = new LayerCache((o) => new Lenient(o));
  let message = "";
  try {
    runProperty("lookups (lenient layer)", caseArb.filter((c) => c.api === "call"), (c) => runCase(cache, c), 300, false);
  } catch (e) {
    message = (e as Error).message;
  } finally {
    cache.clear();
  }
  assert.match(message, /expected RangeError "indices/);
});

harness(`the lookup properties run at least 20,000 fast-check cases (seed ${SEED})`, () => {
  if (PATH === undefined && RUNS_SCALE >= 1) assert.ok(runner.casesRun >= 20_000, `ran ${runner.casesRun} cases`);
  console.log(`  property.test.ts: ${runner.casesRun} fast-check cases, seed ${SEED}`);
});

lookups.run();
harness.run();
