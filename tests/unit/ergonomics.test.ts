// What a newcomer touches first: `using` / Symbol.dispose, a readable console.log, and PyTorch's
// from_pretrained.
import { inspect } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";

test("Symbol.dispose disposes the layer (what TypeScript's `using` calls)", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2 });
  assert.type(layer[Symbol.dispose], "function");
  layer[Symbol.dispose]();
  assert.ok(layer.isDisposed);
  assertThrowsMessage(() => layer.call([0]), Error, /has been disposed/);
});

test("util.inspect / console.log show the settings, not the memory and its functions", () => {
  const layer = new Embedding({ inputDim: 1000, outputDim: 64, name: "words", maskZero: true, embeddingsConstraint: "unit_norm" });
  const text = inspect(layer);
  assert.match(text, /^Embedding \{/);
  for (const part of ["name: 'words'", "inputDim: 1000", "outputDim: 64", "maskZero: true", "embeddingsConstraint: 'UnitNorm'", "memoryBytes: "]) {
    assert.ok(text.includes(part), `${part} in ${text}`);
  }
  assert.not.ok(/kernel|WebAssembly|Memory \{|\[Function/.test(text), text);
  assert.ok(text.length < 400, `${text.length} characters`);
  layer.dispose();
  assert.match(inspect(layer), /disposed: true/);
});

test("fromPretrained: size from the table, frozen by default, options passed on", () => {
  const table = [[1, 2, 3], [4, 5, 6]];
  const frozen = Embedding.fromPretrained(table);
  assert.is(frozen.inputDim, 2);
  assert.is(frozen.outputDim, 3);
  assert.is(frozen.trainable, false);
  assertSameFloats(frozen.call([1, 0]).data, [4, 5, 6, 1, 2, 3]);
  const tuned = Embedding.fromPretrained({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] }, { freeze: false, maskZero: true, name: "pre" });
  assert.is(tuned.trainable, true);
  assert.is(tuned.name, "pre");
  assert.equal([...tuned.computeMask([0, 2])!.data], [0, 1]);
  assertSameFloats(tuned.call([2]).data, [5, 6]);
  assertThrowsMessage(() => Embedding.fromPretrained(table, { inputDim: 5 } as never), ValueError, /takes its size and weights from the table/);
  assertThrowsMessage(() => Embedding.fromPretrained(table, { freeze: "yes" } as never), ValueError, /freeze must be a boolean/);
  assertThrowsMessage(() => Embedding.fromPretrained({ data: [1, 2], shape: [2] }), ValueError, /table must be a 2-D table/);
});

test("paddingIdx (PyTorch): zero row at initialization, no gradient, masked, in both configs", async () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 3, paddingIdx: -2, embeddingsInitializer: "ones" });
  assert.is(layer.paddingIdx, 3, "negative counts from the end");
  assertSameFloats(layer.getWeights()[0]!.data, [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
  const created = await Embedding.create({ inputDim: 5, outputDim: 3, paddingIdx: 0, embeddingsInitializer: "ones" });
  assertSameFloats(created.getWeights()[0]!.data.subarray(0, 6), [0, 0, 0, 1, 1, 1], "create() zeroes it too");
  // Given weights are kept as they are (PyTorch's from_pretrained does not zero the row).
  const given = Embedding.fromPretrained([[1, 2], [3, 4]], { paddingIdx: 1 });
  assertSameFloats(given.call([1]).data, [3, 4]);
  assertSameFloats(layer.call([[3, 1, 3, 4]]).data, [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
  const g = layer.backward(new Float32Array(12).fill(1))!;
  assert.equal([...g.indices], [1, 4], "row 3 gets no gradient");
  assertSameFloats(g.values, [1, 1, 1, 1, 1, 1]);
  assert.equal(g.shape, [2, 3]);
  assert.equal([...layer.computeMask([[3, 1, 0]])!.data], [0, 1, 1]);
  const both = new Embedding({ inputDim: 5, outputDim: 3, paddingIdx: 3, maskZero: true });
  assert.equal([...both.computeMask([[3, 1, 0]])!.data], [0, 1, 0]);
  assert.is(layer.getConfig().paddingIdx, 3);
  assert.is(layer.toKerasConfig()["padding_idx"], 3);
  assert.is(Embedding.fromConfig(JSON.parse(JSON.stringify(layer.toKerasConfig()))).paddingIdx, 3);
  assert.is(Embedding.fromConfig(layer.getConfig()).paddingIdx, 3);
  assertThrowsMessage(() => new Embedding({ inputDim: 5, outputDim: 3, paddingIdx: 5 }), ValueError, /^paddingIdx must be an integer in \[-5, 5\) \(inputDim = 5; negative values count from the end\)\. Received: paddingIdx=5/);
  assertThrowsMessage(() => new Embedding({ inputDim: 5, outputDim: 3, paddingIdx: 1.5 }), ValueError, /^paddingIdx must be/);
});

test("layer.toProjectorTsv(vocab) is the Projector's two files", async () => {
  const { Vocabulary } = await import("../../src/index.ts");
  const layer = Embedding.fromPretrained([[0.5, -1], [2, 0.25]]);
  const vocab = new Vocabulary(["cat", "dog"]);
  assert.equal(layer.toProjectorTsv(vocab), { vectors: "0.5\t-1\n2\t0.25\n", metadata: "cat\ndog\n" });
  assert.equal(layer.toProjectorTsv().metadata, "");
});

test.run();
