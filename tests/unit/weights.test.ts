// Weights: the `weights` option, setWeights / getWeights in every accepted form, exact errors,
// atomicity of a failed setWeights, copies, float64 rounding, and spec vector E1.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, type WeightTable } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage, referenceGather } from "../support/helpers.ts";

const table = (l: Embedding) => l.getWeights()[0]!.data;

/** A 10 × 4 table with distinct values: row r, column c holds r + c / 10. */
function distinct(rows = 10, cols = 4): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[r * cols + c] = r + c / 10;
  return t;
}

function nested(data: ArrayLike<number>, cols: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < data.length; i += cols) rows.push(Array.from(data).slice(i, i + cols));
  return rows;
}

// ---------------------------------------------------------------------------------------------
const getW = suite("getWeights");

getW("one table, Float32Array, shape [inputDim, outputDim]", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  const w = l.getWeights();
  assert.is(w.length, 1);
  assert.instance(w[0]!.data, Float32Array);
  assert.is(w[0]!.data.length, 40);
  assert.equal(w[0]!.shape, [10, 4]);
});

getW("returns a copy: mutating it (data or shape) leaves the layer unchanged", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, weights: [{ data: distinct(), shape: [10, 4] }] });
  const w = l.getWeights()[0]!;
  w.data.fill(-7);
  w.shape[0] = 99;
  assertSameFloats(table(l), distinct(), "table after mutating a copy");
  assert.equal(l.getWeights()[0]!.shape, [10, 4]);
  assert.equal(Array.from(l.call([3]).data), Array.from(distinct().subarray(12, 16)));
  // Two calls give two distinct buffers.
  assert.is.not(l.getWeights()[0]!.data.buffer, l.getWeights()[0]!.data.buffer);
});

getW("the copy is not a view of WebAssembly memory: later setWeights does not change it", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, weights: [{ data: distinct(), shape: [10, 4] }] });
  const before = l.getWeights()[0]!.data;
  l.setWeights([{ data: new Float32Array(40).fill(3), shape: [10, 4] }]);
  assertSameFloats(before, distinct(), "old copy");
  assertSameFloats(table(l), new Float32Array(40).fill(3), "new table");
});

// ---------------------------------------------------------------------------------------------
const setW = suite("setWeights: accepted forms");

const FORMS: [string, (t: Float32Array) => WeightTable | readonly WeightTable[]][] = [
  ["[{ data: Float32Array, shape }]", (t) => [{ data: t.slice(), shape: [10, 4] }]],
  ["{ data: Float32Array, shape } (bare)", (t) => ({ data: t.slice(), shape: [10, 4] })],
  ["[{ data: number[], shape }]", (t) => [{ data: Array.from(t), shape: [10, 4] }]],
  ["[{ data: Float64Array, shape }]", (t) => [{ data: Float64Array.from(t), shape: [10, 4] }]],
  ["[number[][]]", (t) => [nested(t, 4)]],
  ["number[][] (bare)", (t) => nested(t, 4)],
];

for (const [what, make] of FORMS) {
  setW(`${what} replaces the table, and lookups return the new rows`, () => {
    const l = new Embedding({ inputDim: 10, outputDim: 4 });
    const t = distinct();
    l.setWeights(make(t));
    assertSameFloats(table(l), t, "table");
    const x = [9, 0, 4, 4, 7];
    assertSameFloats(l.call(x).data, referenceGather(t, 4, x), "lookup");
  });
  setW(`${what} as the weights option`, () => {
    const t = distinct();
    const l = new Embedding({ inputDim: 10, outputDim: 4, weights: make(t) });
    assertSameFloats(table(l), t, "table");
    assertSameFloats(l.call([[1, 8]]).data, referenceGather(t, 4, [1, 8]), "lookup");
  });
}

setW("spec vector E1: W = [[0,0],[2,2],[3,3]], x = [2,1,0] → [[3,3],[2,2],[0,0]]", () => {
  const l = new Embedding({ inputDim: 3, outputDim: 2 });
  l.setWeights([[[0, 0], [2, 2], [3, 3]]]);
  const y = l.call([2, 1, 0]);
  assert.equal(y.shape, [3, 2]);
  assert.equal(Array.from(y.data), [3, 3, 2, 2, 0, 0]);
  // Same through the weights option.
  const o = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[0, 0], [2, 2], [3, 3]]] });
  assert.equal(Array.from(o.call([2, 1, 0]).data), [3, 3, 2, 2, 0, 0]);
});

setW("float64 values are rounded to float32 (as Math.fround)", () => {
  const values = [0.1, 1 / 3, -2 / 7, 1e-46, 3.4e39, -3.4e39, 16777217, Math.PI, 1e-40, -0.30000000000000004];
  const l = new Embedding({ inputDim: 5, outputDim: 2 });
  const expected = values.map(Math.fround);
  for (const data of [Float64Array.from(values), values]) {
    l.setWeights([{ data, shape: [5, 2] }]);
    assertSameFloats(table(l), expected, "table");
    assertSameFloats(l.call([1, 2]).data, expected.slice(2, 6), "lookup");
  }
  l.setWeights([nested(values, 2)]);
  assertSameFloats(table(l), expected, "nested table");
  // Spot checks that rounding really happened.
  assert.is(table(l)[0], Math.fround(0.1));
  assert.is.not(table(l)[0], 0.1);
  assert.is(table(l)[4], Infinity);
  assert.is(table(l)[3], 0);
});

setW("NaN and ±Infinity are stored as given", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, weights: [[[NaN, Infinity], [-Infinity, -0]]] });
  const t = table(l);
  assert.ok(Number.isNaN(t[0]));
  assert.is(t[1], Infinity);
  assert.is(t[2], -Infinity);
  assert.ok(Object.is(t[3], -0), "-0 kept");
});

setW("the layer keeps its own copy: mutating the source afterwards has no effect", () => {
  const src = distinct();
  const rows = nested(src, 4);
  const a = new Embedding({ inputDim: 10, outputDim: 4, weights: [{ data: src, shape: [10, 4] }] });
  const b = new Embedding({ inputDim: 10, outputDim: 4 });
  b.setWeights([rows]);
  src.fill(0);
  rows[0]![0] = 100;
  assertSameFloats(table(a), distinct(), "weights option");
  assertSameFloats(table(b), distinct(), "setWeights");
});

setW("setWeights then getWeights round trip, repeatedly", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  const a = table(l);
  const other = new Embedding({ inputDim: 10, outputDim: 4 });
  other.setWeights(l.getWeights());
  assertSameFloats(table(other), a, "copied into another layer");
  l.setWeights([{ data: distinct(), shape: [10, 4] }]);
  l.setWeights(other.getWeights());
  assertSameFloats(table(l), a, "back to the original");
});

setW("setWeights does not change the config", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, embeddingsInitializer: "ones" });
  const config = l.getConfig();
  l.setWeights([{ data: distinct(), shape: [10, 4] }]);
  assert.equal(l.getConfig(), config);
});

// ---------------------------------------------------------------------------------------------
const errors = suite("setWeights / weights: errors, and a failed setWeights changes nothing");

/** Runs a failing setWeights and checks the table is byte-for-byte what it was. */
function refusedIntact(l: Embedding, weights: unknown, message: string): void {
  const before = new Uint8Array(table(l).buffer).slice();
  assertThrowsMessage(() => l.setWeights(weights as WeightTable[]), ValueError, message);
  assert.equal(new Uint8Array(table(l).buffer), before, "table bytes unchanged");
}

errors("wrong shape names the layer and both shapes", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, name: "emb_w1" });
  refusedIntact(l, [{ data: new Float32Array(12), shape: [3, 4] }], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [3, 4].');
  refusedIntact(l, [{ data: new Float32Array(40), shape: [4, 10] }], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [4, 10].');
  refusedIntact(l, [{ data: new Float32Array(40), shape: [40] }], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [40].');
  refusedIntact(l, [{ data: new Float32Array(40), shape: [10, 4, 1] }], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [10, 4, 1].');
  refusedIntact(l, [nested(new Float32Array(44), 4)], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [11, 4].');
  refusedIntact(l, [nested(new Float32Array(50), 5)], 'Layer "emb_w1" weight shape [10, 4] is not compatible with provided weight shape [10, 5].');
});

errors("wrong number of weights", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, name: "emb_w2" });
  const t = { data: new Float32Array(40), shape: [10, 4] };
  refusedIntact(l, [t, t], 'You called setWeights(weights) on layer "emb_w2" with a weight list of length 2, but the layer was expecting 1 weights.');
  refusedIntact(l, [], 'You called setWeights(weights) on layer "emb_w2" with a weight list of length 0, but the layer was expecting 1 weights.');
  refusedIntact(l, [nested(new Float32Array(40), 4), nested(new Float32Array(40), 4), t], 'You called setWeights(weights) on layer "emb_w2" with a weight list of length 3, but the layer was expecting 1 weights.');
});

errors("data length not matching the table's shape", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, name: "emb_w3" });
  refusedIntact(l, [{ data: new Float32Array(39), shape: [10, 4] }], "weights[0].shape [10, 4] holds 40 values, but weights[0].data has 39.");
  refusedIntact(l, [{ data: new Array<number>(41).fill(0), shape: [10, 4] }], "weights[0].shape [10, 4] holds 40 values, but weights[0].data has 41.");
});

errors("data of another type, or holding non-numbers", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, name: "emb_w4" });
  refusedIntact(
    l,
    [{ data: new Int32Array(4), shape: [2, 2] }],
    "weights[0].data must be a Float32Array, a Float64Array or an array of numbers. Received: Int32Array(4) (of type Int32Array)",
  );
  refusedIntact(
    l,
    [{ data: [1, 2, "3", 4], shape: [2, 2] }],
    'weights[0].data[2] must be a number. Received: "3" (of type string)',
  );
});

errors("malformed shapes and tables", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, name: "emb_w5" });
  refusedIntact(l, [{ data: new Float32Array(4), shape: [2, -2] }], "weights[0].shape must be an array of non-negative integers. Received: [2,-2]");
  refusedIntact(l, [{ data: new Float32Array(4), shape: "2,2" }], 'weights[0].shape must be an array of non-negative integers. Received: "2,2"');
  refusedIntact(l, [[[1, 2], [3]]], "weights[0] is ragged: row 1 has 1 values, row 0 has 2.");
  refusedIntact(l, [[[1, 2], [3, "4"]]], 'weights[0][1][1] must be a number. Received: "4" (of type string)');
  refusedIntact(l, [null], "weights[0] must be { data, shape } or a nested number[][]. Received: null (of type null)");
  refusedIntact(l, [new Float32Array(4)], "weights[0] must be { data, shape } or a nested number[][]. Received: Float32Array(4) (of type Float32Array)");
  refusedIntact(l, "table", 'weights must be a list holding one table ({ data, shape } or number[][]). Received: weights="table" (of type string)');
});

errors("a partially valid table is refused before anything is written", () => {
  // A ragged last row: a non-atomic implementation would have copied the earlier rows.
  const l = new Embedding({ inputDim: 3, outputDim: 2, name: "emb_w6", weights: [[[1, 1], [2, 2], [3, 3]]] });
  refusedIntact(l, [[[9, 9], [9, 9], [9]]], "weights[0] is ragged: row 2 has 1 values, row 0 has 2.");
  assert.equal(Array.from(table(l)), [1, 1, 2, 2, 3, 3]);
});

errors("the weights option is checked like setWeights, with the same messages", () => {
  assertThrowsMessage(
    () => new Embedding({ inputDim: 10, outputDim: 4, name: "emb_w7", weights: [{ data: new Float32Array(12), shape: [3, 4] }] }),
    ValueError,
    'Layer "emb_w7" weight shape [10, 4] is not compatible with provided weight shape [3, 4].',
  );
  const t = { data: new Float32Array(40), shape: [10, 4] };
  assertThrowsMessage(
    () => new Embedding({ inputDim: 10, outputDim: 4, name: "emb_w8", weights: [t, t] }),
    ValueError,
    'You called setWeights(weights) on layer "emb_w8" with a weight list of length 2, but the layer was expecting 1 weights.',
  );
});

errors("setWeights on a disposed layer throws, as does getWeights", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, name: "emb_w9" });
  l.dispose();
  const message = 'Embedding layer "emb_w9" has been disposed and cannot be used any more.';
  assertThrowsMessage(() => l.setWeights([[[1, 2], [3, 4]]]), Error, message);
  assertThrowsMessage(() => l.getWeights(), Error, message);
});

getW.run();
setW.run();
errors.run();
