// Regularizers: spec vectors G1–G7, a float64 reference on random tables, the orthogonal penalty on
// a large table, activity regularization (fused and separate agree, divided by batch size), configs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, getRegularizer, L1, L1L2, L2, OrthogonalRegularizer, ValueError } from "../../src/index.ts";
import { assertClose, assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";
import { instantiateKernel, kernelDataEnd } from "../../src/core/kernel.ts";

const W = [[0.5, -1, 2], [3, 4, 0], [-0.1, 0.2, -0.3], [0, 0, 0]];

const vectors = suite("spec vectors G1–G7");
vectors("G1–G3: L1, L2, L1L2", () => {
  assertClose([new L1({ l1: 0.01 }).apply(W)], [0.111]);
  assertClose([new L2({ l2: 0.01 }).apply(W)], [0.3039]);
  assertClose([new L1L2({ l1: 0.1, l2: 0.2 }).apply(W)], [7.188]);
});
vectors("G4, G5: OrthogonalRegularizer rows and columns", () => {
  assertClose([new OrthogonalRegularizer({ factor: 0.01, mode: "rows" }).apply(W)], [0.002461565]);
  assertClose([new OrthogonalRegularizer({ factor: 0.01, mode: "columns" }).apply(W)], [0.0044267704]);
  const M = [[1, 0], [1, 1], [0, 1]];
  assertClose([new OrthogonalRegularizer({ factor: 0.1, mode: "rows" }).apply(M)], [0.047140453]);
  assertClose([new OrthogonalRegularizer({ factor: 0.1, mode: "columns" }).apply(M)], [0.05]);
  assert.ok(Number.isNaN(new OrthogonalRegularizer().apply([[1, 2, 3]])), "one row: 0/0 = NaN, as Keras");
});
vectors("G6: activity regularization divides by the batch size", () => {
  const layer = new Embedding({ inputDim: 2, outputDim: 4, weights: [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]], activityRegularizer: new L2({ l2: 0.01 }) });
  layer.call([[0, 1, 0], [1, 1, 0]]);
  assertClose(layer.losses, [0.03]);
  layer.call({ data: new Int32Array(0), shape: [0, 3] });
  assert.equal(layer.losses, [0], "empty batch: divide_no_nan gives 0");
});
vectors("Keras' layer_test: 'l2' on outputs of 2s, shape (B, 5) → 0.2 for every B, 0 for B = 0; 'l1' on ones((1,)) → 0.01", () => {
  const layer = new Embedding({ inputDim: 1, outputDim: 5, weights: [[2, 2, 2, 2, 2]], activityRegularizer: "l2" });
  for (const b of [1, 5, 10]) {
    layer.call(new Array<number>(b).fill(0));
    assertClose(layer.losses, [0.2]);
  }
  layer.call({ data: new Int32Array(0), shape: [0] });
  assert.equal(layer.losses, [0]);
  // A scalar index gives an output of shape (outputDim,): Keras divides by its first dimension.
  const one = new Embedding({ inputDim: 2, outputDim: 1, weights: [[1], [1]], activityRegularizer: "l1" });
  one.call(1);
  assertClose(one.losses, [0.01]);
  const three = new Embedding({ inputDim: 2, outputDim: 3, weights: [[1, 1, 1], [1, 1, 1]], activityRegularizer: "l1" });
  three.call(0);
  assertClose(three.losses, [0.03 / 3]);
});
vectors("G7: identifiers and configs ('l1l2' is zero; 'l1_l2' is 0.01/0.01, the Keras 2 meaning)", () => {
  assert.equal(new L1({ l1: 0.01 }).getConfig(), { l1: 0.01 });
  assert.equal(new L2({ l2: 0.01 }).getConfig(), { l2: 0.01 });
  // Keras stores l1 as a float32 tensor: its config and its penalty use 0.009999999776482582.
  assert.equal(new L1({ l1: 0.01 }).getKerasConfig(), { l1: 0.009999999776482582 });
  assert.is(new L1({ l1: 0.01 }).apply({ data: new Float32Array([1]), shape: [1, 1] }), 0.009999999776482582);
  assert.equal(new OrthogonalRegularizer({ factor: 0.3 }).getKerasConfig(), { factor: 0.30000001192092896, mode: "rows" });
  // null factors mean the defaults (0.01 for L1 / L2, 0 for L1L2), as Keras' None.
  assert.equal(new L1({ l1: null as never }).getConfig(), { l1: 0.01 });
  assert.equal(new L2({ l2: null as never }).getConfig(), { l2: 0.01 });
  assert.equal(new L1L2().getConfig(), { l1: 0, l2: 0 });
  assert.is(new L1L2().apply(W), 0);
  assertClose([getRegularizer("l1_l2")!.apply(W)], [0.111 + 0.3039]);
  const zero = getRegularizer("l1l2")!;
  assert.equal(zero.getConfig(), { l1: 0, l2: 0 });
  assert.is(zero.apply(W), 0);
  assert.equal(getRegularizer("l1_l2")!.getConfig(), { l1: 0.01, l2: 0.01 });
  assertThrowsMessage(() => getRegularizer("typo"), ValueError, "Could not interpret regularizer identifier: typo");
});

const validation = suite("validation");
validation("factors must be finite and non-negative, with Keras' message", () => {
  for (const bad of [-1, -0.001, NaN, Infinity, "0.1", [0.1]]) {
    assertThrowsMessage(() => new L1({ l1: bad as never }), ValueError, new RegExp(`^Invalid value for argument l1: expected a non-negative float\\.Received: l1=`));
  }
  assertThrowsMessage(() => new L2({ l2: -1 }), ValueError, "Invalid value for argument l2: expected a non-negative float.Received: l2=-1");
  assertThrowsMessage(() => new OrthogonalRegularizer({ mode: "invalid_mode" as never }), ValueError,
    'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. Received: mode=invalid_mode');
  assertThrowsMessage(() => new OrthogonalRegularizer().apply({ data: new Float32Array(24), shape: [2, 3, 4] }), ValueError,
    "Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=[2, 3, 4]");
  assert.is(new L1({ l1: 0 }).apply(W), 0);
});

function orthoReference(table: Float32Array, rows: number, cols: number, mode: "rows" | "columns", factor: number): number {
  const k = mode === "rows" ? rows : cols;
  const len = mode === "rows" ? cols : rows;
  const at = (v: number, t: number) => (mode === "rows" ? table[v * cols + t]! : table[t * cols + v]!);
  const norm = (v: number) => Math.max(Math.sqrt(Array.from({ length: len }, (_, t) => at(v, t) ** 2).reduce((a, b) => a + b, 0)), 1e-7);
  const n = Array.from({ length: k }, (_, v) => norm(v));
  let sum = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      let d = 0;
      for (let t = 0; t < len; t++) d += at(a, t) * at(b, t);
      sum += Math.abs(d / (n[a]! * n[b]!));
    }
  }
  return (factor * sum) / ((k * (k - 1)) / 2);
}

const reference = suite("float64 reference");
reference("L1, L2, L1L2 and Orthogonal on random tables of odd sizes", () => {
  for (const [rows, cols] of [[1, 1], [7, 13], [150, 33], [200, 5]] as const) {
    const rnd = fixtureRandom(rows + cols);
    const data = new Float32Array(rows * cols).map(() => (rnd() - 0.5) * 4);
    const t = { data, shape: [rows, cols] };
    const abs = data.reduce((s, v) => s + Math.abs(v), 0);
    const sq = data.reduce((s, v) => s + v * v, 0);
    // Keras holds L1's factor as a float32.
    assertClose([new L1({ l1: 0.3 }).apply(t)], [Math.fround(0.3) * abs], 1e-9, 1e-9);
    assertClose([new L2({ l2: 0.7 }).apply(t)], [0.7 * sq], 1e-9, 1e-9);
    assertClose([new L1L2({ l1: 0.2, l2: 0.5 }).apply(t)], [0.2 * abs + 0.5 * sq], 1e-9, 1e-9);
    if (rows > 1) assertClose([new OrthogonalRegularizer({ factor: 0.5 }).apply(t)], [orthoReference(data, rows, cols, "rows", 0.5)], 1e-7, 1e-5);
    if (cols > 1) assertClose([new OrthogonalRegularizer({ factor: 0.5, mode: "columns" }).apply(t)], [orthoReference(data, rows, cols, "columns", 0.5)], 1e-7, 1e-5);
  }
});
reference("the orthogonal penalty across tile boundaries (rows 1..200) equals the reference", () => {
  const rnd = fixtureRandom(77);
  for (const rows of [2, 63, 64, 65, 129, 200]) {
    const data = new Float32Array(rows * 9).map(() => rnd() - 0.5);
    assertClose([new OrthogonalRegularizer().apply({ data, shape: [rows, 9] })], [orthoReference(data, rows, 9, "rows", 0.01)], 1e-9, 1e-5);
  }
});

reference("rows mode across many tiles (700 × 17, 3 × 64-row tile boundaries and a ragged last tile) equals the reference", () => {
  const rnd = fixtureRandom(701);
  const data = new Float32Array(700 * 17).map(() => rnd() - 0.5);
  data.fill(0, 5 * 17, 6 * 17); // a zero row: its norm is floored and it contributes 0
  assertClose([new OrthogonalRegularizer({ factor: 0.2 }).apply({ data, shape: [700, 17] })], [orthoReference(data, 700, 17, "rows", 0.2)], 1e-12, 1e-6);
  assertClose([new OrthogonalRegularizer({ factor: 0.2, mode: "columns" }).apply({ data, shape: [700, 17] })], [orthoReference(data, 700, 17, "columns", 0.2)], 1e-12, 1e-6);
});

reference("rows mode asks for the same 512 bytes of scratch whatever the row count, and writes nothing past them", () => {
  for (const [rows, cols] of [[3, 5], [1000, 13]] as const) {
    const rnd = fixtureRandom(rows * 31 + cols);
    const data = new Float32Array(rows * cols).map(() => rnd() - 0.5);
    const memory = new WebAssembly.Memory({ initial: 2 });
    const kernel = instantiateKernel(memory);
    const ptr = kernelDataEnd();
    new Float32Array(memory.buffer, ptr, data.length).set(data);
    const scratchPtr = Math.ceil((ptr + data.length * 4) / 64) * 64;
    const guard = new Uint8Array(memory.buffer, scratchPtr, 4096).fill(0xa5);
    const asked: number[] = [];
    const target = { kernel, ptr, shape: [rows, cols], scratch: (bytes: number) => (asked.push(bytes), scratchPtr) };
    const penalty = new OrthogonalRegularizer({ factor: 0.3 }).penaltyOf(target);
    assert.equal(asked, [512], `${rows} rows: scratch requested`);
    assert.ok(guard.subarray(512).every((b) => b === 0xa5), `${rows} rows: nothing written past the scratch`);
    assertClose([penalty], [orthoReference(data, rows, cols, "rows", 0.3)], 1e-12, 1e-6);
  }
});

const layerSuite = suite("layer penalties");
layerSuite("regularizationLoss and losses for the table", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, weights: W, embeddingsRegularizer: "l2" });
  assertClose([layer.regularizationLoss()], [0.3039]);
  assertClose(layer.losses, [0.3039]);
  assert.is(new Embedding({ inputDim: 4, outputDim: 3 }).regularizationLoss(), 0);
  const ortho = new Embedding({ inputDim: 4, outputDim: 3, weights: W, embeddingsRegularizer: { class_name: "OrthogonalRegularizer", config: { factor: 0.01, mode: "columns" } } });
  assertClose([ortho.regularizationLoss()], [0.0044267704]);
});
layerSuite("the fused activity penalty equals a separate computation, on every lookup path", () => {
  const rnd = fixtureRandom(5);
  for (const reg of [new L1({ l1: 0.05 }), new L2({ l2: 0.2 }), new L1L2({ l1: 0.1, l2: 0.3 })]) {
    for (const dim of [1, 3, 4, 13, 64]) {
      const layer = new Embedding({ inputDim: 50, outputDim: dim, activityRegularizer: reg });
      const x = Array.from({ length: 6 }, () => Array.from({ length: 7 }, () => Math.floor(rnd() * 50)));
      const y = layer.call(x);
      const separate = reg.apply({ data: y.data, shape: [42, dim] }) / 6;
      assertClose(layer.losses, [separate], 1e-9, 1e-9);
      layer.callInto(x.slice(0, 2), new Float32Array(14 * dim));
      assertClose(layer.losses, [reg.apply({ data: y.data.subarray(0, 14 * dim), shape: [14, dim] }) / 2], 1e-9, 1e-9);
      layer.indexBuffer(42).set(x.flat());
      layer.lookupBuffer([6, 7]);
      assertClose(layer.losses, [separate], 1e-9, 1e-9);
    }
  }
});
layerSuite("orthogonal activity regularization needs rank-2 output and fails before writing", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 3, weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 1, 1]], activityRegularizer: "orthogonal_regularizer" });
  layer.call([0, 1, 3]);
  assertClose(layer.losses, [new OrthogonalRegularizer().apply([[1, 0, 0], [0, 1, 0], [1, 1, 0]]) / 3]);
  const out = new Float32Array(12).fill(7);
  assertThrowsMessage(() => layer.callInto([[0, 1], [2, 3]], out), ValueError, "Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=[2, 2, 3]");
  assert.ok(out.every((v) => v === 7));
});
layerSuite("a table of 20,000 × 16 gets its orthogonal penalty without an n × n matrix", () => {
  const layer = new Embedding({ inputDim: 20_000, outputDim: 16, embeddingsInitializer: { className: "RandomNormal", config: { seed: 4 } }, embeddingsRegularizer: new OrthogonalRegularizer() });
  const before = layer.memoryBytes;
  const penalty = layer.regularizationLoss();
  // The mean |cosine| of independent random 16-d vectors is about sqrt(2 / (pi * 16)) = 0.2.
  assert.ok(penalty > 0.01 * 0.18 && penalty < 0.01 * 0.22, `penalty ${penalty}`);
  assert.ok(layer.memoryBytes - before < 1 << 16, "scratch stays O(tile), far below rows² floats");
});
layerSuite("a function regularizer sees the table (or the output) and its number is the penalty", () => {
  const sumOf = ({ data }: { data: Float32Array }) => data.reduce((a, b) => a + b, 0);
  const layer = new Embedding({ inputDim: 4, outputDim: 3, weights: W, embeddingsRegularizer: sumOf, activityRegularizer: sumOf });
  assertClose([layer.regularizationLoss()], [0.5 - 1 + 2 + 3 + 4 - 0.1 + 0.2 - 0.3]);
  layer.call([[1, 1], [0, 3]]);
  // Output sum (3 + 4) · 2 + (0.5 - 1 + 2) = 15.5, divided by the batch size 2.
  assertClose(layer.losses, [15.5 / 2, 8.3]);
  assertThrowsMessage(() => new Embedding({ inputDim: 2, outputDim: 2, embeddingsRegularizer: () => "x" as never }).regularizationLoss(), ValueError,
    'The regularizer function returned "x"; expected a number.');
});
layerSuite("Keras 3 configs of regularizers round-trip", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, embeddingsRegularizer: "l1", activityRegularizer: { className: "L2", config: { l2: 0.5 } } });
  const keras = layer.toKerasConfig();
  assert.equal(keras["embeddings_regularizer"], { module: "keras.regularizers", class_name: "L1", config: { l1: 0.009999999776482582 }, registered_name: null });
  assert.equal(keras["activity_regularizer"], { module: "keras.regularizers", class_name: "L2", config: { l2: 0.5 }, registered_name: null });
  // Read back, the float32 factor is the same regularizer: the same config and the same penalty.
  const again = Embedding.fromConfig(keras);
  assert.equal(again.toKerasConfig(), keras);
  again.setWeights(layer.getWeights());
  assert.is(again.regularizationLoss(), layer.regularizationLoss());
});

vectors.run();
validation.run();
reference.run();
layerSuite.run();
