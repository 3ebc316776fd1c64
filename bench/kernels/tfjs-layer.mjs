// One training step (model.trainOnBatch: forward, backward, Adam update) of the same TF.js model with
// tf.layers.embedding and with embedding-wasm/tfjs's wasmEmbedding, on TF.js's cpu backend.
//
//   npm run build && node bench/kernels/tfjs-layer.mjs [--steps=10] [--workloads=100x64,1000x64] [--batch=64] [--length=10]
//
// Model: embedding → globalAveragePooling1d → dense(1, sigmoid), batch × length indices, binary
// cross-entropy. The defaults are small because tf.layers.embedding's gradient on the cpu backend
// (UnsortedSegmentSum, one pass over the batch per table row) grows with rows × batch: at
// 1000 × 64 with a 256 × 20 batch one of its steps takes about a minute. Both models start from the same table and dense weights; the script checks that
// their first losses agree before timing. Reported: the median and min step time over --steps steps,
// after 3 warm-up steps. TF.js is loaded from where the built layer resolves it, so both share one
// TF.js instance.
import { createRequire } from "node:module";
import { generator } from "../shared/random.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const STEPS = Number(args.steps ?? 10);
const WORKLOADS = (args.workloads ?? "100x64,1000x64").split(",").map((w) => w.split("x").map(Number));
const BATCH = Number(args.batch ?? 64);
const LENGTH = Number(args.length ?? 10);

const fromDist = createRequire(new URL("../../dist/tfjs/index.cjs", import.meta.url));
const tf = fromDist("@tensorflow/tfjs");
const { wasmEmbedding } = fromDist("./index.cjs");

await tf.setBackend("cpu");
await tf.ready();
tf.dispose(tf.zeros([1])); // the cpu backend's banner suggesting tfjs-node is printed here, before the table

/** mulberry32, for reproducible tables and batches (the bench's shared generator). */
const random = generator;

function buildModel(embedding, table, rows, dim) {
  const model = tf.sequential({
    layers: [embedding, tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: 1, activation: "sigmoid" })],
  });
  model.layers[0].setWeights([tf.tensor2d(table, [rows, dim])]);
  const rnd = random(2);
  model.layers[2].setWeights([tf.tensor2d(Float32Array.from({ length: dim }, () => rnd() - 0.5), [dim, 1]), tf.tensor1d([0])]);
  model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy" });
  return model;
}

function batches(rows, count) {
  const rnd = random(3);
  return Array.from({ length: count }, () => {
    const ids = Int32Array.from({ length: BATCH * LENGTH }, () => Math.floor(rnd() * rows));
    const labels = Float32Array.from({ length: BATCH }, (_, i) => (ids[i * LENGTH] < rows / 2 ? 1 : 0));
    return { x: tf.tensor2d(ids, [BATCH, LENGTH], "float32"), y: tf.tensor2d(labels, [BATCH, 1]) };
  });
}

async function stepTimes(model, data) {
  const times = [];
  const losses = [];
  for (let i = 0; i < data.length; i++) {
    const start = performance.now();
    losses.push(await model.trainOnBatch(data[i].x, data[i].y));
    if (i >= 3) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], losses };
}

const fmt = (ms) => `${ms.toFixed(2)} ms`;
console.log(`TF.js ${tf.version.tfjs}, cpu backend, batch ${BATCH}×${LENGTH}, Adam, ${STEPS} timed steps after 3 warm-up`);
console.log("table            tf.layers.embedding (median / min)   wasmEmbedding (median / min)   speed-up");
for (const [rows, dim] of WORKLOADS) {
  const rnd = random(1);
  const table = Float32Array.from({ length: rows * dim }, () => (rnd() - 0.5) * 0.1);
  const data = batches(rows, STEPS + 3);
  const reference = buildModel(tf.layers.embedding({ inputDim: rows, outputDim: dim }), table, rows, dim);
  const ours = buildModel(wasmEmbedding({ inputDim: rows, outputDim: dim }), table, rows, dim);
  const r = await stepTimes(reference, data);
  const o = await stepTimes(ours, data);
  const drift = Math.max(...r.losses.map((l, i) => Math.abs(l - o.losses[i])));
  if (!(drift <= 1e-5)) throw new Error(`${rows}x${dim}: the two models' losses differ by ${drift}`);
  console.log(
    `${`${rows}×${dim}`.padEnd(17)}${`${fmt(r.median)} / ${fmt(r.min)}`.padEnd(37)}${`${fmt(o.median)} / ${fmt(o.min)}`.padEnd(31)}${(r.median / o.median).toFixed(1)}×`,
  );
  reference.dispose();
  ours.dispose();
  tf.dispose(data.flatMap((d) => [d.x, d.y]));
}
