// Constraints: spec vectors C1–C8, invariants on random tables for both axes, a float64 reference,
// PyTorch max_norm renormalization (P6), identifiers and configs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, getConstraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, ValueError, type Constraint } from "../../src/index.ts";
import { assertClose, assertThrowsMessage, fixtureRandom, flat } from "../support/helpers.ts";

const W = [[0.5, -1, 2], [3, 4, 0], [-0.1, 0.2, -0.3], [0, 0, 0]];
const applyTo = (c: Constraint, rows: number[][]) => c.apply(rows);

const vectors = suite("spec vectors C1–C8");
vectors("C1: MaxNorm(2) on the Keras test matrix (columns)", () => {
  const x = [[0, 1, 3, 3], [0, 0, 0, 3], [0, 0, 0, 3]];
  assertClose(applyTo(new MaxNorm({ maxValue: 2 }), x), flat([[0, 0.99999988, 2.0, 1.1547005], [0, 0, 0, 1.1547005], [0, 0, 0, 1.1547005]]));
});
vectors("C2–C8 on W", () => {
  assertClose(applyTo(new MaxNorm(), W), flat([[0.3286204, -0.48450157, 1.9778727], [1.9717224, 1.9380063, 0], [-0.065724082, 0.096900314, -0.29668093], [0, 0, 0]]));
  assertClose(applyTo(new MaxNorm({ maxValue: 2, axis: 1 }), W), flat([[0.43643576, -0.87287152, 1.745743], [1.2, 1.6, 0], [-0.09999998, 0.19999996, -0.29999995], [0, 0, 0]]));
  assertClose(applyTo(new UnitNorm(), W), flat([[0.1643102, -0.24225079, 0.98893636], [0.98586118, 0.96900314, 0], [-0.032862041, 0.048450157, -0.14834046], [0, 0, 0]]));
  assertClose(applyTo(new UnitNorm({ axis: 1 }), W), flat([[0.21821788, -0.43643576, 0.87287152], [0.6, 0.8, 0], [-0.26726115, 0.53452229, -0.8017835], [0, 0, 0]]));
  assertClose(applyTo(new MinMaxNorm(), W), applyTo(new UnitNorm(), W));
  assertClose(applyTo(new MinMaxNorm({ minValue: 0.5, maxValue: 2, rate: 0.7, axis: 1 }), W),
    flat([[0.45550504, -0.91101009, 1.8220202], [1.7400001, 2.3200002, 0], [-0.12354139, 0.24708278, -0.37062418], [0, 0, 0]]));
  assertClose(applyTo(new NonNeg(), W), flat([[0.5, 0, 2], [3, 4, 0], [0, 0.2, 0], [0, 0, 0]]));
});
vectors("axis -1 is axis 1; a norm under the limit is still scaled by n / (n + 1e-7)", () => {
  assertClose(applyTo(new MaxNorm({ axis: -1 }), W), applyTo(new MaxNorm({ axis: 1 }), W));
  const row = new MaxNorm({ maxValue: 10, axis: 1 }).apply([[3, 4]]);
  assert.is(row[0], Math.fround(3 * Math.fround(5 / Math.fround(5 + Math.fround(1e-7)))));
});

/** Float64 reference of Keras' formulas. */
function reference(kind: "max" | "unit" | "minmax", table: Float32Array, rows: number, cols: number, axis: 0 | 1, lo: number, hi: number, rate: number): Float64Array {
  const out = Float64Array.from(table);
  const vectors = axis === 0 ? cols : rows;
  const len = axis === 0 ? rows : cols;
  const at = (v: number, t: number) => (axis === 0 ? t * cols + v : v * cols + t);
  for (let v = 0; v < vectors; v++) {
    let s = 0;
    for (let t = 0; t < len; t++) s += table[at(v, t)]! ** 2;
    const n = Math.sqrt(s);
    const desired = kind === "unit" ? 1 : rate * Math.min(Math.max(n, lo), hi) + (1 - rate) * n;
    for (let t = 0; t < len; t++) out[at(v, t)] = (table[at(v, t)]! * desired) / (1e-7 + n);
  }
  return out;
}

function norms(data: Float32Array, rows: number, cols: number, axis: 0 | 1): number[] {
  const out: number[] = [];
  for (let v = 0; v < (axis === 0 ? cols : rows); v++) {
    let s = 0;
    for (let t = 0; t < (axis === 0 ? rows : cols); t++) s += data[axis === 0 ? t * cols + v : v * cols + t]! ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

const invariants = suite("invariants on random tables");
const SIZES: [number, number][] = [[1, 1], [7, 13], [1000, 300], [33, 4]];
for (const [rows, cols] of SIZES) {
  for (const axis of [0, 1] as const) {
    invariants(`${rows} × ${cols}, axis ${axis}: bounds hold and values match the float64 reference`, () => {
      const rnd = fixtureRandom(rows * 31 + cols + axis);
      const table = new Float32Array(rows * cols).map(() => (rnd() - 0.5) * 6);
      const t = { data: table, shape: [rows, cols] };
      const max = new MaxNorm({ maxValue: 1.5, axis }).apply(t);
      assert.ok(norms(max, rows, cols, axis).every((n) => n <= 1.5 + 1e-6), "MaxNorm");
      assertClose(max, reference("max", table, rows, cols, axis, 0, 1.5, 1), 1e-6, 1e-5);
      const unit = new UnitNorm({ axis }).apply(t);
      assert.ok(norms(unit, rows, cols, axis).every((n) => Math.abs(n - 1) < 1e-5), "UnitNorm");
      assertClose(unit, reference("unit", table, rows, cols, axis, 1, 1, 1), 1e-6, 1e-5);
      const mm = new MinMaxNorm({ minValue: 0.2, maxValue: 0.5, axis }).apply(t);
      assert.ok(norms(mm, rows, cols, axis).every((n) => n >= 0.2 - 1e-6 && n <= 0.5 + 1e-6), "MinMaxNorm");
      assertClose(new MinMaxNorm({ minValue: 0.2, maxValue: 0.5, rate: 0.3, axis }).apply(t),
        reference("minmax", table, rows, cols, axis, 0.2, 0.5, 0.3), 1e-6, 1e-5);
      assert.ok(new NonNeg().apply(t).every((v, i) => v === Math.max(table[i]!, 0)), "NonNeg");
    });
  }
}

invariants("NonNeg keeps NaN and -0 and zeroes negatives, in the SIMD body and the scalar tail alike", () => {
  // numpy.maximum(x, 0) is where(x >= 0, x, 0) for non-NaN x (TF's max is the same rule): -0 >= 0, so -0 stays.
  const data = new Float32Array([-0, NaN, -3, 2, -0, -1e-30, 0, 5, -0, NaN, -7]); // 8 in the body, 3 in the tail
  const got = new NonNeg().apply({ data, shape: [1, data.length] });
  const want = [-0, NaN, 0, 2, -0, 0, 0, 5, -0, NaN, 0];
  want.forEach((w, i) => assert.ok(Object.is(got[i], w), `[${i}]: ${got[i]} (${Object.is(got[i], -0) ? "-0" : "+0 or other"}), expected ${Object.is(w, -0) ? "-0" : w}`));
});

const layer = suite("layer.applyConstraint");
layer("applies the layer's constraint in place; construction does not", () => {
  const big = [[3, 4], [0.3, 0.4], [6, 8]];
  const l = new Embedding({ inputDim: 3, outputDim: 2, weights: big, embeddingsConstraint: { class_name: "MaxNorm", config: { max_value: 1, axis: 1 } } });
  assert.equal(Array.from(l.getWeights()[0]!.data), flat(big).map(Math.fround), "untouched at construction");
  l.applyConstraint();
  const w = l.getWeights()[0]!.data;
  assert.ok(norms(w, 3, 2, 1).every((n) => n <= 1 + 1e-6));
  assertClose(l.call([0]).data, [0.6, 0.8]);
  new Embedding({ inputDim: 3, outputDim: 2 }).applyConstraint(); // no constraint: no-op
});
layer("a function constraint sees the table and returns new values", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, weights: [[1, -2], [-3, 4]], embeddingsConstraint: ({ data }: { data: Float32Array }) => data.map((v) => v * 2) });
  l.applyConstraint();
  assert.equal(Array.from(l.getWeights()[0]!.data), [2, -4, -6, 8]);
  const inPlace = new Embedding({ inputDim: 1, outputDim: 2, weights: [[1, -2]], embeddingsConstraint: ({ data }: { data: Float32Array }) => { data[1] = 0; } });
  inPlace.applyConstraint();
  assert.equal(Array.from(inPlace.getWeights()[0]!.data), [1, 0]);
});
layer("a large table (100,000 × 128) on both axes stays within the bound", () => {
  for (const axis of [0, 1] as const) {
    const l = new Embedding({ inputDim: 100_000, outputDim: 128, embeddingsInitializer: { className: "RandomNormal", config: { seed: 1, stddev: 1 } }, embeddingsConstraint: new MaxNorm({ maxValue: 2, axis }) });
    l.applyConstraint();
    const w = l.getWeights()[0]!.data;
    assert.ok(norms(w, 100_000, 128, axis).every((n) => n <= 2 + 1e-6));
    l.dispose();
  }
});

const renorm = suite("PyTorch max_norm (P6)");
renorm("referenced rows above maxNorm are renormalized in place before the lookup", () => {
  const l = new Embedding({ inputDim: 3, outputDim: 2, weights: [[3, 4], [0.3, 0.4], [1, 1]], maxNorm: 1 });
  assertClose(l.call([0, 1, 0]).data, [0.6, 0.8, 0.3, 0.4, 0.6, 0.8]);
  const w = l.getWeights()[0]!.data;
  assertClose(w, [0.6, 0.8, 0.3, 0.4, 1, 1]);
  assert.is(w[4], 1, "row 2 is unreferenced and unchanged");
  assertClose([Math.hypot(w[0]!, w[1]!)], [5 / (5 + 1e-7)], 1e-7, 0);
});
renorm("other norms; a failing lookup touches nothing; the config keeps the option", () => {
  const l1 = new Embedding({ inputDim: 2, outputDim: 2, weights: [[3, -4], [0.1, 0.1]], maxNorm: 1, normType: 1 });
  assertClose(l1.call([0]).data, [3 / 7, -4 / 7], 1e-6);
  const inf = new Embedding({ inputDim: 1, outputDim: 3, weights: [[3, -6, 1]], maxNorm: 2, normType: Infinity });
  assertClose(inf.call([0]).data, [1, -2, 1 / 3], 1e-6);
  const l3 = new Embedding({ inputDim: 2, outputDim: 2, weights: [[3, 4], [1, 1]], maxNorm: 1, normType: 3 });
  const p3 = Math.cbrt(27 + 64);
  assertClose(l3.call([0]).data, [3 / p3, 4 / p3], 1e-6);
  const safe = new Embedding({ inputDim: 2, outputDim: 2, weights: [[3, 4], [1, 1]], maxNorm: 1 });
  assertThrowsMessage(() => safe.call([0, 2]), RangeError, "indices[1] = 2 is not in [0, 2)");
  assert.equal(Array.from(safe.getWeights()[0]!.data), [3, 4, 1, 1]);
  assert.equal(Embedding.fromConfig(safe.getConfig()).getConfig().maxNorm, 1);
  assertThrowsMessage(() => new Embedding({ inputDim: 2, outputDim: 2, maxNorm: 1, normType: -1 }), ValueError,
    "normType must be a positive number (Infinity for the max norm). Received: normType=-1 (of type number)");
});
renorm("duplicate indices renormalize a row once; the zero-copy path renormalizes too", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, weights: [[6, 8], [0, 0]], maxNorm: 2 });
  const idx = l.indexBuffer(4);
  idx.set([0, 0, 1, 0]);
  const out = l.lookupBuffer(4);
  assertClose(out.slice(0, 2), [1.2, 1.6], 1e-6);
  assert.equal(Array.from(out.slice(0, 2)), Array.from(out.slice(6, 8)));
});

const ids = suite("constraint identifiers and configs");
ids("every name form; config objects in both forms; errors", () => {
  for (const name of ["max_norm", "MaxNorm", "maxNorm"]) assert.is(getConstraint(name)!.className, "MaxNorm");
  for (const name of ["non_neg", "NonNeg", "nonNeg"]) assert.is(getConstraint(name)!.className, "NonNeg");
  for (const name of ["unit_norm", "UnitNorm", "unitNorm"]) assert.is(getConstraint(name)!.className, "UnitNorm");
  for (const name of ["min_max_norm", "MinMaxNorm", "minMaxNorm"]) assert.is(getConstraint(name)!.className, "MinMaxNorm");
  assert.equal(getConstraint({ class_name: "MaxNorm", config: { max_value: 3, axis: 1 } })!.getConfig(), { maxValue: 3, axis: 1 });
  assert.equal(getConstraint({ className: "MinMaxNorm", config: { minValue: 0.5, maxValue: 2, rate: 0.7, axis: 1 } })!.getConfig(),
    { minValue: 0.5, maxValue: 2, rate: 0.7, axis: 1 });
  assert.equal(new UnitNorm({ axis: 1 }).getConfig(), { axis: 1 });
  assert.equal(new NonNeg().getConfig(), {});
  assert.is(getConstraint(null), null);
  assertThrowsMessage(() => getConstraint("typo"), ValueError, "Could not interpret constraint identifier: typo");
  assertThrowsMessage(() => new MaxNorm({ axis: 2 as never }), ValueError, /^axis must be 0 \(each column\), 1 or -1 \(each row\).*Received: axis=2$/);
  assertThrowsMessage(() => new MaxNorm({ maxValue: NaN }), ValueError, "maxValue must be a finite number. Received: maxValue=NaN");
});
ids("Keras 3 config of a layer with a constraint round-trips", () => {
  const l = new Embedding({ inputDim: 4, outputDim: 3, embeddingsConstraint: "max_norm" });
  assert.equal(l.toKerasConfig()["embeddings_constraint"], { module: "keras.constraints", class_name: "MaxNorm", config: { max_value: 2, axis: 0 }, registered_name: null });
  assert.equal(Embedding.fromConfig(l.toKerasConfig()).getConfig().embeddingsConstraint, { className: "MaxNorm", config: { maxValue: 2, axis: 0 } });
});

vectors.run();
invariants.run();
layer.run();
renorm.run();
ids.run();
