// Training: the sparse backward pass, regularizer and activity gradients against finite differences,
// optimizer steps against hand-computed Keras formulas, dense vs lazy updates, constraints after
// steps, optimizer state, and a small task that must learn.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  Adagrad, Adam, AdamW, Embedding, L1, L1L2, L2, MaxNorm, MinMaxNorm, NonNeg, OrthogonalRegularizer, SGD, UnitNorm, ValueError, type Regularizer,
} from "../../src/index.ts";
import { assertClose, assertSameFloats, assertThrowsMessage, fixtureRandom, flat } from "../support/helpers.ts";

const f = Math.fround;
function randomTable(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const rnd = fixtureRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => f((rnd() - 0.5) * 2 * scale)));
}

const grads = suite("backward");
grads("duplicates accumulate, rows come in order of first use, masked positions still count", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, weights: randomTable(5, 2, 1) });
  layer.call([[3, 0, 3], [1, 0, 3]]);
  const dY = { data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], shape: [2, 3, 2] };
  const g = layer.backward(dY)!;
  assert.equal(Array.from(g.indices), [3, 0, 1]);
  assert.equal(Array.from(g.values), [1 + 5 + 11, 2 + 6 + 12, 3 + 9, 4 + 10, 7, 8]);
  assert.equal(g.shape, [3, 2]);
  assert.equal(g.denseShape, [5, 2]);
});
grads("scaleGradByFreq divides each row by its count (PyTorch)", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 1, scaleGradByFreq: true });
  layer.call([2, 2, 2, 1]);
  const g = layer.backward(new Float32Array([3, 6, 9, 4]))!;
  assert.equal(Array.from(g.indices), [2, 1]);
  assertClose(g.values, [6, 4]);
});
grads("random lookups of every rank match a plain-TypeScript reference", () => {
  const rnd = fixtureRandom(9);
  for (const dim of [1, 3, 4, 13, 64]) {
    const rows = 40;
    const layer = new Embedding({ inputDim: rows, outputDim: dim });
    const n = 1 + Math.floor(rnd() * 300);
    const idx = Array.from({ length: n }, () => Math.floor(rnd() * rows));
    layer.call({ data: Int32Array.from(idx), shape: [n] });
    const dY = Float32Array.from({ length: n * dim }, () => rnd() - 0.5);
    const g = layer.backward(dY)!;
    const dense = new Float64Array(rows * dim);
    idx.forEach((r, i) => { for (let d = 0; d < dim; d++) dense[r * dim + d]! += dY[i * dim + d]!; });
    const seen = [...new Set(idx)];
    assert.equal(Array.from(g.indices), seen);
    const expected = seen.flatMap((r) => Array.from(dense.subarray(r * dim, (r + 1) * dim)));
    assertClose(g.values, expected, 1e-5, 1e-5);
  }
});
grads("the zero-copy path is differentiable too", () => {
  const layer = new Embedding({ inputDim: 6, outputDim: 3 });
  layer.indexBuffer(4).set([5, 1, 5, 2]);
  layer.lookupBuffer([2, 2]);
  const g = layer.backward(new Float32Array(12).fill(1))!;
  assert.equal(Array.from(g.indices), [5, 1, 2]);
  assert.equal(Array.from(g.values), [2, 2, 2, 1, 1, 1, 1, 1, 1]);
});
grads("errors: nothing to differentiate, a wrong dOutput shape; frozen layers return null", () => {
  const layer = new Embedding({ inputDim: 6, outputDim: 3 });
  assertThrowsMessage(() => layer.backward(new Float32Array(3)), ValueError, /^backward\(\) differentiates the last lookup, and there is none/);
  layer.call([[1, 2]]);
  assertThrowsMessage(() => layer.backward(new Float32Array(5)), ValueError,
    "dOutput must have 6 values, the size of the last lookup's output [1, 2, 3]. Received: dOutput.length=5");
  assertThrowsMessage(() => layer.backward({ data: new Float32Array(6), shape: [2, 3] }), ValueError,
    "dOutput must have the shape of the last lookup's output, [1, 2, 3]. Received: shape [2, 3]");
  layer.indexBuffer(2);
  assertThrowsMessage(() => layer.backward(new Float32Array(6)), ValueError, /there is none to differentiate/);
  const frozen = new Embedding({ inputDim: 6, outputDim: 3, trainable: false });
  frozen.call([1]);
  assert.is(frozen.backward(new Float32Array(3)), null);
  assertThrowsMessage(() => frozen.applyGradients({ indices: new Int32Array([1]), values: new Float32Array(3), shape: [1, 3], denseShape: [6, 3] }, new SGD()),
    ValueError, 'Layer "' + frozen.name + '" is not trainable (trainable: false); its table cannot be updated.');
});

/** Central finite difference of `loss` with respect to every table entry (table set through setWeights). */
function finiteDifferences(layer: Embedding, table: number[][], loss: () => number, h: number): Float64Array {
  const rows = table.length;
  const cols = table[0]!.length;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = table.map((row) => [...row]);
      w[r]![c] = table[r]![c]! + h;
      layer.setWeights([w]);
      const up = loss();
      w[r]![c] = table[r]![c]! - h;
      layer.setWeights([w]);
      const down = loss();
      out[r * cols + c] = (up - down) / (2 * h);
    }
  }
  layer.setWeights([table]);
  return out;
}

/** The dense gradient from a sparse one. */
function densify(g: { indices: Int32Array; values: Float32Array }, rows: number, cols: number): Float64Array {
  const dense = new Float64Array(rows * cols);
  g.indices.forEach((r, k) => { for (let c = 0; c < cols; c++) dense[r * cols + c] = g.values[k * cols + c]!; });
  return dense;
}

const fd = suite("finite differences");
fd("the data gradient of a squared loss", () => {
  const table = randomTable(6, 4, 2);
  const layer = new Embedding({ inputDim: 6, outputDim: 4, weights: table });
  const x = [[1, 4, 1], [5, 0, 1]];
  const target = Float64Array.from({ length: 24 }, (_, i) => Math.sin(i));
  const loss = () => layer.call(x).data.reduce((s, y, i) => s + (y - target[i]!) ** 2, 0);
  const y = layer.call(x).data;
  const g = layer.backward(Float32Array.from(y, (v, i) => 2 * (v - target[i]!)))!;
  assertClose(densify(g, 6, 4), finiteDifferences(layer, table, loss, 1e-2), 2e-4, 1e-3);
});
fd("the activity regularizer's gradient is included (L1L2 and Orthogonal in both modes, divided by batch)", () => {
  for (const reg of [new L1L2({ l1: 0.3, l2: 0.2 }), new OrthogonalRegularizer({ factor: 0.5 }), new OrthogonalRegularizer({ factor: 0.5, mode: "columns" })] as Regularizer[]) {
    const table = randomTable(5, 3, 3);
    const layer = new Embedding({ inputDim: 5, outputDim: 3, weights: table, activityRegularizer: reg });
    const x = [4, 1, 3, 0];
    const c = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const loss = () => layer.call(x).data.reduce((s, y, i) => s + y * c[i]!, 0) + layer.losses[0]!;
    layer.call(x);
    const g = layer.backward(Float32Array.from(c))!;
    assertClose(densify(g, 5, 3), finiteDifferences(layer, table, loss, 1e-3), 2e-4, 2e-3);
  }
});

fd("an activity regularizer given as a function cannot be differentiated: backward says so", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, activityRegularizer: ({ data }: { data: Float32Array }) => data[0]! });
  layer.call([1, 2]);
  assertThrowsMessage(() => layer.backward(new Float32Array(4)), ValueError,
    "backward() cannot differentiate the activity regularizer Function; use L1, L2, L1L2 or OrthogonalRegularizer.");
});

/** The regularizer gradient an optimizer step applies: SGD(lr 1), dense, zero data gradient. */
function appliedRegularizerGradient(layer: Embedding, rows: number, cols: number): Float64Array {
  const before = layer.getWeights()[0]!.data;
  layer.applyGradients({ indices: new Int32Array(0), values: new Float32Array(0), shape: [0, cols], denseShape: [rows, cols] }, new SGD({ learningRate: 1 }));
  const after = layer.getWeights()[0]!.data;
  return Float64Array.from(before, (w, i) => w - after[i]!);
}
fd("the embeddings regularizers' gradients (dense mode reaches every row)", () => {
  const cases: Regularizer[] = [new L1({ l1: 0.01 }), new L2({ l2: 0.03 }), new L1L2({ l1: 0.01, l2: 0.02 }),
    new OrthogonalRegularizer({ factor: 0.05, mode: "rows" }), new OrthogonalRegularizer({ factor: 0.05, mode: "columns" })];
  for (const reg of cases) {
    const table = randomTable(7, 5, 4);
    const layer = new Embedding({ inputDim: 7, outputDim: 5, weights: table, embeddingsRegularizer: reg });
    const numeric = finiteDifferences(layer, table, () => layer.regularizationLoss(), 1e-3);
    assertClose(appliedRegularizerGradient(layer, 7, 5), numeric, 3e-6, 3e-3);
  }
});

fd("lazy steps: the embeddings regularizer's gradient reaches the touched rows only, exactly", () => {
  const cases: Regularizer[] = [new L1({ l1: 0.01 }), new L2({ l2: 0.03 }), new L1L2({ l1: 0.01, l2: 0.02 }),
    new OrthogonalRegularizer({ factor: 0.05, mode: "rows" }), new OrthogonalRegularizer({ factor: 0.05, mode: "columns" })];
  const touched = [3, 1, 6];
  for (const reg of cases) {
    const table = randomTable(7, 5, 8);
    const layer = new Embedding({ inputDim: 7, outputDim: 5, weights: table, embeddingsRegularizer: reg });
    const numeric = finiteDifferences(layer, table, () => layer.regularizationLoss(), 1e-3);
    const before = layer.getWeights()[0]!.data;
    layer.applyGradients({ indices: Int32Array.from(touched), values: new Float32Array(15), shape: [3, 5], denseShape: [7, 5] },
      new SGD({ learningRate: 1, mode: "lazy" }));
    const after = layer.getWeights()[0]!.data;
    for (let r = 0; r < 7; r++) {
      const applied = Array.from({ length: 5 }, (_, c) => before[r * 5 + c]! - after[r * 5 + c]!);
      if (touched.includes(r)) assertClose(applied, numeric.subarray(r * 5, r * 5 + 5), 3e-6, 3e-3);
      else assert.equal(applied, [0, 0, 0, 0, 0], `${reg.className}: untouched row ${r} must not move`);
    }
  }
});

const steps = suite("optimizer steps (Keras formulas)");
/** One dense step by hand, in float64, for a single element. */
function adamReference(w: number, g: number, t: number, m0: number, v0: number, lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0) {
  w = w - w * wd * lr;
  const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  const m = m0 + (g - m0) * (1 - b1);
  const v = v0 + (g * g - v0) * (1 - b2);
  return { w: w - (m * alpha) / (Math.sqrt(v) + eps), m, v };
}
steps("one Adam step on a known gradient equals the hand-computed update", () => {
  const table = randomTable(4, 3, 5);
  const layer = new Embedding({ inputDim: 4, outputDim: 3, weights: table });
  const grad = { indices: new Int32Array([2, 0]), values: new Float32Array([0.5, -1, 2, 0.1, 0.2, -0.3]), shape: [2, 3] as [number, number], denseShape: [4, 3] as [number, number] };
  const adam = new Adam();
  layer.applyGradients(grad, adam);
  const expected = flat(table).map((w, i) => {
    const r = Math.floor(i / 3), c = i % 3;
    const k = r === 2 ? 0 : r === 0 ? 1 : -1;
    return k < 0 ? w : adamReference(w, grad.values[k * 3 + c]!, 1, 0, 0).w;
  });
  assertClose(layer.getWeights()[0]!.data, expected, 1e-7, 1e-6);
  const state = adam.getState(layer)!;
  assert.is(state.iterations, 1);
  assertClose(state.slots["momentum"]!.subarray(6, 9), [0.05, -0.1, 0.2], 1e-8, 1e-6);
});
steps("dense Adam keeps moving rows the gradient left out; lazy Adam does not", () => {
  const g1 = { indices: new Int32Array([0, 1]), values: new Float32Array([1, -1, 2, 2]), shape: [2, 2] as [number, number], denseShape: [3, 2] as [number, number] };
  const g2 = { indices: new Int32Array([1]), values: new Float32Array([0.5, 0.5]), shape: [1, 2] as [number, number], denseShape: [3, 2] as [number, number] };
  const table = [[1, 2], [3, 4], [5, 6]];
  const dense = new Embedding({ inputDim: 3, outputDim: 2, weights: table });
  const lazy = new Embedding({ inputDim: 3, outputDim: 2, weights: table });
  const a = new Adam({ learningRate: 0.1 });
  const b = new Adam({ learningRate: 0.1, mode: "lazy" });
  for (const g of [g1, g2]) {
    dense.applyGradients(g, a);
    lazy.applyGradients(g, b);
  }
  // Row 0: step 1 with g = (1, -1), step 2 with g = 0 (dense) or skipped (lazy).
  const s1 = [adamReference(1, 1, 1, 0, 0, 0.1), adamReference(2, -1, 1, 0, 0, 0.1)];
  const s2 = s1.map((s) => adamReference(s.w, 0, 2, s.m, s.v, 0.1));
  assertClose(dense.getWeights()[0]!.data.subarray(0, 2), s2.map((s) => s.w), 1e-6, 1e-6);
  assertClose(lazy.getWeights()[0]!.data.subarray(0, 2), s1.map((s) => s.w), 1e-6, 1e-6);
  // Row 1 got gradients both times: the same in both modes. Row 2 never: unchanged in both.
  assertSameFloats(dense.getWeights()[0]!.data.subarray(2), lazy.getWeights()[0]!.data.subarray(2));
  assert.equal(Array.from(dense.getWeights()[0]!.data.subarray(4)), [5, 6]);
});
steps("SGD (plain, momentum, Nesterov), Adagrad and AdamW match their update rules", () => {
  const g = { indices: new Int32Array([1]), values: new Float32Array([0.5, -2]), shape: [1, 2] as [number, number], denseShape: [2, 2] as [number, number] };
  const run = (optimizer: SGD | Adagrad | AdamW, times: number) => {
    const layer = new Embedding({ inputDim: 2, outputDim: 2, weights: [[1, 1], [3, -4]] });
    for (let t = 0; t < times; t++) layer.applyGradients(g, optimizer);
    return Array.from(layer.getWeights()[0]!.data.subarray(2));
  };
  assertClose(run(new SGD({ learningRate: 0.1 }), 1), [3 - 0.05, -4 + 0.2]);
  // momentum 0.9, two steps: v1 = -lr g, w1 = w + v1; v2 = 0.9 v1 - lr g, w2 = w1 + v2.
  const mom = [3, -4].map((w, c) => { const gc = [0.5, -2][c]!; const v1 = -0.1 * gc; const v2 = 0.9 * v1 - 0.1 * gc; return w + v1 + v2; });
  assertClose(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), 2), mom);
  const nes = [3, -4].map((w, c) => { const gc = [0.5, -2][c]!; const v1 = -0.1 * gc; const w1 = w + 0.9 * v1 - 0.1 * gc; const v2 = 0.9 * v1 - 0.1 * gc; return w1 + 0.9 * v2 - 0.1 * gc; });
  assertClose(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 2), nes);
  const ada = [3, -4].map((w, c) => { const gc = [0.5, -2][c]!; let acc = 0.1; for (let t = 0; t < 2; t++) { acc += gc * gc; w -= (0.01 * gc) / Math.sqrt(acc + 1e-7); } return w; });
  assertClose(run(new Adagrad({ learningRate: 0.01 }), 2), ada);
  const adamw = [3, -4].map((w, c) => adamReference(w, [0.5, -2][c]!, 1, 0, 0, 0.001, 0.9, 0.999, 1e-7, 0.004).w);
  assertClose(run(new AdamW(), 1), adamw, 1e-7, 1e-6);
});
steps("the constraint follows each step: touched rows when lazy and per-row, the whole table otherwise", () => {
  const table = [[3, 4], [6, 8], [0.3, 0.4]];
  const g = { indices: new Int32Array([0]), values: new Float32Array([0, 0]), shape: [1, 2] as [number, number], denseShape: [3, 2] as [number, number] };
  const lazy = new Embedding({ inputDim: 3, outputDim: 2, weights: table, embeddingsConstraint: new MaxNorm({ maxValue: 1, axis: 1 }) });
  lazy.applyGradients(g, new SGD({ mode: "lazy" }));
  const w = lazy.getWeights()[0]!.data;
  assertClose(w.subarray(0, 2), [0.6, 0.8]);
  assert.equal(Array.from(w.subarray(2, 4)), [6, 8], "row 1 was not touched: a lazy step leaves it");
  const dense = new Embedding({ inputDim: 3, outputDim: 2, weights: table, embeddingsConstraint: new MaxNorm({ maxValue: 1, axis: 1 }) });
  dense.applyGradients(g, new SGD());
  assertClose(dense.getWeights()[0]!.data.subarray(2, 4), [0.6, 0.8]);
  const nonneg = new Embedding({ inputDim: 2, outputDim: 2, weights: [[1, 1], [1, 1]], embeddingsConstraint: new NonNeg() });
  nonneg.applyGradients({ indices: new Int32Array([1]), values: new Float32Array([50, -50]), shape: [1, 2], denseShape: [2, 2] }, new SGD({ learningRate: 1, mode: "lazy" }));
  assert.equal(Array.from(nonneg.getWeights()[0]!.data), [1, 1, 0, 51]);
});
steps("one default Adam step, computed by hand: w = 0.5, g = 0.2 → 0.49900001581", () => {
  // t = 1: m = 0.1·0.2 = 0.02, v = 0.001·0.04 = 4e-5, α = 0.001·√0.001 / 0.1 = 3.16227766e-4,
  // w −= m·α / (√v + 1e-7) = 6.32455532e-6 / 6.32465532e-3 = 9.99984189e-4.
  const layer = new Embedding({ inputDim: 1, outputDim: 1, weights: [[0.5]] });
  layer.applyGradients({ indices: new Int32Array([0]), values: new Float32Array([0.2]), shape: [1, 1], denseShape: [1, 1] }, new Adam());
  assertClose(layer.getWeights()[0]!.data, [0.49900001581], 1e-7, 0);
});
steps("Keras' defaults: SGD lr 0.01; Adagrad 0.001 / 0.1 / 1e-7; Adam 0.001 / 0.9 / 0.999 / 1e-7; AdamW weight decay 0.004", () => {
  assert.equal(new SGD().getConfig(), { learningRate: 0.01, mode: "dense", weightDecay: null, momentum: 0, nesterov: false });
  assert.equal(new Adagrad().getConfig(), { learningRate: 0.001, mode: "dense", weightDecay: null, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
  assert.equal(new Adam().getConfig(), { learningRate: 0.001, mode: "dense", weightDecay: null, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.equal(new AdamW().getConfig(), { learningRate: 0.001, mode: "dense", weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.is(new Adam({ mode: "lazy" }).mode, "lazy");
  assertThrowsMessage(() => new Adam({ mode: "sparse" as never }), ValueError, 'mode must be "dense" or "lazy". Received: mode="sparse"');
});
steps("dense vs lazy for SGD with momentum, weight decay and Adagrad", () => {
  const g = (rows: number[], values: number[]) => ({ indices: Int32Array.from(rows), values: Float32Array.from(values), shape: [rows.length, 2] as [number, number], denseShape: [2, 2] as [number, number] });
  const run = (opt: SGD | Adagrad) => {
    const layer = new Embedding({ inputDim: 2, outputDim: 2, weights: [[1, 2], [3, 4]] });
    layer.applyGradients(g([0, 1], [1, -1, 0.5, 0.5]), opt);
    layer.applyGradients(g([1], [2, -2]), opt);
    return { w: Array.from(layer.getWeights()[0]!.data), state: opt.getState(layer)! };
  };
  // Momentum 0.9, lr 0.1. Row 0: v1 = -0.1·g, and step 2 has g = 0: dense moves it again by 0.9·v1, lazy does not.
  const dense = run(new SGD({ learningRate: 0.1, momentum: 0.9 }));
  const lazy = run(new SGD({ learningRate: 0.1, momentum: 0.9, mode: "lazy" }));
  assertClose(dense.w.slice(0, 2), [1 - 0.1 - 0.09, 2 + 0.1 + 0.09]);
  assertClose(lazy.w.slice(0, 2), [1 - 0.1, 2 + 0.1]);
  // Row 1 had gradients both times: v2 = 0.9·v1 − 0.1·g2, the same in both modes.
  const row1 = [3, 4].map((w, c) => { const v1 = -0.1 * [0.5, 0.5][c]!; return w + v1 + (0.9 * v1 - 0.1 * [2, -2][c]!); });
  assertClose(dense.w.slice(2), row1);
  assertClose(lazy.w.slice(2), row1);
  assertClose(lazy.state.slots["momentum"]!, [-0.1, 0.1, 0.9 * -0.05 - 0.2, 0.9 * -0.05 + 0.2]);
  // Decoupled weight decay (w −= w·wd·lr): dense reaches row 0 on step 2, lazy does not.
  const wdDense = run(new SGD({ learningRate: 0.1, weightDecay: 0.5 }));
  const wdLazy = run(new SGD({ learningRate: 0.1, weightDecay: 0.5, mode: "lazy" }));
  // Row 0 after step 1 (both modes): w·(1 − 0.05) − 0.1·g = [0.95 − 0.1, 1.9 + 0.1].
  const row0 = [0.85, 2.0];
  assertClose(wdLazy.w.slice(0, 2), row0);
  assertClose(wdDense.w.slice(0, 2), row0.map((w) => w * 0.95));
  // Adagrad, lr 0.001: the accumulators start at 0.1 and only gain g²; a zero gradient leaves a row where it is.
  const ada = run(new Adagrad());
  const adaLazy = run(new Adagrad({ mode: "lazy" }));
  assertClose(ada.state.slots["accumulator"]!, [1.1, 1.1, 0.1 + 0.25 + 4, 0.1 + 0.25 + 4], 1e-6, 1e-6);
  assertClose(adaLazy.state.slots["accumulator"]!, ada.state.slots["accumulator"]!, 0, 0);
  assertClose(ada.w, adaLazy.w, 0, 0);
  assertClose(ada.w.slice(0, 2), [1 - 0.001 / Math.sqrt(1.1 + 1e-7), 2 + 0.001 / Math.sqrt(1.1 + 1e-7)], 1e-7, 1e-6);
});
steps("lazy steps: an axis-0 constraint is applied to the whole table, a per-row one to the touched rows", () => {
  const table = [[3, 4], [6, 8], [0.3, 0.4]];
  const zero = { indices: new Int32Array([2]), values: new Float32Array(2), shape: [1, 2] as [number, number], denseShape: [3, 2] as [number, number] };
  const columns = new Embedding({ inputDim: 3, outputDim: 2, weights: table, embeddingsConstraint: new MaxNorm({ maxValue: 1 }) });
  columns.applyGradients(zero, new SGD({ mode: "lazy" }));
  // Row 2 was the only row stepped (by a zero gradient); every column of the table is constrained.
  assertClose(columns.getWeights()[0]!.data, new MaxNorm({ maxValue: 1 }).apply(table), 0, 0);
  const unit = new Embedding({ inputDim: 3, outputDim: 2, weights: table, embeddingsConstraint: new UnitNorm({ axis: 1 }) });
  unit.applyGradients(zero, new Adam({ mode: "lazy" }));
  const u = unit.getWeights()[0]!.data;
  assert.equal(Array.from(u.subarray(0, 4)), [3, 4, 6, 8], "untouched rows keep their norms");
  assertClose(u.subarray(4), [0.6, 0.8]);
  const mm = new Embedding({ inputDim: 3, outputDim: 2, weights: table, embeddingsConstraint: new MinMaxNorm({ minValue: 1, maxValue: 2, axis: -1 }) });
  mm.applyGradients({ ...zero, indices: new Int32Array([1]) }, new SGD({ mode: "lazy" }));
  assertClose(mm.getWeights()[0]!.data, [3, 4, 1.2, 1.6, 0.3, 0.4]);
});
steps("lazy steps constrain exactly the touched rows, in any order, as the whole-table constraint would", () => {
  // 10 × 37: odd width (vector body and scalar tail); five touched rows out of order.
  const rnd = fixtureRandom(17);
  const rows = 10, cols = 37;
  const table = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rnd() - 0.5) * 4));
  const touched = [4, 0, 7, 2, 9];
  const zero = { indices: new Int32Array(touched), values: new Float32Array(touched.length * cols), shape: [touched.length, cols] as [number, number], denseShape: [rows, cols] as [number, number] };
  for (const constraint of [new MaxNorm({ maxValue: 1.5, axis: 1 }), new UnitNorm({ axis: 1 }), new MinMaxNorm({ minValue: 0.5, maxValue: 2, rate: 0.7, axis: 1 })]) {
    const layer = new Embedding({ inputDim: rows, outputDim: cols, weights: table, embeddingsConstraint: constraint });
    layer.applyGradients(zero, new SGD({ mode: "lazy" })); // w − 0 = w, then the constraint on the touched rows
    const got = layer.getWeights()[0]!.data;
    const whole = constraint.apply(table);
    const original = Float32Array.from(table.flat());
    for (let r = 0; r < rows; r++) {
      const want = (touched.includes(r) ? whole : original).subarray(r * cols, (r + 1) * cols);
      assert.equal(Array.from(got.subarray(r * cols, (r + 1) * cols)), Array.from(want), `${constraint.className} row ${r}`);
    }
  }
});
steps("repeated rows in a hand-made gradient are summed", () => {
  const layer = new Embedding({ inputDim: 2, outputDim: 1, weights: [[0], [0]] });
  layer.applyGradients({ indices: new Int32Array([1, 1, 0]), values: new Float32Array([1, 2, 5]), shape: [3, 1], denseShape: [2, 1] }, new SGD({ learningRate: 1 }));
  assert.equal(Array.from(layer.getWeights()[0]!.data), [-5, -3]);
});

const state = suite("optimizer state");
state("saved and restored state continues training identically", () => {
  const rnd = fixtureRandom(3);
  const make = () => new Embedding({ inputDim: 20, outputDim: 4, embeddingsInitializer: { className: "RandomNormal", config: { seed: 2 } } });
  const a = make();
  const adamA = new Adam({ learningRate: 0.05 });
  const batches = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => Math.floor(rnd() * 20)));
  const step = (layer: Embedding, opt: Adam, x: number[]) => {
    layer.call(x);
    layer.applyGradients(layer.backward(new Float32Array(32).fill(0.3))!, opt);
  };
  for (const x of batches.slice(0, 3)) step(a, adamA, x);
  const b = make();
  const adamB = new Adam({ learningRate: 0.05 });
  b.setWeights(a.getWeights());
  b.setOptimizerState(adamB, adamA.getState(a)!);
  step(a, adamA, batches[3]!);
  step(b, adamB, batches[3]!);
  assertSameFloats(b.getWeights()[0]!.data, a.getWeights()[0]!.data);
  assert.is(adamB.getState(b)!.iterations, 4);
});
state("SGD with momentum, Adagrad and lazy AdamW: restored state continues identically", () => {
  const rnd = fixtureRandom(17);
  const batches = Array.from({ length: 5 }, () => Array.from({ length: 6 }, () => Math.floor(rnd() * 12)));
  for (const makeOpt of [() => new SGD({ learningRate: 0.1, momentum: 0.8 }), () => new Adagrad({ learningRate: 0.1 }), () => new AdamW({ learningRate: 0.05, mode: "lazy" })]) {
    const make = () => new Embedding({ inputDim: 12, outputDim: 3, embeddingsInitializer: { className: "RandomNormal", config: { seed: 4 } } });
    const step = (layer: Embedding, opt: SGD | Adagrad | AdamW, x: number[]) => {
      const y = layer.call(x).data;
      layer.applyGradients(layer.backward(y.map((v) => v - 0.5))!, opt);
    };
    const a = make();
    const optA = makeOpt();
    for (const x of batches.slice(0, 3)) step(a, optA, x);
    const saved = optA.getState(a)!;
    const b = make();
    const optB = makeOpt();
    b.setWeights(a.getWeights());
    optB.setState(b, saved);
    for (const x of batches.slice(3)) {
      step(a, optA, x);
      step(b, optB, x);
    }
    assertSameFloats(b.getWeights()[0]!.data, a.getWeights()[0]!.data, optA.className);
    assert.equal(optB.getState(b)!.iterations, 5);
    for (const name of Object.keys(saved.slots)) assertSameFloats(optB.getState(b)!.slots[name]!, optA.getState(a)!.slots[name]!, name);
  }
});
state("errors: a second optimizer, a state of another class, bad gradients", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, name: "one_opt" });
  const g = { indices: new Int32Array([0]), values: new Float32Array(2), shape: [1, 2] as [number, number], denseShape: [3, 2] as [number, number] };
  layer.applyGradients(g, new Adam());
  assertThrowsMessage(() => layer.applyGradients(g, new Adam()), ValueError, 'Layer "one_opt" is already trained by another optimizer (Adam); use one optimizer per layer.');
  assertThrowsMessage(() => layer.setOptimizerState(new SGD(), { className: "Adam", iterations: 1, slots: {} }), ValueError, "This state was saved by \"Adam\", not SGD.");
  const fresh = new Embedding({ inputDim: 3, outputDim: 2 });
  assertThrowsMessage(() => fresh.applyGradients({ ...g, indices: new Int32Array([3]) }, new SGD()), RangeError, "gradient.indices[0] = 3 is not in [0, 3)");
  assertThrowsMessage(() => fresh.applyGradients({ ...g, values: new Float32Array(3) }, new SGD()), ValueError,
    "gradient.values must have indices.length × outputDim = 1 × 2 = 2 values. Received: 3");
  assertThrowsMessage(() => new SGD({ momentum: 2 }), ValueError, "momentum must be a number in [0, 1]. Received: momentum=2");
  assertThrowsMessage(() => new AdamW({ weightDecay: null as never }), ValueError, "Argument `weight_decay` must be a float. Received: weight_decay=None");
});

const learn = suite("a small task learns");
learn("dot-product scores separate positive from negative pairs: the loss falls by at least 90%", () => {
  // 40 tokens in 4 classes; a pair is positive when both tokens share a class. Logistic loss on e_a · e_b.
  const rnd = fixtureRandom(11);
  const layer = new Embedding({ inputDim: 40, outputDim: 8, embeddingsInitializer: { className: "RandomNormal", config: { seed: 5, stddev: 0.1 } } });
  const adam = new Adam({ learningRate: 0.05 });
  const batch = 64;
  const lossOf = (pairs: number[][], labels: number[]) => {
    const y = layer.call(pairs).data;
    let loss = 0;
    const dY = new Float32Array(y.length);
    pairs.forEach((_, i) => {
      let s = 0;
      for (let d = 0; d < 8; d++) s += y[i * 16 + d]! * y[i * 16 + 8 + d]!;
      const p = 1 / (1 + Math.exp(-s));
      loss += -(labels[i]! * Math.log(p + 1e-12) + (1 - labels[i]!) * Math.log(1 - p + 1e-12));
      const ds = (p - labels[i]!) / batch;
      for (let d = 0; d < 8; d++) {
        dY[i * 16 + d] = ds * y[i * 16 + 8 + d]!;
        dY[i * 16 + 8 + d] = ds * y[i * 16 + d]!;
      }
    });
    return { loss: loss / batch, dY };
  };
  const sample = () => {
    const pairs = Array.from({ length: batch }, () => [Math.floor(rnd() * 40), Math.floor(rnd() * 40)]);
    return { pairs, labels: pairs.map(([a, b]) => (a! % 4 === b! % 4 ? 1 : 0)) };
  };
  const probe = sample();
  const first = lossOf(probe.pairs, probe.labels).loss;
  for (let step = 0; step < 400; step++) {
    const { pairs, labels } = sample();
    const { dY } = lossOf(pairs, labels);
    layer.applyGradients(layer.backward(dY)!, adam);
  }
  const last = lossOf(probe.pairs, probe.labels).loss;
  assert.ok(last < 0.1 * first, `loss ${first} → ${last}`);
});

grads.run();
fd.run();
steps.run();
state.run();
learn.run();
