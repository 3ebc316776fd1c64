// Memory safety of the table and of everything around it, with guard bands of sentinel bytes
// (src/testing.ts) around every region of a layer's memory: adversarial lookups never touch a
// guard, never change the table, never produce a row from outside the table; failed calls are
// atomic; oversized tables and lookups are refused before anything is allocated; hostile input
// neither crashes nor hangs the process; zero-copy views stay valid or fail loudly.
//
// Property suites use FC_SEED / FC_PATH / FC_RUNS_SCALE like tests/robustness/property.test.ts.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Embedding, ValueError } from "../../src/index.ts";
import type { LookupInput } from "../../src/index.ts";
import { GUARD_BYTE, brokenGuards, layerMemory, withGuardBands } from "../../src/testing.ts";
import { assertSameFloats, assertThrowsMessage, fixtureRandom, TYPED, TYPED_NAMES, type TypedName } from "../support/helpers.ts";
import { propertyRunner } from "../support/property-runner.ts";

const runner = propertyRunner("memory-safety.test.ts", 0x6a7d5);
const { seed: SEED, runsScale: RUNS_SCALE, path: PATH } = runner;
const runProperty = runner.run.bind(runner);





function fail(message: string): never {
  throw new Error(message);
}

const GUARD = 1024;
/** The float a word of guard bytes reads as (0xA5A5A5A5 ≈ -2.87e-16). */
const GUARD_WORD = (GUARD_BYTE * 0x01010101) >>> 0;
/** A float that no table here holds, written next to tables in the sentinel tests. */
const SENTINEL = -7.77e-33;
const SENTINEL_BITS = new Uint32Array(new Float32Array([SENTINEL]).buffer)[0]!;

/** Row r, column c holds r + c / 1024 + 1/2048: every value names its row, none is a sentinel. */
function rowTable(rows: number, dim: number): Float32Array {
  const t = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) t[r * dim + c] = r + (c % 1024) / 1024 + 1 / 2048;
  return t;
}

function guarded(inputDim: number, outputDim: number, extra: Partial<ConstructorParameters<typeof Embedding>[0]> = {}): Embedding {
  return withGuardBands(GUARD, () => new Embedding({ inputDim, outputDim, weights: { data: rowTable(inputDim, outputDim), shape: [inputDim, outputDim] }, ...extra }));
}

const tableBytes = (layer: Embedding) => {
  const m = layerMemory(layer);
  return new Uint8Array(m.memory.buffer, m.tablePtr, layer.inputDim * layer.outputDim * 4).slice();
};

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Positions of `out` holding a guard word or the sentinel. */
function foreignWords(out: Float32Array): number[] {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const found: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i] === GUARD_WORD || bits[i] === SENTINEL_BITS) found.push(i);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Inputs (as in tests/robustness/property.test.ts): every form, typed data placed at an offset inside a
// larger buffer whose surrounding bytes are checked too.


type Intended = number | bigint;
function toBigInt(v: Intended): bigint {
  if (typeof v === "bigint") return v;
  if (Number.isNaN(v)) return -1n;
  if (!Number.isFinite(v)) return v > 0 ? 2n ** 63n - 1n : -(2n ** 63n);
  return BigInt(Math.trunc(v));
}

interface CallerInput {
  x: unknown;
  shape: number[];
  given: ArrayLike<number | bigint>;
  /** The bytes of the caller's buffer around (and under) typed data, to prove nothing wrote them. */
  backing?: Uint8Array;
  backingCopy?: Uint8Array;
}

/** Typed data as a view at `offsetElements` inside a buffer filled with the guard byte. */
function typedView(name: TypedName, values: readonly Intended[], offsetElements: number): { data: ArrayLike<number | bigint>; backing: Uint8Array } {
  const Type = TYPED[name];
  const bytes = Type.BYTES_PER_ELEMENT;
  const buffer = new ArrayBuffer((values.length + offsetElements + 3) * bytes);
  const backing = new Uint8Array(buffer).fill(GUARD_BYTE);
  if (name === "BigInt64Array" || name === "BigUint64Array") {
    const view = name === "BigInt64Array" ? new BigInt64Array(buffer, offsetElements * 8, values.length) : new BigUint64Array(buffer, offsetElements * 8, values.length);
    values.forEach((v, i) => (view[i] = name === "BigInt64Array" ? BigInt.asIntN(64, toBigInt(v)) : BigInt.asUintN(64, toBigInt(v))));
    return { data: view, backing };
  }
  const view = new (Type as typeof Float64Array)(buffer, offsetElements * bytes, values.length);
  values.forEach((v, i) => (view[i] = Number(v)));
  return { data: view, backing };
}

type Form = "nested" | "array" | "lookupBuffer" | TypedName;

function makeInput(form: Form, shape: number[], values: readonly Intended[], offset: number): CallerInput {
  if (form === "nested" || form === "array") {
    const flat = values.map(Number);
    if (form === "array") return { x: { data: flat, shape }, shape, given: flat };
    let k = 0;
    const nest = (d: number): unknown => (d === shape.length ? flat[k++] : Array.from({ length: shape[d]! }, () => nest(d + 1)));
    // A dimension of 0 ends a nested array's shape there.
    const zero = shape.indexOf(0);
    return { x: nest(0), shape: zero < 0 ? shape : shape.slice(0, zero + 1), given: flat };
  }
  if (form === "lookupBuffer") {
    const data = Int32Array.from(values.map(Number));
    return { x: data, shape, given: data };
  }
  const { data, backing } = typedView(form, values, offset);
  return { x: { data, shape }, shape, given: data, backing, backingCopy: backing.slice() };
}

/** The documented RangeError for the first bad index, or null when all are in [0, inputDim). */
function expectedError(shape: readonly number[], given: ArrayLike<number | bigint>, inputDim: number): { rows: number[] } | { message: string } {
  const rows: number[] = [];
  for (let i = 0; i < given.length; i++) {
    const v = given[i]!;
    const finite = typeof v === "bigint" || Number.isFinite(v);
    const row = typeof v === "bigint" ? (v >= 0n && v < BigInt(inputDim) ? Number(v) : -1) : finite && Math.trunc(v) >= 0 && Math.trunc(v) < inputDim ? Math.trunc(v) : -1;
    if (row < 0) {
      let at = "indices";
      if (shape.length > 0) {
        const coords: number[] = [];
        let k = i;
        for (let d = shape.length - 1; d >= 0; d--) {
          coords.unshift(k % shape[d]!);
          k = Math.floor(k / shape[d]!);
        }
        at = `indices[${coords.join(",")}]`;
      }
      return { message: `${at} = ${String(v)} is not in [0, ${inputDim})${finite ? "" : " (indices must be finite numbers)"}` };
    }
    rows.push(row);
  }
  return { rows };
}

/** Bad values: every edge past either end of the table and of int32, non-finite, and 64-bit. */
const BAD_VALUES = (inputDim: number): Intended[] => [
  inputDim, inputDim + 1, inputDim + 0.5, inputDim + 1000, -1, -1.5, -2, -inputDim, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32,
  2 ** 32 + inputDim - 1, -(2 ** 32) + 1, NaN, Infinity, -Infinity, 1e300, -1e300, 2n ** 32n, 2n ** 63n - 1n, -(2n ** 63n), -1n, BigInt(inputDim),
  2n ** 32n + 1n,
];

// ---------------------------------------------------------------------------------------------
const guards = suite("guard bands: adversarial lookups");

type Api = "call" | "callInto";
type Variant = "plain" | "activity" | "renorm-noop" | "renorm";

interface Guarded {
  layer: Embedding;
  table: Uint8Array;
  variant: Variant;
}

guards("every region is guarded, and a stray write is reported (the check can fail)", () => {
  const layer = guarded(10, 3, { maxNorm: 1 });
  assert.equal(brokenGuards(layer), []);
  const m = layerMemory(layer);
  const bytes = new Uint8Array(m.memory.buffer);
  const tableEnd = m.tablePtr + 10 * 3 * 4;
  for (const [where, at] of [["after table", tableEnd], ["before table", m.tablePtr - 1], ["before output region", m.outputPtr - 1], ["before index region", m.indexPtr - GUARD]] as const) {
    const old = bytes[at]!;
    bytes[at] = 0;
    assert.ok(brokenGuards(layer).includes(where), `${where}: ${brokenGuards(layer)}`);
    bytes[at] = old;
  }
  assert.equal(brokenGuards(layer), []);
  // Bands cover stats, table, the maxNorm bitmap, the index and the output region.
  const m2 = layerMemory(layer);
  assert.ok(m2.tablePtr - m2.statsPtr >= GUARD && m2.indexPtr - tableEnd >= 2 * GUARD && m2.outputPtr - m2.indexPtr >= GUARD);
});

guards("adversarial lookups (3,000 cases): guards intact, table byte-identical, rows only from the table, caller buffers untouched", () => {
  const layers = new Map<string, Guarded>();
  const get = (inputDim: number, outputDim: number, variant: Variant): Guarded => {
    const key = `${inputDim}x${outputDim}:${variant}`;
    let g = layers.get(key);
    if (g === undefined) {
      const extra = variant === "activity" ? { activityRegularizer: "l2" as const } : variant === "renorm-noop" ? { maxNorm: 1e30 } : variant === "renorm" ? { maxNorm: 2, normType: 1 } : {};
      const layer = guarded(inputDim, outputDim, extra);
      g = { layer, table: tableBytes(layer), variant };
      layers.set(key, g);
    }
    return g;
  };
  const sizes = [0, 1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025];
  const arb = fc.record({
    inputDim: fc.constantFrom(1, 2, 3, 7, 64, 255, 256, 1000),
    outputDim: fc.constantFrom(1, 2, 3, 4, 5, 8, 15, 16, 17, 33, 64),
    variant: fc.constantFrom<Variant>("plain", "activity", "renorm-noop", "renorm"),
    form: fc.constantFrom<Form>("nested", "array", "lookupBuffer", ...TYPED_NAMES),
    api: fc.constantFrom<Api>("call", "callInto"),
    size: fc.constantFrom(...sizes),
    seed: fc.integer(),
    offset: fc.integer({ min: 0, max: 3 }),
    bad: fc.option(fc.record({ at: fc.oneof(fc.constant(-1), fc.nat()), which: fc.nat() }), { freq: 3, nil: undefined }),
  });
  try {
    runProperty(
      "adversarial lookups",
      arb,
      (c) => {
        const g = get(c.inputDim, c.outputDim, c.variant);
        const { layer } = g;
        const rnd = fixtureRandom(c.seed);
        const values: Intended[] = Array.from({ length: c.size }, () => Math.floor(rnd() * c.inputDim));
        if (c.bad !== undefined && c.size > 0) {
          const bad = BAD_VALUES(c.inputDim);
          values[c.bad.at < 0 ? c.size - 1 : c.bad.at % c.size] = bad[c.bad.which % bad.length]!;
        }
        const input = makeInput(c.form, [c.size], values, c.offset);
        const expected = expectedError(input.shape, input.given, c.inputDim);
        const what = `${c.form} via ${c.form === "lookupBuffer" ? "lookupBuffer" : c.api}, n=${c.size}, ${c.inputDim}×${c.outputDim} ${c.variant}`;
        // callInto's out sits inside a larger buffer of sentinels: only its own range may change.
        const outBacking = new Float32Array(c.size * c.outputDim + 32).fill(SENTINEL);
        const out = outBacking.subarray(16, 16 + c.size * c.outputDim);
        let got: Float32Array | undefined;
        let caught: unknown;
        try {
          if (c.form === "lookupBuffer") {
            layer.indexBuffer(c.size).set(input.x as Int32Array);
            got = layer.lookupBuffer(c.size);
          } else if (c.api === "callInto") {
            got = layer.callInto(input.x as LookupInput, out).data;
          } else {
            got = layer.call(input.x as LookupInput).data;
          }
        } catch (e) {
          caught = e;
        }
        const broken = brokenGuards(layer);
        if (broken.length > 0) fail(`${what}: guard bands changed: ${broken.join(", ")}`);
        if (input.backing !== undefined && firstDifference(input.backing, input.backingCopy!) !== -1) fail(`${what}: the caller's input buffer was written`);
        const outside = new Uint32Array(outBacking.buffer);
        for (let i = 0; i < 16; i++) {
          if (outside[i] !== SENTINEL_BITS || outside[outside.length - 1 - i] !== SENTINEL_BITS) fail(`${what}: callInto wrote outside out`);
        }
        const now = tableBytes(layer);
        if ("message" in expected) {
          if (!(caught instanceof RangeError) || caught.message !== expected.message) {
            fail(`${what}: expected RangeError "${expected.message}", got ${caught === undefined ? "a result" : `${(caught as Error).name}: ${(caught as Error).message}`}`);
          }
          if (!new Uint32Array(out.slice().buffer).every((b) => b === SENTINEL_BITS)) fail(`${what}: a refused callInto wrote out`);
          const at = firstDifference(now, g.table);
          if (at !== -1) fail(`${what}: a refused lookup changed table byte ${at}`);
          return;
        }
        if (caught !== undefined) fail(`${what}: expected rows, got ${(caught as Error).name}: ${(caught as Error).message}`);
        const foreign = foreignWords(got!);
        if (foreign.length > 0) fail(`${what}: output floats ${foreign.slice(0, 5)} hold guard or sentinel bytes`);
        const table = new Float32Array(g.table.buffer.slice(0));
        const reference = new Float32Array(c.size * c.outputDim);
        expected.rows.forEach((r, i) => reference.set(table.subarray(r * c.outputDim, (r + 1) * c.outputDim), i * c.outputDim));
        if (c.variant === "renorm") {
          // Rows the lookup referenced may be rescaled (once, before the gather); no other row changes.
          const used = new Set(expected.rows);
          const nowFloats = new Float32Array(now.buffer);
          for (let r = 0; r < c.inputDim; r++) {
            const row = nowFloats.subarray(r * c.outputDim, (r + 1) * c.outputDim);
            if (!used.has(r)) {
              if (firstDifference(new Uint8Array(row.slice().buffer), g.table.subarray(r * c.outputDim * 4, (r + 1) * c.outputDim * 4)) !== -1) fail(`${what}: unreferenced row ${r} changed`);
            } else if (row.reduce((s, v) => s + Math.abs(v), 0) > 2 * (1 + 1e-5)) {
              fail(`${what}: row ${r} has L1 norm above maxNorm 2 after the lookup`);
            }
          }
          expected.rows.forEach((r, i) => reference.set(nowFloats.subarray(r * c.outputDim, (r + 1) * c.outputDim), i * c.outputDim));
          g.table = now;
        } else if (firstDifference(now, g.table) !== -1) {
          fail(`${what}: the table changed in a lookup`);
        }
        const bits = new Uint32Array(got!.slice().buffer);
        const want = new Uint32Array(reference.buffer);
        const i = bits.findIndex((b, k) => b !== want[k]);
        if (bits.length !== want.length || i !== -1) fail(`${what}: output float ${i} = ${got![i]}, expected ${reference[i]}`);
      },
      3_000,
    );
  } finally {
    for (const g of layers.values()) g.layer.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
const sentinels = suite("sentinel values around the table");

/** Writes SENTINEL floats over every band around the table (and the stats region's). */
function paintBands(layer: Embedding): { start: number; words: number }[] {
  const m = layerMemory(layer);
  const end = m.tablePtr + layer.inputDim * layer.outputDim * 4;
  const bands = [
    { start: m.statsPtr - GUARD, words: GUARD / 4 },
    { start: m.tablePtr - GUARD, words: GUARD / 4 },
    { start: end, words: GUARD / 4 },
  ];
  for (const { start, words } of bands) new Float32Array(m.memory.buffer, start, words).fill(SENTINEL);
  return bands;
}

function restoreBands(layer: Embedding, bands: { start: number; words: number }[]): void {
  const m = layerMemory(layer);
  for (const { start, words } of bands) new Uint8Array(m.memory.buffer, start, words * 4).fill(GUARD_BYTE);
}

sentinels("control: without the range check, index inputDim and -1 would read the sentinels next to the table", () => {
  // Calls the gather kernel directly, bypassing the wrapper's check, to prove the detector works.
  const layer = guarded(50, 8);
  const bands = paintBands(layer);
  const m = layerMemory(layer);
  for (const bad of [50, 51, -1, -2]) {
    m.indices()[0] = bad;
    try {
      m.kernel.gatherRows(m.tablePtr, m.rows, 8, m.indexPtr, 1, m.outputPtr);
    } catch (e) {
      // A kernel that traps on its own is safe too; one that reads must read the sentinels.
      assert.instance(e, WebAssembly.RuntimeError);
      continue;
    }
    const row = m.output().slice(0, 8);
    assert.is(foreignWords(row).length, 8, `row ${bad} read from the band: ${Array.from(row)}`);
  }
  restoreBands(layer, bands);
  m.indices()[0] = 0;
  m.kernel.gatherRows(m.tablePtr, m.rows, 8, m.indexPtr, 1, m.outputPtr);
  assert.equal(foreignWords(m.output().slice(0, 8)), [], "row 0 is a real row");
});

sentinels("the gathers' read-ahead stays within the n indices it was given (words past them point outside memory)", () => {
  // The gather kernels read rows ahead of the copy to start their cache misses early (gatherRows and
  // bagReduce touch a chunk of rows of a table larger than 16 MiB before using them; the others load
  // a word of the row 8 positions ahead); the look-ahead must stop at the last of the n indices. Here
  // every index word past n holds a row number whose address lies beyond the end of memory, so a
  // read-ahead past n traps. gatherRows and bagReduce run as for this table and as for a far larger
  // one (`rows` only chooses the path), with chunks of 4 rows (2048 floats) and 1 row (9000 floats).
  for (const dim of [4, 8, 13, 64, 300, 2048, 9000]) {
    const layer = guarded(50, dim);
    layer.call(new Int32Array(20)); // index and output regions for 20 rows
    const m = layerMemory(layer);
    const far = Math.ceil((m.memory.buffer.byteLength - m.tablePtr) / (dim * 4)) + 1;
    for (const n of [1, 2, 7, 8, 9, 20]) {
      const idx = m.indices();
      idx.fill(far);
      for (let i = 0; i < n; i++) idx[i] = (i * 11 + 3) % 50;
      const expected = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) expected.set(rowTable(50, dim).subarray(idx[i]! * dim, (idx[i]! + 1) * dim), i * dim);
      for (const rows of [50, 1 << 24]) {
        m.output().fill(0);
        m.kernel.gatherRows(m.tablePtr, rows, dim, m.indexPtr, n, m.outputPtr);
        assertSameFloats(m.output().slice(0, n * dim), expected, `gatherRows dim ${dim} n ${n} as for ${rows} rows`);
      }
      m.kernel.gatherRowsWithSums(m.tablePtr, dim, m.indexPtr, n, m.outputPtr, m.statsPtr);
      assertSameFloats(m.output().slice(0, n * dim), expected, `gatherRowsWithSums dim ${dim} n ${n}`);
      // bagReduce, one bag of the n positions (bounds [0, n] in the stats region), summed in order.
      const sum = new Float32Array(dim);
      for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) sum[d] = Math.fround(sum[d]! + expected[i * dim + d]!);
      for (const rows of [50, 1 << 24]) {
        new Uint32Array(m.memory.buffer, m.statsPtr, 2).set([0, n]);
        m.kernel.bagReduce(m.tablePtr, rows, dim, m.indexPtr, m.statsPtr, 1, 0, 0, -1, m.outputPtr, 0);
        assertSameFloats(m.output().slice(0, dim), sum, `bagReduce dim ${dim} n ${n} as for ${rows} rows`);
      }
    }
    layer.dispose();
  }
});

sentinels("through the API, no index outside [0, inputDim) in any form produces a row; the sentinels stay in place", () => {
  for (const [inputDim, outputDim] of [[50, 8], [1, 1], [3, 64], [256, 3]] as const) {
    for (const variant of [{}, { activityRegularizer: "l1" }, { maxNorm: 1e30 }] as const) {
      const layer = guarded(inputDim, outputDim, variant);
      const bands = paintBands(layer);
      const m = layerMemory(layer);
      const painted = () => bands.every(({ start, words }) => new Uint32Array(m.memory.buffer, start, words).every((b) => b === SENTINEL_BITS));
      const before = tableBytes(layer);
      let refused = 0;
      for (const form of ["nested", "array", "lookupBuffer", ...TYPED_NAMES] as Form[]) {
        for (const bad of BAD_VALUES(inputDim)) {
          for (const n of [1, 5, 17]) {
            const values: Intended[] = Array.from({ length: n }, (_, i) => (i * 7) % inputDim);
            values[n - 1] = bad;
            const input = makeInput(form, [n], values, 1);
            const expected = expectedError(input.shape, input.given, inputDim);
            let y: Float32Array | undefined;
            try {
              if (form === "lookupBuffer") {
                layer.indexBuffer(n).set(input.x as Int32Array);
                y = layer.lookupBuffer(n);
              } else y = layer.call(input.x as LookupInput).data;
            } catch (e) {
              if (!(e instanceof RangeError) || !("message" in expected) || e.message !== expected.message) throw e;
              refused++;
            }
            if (y !== undefined) {
              // Some values are valid once stored (Int8Array wraps 2^32 + 3 to 3): their rows are real rows.
              assert.ok("rows" in expected, `${form} ${String(bad)}: a result for an invalid index`);
              assert.equal(foreignWords(y), [], `${form} ${String(bad)}: output holds sentinel words`);
            }
          }
        }
      }
      assert.ok(refused > 300, `refused ${refused}`);
      assert.ok(painted(), "the sentinels next to the table are unchanged");
      assert.equal(firstDifference(tableBytes(layer), before), -1, "table unchanged");
      restoreBands(layer, bands);
      assert.equal(brokenGuards(layer), []);
      layer.dispose();
    }
  }
});

// ---------------------------------------------------------------------------------------------
const atomic = suite("atomicity: a failed call writes nothing");

/** Everything caller-visible about a layer, to compare before and after a failed call. */
function snapshot(layer: Embedding) {
  const m = layerMemory(layer);
  return { table: tableBytes(layer), losses: layer.losses, output: m.output().slice(), capacity: m.capacity, bytes: layer.memoryBytes };
}
function assertUnchanged(layer: Embedding, before: ReturnType<typeof snapshot>, what: string): void {
  const after = snapshot(layer);
  assert.is(firstDifference(after.table, before.table), -1, `${what}: table`);
  assert.equal(after.losses, before.losses, `${what}: losses`);
  if (after.capacity === before.capacity) assert.is(firstDifference(new Uint8Array(after.output.buffer), new Uint8Array(before.output.buffer)), -1, `${what}: output region`);
  assert.equal(brokenGuards(layer), [], `${what}: guards`);
}

atomic("a bad index at the last position, in every form, through call / callInto / lookupBuffer", () => {
  const layer = guarded(30, 6, { activityRegularizer: "l1", maxNorm: 1 });
  layer.call([1, 2, 3]);
  for (const n of [1, 4, 16, 255, 256, 300, 1000]) {
    for (const form of ["nested", "array", "lookupBuffer", ...TYPED_NAMES] as Form[]) {
      const values: Intended[] = Array.from({ length: n }, (_, i) => i % 30);
      values[n - 1] = form.startsWith("Big") ? 30n : form === "Uint8Array" || form === "Int8Array" || form === "Uint8ClampedArray" ? 30 : -1;
      const input = makeInput(form, [n], values, 2);
      const expected = expectedError(input.shape, input.given, 30);
      assert.ok("message" in expected);
      const before = snapshot(layer);
      const out = new Float32Array(n * 6).fill(SENTINEL);
      if (form === "lookupBuffer") {
        layer.indexBuffer(n).set(input.x as Int32Array);
        assertThrowsMessage(() => layer.lookupBuffer(n), RangeError, expected.message);
      } else {
        assertThrowsMessage(() => layer.call(input.x as LookupInput), RangeError, expected.message);
        assertThrowsMessage(() => layer.callInto(input.x as LookupInput, out), RangeError, expected.message);
      }
      assert.ok(new Uint32Array(out.buffer).every((b) => b === SENTINEL_BITS), `${form} n=${n}: out untouched`);
      assertUnchanged(layer, before, `${form} n=${n}`);
    }
  }
  // The same lookups without the bad index do change the table (maxNorm) and the losses: the checks above can fail.
  const before = snapshot(layer);
  layer.call(Array.from({ length: 30 }, (_, i) => i));
  assert.is.not(firstDifference(tableBytes(layer), before.table), -1, "a successful lookup renormalizes rows");
  assert.is.not(layer.losses[0], before.losses[0], "and records a new activity penalty");
});

atomic("a refused lookup that first grew the memory leaves the table, guards and losses alone", () => {
  const layer = guarded(20, 16, { activityRegularizer: "l2" });
  layer.call([3]);
  const before = snapshot(layer);
  const n = 5000;
  const data = new Float64Array(n).fill(7);
  data[n - 1] = 20;
  assertThrowsMessage(() => layer.call({ data, shape: [n] }), RangeError, `indices[${n - 1}] = 20 is not in [0, 20)`);
  assert.ok(layer.memoryBytes > before.bytes, "the lookup regions grew before the check");
  assertUnchanged(layer, before, "after a growing refused lookup");
  assertSameFloats(layer.call([19]).data, rowTable(20, 16).subarray(19 * 16), "row 19 afterwards");
});

atomic("a shape that contradicts inputLength: ValueError, nothing written", () => {
  const layer = guarded(10, 4, { inputLength: 3, activityRegularizer: "l1" });
  layer.call([[1, 2, 3]]);
  const before = snapshot(layer);
  const out = new Float32Array(8).fill(SENTINEL);
  assertThrowsMessage(() => layer.callInto([[1, 2]], out), ValueError, '"inputLength" is 3, but received input has shape [1, 2]');
  assertThrowsMessage(() => layer.call({ data: new Int32Array(6), shape: [3, 2] }), ValueError, '"inputLength" is 3, but received input has shape [3, 2]');
  layer.indexBuffer(4).set([1, 2, 3, 4]);
  assertThrowsMessage(() => layer.lookupBuffer([2, 2]), ValueError, '"inputLength" is 3, but received input has shape [2, 2]');
  assert.ok(new Uint32Array(out.buffer).every((b) => b === SENTINEL_BITS), "out untouched");
  assertUnchanged(layer, before, "inputLength mismatch");
});

atomic("malformed input, a wrong out, a bad lookupBuffer shape: nothing written", () => {
  const layer = guarded(10, 4);
  layer.call([5, 6]);
  const before = snapshot(layer);
  const out = new Float32Array(8).fill(SENTINEL);
  const refusals: [() => unknown, RegExp][] = [
    [() => layer.callInto([[1, 2], [3]], out), /^x is ragged/],
    [() => layer.callInto([1, "2"] as never, out), /^x\[1\] must be a number/],
    [() => layer.callInto({ data: new Int32Array(3), shape: [2] }, out), /^x.shape \[2\] holds 2 values, but x.data has 3/],
    [() => layer.callInto([1, 2, 3], out), /^out must have 12 elements/],
    [() => layer.callInto([1, 2], new Float64Array(8) as never), /^out must be a Float32Array/],
    [() => layer.lookupBuffer([3, -1]), /^shape must be a non-negative integer/],
    [() => layer.lookupBuffer(5), /no index slots were handed out/],
  ];
  for (const [fn, message] of refusals) assertThrowsMessage(fn, ValueError, message);
  assert.ok(new Uint32Array(out.buffer).every((b) => b === SENTINEL_BITS), "out untouched");
  assertUnchanged(layer, before, "malformed input");
});

atomic("a disposed layer: every call throws and writes nothing; earlier views keep their contents or are detached", () => {
  const layer = guarded(10, 4, { name: "atomic_disposed" });
  layer.indexBuffer(2).set([1, 2]);
  const view = layer.lookupBuffer(2);
  const kept = view.slice();
  const memory = layerMemory(layer).memory;
  const all = new Uint8Array(memory.buffer).slice();
  layer.dispose();
  const message = 'Embedding layer "atomic_disposed" has been disposed and cannot be used any more.';
  const out = new Float32Array(8).fill(SENTINEL);
  assertThrowsMessage(() => layer.callInto([1, 2], out), Error, message);
  assertThrowsMessage(() => layer.call([1, 2]), Error, message);
  assertThrowsMessage(() => layer.indexBuffer(4), Error, message);
  assertThrowsMessage(() => layer.lookupBuffer(2), Error, message);
  assertThrowsMessage(() => layer.setWeights([{ data: new Float32Array(40), shape: [10, 4] }]), Error, message);
  assert.ok(new Uint32Array(out.buffer).every((b) => b === SENTINEL_BITS), "out untouched");
  if (view.length > 0) assertSameFloats(view, kept, "the last lookupBuffer view");
  else assert.is(view.byteLength, 0, "a detached view");
  assert.is(firstDifference(new Uint8Array(memory.buffer), all), -1, "no byte of the released memory changed");
});

atomic("setWeights with a wrong table keeps the old one, byte for byte", () => {
  const layer = guarded(6, 3);
  const before = snapshot(layer);
  const good = () => Array.from({ length: 6 }, () => [9, 9, 9]);
  const wrong: [unknown, RegExp][] = [
    [[{ data: new Float32Array(21), shape: [7, 3] }], /weight shape \[6, 3\] is not compatible with provided weight shape \[7, 3\]/],
    [[{ data: new Float32Array(12), shape: [6, 2] }], /provided weight shape \[6, 2\]/],
    [[{ data: new Float32Array(18), shape: [3, 6] }], /provided weight shape \[3, 6\]/],
    [[{ data: new Float32Array(18), shape: [18] }], /provided weight shape \[18\]/],
    [[{ data: new Float32Array(18), shape: [6, 3, 1] }], /provided weight shape \[6, 3, 1\]/],
    [[{ data: new Float32Array(17), shape: [6, 3] }], /holds 18 values, but weights\[0\].data has 17/],
    [[{ data: new Int32Array(18), shape: [6, 3] }], /must be a Float32Array, a Float64Array or an array of numbers/],
    [[{ data: [...new Array<number>(17).fill(1), "x"], shape: [6, 3] }], /^weights\[0\]\.data\[17\] must be a number\. Received: "x" \(of type string\)$/],
    [[[...good().slice(0, 5), [9, 9]]], /is ragged: row 5 has 2 values, row 0 has 3/],
    [[good(), good()], /weight list of length 2/],
    [[], /weight list of length 0/],
    [null, /must be a list holding one table/],
    [[{ data: new Float32Array(18), shape: [6, -3] }], /shape must be an array of non-negative integers/],
  ];
  for (const [w, message] of wrong) assertThrowsMessage(() => layer.setWeights(w as never), ValueError, message);
  assertUnchanged(layer, before, "after every refused setWeights");
  layer.setWeights([good()]);
  assert.ok(layer.getWeights()[0]!.data.every((v) => v === 9), "a right table is taken (the check above can fail)");
  assert.equal(brokenGuards(layer), []);
});

// ---------------------------------------------------------------------------------------------
const limits = suite("limits: refused before allocating, no crash, no hang");

function measure<T>(fn: () => T): { ms: number; arrayBuffers: number; rss: number; result?: T; error?: Error } {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  try {
    const result = fn();
    const ms = performance.now() - t0;
    const m1 = process.memoryUsage();
    return { ms, result, arrayBuffers: m1.arrayBuffers - m0.arrayBuffers, rss: m1.rss - m0.rss };
  } catch (e) {
    const ms = performance.now() - t0;
    const m1 = process.memoryUsage();
    return { ms, error: e as Error, arrayBuffers: m1.arrayBuffers - m0.arrayBuffers, rss: m1.rss - m0.rss };
  }
}

const MiB = 2 ** 20;

limits("tables beyond one WebAssembly memory: a ValueError naming the sizes, at once, with nothing allocated", () => {
  const cases: [number, number][] = [
    [2 ** 30, 2], [2 ** 31, 1], [1, 2 ** 30], [65536, 16384], [2 ** 26, 17], [Number.MAX_SAFE_INTEGER, 1], [1, Number.MAX_SAFE_INTEGER], [2 ** 26, 2 ** 26],
  ];
  for (const [inputDim, outputDim] of cases) {
    const r = measure(() => new Embedding({ inputDim, outputDim }));
    assert.instance(r.error, ValueError, `${inputDim} × ${outputDim}`);
    assert.match(r.error!.message, `An embedding table of inputDim × outputDim = ${inputDim} × ${outputDim} float32 values needs ${inputDim * outputDim * 4} bytes`);
    assert.match(r.error!.message, /more than one WebAssembly memory can hold: 4294967296 bytes \(4 GiB\)/);
    assert.ok(r.ms < 500, `${inputDim} × ${outputDim}: refused in ${r.ms.toFixed(1)} ms`);
    assert.ok(r.arrayBuffers < 16 * MiB, `${inputDim} × ${outputDim}: ${r.arrayBuffers} bytes of ArrayBuffers allocated`);
  }
  // Checked before the initializer and the weights are even looked at.
  let initializerCalled = false;
  assertThrowsMessage(
    () => new Embedding({ inputDim: 2 ** 28, outputDim: 4, embeddingsInitializer: () => { initializerCalled = true; return []; } }),
    ValueError, /^An embedding table of inputDim × outputDim = 268435456 × 4/,
  );
  assert.not.ok(initializerCalled, "the initializer never ran");
});

limits("outputDim and inputDim 0, negative, fractional, non-finite, huge or not numbers: a ValueError naming the option", () => {
  const bad: unknown[] = [0, -1, -0, 0.5, 1.5, NaN, Infinity, -Infinity, 1e300, 2 ** 53, "64", "", null, true, [64], { valueOf: () => 64 }, 64n];
  for (const option of ["outputDim", "inputDim"] as const) {
    for (const value of bad) {
      const r = measure(() => new Embedding({ ...{ inputDim: 10, outputDim: 10 }, [option]: value } as never));
      assert.instance(r.error, ValueError, `${option}=${String(value)}`);
      assert.match(r.error!.message, new RegExp(`^${option} must be a positive integer\\. Received: ${option}=`));
      assert.ok(r.ms < 500);
    }
  }
  // A huge safe integer is a valid count but no table can hold it.
  assertThrowsMessage(() => new Embedding({ inputDim: 10, outputDim: 2 ** 40 }), ValueError, /^An embedding table of inputDim × outputDim = 10 × 1099511627776/);
});

limits("10^8-element typed input with outputDim 64 (25.6 GB of output): a RangeError before anything is allocated", () => {
  const layer = new Embedding({ inputDim: 1000, outputDim: 64 });
  const bytes = layer.memoryBytes;
  const n = 1e8;
  const message = /^A lookup of 100000000 indices needs 26400000000 bytes of scratch memory \(64 float32 outputs and one 8-byte index slot each\), but this layer's WebAssembly memory has room for \d+ positions beside its 1000 × 64 table \(4 GiB limit\)\. Split the batch\.$/;
  for (const data of [new Uint8Array(n), new Int32Array(n)]) {
    const r = measure(() => layer.call({ data, shape: [n] }));
    assert.instance(r.error, RangeError, data.constructor.name);
    assert.match(r.error!.message, message);
    assert.ok(r.ms < 1000, `${data.constructor.name}: refused in ${r.ms.toFixed(1)} ms`);
    assert.ok(r.arrayBuffers < 16 * MiB, `${data.constructor.name}: ${r.arrayBuffers} bytes allocated`);
    const out = new Float32Array(0);
    assertThrowsMessage(() => layer.callInto({ data, shape: [1e4, 1e4] }, out), ValueError, /^out must have 6400000000 elements for input of shape \[10000, 10000\] and outputDim 64/);
  }
  assertThrowsMessage(() => layer.indexBuffer(n), RangeError, message);
  assertThrowsMessage(() => layer.indexBuffer(Number.MAX_SAFE_INTEGER), RangeError, /^A lookup of 9007199254740991 indices needs/);
  assertThrowsMessage(() => layer.lookupBuffer([1e4, 1e4]), ValueError, /covers 100000000 indices, but no index slots were handed out/);
  // A shape that claims 10^8 positions over too little data is a ValueError, and a 0 in it makes any extent empty.
  assertThrowsMessage(() => layer.call({ data: new Int32Array(0), shape: [n] }), ValueError, "x.shape [100000000] holds 100000000 values, but x.data has 0. Received: x.shape=[100000000], x.data.length=0");
  assertThrowsMessage(() => layer.call({ data: [], shape: [2 ** 53 - 1, 2 ** 53 - 1] }), ValueError, /^x.shape \[9007199254740991, 9007199254740991\] holds 8\.1129638414606\d*e\+31 values, but x.data has 0/);
  assert.equal(layer.call({ data: [], shape: [n, 0, n] }).shape, [n, 0, n, 64]);
  assert.is(layer.memoryBytes, bytes, "no refusal grew the layer's memory");
  assert.equal(layer.call([999, 0]).shape, [2, 64], "the layer still works");
});

limits("10^8-element nested input (rows shared, so the input itself is small): refused at once without allocating", () => {
  // 10,000 references to one 10,000-element row: x has shape [10000, 10000] but takes ~80 KB.
  const layer = new Embedding({ inputDim: 10, outputDim: 64 });
  const row = new Array<number>(10_000).fill(1);
  const x = new Array<number[]>(10_000).fill(row);
  const r = measure(() => layer.call(x));
  assert.instance(r.error, RangeError);
  assert.match(r.error!.message, /^A lookup of 100000000 indices needs 26400000000 bytes/);
  assert.ok(r.arrayBuffers < 100 * MiB, `${(r.arrayBuffers / MiB).toFixed(0)} MiB of ArrayBuffers allocated before the refusal (after ${r.ms.toFixed(0)} ms)`);
  assert.ok(r.ms < 1000, `refused after ${r.ms.toFixed(0)} ms`);
});

limits("a deeply nested input (rank 100,000): a result or a ValueError, not the engine's stack overflow", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 2, weights: [[[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]] });
  let x: unknown = 3;
  for (let i = 0; i < 100_000; i++) x = [x];
  let result: { data: Float32Array; shape: number[] } | undefined;
  let caught: unknown;
  try {
    result = layer.call(x as never);
  } catch (e) {
    caught = e;
  }
  if (caught !== undefined) {
    assert.instance(caught, ValueError, `${(caught as Error).name}: ${(caught as Error).message}`);
  } else {
    assert.is(result!.shape.length, 100_001);
    assert.equal(Array.from(result!.data), [3, 3]);
  }
});

/** Runs tests/support/workers/hostile-input.ts <scenario> in a child process with a 64 MB heap and a time limit. */
function hostile(scenario: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  const script = fileURLToPath(new URL("../support/workers/hostile-input.ts", import.meta.url));
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ["--max-old-space-size=64", "--import", "tsx", script, scenario], { timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, signal: error?.signal ?? null, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

limits("an array that contains itself: a ValueError, no crash, no hang (child processes)", async () => {
  const scenarios = ["cyclic call", "cyclic computeMask", "cyclic callInto", "cyclic depth 2"];
  const runs = await Promise.all(scenarios.map(hostile));
  const failures: string[] = [];
  runs.forEach((r, i) => {
    const last = r.stdout.trim().split("\n").pop() ?? "";
    let outcome: { outcome?: string; name?: string; message?: string } = {};
    try {
      outcome = JSON.parse(last) as typeof outcome;
    } catch {
      // not JSON: the process died before printing
    }
    if (r.code !== 0 || outcome.outcome !== "error" || outcome.name !== "ValueError") {
      const why = r.signal ?? `exit code ${r.code}`;
      failures.push(`${scenarios[i]}: ${why} after ${r.ms.toFixed(0)} ms; ${outcome.outcome === undefined ? (r.stderr.split("\n").find((l) => /error/i.test(l)) ?? "no output") : `${outcome.name}: ${outcome.message}`}`);
    }
  });
  assert.equal(failures, [], failures.join("\n"));
});

// ---------------------------------------------------------------------------------------------
const views = suite("zero-copy views: valid, or detached (length 0), never stale");

interface HandedOut {
  kind: "index" | "output";
  view: Int32Array | Float32Array;
  /** When the view was handed out: its byte offset and element count. */
  offset: number;
  length: number;
}

/**
 * The rule for every view ever handed out: either detached (length 0, byteLength 0), or still a
 * view of the layer's live memory at the start of the region it was handed out for.
 */
function viewProblems(layer: Embedding, handed: readonly HandedOut[]): string[] {
  const m = layerMemory(layer);
  const problems: string[] = [];
  handed.forEach((h, i) => {
    if (h.view.length === 0) {
      if (h.view.byteLength !== 0) problems.push(`view ${i} (${h.kind}): length 0 but byteLength ${h.view.byteLength}`);
      return;
    }
    const region = h.kind === "index" ? m.indexPtr : m.outputPtr;
    const room = h.kind === "index" ? m.capacity : m.capacity * layer.outputDim;
    if (h.view.buffer !== m.memory.buffer) problems.push(`view ${i} (${h.kind}): attached to a buffer that is not the layer's memory`);
    else if (h.view.byteOffset !== region) problems.push(`view ${i} (${h.kind}): still attached (length ${h.view.length}) at byte ${h.view.byteOffset}, but the ${h.kind} region now starts at ${region}`);
    else if (h.view.length > room) problems.push(`view ${i} (${h.kind}): length ${h.view.length} past the region's ${room}`);
  });
  return problems;
}

views("without growth, views stay valid: the output view shows each later lookup's output", () => {
  const layer = guarded(40, 3);
  const idx = layer.indexBuffer(10);
  idx.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const out = layer.lookupBuffer(10);
  assertSameFloats(out, layer.call([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).data, "first lookup");
  layer.getWeights();
  layer.computeOutputShape([null, 3]);
  assert.is(out.length, 30);
  assertSameFloats(out.subarray(0, 6), layer.call([39, 0]).data, "the view sees the next lookup");
  assertSameFloats(out.subarray(0, 3), layer.callInto([7], new Float32Array(3)).data, "and callInto's");
  layer.indexBuffer(2);
  idx[0] = 11;
  idx[1] = 12;
  assertSameFloats(layer.lookupBuffer(2), rowTable(40, 3).subarray(33, 39), "indices written through the first view");
  assert.equal(viewProblems(layer, [{ kind: "index", view: idx, offset: idx.byteOffset, length: 10 }, { kind: "output", view: out, offset: out.byteOffset, length: 30 }]), []);
});

views("a lookup that grows the memory detaches every earlier view (length 0); writes to it are lost, not misplaced", () => {
  const layer = guarded(40, 3);
  const idx = layer.indexBuffer(4);
  idx.set([1, 2, 3, 4]);
  const out = layer.lookupBuffer(4);
  const bytes = layer.memoryBytes;
  const y = layer.call({ data: new Int32Array(100_000).fill(39), shape: [100_000] });
  assert.ok(layer.memoryBytes > bytes, "memory grew");
  assert.is(out.length, 0);
  assert.is(out.byteLength, 0);
  assert.is(idx.length, 0);
  idx[0] = 5; // lost
  out[0] = 5; // lost
  let setError: unknown;
  try {
    out.set([1]);
  } catch (e) {
    setError = e;
  }
  assert.ok(setError instanceof TypeError || setError instanceof RangeError, "set() on a detached view fails loudly");
  assertSameFloats(y.data.subarray(0, 3), rowTable(40, 3).subarray(117, 120), "the growing lookup's result");
  assert.equal(brokenGuards(layer), []);
  assert.equal(viewProblems(layer, [{ kind: "index", view: idx, offset: 0, length: 4 }, { kind: "output", view: out, offset: 0, length: 12 }]), []);
});

views("a lookup larger than any before that fits in the memory's last page still never leaves a stale view", () => {
  // A 10 × 1 layer's memory has tens of kilobytes of slack in its last page: a lookup of 300 > 256
  // positions moves the output region without growing the memory.
  const layer = new Embedding({ inputDim: 10, outputDim: 1, weights: [Array.from({ length: 10 }, (_, i) => [i + 0.5])] });
  const idx = layer.indexBuffer(4);
  idx.set([1, 2, 3, 4]);
  const out = layer.lookupBuffer(4);
  const handed: HandedOut[] = [{ kind: "index", view: idx, offset: idx.byteOffset, length: 4 }, { kind: "output", view: out, offset: out.byteOffset, length: 4 }];
  layer.call(new Int32Array(300).fill(7));
  // Valid would mean: the view shows the new output (7.5, …); otherwise it must be detached.
  assert.equal(viewProblems(layer, handed), []);
  if (out.length > 0) assertSameFloats(out, [7.5, 7.5, 7.5, 7.5], "a view that stays attached shows the latest output");
});

views("scratch growth (applyConstraint, regularizationLoss) detaches views or keeps them valid", () => {
  // MaxNorm on axis 0 needs 12 bytes of scratch per column: 240 KB for 20,000 columns.
  const layer = new Embedding({ inputDim: 2, outputDim: 20_000, embeddingsRegularizer: "l2", embeddingsConstraint: { className: "MaxNorm", config: { axis: 0, maxValue: 1e6 } } });
  const idx = layer.indexBuffer(8);
  idx.set([0, 1, 1, 0, 0, 1, 1, 0]);
  const out = layer.lookupBuffer(8);
  const expected = out.slice();
  const handed: HandedOut[] = [{ kind: "index", view: idx, offset: idx.byteOffset, length: 8 }, { kind: "output", view: out, offset: out.byteOffset, length: 8 * 20_000 }];
  layer.regularizationLoss();
  assert.equal(viewProblems(layer, handed), []);
  const bytes = layer.memoryBytes;
  layer.applyConstraint();
  assert.ok(layer.memoryBytes > bytes, "the constraint's scratch grew the memory");
  assert.equal(viewProblems(layer, handed), []);
  assert.is(out.length, 0, "growth detached the output view");
  assert.is(expected.length, 8 * 20_000);
});

views("random operation sequences (1,000 cases): no view is ever stale", () => {
  type Op =
    | { op: "call"; n: number; bad: boolean }
    | { op: "callInto"; n: number }
    | { op: "indexBuffer"; n: number }
    | { op: "lookupBuffer" }
    | { op: "getWeights" | "setWeights" | "regularizationLoss" | "applyConstraint" | "computeMask" };
  const nArb = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(255, 256, 257, 511, 512, 513, 1024, 4096, 20_000));
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant("call" as const), n: nArb, bad: fc.boolean() }),
    fc.record({ op: fc.constant("callInto" as const), n: nArb }),
    fc.record({ op: fc.constant("indexBuffer" as const), n: nArb }),
    fc.record({ op: fc.constant("lookupBuffer" as const) }),
    fc.record({ op: fc.constantFrom("getWeights" as const, "setWeights" as const, "regularizationLoss" as const, "applyConstraint" as const, "computeMask" as const) }),
  );
  const arb = fc.record({
    inputDim: fc.constantFrom(1, 10, 100, 300),
    outputDim: fc.constantFrom(1, 3, 8, 64),
    ops: fc.array(opArb, { minLength: 1, maxLength: 12 }),
  });
  runProperty(
    "view sequences",
    arb,
    ({ inputDim, outputDim, ops }) => {
      const layer = new Embedding({
        inputDim, outputDim, maskZero: true,
        embeddingsRegularizer: "orthogonal_regularizer",
        embeddingsConstraint: { className: "UnitNorm", config: { axis: 0 } },
      });
      const handed: HandedOut[] = [];
      let buffered = 0;
      /** The output region's expected prefix since the last successful lookup. */
      let lastOutput: Float32Array | undefined;
      try {
        for (const [step, o] of ops.entries()) {
          const x = (n: number) => Int32Array.from({ length: n }, (_, i) => (i * 31) % inputDim);
          switch (o.op) {
            case "call": {
              const data = x(o.n);
              if (o.bad && o.n > 0) data[o.n - 1] = inputDim;
              try {
                lastOutput = layer.call({ data, shape: [o.n] }).data;
              } catch (e) {
                if (!(o.bad && e instanceof RangeError)) throw e;
              }
              buffered = 0;
              break;
            }
            case "callInto":
              lastOutput = layer.callInto(x(o.n), new Float32Array(o.n * outputDim)).data;
              buffered = 0;
              break;
            case "indexBuffer": {
              const v = layer.indexBuffer(o.n);
              v.set(x(o.n));
              buffered = o.n;
              handed.push({ kind: "index", view: v, offset: v.byteOffset, length: v.length });
              break;
            }
            case "lookupBuffer": {
              if (buffered === 0) continue;
              const v = layer.lookupBuffer(buffered);
              lastOutput = v.slice();
              buffered = 0;
              handed.push({ kind: "output", view: v, offset: v.byteOffset, length: v.length });
              break;
            }
            case "getWeights":
              layer.getWeights();
              break;
            case "setWeights":
              layer.setWeights([{ data: rowTable(inputDim, outputDim), shape: [inputDim, outputDim] }]);
              break;
            case "regularizationLoss":
              layer.regularizationLoss();
              break;
            case "applyConstraint":
              layer.applyConstraint();
              break;
            case "computeMask":
              layer.computeMask([0, 1]);
              break;
          }
          const problems = viewProblems(layer, handed);
          if (problems.length > 0) fail(`after step ${step} (${JSON.stringify(o)}): ${problems.join("; ")}`);
          // An attached output view shows the region, which holds the latest lookup's output.
          for (const h of handed) {
            if (h.kind !== "output" || h.view.length === 0 || lastOutput === undefined) continue;
            const k = Math.min(h.view.length, lastOutput.length);
            for (let i = 0; i < k; i++) {
              if (!Object.is(h.view[i], lastOutput[i])) fail(`after step ${step} (${JSON.stringify(o)}): attached output view [${i}] = ${h.view[i]}, the latest output has ${lastOutput[i]}`);
            }
          }
        }
      } finally {
        layer.dispose();
      }
    },
    1_000,
  );
});

views("the properties of this file run at least 4,000 fast-check cases", () => {
  if (PATH === undefined && RUNS_SCALE >= 1) assert.ok(runner.casesRun >= 4_000, `ran ${runner.casesRun}`);
  console.log(`  memory-safety.test.ts: ${runner.casesRun} fast-check cases, seed ${SEED}`);
});

guards.run();
sentinels.run();
atomic.run();
limits.run();
views.run();
