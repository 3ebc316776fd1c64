// The lookup against a plain-TypeScript reference over dims, dtypes, ranks and edge indices.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, type IndexArray } from "../../src/index.ts";
import { assertSameFloats, fixtureRandom, referenceGather } from "../support/helpers.ts";

// The widths users meet, every width with a straight-line kernel (multiples of 4 up to 64, 96, 128,
// 192: assembly/gather-widths.ts), the generic loop's odd widths, and memory.copy's wide rows.
const DIMS = [1, 3, 4, 13, 64, 300, 768, ...Array.from({ length: 15 }, (_, i) => 8 + 4 * i).filter((d) => d !== 64), 96, 128, 192, 100, 255, 256, 1024];

function randomShape(rnd: () => number, rank: number, maxSize: number): number[] {
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < rank; d++) {
    const extent = 1 + Math.floor(rnd() * Math.max(1, Math.min(7, maxSize / size)));
    shape.push(extent);
    size *= extent;
  }
  return shape;
}

function nest(values: number[], shape: number[]): unknown {
  if (shape.length === 0) return values[0];
  if (shape.length === 1) return values.slice(0, shape[0]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

const gather = suite("gather vs reference");

for (const dim of DIMS) {
  gather(`dim ${dim}: random shapes and ranks 0..4, nested arrays`, () => {
    const rnd = fixtureRandom(dim);
    const rows = 1 + Math.floor(rnd() * 500);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: { className: "RandomUniform", config: { seed: dim } } });
    const table = layer.getWeights()[0]!.data;
    for (let trial = 0; trial < 12; trial++) {
      const rank = trial % 5;
      const shape = randomShape(rnd, rank, 600);
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, () => Math.floor(rnd() * rows));
      // Always include the edges of the table.
      values[0] = 0;
      if (size > 1) values[size - 1] = rows - 1;
      const y = layer.call(nest(values, shape) as number);
      assert.equal(y.shape, [...shape, dim]);
      assertSameFloats(y.data, referenceGather(table, dim, values), `dim ${dim} shape [${shape}]`);
    }
    layer.dispose();
  });
}

const DTYPES: [string, (v: number[]) => IndexArray | number[]][] = [
  ["Int32Array", (v) => Int32Array.from(v)],
  ["Uint32Array", (v) => Uint32Array.from(v)],
  ["Int16Array", (v) => Int16Array.from(v)],
  ["Uint16Array", (v) => Uint16Array.from(v)],
  ["Uint8Array", (v) => Uint8Array.from(v)],
  ["Float32Array", (v) => Float32Array.from(v)],
  ["Float64Array", (v) => Float64Array.from(v)],
  ["BigInt64Array", (v) => BigInt64Array.from(v.map(BigInt))],
  ["BigUint64Array", (v) => BigUint64Array.from(v.map(BigInt))],
  ["number[]", (v) => v],
];

const dtypes = suite("index dtypes");
for (const [name, make] of DTYPES) {
  dtypes(`${name} as { data, shape } and rank-1 typed array`, () => {
    const rnd = fixtureRandom(name.length * 7);
    const rows = 200;
    const dim = 13;
    const layer = new Embedding({ inputDim: rows, outputDim: dim });
    const table = layer.getWeights()[0]!.data;
    const values = Array.from({ length: 6 * 37 }, () => Math.floor(rnd() * rows));
    const y = layer.call({ data: make(values), shape: [6, 37] });
    assert.equal(y.shape, [6, 37, dim]);
    assertSameFloats(y.data, referenceGather(table, dim, values), name);
    const data = make(values);
    if (!Array.isArray(data)) {
      const z = layer.call(data);
      assert.equal(z.shape, [values.length, dim]);
      assertSameFloats(z.data, y.data, `${name} rank 1`);
    }
  });
}

dtypes("float indices truncate toward zero, including -0.4 and -0", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 4 });
  const table = layer.getWeights()[0]!.data;
  const raw = [2.7, 1.2, 0.9, -0.4, -0, 4.999, 3.0000001];
  for (const data of [Float64Array.from(raw), Float32Array.from(raw), raw]) {
    const y = layer.call({ data, shape: [raw.length] });
    assertSameFloats(y.data, referenceGather(table, 4, [2, 1, 0, 0, 0, 4, 3]), data.constructor.name);
  }
});

dtypes("long inputs cross the SIMD blocks of the check and conversion kernels", () => {
  const rows = 1000;
  const layer = new Embedding({ inputDim: rows, outputDim: 3 });
  const table = layer.getWeights()[0]!.data;
  const rnd = fixtureRandom(99);
  for (const n of [1, 3, 4, 5, 15, 16, 17, 31, 33, 1000, 4099]) {
    const values = Array.from({ length: n }, () => Math.floor(rnd() * rows));
    const y = layer.call(Float64Array.from(values));
    assertSameFloats(y.data, referenceGather(table, 3, values), `n=${n}`);
  }
});

const empty = suite("empty and duplicate inputs");
empty("empty inputs give empty outputs with the right shape", () => {
  const layer = new Embedding({ inputDim: 10, outputDim: 4 });
  assert.equal(layer.call([]).shape, [0, 4]);
  assert.is(layer.call([]).data.length, 0);
  assert.equal(layer.call([[], []]).shape, [2, 0, 4]);
  assert.equal(layer.call({ data: new Int32Array(0), shape: [3, 0] }).shape, [3, 0, 4]);
});
empty("duplicate indices repeat the row", () => {
  const layer = new Embedding({ inputDim: 10, outputDim: 5 });
  const table = layer.getWeights()[0]!.data;
  const y = layer.call([7, 7, 7, 0, 7]);
  assertSameFloats(y.data, referenceGather(table, 5, [7, 7, 7, 0, 7]));
});
empty("call returns a fresh copy each time", () => {
  const layer = new Embedding({ inputDim: 10, outputDim: 5 });
  const a = layer.call([1, 2]);
  const before = a.data.slice();
  layer.call([3, 4]);
  assertSameFloats(a.data, before, "earlier result unchanged by a later call");
  a.data.fill(9);
  assert.not.equal(Array.from(layer.call([1, 2]).data), Array.from(a.data));
});

empty("large results (above 1 MiB, uninitialized in Node) are exact copies, each on an ArrayBuffer of its own that can be transferred", () => {
  // 1000 × 300 table, 1200 positions: 1.44 MB of output; getWeights: 1.2 MB.
  const layer = new Embedding({ inputDim: 1000, outputDim: 300, embeddingsInitializer: { className: "RandomUniform", config: { seed: 5 } } });
  const table = layer.getWeights()[0]!.data;
  const rnd = fixtureRandom(1200);
  const idx = Array.from({ length: 1200 }, () => Math.floor(rnd() * 1000));
  const results = [layer.call(idx).data, layer.call({ data: Int32Array.from(idx), shape: [40, 30] }).data, table];
  for (const [i, data] of results.entries()) {
    assert.is(data.byteOffset, 0, `result ${i}: byteOffset`);
    assert.is(data.buffer.byteLength, data.byteLength, `result ${i}: its buffer holds exactly the result`);
  }
  assert.is.not(results[0]!.buffer, results[1]!.buffer, "two calls, two buffers");
  assertSameFloats(results[0]!, referenceGather(table, 300, idx), "call");
  assertSameFloats(results[1]!, referenceGather(table, 300, idx), "call, { data, shape }");
  // Transferring a result's buffer moves it alone: the other results are untouched.
  const expected = results[1]!.slice();
  const moved = structuredClone(results[0]!, { transfer: [results[0]!.buffer] });
  assert.is(results[0]!.length, 0, "the transferred result is detached");
  assertSameFloats(moved, referenceGather(table, 300, idx), "the transferred copy");
  assertSameFloats(results[1]!, expected, "another result is unaffected");
  assertSameFloats(layer.getWeights()[0]!.data, table, "getWeights again");
});

const far = suite("tables larger than 16 MiB (rows read ahead a chunk at a time)");

// Widths on each of the gather's paths for such tables: one float, straight-line widths (aligned
// rows of 64 floats), rows whose lines the touching must cover with a step at their last byte (13
// and 300 floats), and rows wider than one chunk (9000 floats: one row per chunk).
for (const dim of [1, 13, 64, 300, 9000]) {
  far(`dim ${dim}: call, callInto and lookupBuffer equal the reference across many chunks`, () => {
    const rows = Math.ceil((17 << 20) / (dim * 4));
    const table = new Float32Array(rows * dim);
    for (let i = 0; i < table.length; i++) table[i] = (i % 65521) - 32760.5;
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
    const rnd = fixtureRandom(dim + 17);
    const n = dim === 9000 ? 23 : 1037;
    const idx = Int32Array.from({ length: n }, (_, i) => (i === 0 ? rows - 1 : i === 1 ? 0 : Math.floor(rnd() * rows)));
    const expected = referenceGather(table, dim, idx);
    assertSameFloats(layer.call(idx).data, expected, "call");
    const out = new Float32Array(n * dim);
    assertSameFloats(layer.callInto(idx, out).data, expected, "callInto");
    layer.indexBuffer(n).set(idx);
    assertSameFloats(layer.lookupBuffer(n), expected, "lookupBuffer");
    layer.dispose();
  });
}

gather.run();
far.run();
dtypes.run();
empty.run();
