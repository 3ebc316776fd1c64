// Training calls as transactions: backward and applyGradients read the caller's data once, check
// the copy, reserve everything first, and leave the table, the optimizer state, the step count and
// the recorded lookup as they were whenever they throw (bad input, allocation failure, user code).
// Each test states how the behaviour it pins down failed before the transactional design.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Adagrad, Adam, AdamW, Embedding, L2, SGD, ValueError, type Constraint, type OptimizerState, type SparseGradient } from "../../src/index.ts";
import { brokenGuards, withGuardBands } from "../../src/testing.ts";
import { assertClose, assertSameFloats, assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";

const GUARD = 256;

function randomWeights(rows: number, dim: number, seed: number): number[][] {
  const rnd = fixtureRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: dim }, () => Math.fround(rnd() - 0.5)));
}

const gradientOf = (indices: ArrayLike<number>, values: ArrayLike<number>, rows: number, dim: number): SparseGradient => ({
  indices: Int32Array.from(indices), values: Float32Array.from(values), shape: [indices.length, dim], denseShape: [rows, dim],
});

/** Everything a failed call must leave as it was. */
function stateOf(layer: Embedding, optimizer: SGD | Adagrad | Adam) {
  const saved = layer.getOptimizerState(optimizer);
  return {
    table: Array.from(layer.getWeights()[0]!.data),
    iterations: saved?.iterations ?? null,
    slots: saved === null ? null : Object.fromEntries(Object.entries(saved.slots).map(([k, v]) => [k, Array.from(v)])),
    losses: layer.losses,
    memoryBytes: layer.memoryBytes,
  };
}

/** One Adam step from zero slots on one row, in plain float64 (Keras' update_step, t = 1). */
function adamFirstStep(w: readonly number[], g: readonly number[], lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
  const alpha = (lr * Math.sqrt(1 - b2)) / (1 - b1);
  return w.map((wi, i) => {
    const m = (1 - b1) * g[i]!;
    const v = (1 - b2) * g[i]! * g[i]!;
    return wi - (m * alpha) / (Math.sqrt(v) + eps);
  });
}

const reads = suite("the gradient is read once and its copy is checked");

reads("a gradient whose getters return a valid array first and an out-of-range one later takes a correct step", () => {
  // Before: the indices were checked through one read of `gradient.indices` and copied through a
  // second, so the second array's row 8 (one past the table) was written, into the guard band.
  const rows = 8, dim = 4;
  const weights = randomWeights(rows, dim, 1);
  const layer = withGuardBands(GUARD, () => new Embedding({ inputDim: rows, outputDim: dim, weights }));
  const good = Int32Array.from([3]);
  const bad = Int32Array.from([rows]);
  let indexReads = 0, valueReads = 0;
  const g = [0.5, -1, 2, 0.25];
  const gradient = {
    get indices() { return indexReads++ === 0 ? good : bad; },
    get values() { valueReads++; return Float32Array.from(g); },
    shape: [1, dim] as [number, number], denseShape: [rows, dim] as [number, number],
  };
  const adam = new Adam({ mode: "lazy" });
  layer.applyGradients(gradient, adam);
  assert.is(indexReads, 1, "gradient.indices read once");
  assert.is(valueReads, 1, "gradient.values read once");
  assert.equal(brokenGuards(layer), []);
  const table = layer.getWeights()[0]!.data;
  assertClose(table.subarray(3 * dim, 4 * dim), adamFirstStep(weights[3]!, g), 1e-7, 1e-6);
  for (const r of [0, 1, 2, 4, 5, 6, 7]) assertSameFloats(table.subarray(r * dim, (r + 1) * dim), weights[r]!, `row ${r}`);
});

reads("indices in a SharedArrayBuffer changed by the optimizer's getter between reads: a clean RangeError or a correct step, never a write outside", () => {
  // Before: indices were checked first, then the optimizer's `mode` was read (here: the hostile
  // callback sets an index to inputDim), then the indices were copied unchecked and a lazy Adam step
  // wrote row 8, past the table, into the guard band and the slots beyond it.
  const rows = 8, dim = 4;
  const weights = randomWeights(rows, dim, 2);
  const layer = withGuardBands(GUARD, () => new Embedding({ inputDim: rows, outputDim: dim, weights }));
  // A page that is not cross-origin isolated has no SharedArrayBuffer; the getter mutates either kind.
  const shared = new Int32Array(typeof SharedArrayBuffer === "undefined" ? new ArrayBuffer(8) : new SharedArrayBuffer(8));
  shared.set([1, 5]);
  const values = Float32Array.from({ length: 2 * dim }, (_, i) => (i - 3) / 4);
  const adam = new Adam({ mode: "lazy" });
  // The optimizer's fields are plain properties: a caller can turn one into a getter that runs code.
  Object.defineProperty(adam, "mode", { get: () => { Atomics.store(shared, 1, rows); return "lazy"; } });
  // A first, clean step makes the slots, so that a stray write would land in them.
  layer.applyGradients(gradientOf([0], [1, 1, 1, 1], rows, dim), adam);
  Atomics.store(shared, 1, 5);
  const before = stateOf(layer, adam);
  let error: unknown;
  try {
    layer.applyGradients({ indices: shared, values, shape: [2, dim], denseShape: [rows, dim] }, adam);
  } catch (e) {
    error = e;
  }
  assert.equal(brokenGuards(layer), [], "no write outside the table");
  if (error !== undefined) {
    assert.instance(error, RangeError);
    assert.is((error as Error).message, `gradient.indices[1] = ${rows} is not in [0, ${rows})`);
    assert.equal(stateOf(layer, adam), before, "nothing changed");
  } else {
    const after = stateOf(layer, adam);
    assert.is(after.iterations, 2);
    // Only rows 1 and 5 (the values read) may have moved.
    for (const r of [0, 2, 3, 4, 6, 7]) assert.equal(after.table.slice(r * dim, (r + 1) * dim), before.table.slice(r * dim, (r + 1) * dim));
  }
});

reads("non-float gradient values, non-int32 indices and detached buffers get the package's error naming the argument", () => {
  // Before: a BigInt64Array or detached arrays reached TypedArray.set (a raw TypeError), or, detached
  // (length 0), passed as an empty gradient: the step ran and advanced `iterations`.
  const layer = new Embedding({ inputDim: 4, outputDim: 2 });
  const adam = new Adam();
  layer.applyGradients(gradientOf([1], [1, 1], 4, 2), adam);
  const before = stateOf(layer, adam);
  const ids = Int32Array.from([2]);
  assertThrowsMessage(() => layer.applyGradients({ ...gradientOf([2], [1, 1], 4, 2), values: new BigInt64Array(2) as never }, adam), ValueError,
    /^gradient\.values must be a Float32Array of gradient rows \(as backward\(\) returns\)\. Received: gradient\.values=BigInt64Array\(2\)/);
  assertThrowsMessage(() => layer.applyGradients({ ...gradientOf([2], [1, 1], 4, 2), indices: new Float64Array([2]) as never }, adam), ValueError,
    /^gradient\.indices must be an Int32Array of row ids/);
  const detachedIds = Int32Array.from([2]);
  structuredClone(detachedIds, { transfer: [detachedIds.buffer] });
  const detachedValues = Float32Array.from([1, 1]);
  structuredClone(detachedValues, { transfer: [detachedValues.buffer] });
  assertThrowsMessage(() => layer.applyGradients({ ...gradientOf([2], [1, 1], 4, 2), indices: detachedIds, values: detachedValues }, adam), ValueError,
    "gradient.indices is an Int32Array whose buffer has been detached (transferred to a worker or by structuredClone), so it holds no data any more. Pass an array whose buffer is still usable.");
  assertThrowsMessage(() => layer.applyGradients({ ...gradientOf([2], [1, 1], 4, 2), indices: ids, values: detachedValues }, adam), ValueError,
    /^gradient\.values is a Float32Array whose buffer has been detached/);
  assert.equal(stateOf(layer, adam), before);
});

reads("gradient values that are a view of the layer's own memory are read before the step's scratch grows it", () => {
  // Before: the step's scratch grew memory first, which detached the view, and then copied from it.
  const rows = 300, dim = 64;
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: randomWeights(rows, dim, 10) });
  const twin = new Embedding({ inputDim: rows, outputDim: dim, weights: randomWeights(rows, dim, 10) });
  const sgd = new SGD({ learningRate: 0.5 }), twinSgd = new SGD({ learningRate: 0.5 });
  layer.applyGradients(gradientOf([0], new Array(dim).fill(1), rows, dim), sgd);
  twin.applyGradients(gradientOf([0], new Array(dim).fill(1), rows, dim), twinSgd);
  // 256 positions: the lookup regions' starting capacity, so the step's scratch lies beyond them.
  const n = 256;
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  layer.indexBuffer(n).set(ids.map((i) => (i * 7) % rows));
  const values = layer.lookupBuffer(n);
  const copy = values.slice();
  const bytes = layer.memoryBytes;
  layer.applyGradients({ indices: ids, values, shape: [n, dim], denseShape: [rows, dim] }, sgd);
  assert.ok(layer.memoryBytes > bytes, "the step grew memory (the case under test)");
  twin.applyGradients({ indices: ids, values: copy, shape: [n, dim], denseShape: [rows, dim] }, twinSgd);
  assertSameFloats(layer.getWeights()[0]!.data, twin.getWeights()[0]!.data, "table");
});

const slots = suite("optimizer slots: all or nothing");

slots("a first Adam step whose second slot does not fit in 4 GiB throws, allocates nothing, keeps the lookup; a retry does the same", () => {
  // 1,500,000 × 256 float32 = 1.536 GB: one more slot fits in 4 GiB, two do not. Before: the first
  // slot was allocated (memory doubled for good, lookup regions moved) and the second threw; the
  // next backward() read the moved index region (rows of zeros), and a retry failed on the first slot.
  const rows = 1_500_000, dim = 256;
  const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: "zeros" });
  try {
    layer.call([[7, rows - 1, 7]]);
    const dY = Float32Array.from({ length: 3 * dim }, (_, i) => (i % 7) - 3);
    const gradient = layer.backward(dY)!;
    assert.equal(Array.from(gradient.indices), [7, rows - 1]);
    const bytes = layer.memoryBytes;
    const adam = new Adam();
    const message = /^This layer needs 3072000000 more bytes \(2\.86 GiB\) for Adam's momentum and velocity slots and \d+ bytes of scratch memory beside its 1500000 × 256 table, more than its WebAssembly memory \(4 GiB\) can hold\. Nothing was allocated\.$/;
    for (let attempt = 0; attempt < 2; attempt++) {
      assertThrowsMessage(() => layer.applyGradients(gradient, adam), RangeError, message);
      assert.is(layer.memoryBytes, bytes, "no memory reserved");
      assert.is(layer.getOptimizerState(adam), null, "no optimizer state");
      const again = layer.backward(dY)!;
      assertSameFloats(again.indices, gradient.indices, "indices");
      assertSameFloats(again.values, gradient.values, "values");
    }
  } finally {
    layer.dispose();
  }
});

const repeat = suite("backward is repeatable");

repeat("backward twice after one call gives the same gradient (activity regularizer included)", () => {
  // Before: the first backward wrote dOutput over the output region, and the second read it back
  // as the lookup's output when adding the activity gradient 2·l2·y / batch.
  const rows = 5, dim = 3;
  const weights = randomWeights(rows, dim, 3);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights, activityRegularizer: new L2({ l2: 0.5 }) });
  const x = [[4, 1], [1, 0]];
  const y = layer.call(x).data;
  const dY = Float32Array.from({ length: 4 * dim }, (_, i) => i / 10 - 0.5);
  const first = layer.backward(dY)!;
  const second = layer.backward(dY)!;
  assertSameFloats(second.values, first.values);
  // Reference: row r's gradient is Σ over its positions of dY + 2·0.5·y / batch (batch = 2).
  const expected = new Map<number, number[]>();
  x.flat().forEach((r, i) => {
    const row = expected.get(r) ?? [0, 0, 0];
    for (let d = 0; d < dim; d++) row[d]! += dY[i * dim + d]! + (2 * 0.5 * y[i * dim + d]!) / 2;
    expected.set(r, row);
  });
  assert.equal(Array.from(first.indices), [4, 1, 0]);
  assertClose(first.values, [4, 1, 0].flatMap((r) => expected.get(r)!), 1e-6, 1e-6);
});

repeat("a lookupBuffer view still shows the lookup's output after backward", () => {
  // Before: backward staged dOutput in the output region, so the view showed dOutput afterwards.
  const layer = new Embedding({ inputDim: 6, outputDim: 4, weights: randomWeights(6, 4, 4) });
  const dY = new Float32Array(3 * 4).fill(7);
  // A first backward of this size grows memory for its scratch (which detaches views); later ones do not.
  layer.indexBuffer(3).set([5, 0, 5]);
  layer.lookupBuffer(3);
  layer.backward(dY);
  layer.indexBuffer(3).set([5, 0, 2]);
  const view = layer.lookupBuffer(3);
  const output = view.slice();
  const g1 = layer.backward(dY)!;
  assert.is(view.length, 12, "the view is still attached");
  assertSameFloats(view, output, "the view");
  assertSameFloats(layer.backward(dY)!.values, g1.values, "a second backward");
});

repeat("nested dOutput is checked against the lookup's size before it is materialised", () => {
  // 100,000 references to one row of 1,000 zeros: a few hundred KB of JavaScript describing 10⁸
  // values (763 MiB as float64). Before: backward flattened it all, then compared shapes.
  const layer = new Embedding({ inputDim: 4, outputDim: 2 });
  layer.call([1, 2]);
  const row = new Array<number>(1000).fill(0);
  const huge = new Array<number[]>(100_000).fill(row);
  assertThrowsMessage(() => layer.backward(huge), ValueError,
    "dOutput must have the shape of the last lookup's output, [2, 2] (4 values). Received: nested arrays of 100000000 values");
  assertThrowsMessage(() => layer.backward([[1, 2], [3, 4], [5, 6]]), ValueError,
    "dOutput must have the shape of the last lookup's output, [2, 2] (4 values). Received: nested arrays of 6 values");
  assertThrowsMessage(() => layer.backward([[1, 2, 3, 4]]), ValueError,
    "dOutput must have the shape of the last lookup's output, [2, 2]. Received: shape [1, 4]");
  assert.equal(Array.from(layer.backward([[1, 2], [3, 4]])!.values), [1, 2, 3, 4]);
});

repeat("dOutput: BigInt and integer typed arrays and detached buffers get the package's error naming the argument", () => {
  // Before: a BigInt64Array reached Float32Array.set (a raw TypeError), and a detached array read as
  // length 0 ("dOutput must have 4 values … Received: dOutput.length=0").
  const layer = new Embedding({ inputDim: 4, outputDim: 2 });
  layer.call([1, 2]);
  assertThrowsMessage(() => layer.backward(new BigInt64Array(4) as never), ValueError,
    /^dOutput must be float values: a Float32Array or Float64Array, nested arrays of numbers, or \{ data, shape \}\. Received: dOutput=BigInt64Array\(4\)/);
  assertThrowsMessage(() => layer.backward({ data: new Int32Array(4) as never, shape: [2, 2] }), ValueError, /^dOutput\.data must be float values/);
  assertThrowsMessage(() => layer.backward({ data: [1, 2, "3", 4] as never, shape: [2, 2] }), ValueError, /^dOutput\.data\[2\] must be a number\. Received: dOutput\.data\[2\]="3"/);
  const detached = new Float32Array(4);
  structuredClone(detached, { transfer: [detached.buffer] });
  assertThrowsMessage(() => layer.backward(detached), ValueError,
    "dOutput is a Float32Array whose buffer has been detached (transferred to a worker or by structuredClone), so it holds no data any more. Pass an array whose buffer is still usable.");
  // `{ data, shape }` is read once: a getter that returns other data on a second read changes nothing.
  let reads = 0;
  const once = { get data() { return reads++ === 0 ? [1, 2, 3, 4] : [9, 9, 9, 9]; }, shape: [2, 2] };
  assert.equal(Array.from(layer.backward(once)!.values), [1, 2, 3, 4]);
  assert.is(reads, 1);
});

const rollback = suite("user code that throws inside applyGradients changes nothing");

rollback("a constraint function that throws on a later step: table, slots and iterations as before; the next step as if it never ran", () => {
  // Before: the step had already updated the table and the slots and advanced iterations when the
  // constraint ran and threw.
  const rows = 6, dim = 3;
  const weights = randomWeights(rows, dim, 5);
  for (const mode of ["dense", "lazy"] as const) {
    let fail = false;
    const clip = ({ data }: { data: Float32Array }) => {
      if (fail) throw new Error("constraint failed");
      return data.map((v) => Math.max(-0.4, Math.min(0.4, v)));
    };
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: clip });
    const twin = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: clip });
    const adam = new Adam({ learningRate: 0.1, mode });
    const twinAdam = new Adam({ learningRate: 0.1, mode });
    const g1 = gradientOf([1, 4], [1, -1, 2, 0.5, 0.5, -3], rows, dim);
    const g2 = gradientOf([4, 0], [-2, 1, 1, 1, 0, -1], rows, dim);
    layer.applyGradients(g1, adam);
    twin.applyGradients(g1, twinAdam);
    const before = stateOf(layer, adam);
    fail = true;
    assertThrowsMessage(() => layer.applyGradients(g2, adam), Error, "constraint failed");
    assert.equal(stateOf(layer, adam), before, `${mode}: nothing changed`);
    fail = false;
    layer.applyGradients(g2, adam);
    twin.applyGradients(g2, twinAdam);
    assert.equal(stateOf(layer, adam), stateOf(twin, twinAdam), `${mode}: the retried step equals an uninterrupted one`);
  }
});

rollback("a throwing constraint on the first step: no optimizer state, the lookup still differentiable, a retry works", () => {
  // Before: the slots were made and the lookups forgotten before the constraint threw.
  const rows = 5, dim = 2;
  const weights = randomWeights(rows, dim, 6);
  let fail = true;
  const layer = new Embedding({
    inputDim: rows, outputDim: dim, weights,
    embeddingsConstraint: ({ data }: { data: Float32Array }) => { if (fail) throw new Error("no"); return data; },
  });
  layer.call([3, 1, 3]);
  const dY = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const gradient = layer.backward(dY)!;
  const adagrad = new Adagrad({ learningRate: 0.5 });
  const before = stateOf(layer, adagrad);
  assertThrowsMessage(() => layer.applyGradients(gradient, adagrad), Error, "no");
  assert.equal({ ...stateOf(layer, adagrad), memoryBytes: before.memoryBytes }, before);
  assert.is(layer.getOptimizerState(adagrad), null);
  assert.equal(Array.from(layer.backward(dY)!.values), Array.from(gradient.values), "the lookup is still recorded");
  fail = false;
  const bytes = layer.memoryBytes;
  layer.applyGradients(gradient, adagrad);
  assert.is(layer.memoryBytes, bytes, "the retry reuses the slots reserved by the failed attempt");
  // Adagrad from an accumulator of 0.1: w −= 0.5 · g / √(0.1 + g² + 1e-7).
  const table = layer.getWeights()[0]!.data;
  const g = [[3, [1 + 5, 2 + 6]], [1, [3, 4]]] as const;
  for (const [r, grad] of g) {
    assertClose(table.subarray(r * dim, r * dim + dim), weights[r]!.map((w, c) => w - (0.5 * grad[c]!) / Math.sqrt(0.1 + grad[c]! ** 2 + 1e-7)), 1e-6, 1e-6);
  }
  assert.is(layer.getOptimizerState(adagrad)!.iterations, 1);
});

rollback("a custom Constraint that writes part of the table and then throws, and one returning a non-array: restored", () => {
  const rows = 4, dim = 2;
  const weights = randomWeights(rows, dim, 7);
  const partial: Constraint = {
    className: "Partial",
    applyTo(target) {
      new Float32Array(target.kernel.memory.buffer, target.ptr, 2).fill(99);
      throw new Error("halfway");
    },
    apply: () => new Float32Array(0),
    getConfig: () => ({}),
  };
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: partial });
  const sgd = new SGD({ learningRate: 0.1, momentum: 0.5 });
  const before = stateOf(layer, sgd);
  assertThrowsMessage(() => layer.applyGradients(gradientOf([2], [1, 1], rows, dim), sgd), Error, "halfway");
  assert.equal({ ...stateOf(layer, sgd), memoryBytes: before.memoryBytes }, before);
  const wrong = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: () => 42 as never });
  const adam = new Adam({ mode: "lazy" });
  wrong.setOptimizerState(adam, { className: "Adam", iterations: 3, slots: { momentum: new Float32Array(rows * dim).fill(0.1), velocity: new Float32Array(rows * dim).fill(0.2) } });
  const saved = stateOf(wrong, adam);
  assertThrowsMessage(() => wrong.applyGradients(gradientOf([1], [1, 1], rows, dim), adam), ValueError, /^The constraint function returned 42/);
  assert.equal(stateOf(wrong, adam), saved);
});

rollback("a constraint function returning something other than numbers (an array-like, strings, BigInts) is refused, not written as NaN", () => {
  // Before: any object with the right length was written with TypedArray.set, so { length } and
  // strings became NaN weights (and a BigInt64Array threw a raw TypeError) after the step had run.
  const rows = 2, dim = 2;
  const weights = randomWeights(rows, dim, 11);
  for (const [result, message] of [
    [{ length: 4 }, /^The constraint function returned \{"length":4\}; expected 4 numbers/],
    [["1", 2, 3, 4], /^The constraint function returned a non-number at \[0\]: "1"; expected 4 numbers\.$/],
    [new BigInt64Array(4), /^The constraint function returned BigInt64Array\(4\); expected 4 numbers/],
  ] as const) {
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: () => result as never });
    const sgd = new SGD();
    assertThrowsMessage(() => layer.applyGradients(gradientOf([1], [1, 1], rows, dim), sgd), ValueError, message);
    assertSameFloats(layer.getWeights()[0]!.data, weights.flat(), "table");
    assert.is(layer.getOptimizerState(sgd), null);
  }
  const ok = new Embedding({ inputDim: rows, outputDim: dim, weights, embeddingsConstraint: () => new Float64Array([1, 2, 3, 4]) });
  ok.applyGradients(gradientOf([1], [1, 1], rows, dim), new SGD());
  assert.equal(Array.from(ok.getWeights()[0]!.data), [1, 2, 3, 4]);
});

rollback("a dOutput getter that makes another lookup gets a clear error instead of a gradient of the wrong lookup", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 1 });
  layer.call([1, 2]);
  const dOutput = { shape: [2, 1], get data() { layer.call([3, 3, 3]); return [1, 1]; } };
  let error: unknown;
  try {
    layer.backward(dOutput);
  } catch (e) {
    error = e;
  }
  assert.instance(error, Error, "refused");
});

rollback("a constraint that calls applyGradients on its own layer gets a clear error, and the outer step is rolled back", () => {
  // Before: the nested step ran in the middle of the outer one (its scratch and its slots).
  const rows = 4, dim = 2;
  const sgd = new SGD({ learningRate: 0.1 });
  let layer: Embedding;
  layer = new Embedding({
    inputDim: rows, outputDim: dim, weights: randomWeights(rows, dim, 8),
    embeddingsConstraint: () => { layer.applyGradients(gradientOf([0], [1, 1], rows, dim), sgd); },
  });
  const before = stateOf(layer, sgd);
  let error: unknown;
  try {
    layer.applyGradients(gradientOf([1], [1, 1], rows, dim), sgd);
  } catch (e) {
    error = e;
  }
  assert.instance(error, Error);
  assert.match((error as Error).message, /applyGradients/);
  assert.equal({ ...stateOf(layer, sgd), memoryBytes: before.memoryBytes }, before);
});

const params = suite("hyper-parameters and optimizer state");

params("Adam's betas in [0, 1); every rate finite in float32 (1e39 is finite only in float64)", () => {
  // Before: beta1 = 1 gave α = lr·√(1 − β₂)/0 = Infinity and a table of NaN; 1e39 became Infinity in the kernel.
  assertThrowsMessage(() => new Adam({ beta1: 1 }), ValueError, "beta1 must be a number in [0, 1). Received: beta1=1");
  assertThrowsMessage(() => new Adam({ beta2: -0.1 }), ValueError, "beta2 must be a number in [0, 1). Received: beta2=-0.1");
  assertThrowsMessage(() => new AdamW({ beta2: 1.5 }), ValueError, "beta2 must be a number in [0, 1). Received: beta2=1.5");
  const f32 = (name: string) => `${name} must be a number ≥ 0 that is finite in float32 (at most 3.4e38). Received: ${name}=1e+39`;
  assertThrowsMessage(() => new SGD({ learningRate: 1e39 }), ValueError, f32("learningRate"));
  assertThrowsMessage(() => new Adam({ epsilon: 1e39 }), ValueError, f32("epsilon"));
  assertThrowsMessage(() => new Adagrad({ initialAccumulatorValue: 1e39 }), ValueError, f32("initialAccumulatorValue"));
  assertThrowsMessage(() => new AdamW({ weightDecay: 1e39 }), ValueError, f32("weightDecay"));
  assertThrowsMessage(() => new Adagrad({ epsilon: -1e-7 }), ValueError, /^epsilon must be a number ≥ 0/);
  // The largest float32 itself is accepted.
  assert.is(new SGD({ learningRate: 3.4028234663852886e38 }).learningRate, 3.4028234663852886e38);
});

params("fields reassigned after construction, and regularizer factors beyond float32, are refused by the step before it changes anything", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: randomWeights(3, 2, 9) });
  const adam = new Adam();
  layer.applyGradients(gradientOf([0], [1, 1], 3, 2), adam);
  const before = stateOf(layer, adam);
  (adam as { beta1: number }).beta1 = 1;
  assertThrowsMessage(() => layer.applyGradients(gradientOf([1], [1, 1], 3, 2), adam), ValueError, "Adam's beta1 must be a number in [0, 1). Received: beta1=1");
  (adam as { beta1: number }).beta1 = 0.9;
  (adam as { learningRate: number }).learningRate = 1e39;
  assertThrowsMessage(() => layer.applyGradients(gradientOf([1], [1, 1], 3, 2), adam), ValueError, /^Adam's learningRate must be a number ≥ 0 that is finite in float32/);
  assert.equal(stateOf(layer, adam), before);
  const heavy = new Embedding({ inputDim: 3, outputDim: 2, embeddingsRegularizer: new L2({ l2: 1e39 }) });
  const sgd = new SGD();
  const table = Array.from(heavy.getWeights()[0]!.data);
  assertThrowsMessage(() => heavy.applyGradients(gradientOf([1], [1, 1], 3, 2), sgd), ValueError,
    "The embeddings regularizer's l2 must be finite in float32 (at most 3.4e38): an optimizer step applies it to float32 weights. Received: l2=1e+39");
  assert.equal(Array.from(heavy.getWeights()[0]!.data), table);
  assert.is(heavy.getOptimizerState(sgd), null);
});

params("setOptimizerState refuses negative or non-finite slots, naming the slot and the first bad index, and bad iterations; nothing is written", () => {
  // Before: any Float32Array was copied in, so a negative velocity gave √(negative) = NaN weights.
  const rows = 3, dim = 2;
  const layer = new Embedding({ inputDim: rows, outputDim: dim });
  const adam = new Adam();
  const good = (): OptimizerState => ({ className: "Adam", iterations: 2, slots: { momentum: new Float32Array(6).fill(0.1), velocity: new Float32Array(6).fill(0.2) } });
  layer.setOptimizerState(adam, good());
  const before = stateOf(layer, adam);
  const withSlot = (name: string, index: number, value: number) => {
    const s = good();
    s.slots[name]![index] = value;
    return s;
  };
  assertThrowsMessage(() => layer.setOptimizerState(adam, withSlot("velocity", 4, -1)), ValueError, "state.slots.velocity[4] = -1 is not a valid velocity: expected a finite number ≥ 0.");
  assertThrowsMessage(() => layer.setOptimizerState(adam, withSlot("velocity", 1, NaN)), ValueError, "state.slots.velocity[1] = NaN is not a valid velocity: expected a finite number ≥ 0.");
  assertThrowsMessage(() => layer.setOptimizerState(adam, withSlot("momentum", 5, Infinity)), ValueError, "state.slots.momentum[5] = Infinity is not a valid momentum: expected a finite number.");
  for (const iterations of [-1, 1.5, 2 ** 53, NaN]) {
    assertThrowsMessage(() => layer.setOptimizerState(adam, { ...good(), iterations }), ValueError, `state.iterations must be a non-negative integer. Received: ${iterations}`);
  }
  // A negative momentum is a valid moving average; it is accepted.
  layer.setOptimizerState(adam, withSlot("momentum", 0, -0.5));
  assert.is(layer.getOptimizerState(adam)!.slots["momentum"]![0], -0.5);
  layer.setOptimizerState(adam, good());
  assert.equal(stateOf(layer, adam), before);
  const adagrad = new Adagrad();
  const other = new Embedding({ inputDim: rows, outputDim: dim });
  assertThrowsMessage(() => other.setOptimizerState(adagrad, { className: "Adagrad", iterations: 0, slots: { accumulator: new Float32Array(6).fill(-0.25) } }), ValueError,
    "state.slots.accumulator[0] = -0.25 is not a valid accumulator: expected a finite number ≥ 0.");
  assert.is(other.getOptimizerState(adagrad), null, "nothing was allocated or written");
  // The state object's fields are read once each.
  let slotReads = 0;
  const counted = { className: "Adam", iterations: 1, get slots() { slotReads++; return good().slots; } };
  layer.setOptimizerState(adam, counted);
  assert.is(slotReads, 1);
});

reads.run();
slots.run();
repeat.run();
rollback.run();
params.run();
