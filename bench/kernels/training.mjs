// Suite "training": one training step of the embedding table, a 32 × 128 batch of ids on
// a 100,000 × 64 table, with Adam (lr 0.001, β 0.9 / 0.999, ε 1e-7 set explicitly on both sides).
//
// Ours, one step: `layer.callInto(ids, out)` (forward), `layer.backward(dY)` (sparse gradient),
// `layer.applyGradients(gradient, adam)`; in `mode: "dense"` (Keras: every row updated, like for
// like with TF.js) and `mode: "lazy"` (only the rows looked up).
// TF.js, one step: `optimizer.minimize(() => tf.sum(tf.mul(layer.apply(x), dY)), false, [table])`
// through `tf.layers.embedding`, so the upstream gradient is dY exactly, as on our side. TF.js has
// no sparse gradients: the gather's gradient is a dense unsortedSegmentSum over the whole table,
// and Adam then updates every row.
import { generator } from "../shared/random.mjs";
import { quietly, tfjsPeer } from "../shared/tfjs-loader.mjs";
import { maxAbsDifference, short } from "./checks.mjs";
import { wasmLoops } from "./wasm-loops.mjs";

const ADAM = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const BATCH = [32, 128];
const DIM = 64;

/**
 * The target's case, and (full runs) the same batch on a 200-row table: TF.js' cpu gradient costs
 * one pass over the batch per table row, so it finishes a step there and shows the scaling.
 */
const cases = (quick) => (quick ? [100000] : [100000, 200]).map((rows) => ({ name: `adam ${rows}x${DIM}, batch ${BATCH.join("x")}`, rows, dim: DIM, n: BATCH[0] * BATCH[1] }));

function makeData(c) {
  const nextW = generator(0x7a61e ^ c.rows);
  const table = new Float32Array(c.rows * c.dim);
  for (let i = 0; i < table.length; i++) table[i] = nextW() * 0.1 - 0.05; // Keras' default uniform range
  const nextId = generator(0x1d5 ^ c.n);
  const ids = new Int32Array(c.n);
  for (let i = 0; i < c.n; i++) ids[i] = Math.floor(nextId() * c.rows);
  const nextG = generator(0xd7 ^ c.n);
  const dY = new Float32Array(c.n * c.dim);
  for (let i = 0; i < dY.length; i++) dY[i] = nextG() * 2 - 1;
  return { table, ids, dY, ...references(c, table, ids, dY) };
}

/**
 * One Adam step from zero moments, in float64, in both published forms. Keras:
 * w −= m·α / (√v + ε) with α = lr·√(1 − β₂)/(1 − β₁); TF.js: w −= lr·m̂ / (√v̂ + ε) with the
 * bias-corrected m̂, v̂. They differ only in where ε enters (ε vs ε/√(1 − β₂ᵗ) in Keras' terms);
 * each side is checked against its own form, and the gap between the two is reported.
 */
function references(c, table, ids, dY) {
  const grad = new Map();
  for (let i = 0; i < ids.length; i++) {
    let g = grad.get(ids[i]);
    if (!g) grad.set(ids[i], (g = new Float64Array(c.dim)));
    for (let j = 0; j < c.dim; j++) g[j] += dY[i * c.dim + j];
  }
  const { learningRate: lr, beta1, beta2, epsilon } = ADAM;
  const alpha = (lr * Math.sqrt(1 - beta2)) / (1 - beta1);
  const keras = Float64Array.from(table), tfjs = Float64Array.from(table);
  let gap = 0;
  for (const [row, g] of grad) {
    for (let j = 0; j < c.dim; j++) {
      const at = row * c.dim + j;
      const m = (1 - beta1) * g[j], v = (1 - beta2) * g[j] * g[j];
      keras[at] -= (m * alpha) / (Math.sqrt(v) + epsilon);
      tfjs[at] -= (lr * (m / (1 - beta1))) / (Math.sqrt(v / (1 - beta2)) + epsilon);
      gap = Math.max(gap, Math.abs(keras[at] - tfjs[at]));
    }
  }
  return { keras, tfjs, formulaGap: gap };
}

function ours(mode) {
  return {
    name: mode,
    group: "ours",
    async prepare(c, data) {
      const E = await import("embedding-wasm");
      const start = performance.now();
      const layer = new E.Embedding({ inputDim: c.rows, outputDim: c.dim, weights: [{ data: data.table, shape: [c.rows, c.dim] }] });
      const adam = new E.Adam({ ...ADAM, mode });
      const input = { data: data.ids, shape: BATCH };
      const out = new Float32Array(c.n * c.dim);
      return {
        setup: { "new Embedding (table copied in)": performance.now() - start },
        step: () => {
          layer.callInto(input, out);
          layer.applyGradients(layer.backward(data.dY), adam);
        },
        output: () => layer.getWeights()[0].data,
        dispose: () => layer.dispose(),
        formula: "keras",
      };
    },
  };
}

function tfjs(backend) {
  return tfjsPeer(backend, ({ tf, tfl }, c, data) => {
    const start = performance.now();
    const layer = tfl.layers.embedding({ inputDim: c.rows, outputDim: c.dim, embeddingsInitializer: "zeros" });
    quietly(() => tf.tidy(() => layer.apply(tf.zeros(BATCH, "int32")))); // builds the layer
    const table = tf.tensor2d(data.table, [c.rows, c.dim]);
    layer.setWeights([table]);
    table.dispose();
    const variables = layer.trainableWeights.map((w) => w.read());
    const optimizer = tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
    const dY = tf.tensor3d(data.dY, [...BATCH, c.dim]); // the upstream gradient, a tensor already
    const setup = { "tf.layers.embedding + build + setWeights": performance.now() - start };
    let before;
    return {
      setup,
      step: () => {
        const x = tf.tensor2d(data.ids, BATCH, "int32");
        optimizer.minimize(() => tf.sum(tf.mul(layer.apply(x), dY)), false, variables);
        x.dispose();
        before ??= tf.memory().numTensors; // after the first step, which creates Adam's moments
      },
      output: () => variables[0].dataSync(),
      dispose: () => {
        const leaked = tf.memory().numTensors - before;
        optimizer.dispose();
        dY.dispose();
        layer.dispose();
        if (leaked) throw new Error(`leaked ${leaked} tensors per run`);
      },
      formula: "tfjs",
    };
  });
}

/** Not a training step: one v128 read+write pass over three tables (w, m, v), what a dense Adam step must at least stream. */
const densePass = {
  name: "rw-pass w,m,v",
  group: "bound",
  async prepare(c) {
    const loops = wasmLoops(new Float32Array(3 * c.rows * c.dim).fill(1));
    let s = 0.5;
    return { setup: {}, step: () => loops.scale((s = 1 / s)), output: () => loops.view, dispose: () => {}, formula: "none" };
  },
};

/**
 * After one step from the same table: every value within 1e-5 of its own formula, relative to the
 * value plus the step size (lr): a weight that a step moved to near 0 is held to 1e-5 of the step.
 */
function check(c, data, output, contender, prepared) {
  if (prepared.formula === "none") return output[0] === 2 ? {} : { problem: "the pass did not double the values" };
  const expected = data[prepared.formula];
  let worst = 0, first = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(output[i] - expected[i]);
    const rel = err / (Math.abs(expected[i]) + ADAM.learningRate);
    if (!(rel <= worst)) worst = rel;
    if (first < 0 && !(rel <= 1e-5)) first = i;
  }
  const touched = maxAbsDifference(output, data.table, Infinity).worst;
  const detail = `vs the ${prepared.formula === "keras" ? "Keras" : "TF.js"} form: max relative error ${short(worst)} (largest change ${short(touched)}; Keras vs TF.js forms differ by up to ${short(data.formulaGap)})`;
  return first < 0 ? { detail } : { problem: `${detail}: value ${first} is ${output[first]}, expected ${expected[first]}` };
}

export const trainingSuite = {
  name: "training",
  title: "Training: forward + backward + Adam",
  throughput: { label: "steps/s", per: () => 1 },
  cases,
  makeData,
  contenders: [ours("dense"), ours("lazy"), tfjs("cpu"), tfjs("wasm"), densePass],
  check,
  peers: ["tfjs-cpu", "tfjs-wasm"],
  bounds: [{ key: "wmv", label: "rw pass over w, m, v", contenders: ["rw-pass w,m,v"] }],
  targets(suite, { ratio, target }) {
    const c = suite.cases.find((x) => x.rows === 100000);
    if (!c) return [];
    return ["cpu", "wasm"].map((backend) => {
      const dense = ratio(c, "dense", `tfjs-${backend}`);
      const lazy = ratio(c, "lazy", `tfjs-${backend}`);
      return target(`training: ${c.name}: \`dense\` (Keras semantics, like TF.js) ≥ 20× faster than TF.js ${backend}`, dense, (x) => x >= 20, "×",
        lazy && `lazy ${lazy.text ?? lazy.failed}`, undefined);
    });
  },
};
