// Deterministic vectors from ../shared/spec/keras-embedding.md §10 (E1, E2, E4, E5, E7) and the
// seed example of the README.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertClose, assertSameFloats, assertThrowsMessage, fixtureRandom, flat, referenceGather } from "../support/helpers.ts";

const W = [[0, 0], [2, 2], [3, 3]];
const vectors = suite("spec vectors");

vectors("E1: lookup of [2, 1, 0]", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: W });
  const y = layer.call([2, 1, 0]);
  assert.equal(y.shape, [3, 2]);
  assertClose(y.data, [3, 3, 2, 2, 0, 0]);
});

vectors("E2: rank-3 input and a scalar", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: [W] });
  const y = layer.call([[[0, 1], [2, 2]], [[1, 0], [0, 2]]]);
  assert.equal(y.shape, [2, 2, 2, 2]);
  assertClose(y.data, flat([[[[0, 0], [2, 2]], [[3, 3], [3, 3]]], [[[2, 2], [0, 0]], [[0, 0], [3, 3]]]]));
  const s = layer.call(2);
  assert.equal(s.shape, [2]);
  assertClose(s.data, [3, 3]);
});

vectors("E4: float input is truncated, the mask uses raw values", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: W, maskZero: true });
  const x = { data: new Float32Array([2.7, 1.2, 0.9, -0.4]), shape: [4] };
  assertClose(layer.call(x).data, [3, 3, 2, 2, 0, 0, 0, 0]);
  const mask = layer.computeMask(x)!;
  assert.equal(mask.shape, [4]);
  assert.equal(Array.from(mask.data), [1, 1, 1, 1]);
});

vectors("E5: mask_zero", () => {
  const x = [[0, 3, 0], [1, 0, 2]];
  const masked = new Embedding({ inputDim: 4, outputDim: 2, maskZero: true });
  const mask = masked.computeMask(x)!;
  assert.equal(mask.shape, [2, 3]);
  assert.equal(Array.from(mask.data), [0, 1, 0, 1, 0, 1]);
  assert.is(new Embedding({ inputDim: 4, outputDim: 2 }).computeMask(x), null);
  // The mask does not change the lookup: row 0 is still looked up.
  const table = masked.getWeights()[0]!.data;
  assertSameFloats(masked.call(x).data, referenceGather(table, 2, flat(x)));
});

vectors("E7: computeOutputShape, with and without inputLength", () => {
  const D = 7;
  const plain = new Embedding({ inputDim: 5, outputDim: D });
  assert.equal(plain.computeOutputShape([null]), [null, D]);
  assert.equal(plain.computeOutputShape([2, 3]), [2, 3, D]);
  assert.equal(plain.computeOutputShape([]), [D]);
  assert.equal(plain.computeOutputShape([null, null, 5]), [null, null, 5, D]);
  const pair = new Embedding({ inputDim: 5, outputDim: D, inputLength: [null, 2] });
  assert.equal(pair.computeOutputShape([3, 4, 2]), [3, 4, 2, D]);
  const five = new Embedding({ inputDim: 5, outputDim: D, inputLength: 5 });
  assertThrowsMessage(() => five.computeOutputShape([null, 3]), ValueError, '"inputLength" is 5, but received input has shape [null, 3]');
  assert.equal(five.computeOutputShape([null, null]), [null, 5, D]);
  const tf = new Embedding({ inputDim: 5, outputDim: D, inputLength: [null, 4, 5] });
  assert.equal(tf.computeOutputShape([17, null, 4, 5]), [17, null, 4, 5, D]);
});

vectors("seed example: Embedding(1000, 64, inputLength 10) on a random (32, 10) batch", () => {
  const layer = new Embedding({ inputDim: 1000, outputDim: 64, inputLength: 10 });
  const rnd = fixtureRandom(2024);
  const x = Array.from({ length: 32 }, () => Array.from({ length: 10 }, () => Math.floor(rnd() * 1000)));
  const y = layer.call(x);
  assert.equal(y.shape, [32, 10, 64]);
  const table = layer.getWeights()[0]!.data;
  assertSameFloats(y.data, referenceGather(table, 64, flat(x)));
  // Keras' default initializer: every weight in [-0.05, 0.05).
  assert.ok(table.every((v) => v >= -0.05 && v < Math.fround(0.05)), "uniform default range");
  assertThrowsMessage(() => layer.call([[1, 2, 3]]), ValueError, '"inputLength" is 10, but received input has shape [1, 3]');
});

vectors.run();
