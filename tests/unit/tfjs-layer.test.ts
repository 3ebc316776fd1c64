// embedding-wasm/tfjs: the WasmEmbedding TF.js layer against tf.layers.embedding as the reference
// (same table, same model, same optimizer → same losses step by step, same predictions), its
// gradient against a plain-TypeScript scatter-add, masks, save / load, and its errors.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import { ValueError } from "../../src/index.ts";
import { WasmEmbedding, wasmEmbedding } from "../../src/tfjs/index.ts";
import { assertClose, assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";

await tf.setBackend("cpu");

const VOCAB = 30;
const DIM = 6;
const LENGTH = 5;

function randomTable(rows: number, cols: number, seed: number, scale: number): Float32Array {
  const rnd = fixtureRandom(seed);
  return Float32Array.from({ length: rows * cols }, () => (rnd() - 0.5) * 2 * scale);
}

/** 64 sequences of LENGTH tokens (with repeats and some padding zeros); label 1 when most tokens are < 10. */
function task(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rnd = fixtureRandom(11);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 64; i++) {
    const row = Array.from({ length: LENGTH }, () => Math.floor(rnd() * VOCAB));
    if (i % 4 === 0) row[LENGTH - 1] = row[0]!; // a repeated row within one sequence
    rows.push(row);
    labels.push(row.filter((t) => t < 10).length >= 2 ? 1 : 0);
  }
  return { x: tf.tensor2d(rows), y: tf.tensor2d(labels, [64, 1]) };
}

type Head = "flatten" | "average";

/** embedding → flatten or global average → dense(sigmoid), with the table and dense weights fixed. */
function buildModel(embedding: tf.layers.Layer, head: Head, table: Float32Array): tf.Sequential {
  const model = tf.sequential({
    layers: [
      embedding,
      head === "flatten" ? tf.layers.flatten() : tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 1, activation: "sigmoid" }),
    ],
  });
  const units = head === "flatten" ? LENGTH * DIM : DIM;
  model.layers[0]!.setWeights([tf.tensor2d(table, [VOCAB, DIM])]);
  model.layers[2]!.setWeights([tf.tensor2d(randomTable(units, 1, 5, 0.5), [units, 1]), tf.tensor1d([0.1])]);
  return model;
}

/** The loss after each of 20 steps (5 epochs of 4 batches of 16, in order). */
async function fitLosses(model: tf.Sequential, optimizer: tf.Optimizer): Promise<number[]> {
  const { x, y } = task();
  model.compile({ optimizer, loss: "binaryCrossentropy" });
  const losses: number[] = [];
  await model.fit(x, y, {
    epochs: 5,
    batchSize: 16,
    shuffle: false,
    verbose: 0,
    callbacks: { onBatchEnd: async (_batch, logs) => void losses.push(logs!["loss"] as number) },
  });
  tf.dispose([x, y]);
  return losses;
}

const probe = () => tf.tensor2d([[1, 1, 2, 29, 0], [7, 3, 3, 3, 12]]);

const fit = suite("model.fit against tf.layers.embedding");

const cases: [string, Head, () => tf.Optimizer][] = [
  ["SGD, flatten", "flatten", () => tf.train.sgd(0.5)],
  ["Adam, global average pooling", "average", () => tf.train.adam(0.05)],
];
for (const [name, head, optimizer] of cases) {
  fit(`${name}: 20 steps give the same losses (±1e-5), tables and predictions`, async () => {
    const table = randomTable(VOCAB, DIM, 3, 0.3);
    const reference = buildModel(tf.layers.embedding({ inputDim: VOCAB, outputDim: DIM, inputLength: LENGTH }), head, table);
    const ours = buildModel(wasmEmbedding({ inputDim: VOCAB, outputDim: DIM, inputLength: LENGTH }), head, table);
    const expected = await fitLosses(reference, optimizer());
    const actual = await fitLosses(ours, optimizer());
    assert.is(actual.length, 20);
    assertClose(actual, expected, 1e-5, 0);
    assert.ok(expected[19]! < expected[0]! * 0.9, `the task is learned: ${expected[0]} → ${expected[19]}`);
    assertClose(ours.layers[0]!.getWeights()[0]!.dataSync(), reference.layers[0]!.getWeights()[0]!.dataSync(), 1e-5, 0);
    const x = probe();
    assertClose((ours.predict(x) as tf.Tensor).dataSync(), (reference.predict(x) as tf.Tensor).dataSync(), 1e-6, 0);
    ours.dispose();
    reference.dispose();
  });
}

fit("trainOnBatch leaves no tensors behind", async () => {
  const model = buildModel(wasmEmbedding({ inputDim: VOCAB, outputDim: DIM }), "average", randomTable(VOCAB, DIM, 3, 0.3));
  model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy" });
  const { x, y } = task();
  await model.trainOnBatch(x, y); // creates the optimizer's slots
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  tf.dispose(model.predict(x) as tf.Tensor);
  assert.is(tf.memory().numTensors, before);
  tf.dispose([x, y]);
  model.dispose();
});

const grad = suite("gradient");

/** d(sum(lookup(ids) * w))/d(table), in plain TypeScript: row ids[p] gets w[p] added. */
function scatterAdd(ids: number[], w: Float32Array, rows: number, dim: number, into: Float64Array = new Float64Array(rows * dim)): Float64Array {
  ids.forEach((row, p) => {
    for (let d = 0; d < dim; d++) into[row * dim + d]! += w[p * dim + d]!;
  });
  return into;
}

grad("the table's gradient is the scatter-add of the output gradient (duplicates summed)", () => {
  const layer = wasmEmbedding({ inputDim: 8, outputDim: 3 });
  const ids = [5, 1, 5, 5, 0, 7];
  const x = tf.tensor2d(ids, [2, 3], "int32");
  const w = randomTable(6, 3, 9, 1);
  layer.apply(x); // builds the layer
  const variable = layer.trainableWeights[0]!.read() as tf.Variable;
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor3d(w, [2, 3, 3]))), [variable]);
  assertClose(grads[variable.name]!.dataSync(), scatterAdd(ids, w, 8, 3));
});

grad("a layer shared by two inputs: each lookup's gradient counts", () => {
  const layer = wasmEmbedding({ inputDim: 8, outputDim: 2 });
  const a = [1, 2, 2, 6];
  const b = [6, 6, 0, 3];
  const [wa, wb] = [randomTable(4, 2, 21, 1), randomTable(4, 2, 22, 1)];
  layer.apply(tf.tensor1d(a));
  const variable = layer.trainableWeights[0]!.read() as tf.Variable;
  const { grads } = tf.variableGrads(() => {
    const first = tf.sum(tf.mul(layer.apply(tf.tensor1d(a)) as tf.Tensor, tf.tensor2d(wa, [4, 2])));
    const second = tf.sum(tf.mul(layer.apply(tf.tensor1d(b)) as tf.Tensor, tf.tensor2d(wb, [4, 2])));
    return tf.add(first, second) as tf.Scalar;
  }, [variable]);
  assertClose(grads[variable.name]!.dataSync(), scatterAdd(b, wb, 8, 2, scatterAdd(a, wa, 8, 2)));
});

grad("the lookup reads the variable's current values (setWeights, optimizer steps)", () => {
  const layer = wasmEmbedding({ inputDim: 3, outputDim: 2, weights: [[0, 0], [1, 1], [2, 2]] });
  assert.equal(Array.from((layer.apply(tf.tensor1d([2, 1])) as tf.Tensor).dataSync()), [2, 2, 1, 1]);
  layer.setWeights([tf.tensor2d([[0, 0], [5, 6], [7, 8]])]);
  assert.equal(Array.from((layer.apply(tf.tensor1d([2, 1])) as tf.Tensor).dataSync()), [7, 8, 5, 6]);
  const variable = layer.trainableWeights[0]!.read() as tf.Variable;
  tf.train.sgd(1).minimize(() => tf.sum(layer.apply(tf.tensor1d([1])) as tf.Tensor) as tf.Scalar, false, [variable]);
  assert.equal(Array.from((layer.apply(tf.tensor1d([2, 1])) as tf.Tensor).dataSync()), [7, 8, 4, 5]);
});

const mask = suite("maskZero");

mask("computeMask is x != 0 (bool), as tf.layers.embedding's; null without maskZero", () => {
  const x = tf.tensor2d([[3, 0, 1], [0, 0, 2]]);
  const ours = wasmEmbedding({ inputDim: 4, outputDim: 2, maskZero: true }).computeMask(x) as tf.Tensor;
  const reference = tf.layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true }).computeMask(x) as tf.Tensor;
  assert.is(ours.dtype, "bool");
  assert.equal(Array.from(ours.dataSync()), [1, 0, 1, 0, 0, 1]);
  assert.equal(Array.from(ours.dataSync()), Array.from(reference.dataSync()));
  assert.is(wasmEmbedding({ inputDim: 4, outputDim: 2 }).computeMask(x), null);
});

mask("an RNN after the layer skips padded steps, as after tf.layers.embedding", () => {
  const build = (embedding: tf.layers.Layer) => {
    const model = tf.sequential({ layers: [embedding, tf.layers.simpleRNN({ units: 3, kernelInitializer: "zeros" })] });
    model.layers[0]!.setWeights([tf.tensor2d(randomTable(VOCAB, DIM, 4, 0.5), [VOCAB, DIM])]);
    model.layers[1]!.setWeights([
      tf.tensor2d(randomTable(DIM, 3, 6, 0.5), [DIM, 3]),
      tf.tensor2d(randomTable(3, 3, 7, 0.5), [3, 3]),
      tf.tensor1d([0.1, -0.2, 0.3]),
    ]);
    return model;
  };
  const ours = build(wasmEmbedding({ inputDim: VOCAB, outputDim: DIM, maskZero: true }));
  const reference = build(tf.layers.embedding({ inputDim: VOCAB, outputDim: DIM, maskZero: true }));
  const padded = tf.tensor2d([[4, 9, 0, 0], [0, 0, 0, 13]]);
  const ourOutput = (ours.predict(padded) as tf.Tensor).dataSync();
  assertClose(ourOutput, (reference.predict(padded) as tf.Tensor).dataSync(), 1e-6, 0);
  // Masked steps are skipped: the padded first row ends as the unpadded [4, 9] does.
  assertClose(ourOutput.subarray(0, 3), (ours.predict(tf.tensor2d([[4, 9]])) as tf.Tensor).dataSync(), 1e-6, 0);
});

const io = suite("save / load");

io("model.save → tf.loadLayersModel rebuilds a WasmEmbedding with its config, weights and predictions", async () => {
  const model = buildModel(wasmEmbedding({ inputDim: VOCAB, outputDim: DIM, inputLength: LENGTH, maskZero: true }), "flatten", randomTable(VOCAB, DIM, 8, 0.3));
  await fitLosses(model, tf.train.sgd(0.5));
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  const topology = JSON.stringify(saved!.modelTopology);
  assert.match(topology, /"class_name":"WasmEmbedding"/);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const layer = loaded.layers[0]!;
  assert.instance(layer, WasmEmbedding);
  const expected = {
    inputDim: VOCAB,
    outputDim: DIM,
    embeddingsInitializer: { className: "RandomUniform", config: { seed: null, minval: -0.05, maxval: 0.05 } },
    maskZero: true,
    inputLength: LENGTH,
    name: model.layers[0]!.name,
    trainable: true,
    batchInputShape: [null, LENGTH],
  };
  assert.equal(model.layers[0]!.getConfig(), expected);
  // Loading sets the layer dtype from the model's input, as it does for tf.layers.embedding.
  assert.equal(layer.getConfig(), { ...expected, dtype: "float32" });
  assert.equal(Array.from(layer.getWeights()[0]!.dataSync()), Array.from(model.layers[0]!.getWeights()[0]!.dataSync()));
  const x = probe();
  assert.equal(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()));
  loaded.dispose();
  model.dispose();
});

io("the package's initializers fill the table, seeded as in the Embedding class", () => {
  const options = { inputDim: 7, outputDim: 3, embeddingsInitializer: { className: "GlorotUniform", config: { seed: 5 } } };
  const a = wasmEmbedding(options);
  const b = wasmEmbedding(options);
  a.build([null, 1]);
  b.build([null, 1]);
  const values = a.getWeights()[0]!.dataSync();
  assert.equal(Array.from(values), Array.from(b.getWeights()[0]!.dataSync()));
  const limit = Math.sqrt(6 / (7 + 3)); // Glorot & Bengio (2010)
  assert.ok(values.every((v) => Math.abs(v) <= limit) && values.some((v) => v !== 0));
});

const errors = suite("errors");

errors("options the TF.js layer does not take are refused by name, before anything is built", () => {
  assertThrowsMessage(() => wasmEmbedding({ inputDim: 4, outputDim: 2, embeddingsRegularizer: "l2" } as never), ValueError,
    /^wasmEmbedding does not take embeddingsRegularizer .*Received: embeddingsRegularizer="l2"$/);
  assertThrowsMessage(() => wasmEmbedding({ inputDim: 4, outputDim: 2, units: 3 } as never), ValueError,
    /^Unrecognized option passed to wasmEmbedding: "units"\. Expected only: inputDim, outputDim, /);
  assertThrowsMessage(() => wasmEmbedding({ inputDim: 0, outputDim: 2 }), ValueError, "inputDim must be a positive integer. Received: inputDim=0 (of type number)");
  assertThrowsMessage(() => wasmEmbedding(null as never), ValueError, "options must be an object with inputDim and outputDim. Received: options=null");
});

errors("an index outside [0, inputDim) throws a RangeError naming it", () => {
  const layer = wasmEmbedding({ inputDim: 4, outputDim: 2 });
  assertThrowsMessage(() => layer.apply(tf.tensor2d([[1, 4]])), RangeError, /4/);
});

const published = suite("published subpath");

published("embedding-wasm/tfjs resolves for require and import to a registered TF.js layer, outside the main entry", async () => {
  const require = createRequire(import.meta.url);
  type Entry = { wasmEmbedding(options: object): tf.layers.Layer };
  const cjs = require("embedding-wasm/tfjs") as Entry;
  const esm = (await import("embedding-wasm/tfjs")) as Entry;
  for (const entry of [cjs, esm]) {
    const layer = entry.wasmEmbedding({ inputDim: 3, outputDim: 2, weights: [[0, 0], [1, 1], [2, 2]] });
    assert.instance(layer, tf.layers.Layer);
    assert.is(layer.getClassName(), "WasmEmbedding");
    assert.equal(Array.from((layer.apply(tf.tensor1d([2])) as tf.Tensor).dataSync()), [2, 2]);
  }
  const main = require("embedding-wasm") as Record<string, unknown>;
  assert.not.ok("wasmEmbedding" in main || "WasmEmbedding" in main, "the main entry does not include the TF.js layer");
});

fit.run();
grad.run();
mask.run();
io.run();
errors.run();
published.run();
