// The gather kernels of quantized and 16-bit tables have several paths per row: unrolled and
// single vector loops, a 4-wide step, a scalar tail, and plain fallbacks (a multiplier that cannot
// be pre-divided by 2^24 exactly, a zero point outside Keras' range, a float16 row holding an
// infinity or a NaN). These tests set the variables directly (every nibble, extreme scales,
// special halves) at widths around every step, and compare each output's bits with a plain
// TypeScript evaluation of the formula.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding } from "../../src/index.ts";
import { fixtureRandom } from "../support/helpers.ts";

const f = Math.fround;
/** Widths around the vector steps: 4, 8, 16, 32 and 64 columns, plus wide and odd ones. */
const WIDTHS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 31, 32, 33, 36, 40, 47, 63, 64, 65, 66, 95, 96, 97, 127, 128, 129, 130, 160, 300];

/** Float32 bit patterns of `values` (NaN payloads kept). */
const bitsOf = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = bitsOf(actual), e = bitsOf(expected);
  const at = a.findIndex((bits, i) => bits !== e[i]);
  if (at >= 0) assert.unreachable(`${what}: element ${at} has bits ${a[at]!.toString(16)} (${actual[at]}), expected ${e[at]!.toString(16)} (${expected[at]})`);
  assert.is(a.length, e.length, what);
}

/** Every row once, in a scrambled order, then a few repeated: rows = the table's row count. */
function lookupOrder(rows: number): number[] {
  return [...Array.from({ length: rows }, (_, r) => (r * 7 + 3) % rows), 0, rows - 1, 0];
}

/** A signed nibble of a packed row (column j: low nibble of byte j / 2 when j is even). */
const nibbleOf = (packed: Int8Array, rowBytes: number, r: number, j: number) => {
  const byte = packed[r * rowBytes + (j >> 1)]!;
  return j & 1 ? byte >> 4 : (byte << 28) >> 28;
};

/** Keras' value of q with one scale per row: times the scale's reciprocal (XLA's rewrite of the division), or divided by it in a one-column table. */
const perRow = (q: number, scale: number, dim: number) => (dim === 1 ? f(q / scale) : f(q * f(1 / scale)));

/**
 * Scales that exercise each path: ordinary ones; reciprocals on both sides of the smallest that
 * can be pre-divided by 2^24 (2^-102) and by 2^28 (2^-98); subnormal, zero, infinite and NaN ones.
 */
function scaleFor(r: number, random: () => number): number {
  const special = [1.5e30, 3e38, 0, Infinity, NaN, -2.5, 2 ** 126, 2 ** 98, 2 ** 99, 2 ** 102, 2 ** 103, -(2 ** 99)];
  return r < special.length ? special[r]! : f((random() + 0.05) * 40);
}

test("int8 lookups: every byte value, ordinary and extreme scales, at widths around every step", () => {
  const random = fixtureRandom(11);
  for (const dim of WIDTHS) {
    const rows = 16;
    const q = Int8Array.from({ length: rows * dim }, (_, i) => ((i * 37 + dim) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, (_, r) => scaleFor(r, random));
    const layer = new Embedding({ inputDim: rows, outputDim: dim });
    layer.quantize("int8");
    layer.setWeights([{ data: q, shape: [rows, dim] }, { data: scale, shape: [rows] }]);
    const ids = lookupOrder(rows);
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expected[i * dim + j] = perRow(q[r * dim + j]!, scale[r]!, dim);
    });
    assertSameBits(layer.call(ids).data, expected, `int8 dim ${dim}`);
  }
});

test("int4 per-row lookups: every nibble (negative ones included), ordinary and extreme scales", () => {
  const random = fixtureRandom(12);
  for (const dim of WIDTHS) {
    const rows = 16;
    const rowBytes = (dim + 1) >> 1;
    const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 53 + dim) % 256) - 128);
    // Keras pads an odd row's last byte with a zero high nibble.
    if (dim & 1) for (let r = 0; r < rows; r++) packed[r * rowBytes + rowBytes - 1]! &= 0x0f;
    const scale = Float32Array.from({ length: rows }, (_, r) => scaleFor(r, random));
    const layer = new Embedding({ inputDim: rows, outputDim: dim });
    layer.quantize("int4", { blockSize: -1 });
    layer.setWeights([{ data: packed, shape: [rows, rowBytes] }, { data: scale, shape: [rows] }]);
    const ids = lookupOrder(rows);
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expected[i * dim + j] = perRow(nibbleOf(packed, rowBytes, r, j), scale[r]!, dim);
    });
    assertSameBits(layer.call(ids).data, expected, `int4 dim ${dim}`);
  }
});

test("grouped int4 lookups: block sizes even, odd and wider than the row, the last partial group, zero points at and beyond Keras' range, extreme steps", () => {
  const random = fixtureRandom(13);
  const zeroPoints = [-8, 7, 0, -3, 100, -128, 127];
  for (const dim of WIDTHS) {
    for (const block of [5, 16, 33, 64, 128]) {
      const rows = 10;
      const rowBytes = (dim + 1) >> 1;
      const groups = Math.ceil(dim / block);
      const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 29 + block) % 256) - 128);
      if (dim & 1) for (let r = 0; r < rows; r++) packed[r * rowBytes + rowBytes - 1]! &= 0x0f;
      const steps = Float32Array.from({ length: rows * groups }, (_, i) => (i % 9 === 4 ? [1e-35, 0, Infinity, 2 ** -102, 2 ** -103][i % 5]! : f((random() + 0.01) / 3)));
      const zeros = Int8Array.from({ length: rows * groups }, (_, i) => zeroPoints[(i * 3) % zeroPoints.length]!);
      const gIdx = Float32Array.from({ length: dim }, (_, j) => Math.floor(j / block));
      const layer = new Embedding({ inputDim: rows, outputDim: dim });
      layer.quantize("int4", { blockSize: block });
      layer.setWeights([
        { data: packed, shape: [rows, rowBytes] },
        { data: steps, shape: [rows, groups] },
        { data: zeros, shape: [rows, groups] },
        { data: gIdx, shape: [dim] },
      ]);
      const ids = lookupOrder(rows);
      const expected = new Float32Array(ids.length * dim);
      ids.forEach((r, i) => {
        for (let j = 0; j < dim; j++) {
          const g = r * groups + Math.floor(j / block);
          expected[i * dim + j] = f((nibbleOf(packed, rowBytes, r, j) - zeros[g]!) * steps[g]!);
        }
      });
      assertSameBits(layer.call(ids).data, expected, `int4 block ${block} dim ${dim}`);
    }
  }
});

/** The float32 bits of a float16 pattern, in integer arithmetic (NaN payloads kept). */
function halfToSingleBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent === 0) return (sign | new Uint32Array(Float32Array.of(mantissa * 2 ** -24).buffer)[0]!) >>> 0;
  return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
}

test("float16 lookups: rows with and without infinities and NaNs, subnormals and signed zeros, at widths around every step", () => {
  const random = fixtureRandom(14);
  const specials = [0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7c01, 0xffff, 0x7fff];
  const edges = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x3c00];
  for (const dim of WIDTHS) {
    const rows = 14;
    const bits = Uint16Array.from({ length: rows * dim }, () => Math.floor(random() * 65536));
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < dim; j++) {
        const at = r * dim + j;
        // Rows 0-3 hold a special half (at the start, in the middle, at the end, and a whole row of them);
        // the others only finite values, some of them the edge cases.
        if (r === 3 || (r < 3 && j === [0, dim >> 1, dim - 1][r])) bits[at] = specials[(at + r) % specials.length]!;
        else if ((bits[at]! & 0x7c00) === 0x7c00) bits[at]! &= 0xbfff;
        else if (j % 5 === 2) bits[at] = edges[(at >> 1) % edges.length]!;
      }
    }
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: "float16", weights: [{ data: bits, shape: [rows, dim] }] });
    const ids = lookupOrder(rows);
    const expected = new Float32Array(ids.length * dim);
    const expectedBits = new Uint32Array(expected.buffer);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expectedBits[i * dim + j] = halfToSingleBits(bits[r * dim + j]!);
    });
    assertSameBits(layer.call(ids).data, expected, `float16 dim ${dim}`);
  }
});

test("bfloat16 lookups keep every bit pattern (NaN payloads too) at widths around every step", () => {
  const random = fixtureRandom(15);
  for (const dim of WIDTHS) {
    const rows = 6;
    const bits = Uint16Array.from({ length: rows * dim }, () => Math.floor(random() * 65536));
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: "bfloat16", weights: [{ data: bits, shape: [rows, dim] }] });
    const ids = lookupOrder(rows);
    const expected = new Float32Array(ids.length * dim);
    const expectedBits = new Uint32Array(expected.buffer);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expectedBits[i * dim + j] = (bits[r * dim + j]! << 16) >>> 0;
    });
    assertSameBits(layer.call(ids).data, expected, `bfloat16 dim ${dim}`);
  }
});


/**
 * The gathers read rows ahead only for tables over 256 KB (smaller ones stay cached): row counts on
 * both sides of that size at 64 columns, looked up in batches long enough for the read-ahead bursts
 * and their clamped end, give the same bits either way.
 */
test("lookups from tables on both sides of the read-ahead size (256 KB) keep the formula's bits", () => {
  const dim = 64;
  const random = fixtureRandom(19);
  const idsFor = (rows: number) => [...Array.from({ length: 45 }, (_, k) => (k * 613 + 5) % rows), rows - 1, rows - 2, 0];
  for (const rows of [4096, 4097]) {
    const q = Int8Array.from({ length: rows * dim }, (_, i) => ((i * 37) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, () => f((random() + 0.05) * 40));
    const layer = new Embedding({ inputDim: rows, outputDim: dim });
    layer.quantize("int8");
    layer.setWeights([{ data: q, shape: [rows, dim] }, { data: scale, shape: [rows] }]);
    const ids = idsFor(rows);
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expected[i * dim + j] = f(q[r * dim + j]! * f(1 / scale[r]!));
    });
    assertSameBits(layer.call(ids).data, expected, `int8 ${rows} rows`);
  }
  for (const rows of [8192, 8193]) {
    const rowBytes = dim / 2;
    const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 53) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, () => f((random() + 0.05) * 40));
    const perRow = new Embedding({ inputDim: rows, outputDim: dim });
    perRow.quantize("int4", { blockSize: -1 });
    perRow.setWeights([{ data: packed, shape: [rows, rowBytes] }, { data: scale, shape: [rows] }]);
    const steps = Float32Array.from({ length: rows }, () => f((random() + 0.01) / 3));
    const zeros = Int8Array.from({ length: rows }, (_, r) => (r % 16) - 8);
    const grouped = new Embedding({ inputDim: rows, outputDim: dim });
    grouped.quantize("int4", { blockSize: 128 });
    grouped.setWeights([
      { data: packed, shape: [rows, rowBytes] },
      { data: steps, shape: [rows, 1] },
      { data: zeros, shape: [rows, 1] },
      { data: new Float32Array(dim), shape: [dim] },
    ]);
    const ids = idsFor(rows);
    const expectedPerRow = new Float32Array(ids.length * dim);
    const expectedGrouped = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) {
        const nib = nibbleOf(packed, rowBytes, r, j);
        expectedPerRow[i * dim + j] = f(nib * f(1 / scale[r]!));
        expectedGrouped[i * dim + j] = f((nib - zeros[r]!) * steps[r]!);
      }
    });
    assertSameBits(perRow.call(ids).data, expectedPerRow, `int4 per-row ${rows} rows`);
    assertSameBits(grouped.call(ids).data, expectedGrouped, `int4 grouped ${rows} rows`);
  }
  for (const rows of [2048, 2049]) {
    const bits = Uint16Array.from({ length: rows * dim }, () => Math.floor(random() * 65536) & 0xbfff);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: "float16", weights: [{ data: bits, shape: [rows, dim] }] });
    const ids = idsFor(rows);
    const expected = new Float32Array(ids.length * dim);
    const expectedBits = new Uint32Array(expected.buffer);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expectedBits[i * dim + j] = halfToSingleBits(bits[r * dim + j]!);
    });
    assertSameBits(layer.call(ids).data, expected, `float16 ${rows} rows`);
  }
});

/**
 * Tables whose stored bytes pass 16 MiB are read a touched chunk of rows at a time (their rows, and
 * their scales, steps and zero points), each chunk then going through the same row code: lookups
 * of many chunks, the first and last rows included, keep the formula's bits.
 */
test("lookups from tables larger than 16 MiB (read in touched chunks) keep the formula's bits", () => {
  const random = fixtureRandom(20);
  const minRows = (rowBytes: number) => Math.ceil((17 << 20) / rowBytes);
  const idsFor = (rows: number) => [rows - 1, 0, ...Array.from({ length: 1500 }, () => Math.floor(random() * rows)), rows - 1];
  for (const dim of [64, 300]) {
    const rows = minRows(dim);
    const q = Int8Array.from({ length: rows * dim }, (_, i) => ((i * 37) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, () => f((random() + 0.05) * 40));
    const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: "zeros" });
    layer.quantize("int8");
    layer.setWeights([{ data: q, shape: [rows, dim] }, { data: scale, shape: [rows] }]);
    const ids = idsFor(rows);
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expected[i * dim + j] = perRow(q[r * dim + j]!, scale[r]!, dim);
    });
    assertSameBits(layer.call(ids).data, expected, `int8 ${rows} × ${dim}`);
    layer.dispose();
  }
  for (const [dim, block] of [[300, -1], [300, 32], [64, 128]] as const) {
    const rowBytes = (dim + 1) >> 1;
    const rows = minRows(rowBytes);
    const groups = block === -1 ? 1 : Math.ceil(dim / block);
    const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 53) % 256) - 128);
    const scale = Float32Array.from({ length: rows * groups }, () => f((random() + 0.05) * 40));
    const zeros = Int8Array.from({ length: rows * groups }, (_, i) => (i % 16) - 8);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: "zeros" });
    layer.quantize("int4", { blockSize: block });
    layer.setWeights(block === -1
      ? [{ data: packed, shape: [rows, rowBytes] }, { data: scale, shape: [rows] }]
      : [{ data: packed, shape: [rows, rowBytes] }, { data: scale, shape: [rows, groups] }, { data: zeros, shape: [rows, groups] }, { data: Float32Array.from({ length: dim }, (_, j) => Math.floor(j / block)), shape: [dim] }]);
    const ids = idsFor(rows);
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) {
        const nib = nibbleOf(packed, rowBytes, r, j);
        const g = r * groups + (block === -1 ? 0 : Math.floor(j / block));
        expected[i * dim + j] = block === -1 ? perRow(nib, scale[r]!, dim) : f((nib - zeros[g]!) * scale[g]!);
      }
    });
    assertSameBits(layer.call(ids).data, expected, `int4 block ${block} ${rows} × ${dim}`);
    layer.dispose();
  }
  for (const [dtype, dim] of [["float16", 300], ["bfloat16", 64]] as const) {
    const rows = minRows(dim * 2);
    const bits = Uint16Array.from({ length: rows * dim }, () => Math.floor(random() * 65536) & 0xbfff);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype, weights: [{ data: bits, shape: [rows, dim] }] });
    const ids = idsFor(rows);
    const expected = new Float32Array(ids.length * dim);
    const expectedBits = new Uint32Array(expected.buffer);
    ids.forEach((r, i) => {
      for (let j = 0; j < dim; j++) expectedBits[i * dim + j] = dtype === "float16" ? halfToSingleBits(bits[r * dim + j]!) : (bits[r * dim + j]! << 16) >>> 0;
    });
    assertSameBits(layer.call(ids).data, expected, `${dtype} ${rows} × ${dim}`);
    layer.dispose();
  }
});

/*
 * At 64 columns the gathers take rows through straight-line loops (assembly/rows-of-64.ts) while
 * they are on the fast path and hand the first row that is not back to the general loop, which then
 * returns to the straight-line loop for the rest. The tests below put rows that must leave the
 * fast path first, last, in pairs, alternating and alone in a batch, in small tables and in tables
 * just over the read-ahead size, and compare every bit with the formula.
 */
const DIM = 64;

/**
 * Batches over rows `slow` (which must leave the fast path; four or more) and `fast`: a slow row
 * first, a pair mid-batch and one last; only the last or only the first slow; all fast; all slow;
 * alternating; one row alone; and a long batch whose slow rows sit at and beside the read-ahead
 * bursts' positions (every eighth row).
 */
function batchesAround(slow: number[], fast: number[]): number[][] {
  const [s0, s1, s2, s3] = slow as [number, number, number, number];
  const long = Array.from({ length: 56 }, (_, i) => (i % 8 === 0 || i % 8 === 7 || i === 21 ? slow[i % slow.length]! : fast[i % fast.length]!));
  return [
    [s0, ...fast, s1, s2, ...fast.slice(0, 5), s3],
    [...fast, s0],
    [s1, ...fast],
    [...fast, ...fast, ...fast].slice(0, 40),
    [...slow],
    slow.flatMap((s, k) => [s, fast[k % fast.length]!]),
    [fast[0]!],
    [s0],
    long,
  ];
}

/** Looks up each of `batches` and compares its bits with rows of `reference` (rows × DIM float32s). */
function assertBatches(layer: Embedding, reference: Float32Array, batches: number[][], what: string): void {
  const referenceBits = new Uint32Array(reference.buffer);
  batches.forEach((ids, b) => {
    const expected = new Float32Array(ids.length * DIM);
    const expectedBits = new Uint32Array(expected.buffer);
    ids.forEach((r, i) => expectedBits.set(referenceBits.subarray(r * DIM, (r + 1) * DIM), i * DIM));
    assertSameBits(layer.call(ids).data, expected, `${what}, batch ${b} (${ids.length} rows)`);
  });
}

/** Row counts for the 64-column tests: a small table, and one just over the read-ahead size (256 KB) at `rowBytes`. */
const rowCountsFor = (rowBytes: number) => [24, Math.floor((256 << 10) / rowBytes) + 1];

/** The first rows are the slow ones; fast rows are spread over the rest of the table. */
function slowAndFast(rows: number, slowCount: number): { slow: number[]; fast: number[] } {
  const slow = Array.from({ length: slowCount }, (_, k) => k);
  const span = rows - slowCount;
  const fast = Array.from({ length: 13 }, (_, k) => slowCount + ((k * 613 + 5) % span));
  fast.push(rows - 1);
  return { slow, fast };
}

test("int8 lookups at 64 columns: every byte value, rows whose reciprocal cannot be pre-divided first, last and mid-batch", () => {
  const random = fixtureRandom(21);
  // Scales whose reciprocal is below 2^-102 (or zero) must take the plain path; 2^102 is the
  // smallest reciprocal that may not.
  const slowScales = [f(1.3 * 2 ** 103), 3e38, Infinity, -f(1.1 * 2 ** 105), 2 ** 126, -Infinity, f(1.7 * 2 ** 110)];
  const fastScales = [2 ** 102, 0, NaN, -2.5, 1e-30, -f(1.9 * 2 ** 101)];
  for (const rows of rowCountsFor(DIM)) {
    const { slow, fast } = slowAndFast(rows, slowScales.length);
    // Each four consecutive rows hold every byte value once.
    const q = Int8Array.from({ length: rows * DIM }, (_, i) => ((i * 37) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, () => f((random() + 0.05) * 40));
    slow.forEach((r, k) => (scale[r] = slowScales[k]!));
    fast.slice(0, fastScales.length).forEach((r, k) => (scale[r] = fastScales[k]!));
    // The rows of the batches between them hold every byte value.
    for (const r of [...slow, ...fast]) for (let j = 0; j < DIM; j++) q[r * DIM + j] = ((r * DIM + j) % 256) - 128;
    const reference = new Float32Array(rows * DIM);
    for (let r = 0; r < rows; r++) for (let j = 0; j < DIM; j++) reference[r * DIM + j] = f(q[r * DIM + j]! * f(1 / scale[r]!));
    const layer = new Embedding({ inputDim: rows, outputDim: DIM });
    layer.quantize("int8");
    layer.setWeights([{ data: q, shape: [rows, DIM] }, { data: scale, shape: [rows] }]);
    assertBatches(layer, reference, batchesAround(slow, fast), `int8, ${rows} rows`);
  }
});

test("int4 per-row lookups at 64 columns: every nibble, rows whose reciprocal cannot be pre-divided by 2^28 first, last and mid-batch", () => {
  const random = fixtureRandom(22);
  // Reciprocals below 2^-98 (or zero) must take the plain path; 2^-98 itself may not.
  const slowScales = [f(1.3 * 2 ** 99), 2 ** 99, Infinity, 3e38, -f(1.7 * 2 ** 100), 2 ** 103];
  const fastScales = [2 ** 98, 0, NaN, -2.5, f(1.9 * 2 ** 97)];
  const rowBytes = DIM / 2;
  for (const rows of rowCountsFor(rowBytes)) {
    const { slow, fast } = slowAndFast(rows, slowScales.length);
    // Every row holds each byte (so each pair of nibbles) of a run of 32, eight rows all 256.
    const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 53) % 256) - 128);
    const scale = Float32Array.from({ length: rows }, () => f((random() + 0.05) * 40));
    slow.forEach((r, k) => (scale[r] = slowScales[k]!));
    fast.slice(0, fastScales.length).forEach((r, k) => (scale[r] = fastScales[k]!));
    const reference = new Float32Array(rows * DIM);
    for (let r = 0; r < rows; r++) for (let j = 0; j < DIM; j++) reference[r * DIM + j] = f(nibbleOf(packed, rowBytes, r, j) * f(1 / scale[r]!));
    const layer = new Embedding({ inputDim: rows, outputDim: DIM });
    layer.quantize("int4", { blockSize: -1 });
    layer.setWeights([{ data: packed, shape: [rows, rowBytes] }, { data: scale, shape: [rows] }]);
    assertBatches(layer, reference, batchesAround(slow, fast), `int4 per row, ${rows} rows`);
  }
});

test("grouped int4 lookups at 64 columns (one group a row): every nibble, zero points beyond Keras' range and steps that cannot be pre-divided, first, last and mid-batch", () => {
  const random = fixtureRandom(23);
  // A zero point outside [-8, 7] or a step below 2^-102 must take the plain path.
  const slowGroups: [number, number][] = [[f(0.2), 8], [f(0.2), -9], [f(1.3 * 2 ** -103), 0], [0, -3], [1e-35, 7], [f(0.05), 100], [2 ** -103, -8], [f(0.3), -128]];
  const fastGroups: [number, number][] = [[2 ** -102, -8], [Infinity, 7], [NaN, 0], [f(-0.25), -1], [f(1.9 * 2 ** -101), 3]];
  const rowBytes = DIM / 2;
  for (const block of [64, 128]) {
    for (const rows of rowCountsFor(rowBytes)) {
      const { slow, fast } = slowAndFast(rows, slowGroups.length);
      const packed = Int8Array.from({ length: rows * rowBytes }, (_, i) => ((i * 29 + block) % 256) - 128);
      const steps = Float32Array.from({ length: rows }, () => f((random() + 0.01) / 3));
      const zeros = Int8Array.from({ length: rows }, (_, r) => (r % 16) - 8);
      slow.forEach((r, k) => ([steps[r], zeros[r]] = slowGroups[k]!));
      fast.slice(0, fastGroups.length).forEach((r, k) => ([steps[r], zeros[r]] = fastGroups[k]!));
      const reference = new Float32Array(rows * DIM);
      for (let r = 0; r < rows; r++) for (let j = 0; j < DIM; j++) reference[r * DIM + j] = f((nibbleOf(packed, rowBytes, r, j) - zeros[r]!) * steps[r]!);
      const layer = new Embedding({ inputDim: rows, outputDim: DIM });
      layer.quantize("int4", { blockSize: block });
      layer.setWeights([
        { data: packed, shape: [rows, rowBytes] },
        { data: steps, shape: [rows, 1] },
        { data: zeros, shape: [rows, 1] },
        { data: new Float32Array(DIM), shape: [DIM] },
      ]);
      assertBatches(layer, reference, batchesAround(slow, fast), `int4 block ${block}, ${rows} rows`);
    }
  }
});

test("float16 lookups at 64 columns: rows with an infinity or a NaN in any vector mixed with finite rows of subnormals, signed zeros and the largest halves", () => {
  const random = fixtureRandom(24);
  const specials = [0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7c01, 0xffff, 0x7fff];
  const edges = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x83ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x3c00];
  for (const rows of rowCountsFor(DIM * 2)) {
    // Slow rows: one special half in column 0, 63, 8, 31, 32, 57, 15 (each of the eight vectors'
    // first or last lane), and a whole row of them.
    const specialColumns = [0, 63, 8, 31, 32, 57, 15, 40];
    const { slow, fast } = slowAndFast(rows, specialColumns.length + 1);
    const bits = Uint16Array.from({ length: rows * DIM }, (_, i) => {
      const h = Math.floor(random() * 65536);
      // Finite everywhere; one column in three an edge case.
      return i % 3 === 1 ? edges[(i >> 1) % edges.length]! : (h & 0x7c00) === 0x7c00 ? h & 0xbfff : h;
    });
    specialColumns.forEach((j, k) => (bits[slow[k]! * DIM + j] = specials[k % specials.length]!));
    const whole = slow[specialColumns.length]!;
    for (let j = 0; j < DIM; j++) bits[whole * DIM + j] = specials[j % specials.length]!;
    const reference = new Float32Array(rows * DIM);
    const referenceBits = new Uint32Array(reference.buffer);
    for (let i = 0; i < rows * DIM; i++) referenceBits[i] = halfToSingleBits(bits[i]!);
    const layer = new Embedding({ inputDim: rows, outputDim: DIM, dtype: "float16", weights: [{ data: bits, shape: [rows, DIM] }] });
    assertBatches(layer, reference, batchesAround(slow, fast), `float16, ${rows} rows`);
  }
});

test("bfloat16 lookups at 64 columns keep every bit pattern, in small tables and past the read-ahead size", () => {
  const random = fixtureRandom(25);
  for (const rows of rowCountsFor(DIM * 2)) {
    const { slow, fast } = slowAndFast(rows, 4);
    const bits = Uint16Array.from({ length: rows * DIM }, () => Math.floor(random() * 65536));
    const reference = new Float32Array(rows * DIM);
    const referenceBits = new Uint32Array(reference.buffer);
    for (let i = 0; i < rows * DIM; i++) referenceBits[i] = (bits[i]! << 16) >>> 0;
    const layer = new Embedding({ inputDim: rows, outputDim: DIM, dtype: "bfloat16", weights: [{ data: bits, shape: [rows, DIM] }] });
    assertBatches(layer, reference, batchesAround(slow, fast), `bfloat16, ${rows} rows`);
  }
});

test.run();
