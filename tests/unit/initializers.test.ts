// Initializers: exact values, Keras' fans and limits (spec §10 table), validation errors, every
// identifier form, and config round trips.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  computeFans, Constant, Embedding, getInitializer, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal,
  LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, ValueError, VarianceScaling, Zeros,
} from "../../src/index.ts";
import { assertClose, assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";
import { referenceFill, referenceUniform } from "../support/random-reference.ts";

const exact = suite("deterministic initializers");
exact("I1: Identity(gain=2) on square and rectangular shapes; rank 3 is an error", () => {
  assert.equal(Array.from(new Identity({ gain: 2 }).apply([3, 5])), [2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0]);
  assert.equal(Array.from(new Identity({ gain: 2 }).apply([4, 2])), [2, 0, 0, 2, 0, 0, 0, 0]);
  assert.equal(Array.from(new Identity().apply([2, 2])), [1, 0, 0, 1]);
  assertThrowsMessage(() => new Identity().apply([3, 3, 3]), ValueError,
    "Identity matrix initializer can only be used for 2D matrices. Received: shape=[3, 3, 3] of rank 3.");
});
exact("I2: Constant, Zeros, Ones", () => {
  assert.ok(new Constant({ value: 6 }).apply([3, 3]).every((v) => v === 6));
  assert.ok(new Zeros().apply([4, 5]).every((v) => v === 0));
  assert.ok(new Ones().apply([4, 5]).every((v) => v === 1));
  assert.ok(new Constant().apply([2]).every((v) => v === 0));
  // SIMD body and tail (91 = 22 × 4 + 3 values), and float32 rounding of the value.
  const c = new Constant({ value: 0.1 }).apply([7, 13]);
  assert.is(c.length, 91);
  assert.ok(c.every((v) => v === Math.fround(0.1)));
  const id = new Identity({ gain: -1.5 }).apply([7, 13]);
  assert.equal(Array.from(id), Array.from({ length: 91 }, (_, k) => (Math.floor(k / 13) === k % 13 ? -1.5 : 0)));
});
exact("TF.js deviations are not copied: zero arguments stay zero", () => {
  assert.ok(new RandomUniform({ seed: 1, minval: 0, maxval: 0.5 }).apply([1000]).every((v) => v >= 0 && v < 0.5));
  assert.ok(new RandomNormal({ seed: 1, mean: 3, stddev: 0 }).apply([100]).every((v) => v === 3));
  assert.ok(new TruncatedNormal({ seed: 1, mean: -2, stddev: 0 }).apply([100]).every((v) => v === -2));
});

const fans = suite("fans and limits (spec §10)");
fans("computeFans", () => {
  assert.equal(computeFans([1000, 64]), [1000, 64]);
  assert.equal(computeFans([7]), [7, 7]);
  assert.equal(computeFans([]), [1, 1]);
  assert.equal(computeFans([3, 3, 8, 16]), [72, 144]);
  assert.equal(computeFans([512, 8, 64], [0], [1, 2]), [512, 512]);
  assert.equal(computeFans([512, 8, 64], [0, 1], [2]), [4096, 64]);
});
const TABLE: [number[], number[]][] = [
  // glorot_uniform limit, glorot_normal σ, he_uniform limit, he_normal σ, lecun_uniform limit, lecun_normal σ, VS(1, fan_out, untruncated) σ
  [[1000, 64], [0.075093926, 0.049288579, 0.077459667, 0.050841354, 0.054772256, 0.035950266, 0.125]],
  [[10, 16], [0.48038446, 0.31530469, 0.77459667, 0.50841354, 0.54772256, 0.35950266, 0.25]],
  [[4, 3], [0.9258201, 0.60767041, 1.2247449, 0.80387239, 0.8660254, 0.56842362, 0.57735027]],
  [[3, 3, 8, 16], [0.16666667, 0.10939318, 0.28867513, 0.18947454, 0.20412415, 0.13397873, 0.083333333]],
];
fans("the spec's constants for every preset and shape", () => {
  for (const [shape, [gu, gn, hu, hn, lu, ln, vs]] of TABLE) {
    const got = [
      new GlorotUniform().parameters(shape).limit!, new GlorotNormal().parameters(shape).stddev!,
      new HeUniform().parameters(shape).limit!, new HeNormal().parameters(shape).stddev!,
      new LecunUniform().parameters(shape).limit!, new LecunNormal().parameters(shape).stddev!,
      new VarianceScaling({ mode: "fan_out", distribution: "untruncated_normal" }).parameters(shape).stddev!,
    ];
    assertClose(got, [gu!, gn!, hu!, hn!, lu!, ln!, vs!], 0, 1e-7);
  }
});
fans("values respect the limits: uniform presets reach within 0.1% of ±limit, truncated ones stay within 2σ", () => {
  const v = new GlorotUniform({ seed: 1 }).apply([1000, 64]);
  const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(maxAbs < 0.075093926 && maxAbs > 0.075093926 * 0.999, `max |v| ${maxAbs}`);
  const t = new GlorotNormal({ seed: 1 }).apply([1000, 64]);
  const maxT = t.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(maxT <= Math.fround(2 * 0.049288579) * (1 + 1e-6) && maxT > 2 * 0.049288579 * 0.99, `max |t| ${maxT}`);
});

const validation = suite("validation");
validation("VarianceScaling arguments, with Keras' messages", () => {
  assertThrowsMessage(() => new VarianceScaling({ scale: 0 }), ValueError, "Argument `scale` must be positive float. Received: scale=0");
  assertThrowsMessage(() => new VarianceScaling({ scale: -2 }), ValueError, "Argument `scale` must be positive float. Received: scale=-2");
  assertThrowsMessage(() => new VarianceScaling({ mode: "fan_x" as never }), ValueError,
    'Invalid `mode` argument: fan_x. Please use one of {"fan_in", "fan_out", "fan_avg"}');
  assertThrowsMessage(() => new VarianceScaling({ distribution: "gamma" as never }), ValueError,
    'Invalid `distribution` argument: gamma.Please use one of {"uniform", "truncated_normal", "untruncated_normal"}');
  assert.is(new VarianceScaling({ distribution: "normal" }).distribution, "truncated_normal");
  assert.is(new VarianceScaling({ distribution: "UNIFORM" as never }).distribution, "uniform");
});
validation("seeds must be integers; unknown arguments are named", () => {
  assertThrowsMessage(() => new RandomNormal({ seed: 1.5 }), ValueError, "`seed` argument should be an integer. Received: seed=1.5");
  assertThrowsMessage(() => new Orthogonal({ seed: "7" as never }), ValueError, '`seed` argument should be an integer. Received: seed="7"');
  assertThrowsMessage(() => new RandomUniform({ minval: NaN }), ValueError, "minval must be a finite number. Received: minval=NaN");
  assertThrowsMessage(() => new GlorotUniform({ scale: 2 } as never), ValueError, /^Unrecognized argument "scale" in the config of GlorotUniform/);
});
validation("Orthogonal needs rank 2 or more", () => {
  assertThrowsMessage(() => new Orthogonal().apply([5]), ValueError,
    "The tensor to initialize must be at least two-dimensional. Received: shape=[5] of rank 1.");
});

const ortho = suite("Orthogonal");
function gramError(q: Float32Array, rows: number, cols: number, gain: number, pairs?: number): number {
  // Columns orthonormal when rows >= cols (QᵀQ), rows when rows < cols (QQᵀ); both times gain².
  const byColumns = rows >= cols;
  const k = byColumns ? cols : rows;
  const len = byColumns ? rows : cols;
  const at = (v: number, t: number) => (byColumns ? q[t * cols + v]! : q[v * cols + t]!);
  let worst = 0;
  const step = pairs ? Math.max(1, Math.floor(k / pairs)) : 1;
  for (let a = 0; a < k; a += step) {
    for (let b = a; b < k; b += step) {
      let s = 0;
      for (let t = 0; t < len; t++) s += at(a, t) * at(b, t);
      worst = Math.max(worst, Math.abs(s - (a === b ? gain * gain : 0)));
    }
  }
  return worst;
}
ortho("QᵀQ = gain²·I (or QQᵀ for wide shapes) within 1e-5", () => {
  for (const [r, c, gain] of [[5, 5, 2], [3, 2, 1], [2, 3, 1], [64, 16, 1], [16, 64, 1.5], [300, 128, 1], [7, 13, 1]] as const) {
    const q = new Orthogonal({ seed: 1234, gain }).apply([r, c]);
    assert.ok(gramError(q, r, c, gain) < 1e-5 * gain * gain, `${r}×${c} gain ${gain}: ${gramError(q, r, c, gain)}`);
  }
});
ortho("Keras' column-norm test: Orthogonal(gain=2) on (5, 5) has columns of norm 2", () => {
  const q = new Orthogonal({ gain: 2, seed: 1 }).apply([5, 5]);
  for (let j = 0; j < 5; j++) {
    let s = 0;
    for (let i = 0; i < 5; i++) s += q[i * 5 + j]! ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - 2) < 1e-5);
  }
});
ortho("a wide shape is the transpose of the tall one (same seed)", () => {
  const tall = new Orthogonal({ seed: 9 }).apply([6, 4]);
  const wide = new Orthogonal({ seed: 9 }).apply([4, 6]);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) assert.is(wide[j * 6 + i], tall[i * 4 + j]);
});
/**
 * Keras' Orthogonal from the same N(0, 1) draws, in plain float64 TypeScript: the normals fill an
 * m × n matrix (m = max(rows, cols), n = min) column by column (the kernel's documented layout); Q
 * comes from Gram–Schmidt with re-orthogonalization, whose R has a positive diagonal — the same Q
 * as Householder QR followed by Keras' `q *= sign(diag(r))`. Transposed when rows < cols, times gain.
 */
function orthogonalReference(seed: number, rows: number, cols: number, gain: number): Float64Array {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = referenceFill(seed, m * n, "normal", 0, 1, 0);
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = Float64Array.from(a.subarray(j * m, (j + 1) * m));
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let d = 0;
        for (let i = 0; i < m; i++) d += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i]! -= d * u[i]!;
      }
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map((x) => x / norm));
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows >= cols ? q[j]![i]! : q[i]![j]!);
  }
  return out;
}
ortho("equals a float64 Gram–Schmidt reference on the same normals: sign correction and transpose (square, tall, wide)", () => {
  for (const [r, c, gain, seed] of [[5, 5, 2, 1], [3, 2, 1, 1234], [2, 3, 1, 1234], [64, 16, 1, 7], [16, 64, 1.5, 7], [7, 13, 1, -3], [40, 40, 0.5, 99]] as const) {
    assertClose(new Orthogonal({ seed, gain }).apply([r, c]), orthogonalReference(seed, r, c, gain), 2e-6, 1e-5);
  }
  // A rank-3 shape is (prod(shape[:-1]), shape[-1]) = (6, 4), as in Keras.
  assertClose(new Orthogonal({ seed: 5 }).apply([2, 3, 4]), orthogonalReference(5, 6, 4, 1), 2e-6, 1e-5);
});
ortho("4096 × 1024 works, in an embedding layer too (sampled Gram check)", () => {
  const layer = new Embedding({ inputDim: 4096, outputDim: 1024, embeddingsInitializer: { class_name: "Orthogonal", config: { seed: 3 } } });
  const q = layer.getWeights()[0]!.data;
  assert.ok(gramError(q, 4096, 1024, 1, 40) < 1e-5);
  layer.dispose();
});

const seeded = suite("seeds for every random initializer");
const RANDOM_CLASSES: [string, (seed?: number) => { apply(shape: number[]): Float32Array }][] = [
  ["RandomUniform", (seed) => new RandomUniform({ seed })], ["RandomNormal", (seed) => new RandomNormal({ seed })],
  ["TruncatedNormal", (seed) => new TruncatedNormal({ seed })], ["VarianceScaling", (seed) => new VarianceScaling({ seed })],
  ["GlorotUniform", (seed) => new GlorotUniform({ seed })], ["GlorotNormal", (seed) => new GlorotNormal({ seed })],
  ["HeUniform", (seed) => new HeUniform({ seed })], ["HeNormal", (seed) => new HeNormal({ seed })],
  ["LecunUniform", (seed) => new LecunUniform({ seed })], ["LecunNormal", (seed) => new LecunNormal({ seed })],
  ["Orthogonal", (seed) => new Orthogonal({ seed })],
];
seeded("same seed → identical bytes (two instances, two calls); unseeded: one instance repeats, two differ", () => {
  for (const [name, make] of RANDOM_CLASSES) {
    const a = make(77).apply([37, 11]);
    assertSameFloats(make(77).apply([37, 11]), a, `${name} seed 77, second instance`);
    const one = make(77);
    assertSameFloats(one.apply([37, 11]), one.apply([37, 11]), `${name} seed 77, second call`);
    assert.not.equal(Array.from(make(78).apply([37, 11])), Array.from(a), `${name}: seeds 77 and 78 differ`);
    const unseeded = make();
    assertSameFloats(unseeded.apply([37, 11]), unseeded.apply([37, 11]), `${name}: one unseeded instance repeats itself`);
    assert.not.equal(Array.from(make().apply([37, 11])), Array.from(make().apply([37, 11])), `${name}: unseeded instances differ`);
  }
});
seeded("the VarianceScaling family is bit-exact against the scalar reference, with limits from Keras' formulas", () => {
  // Fans of (10, 16): fan_in 10, fan_out 16, fan_avg 13. Limits and stddevs computed here, independently.
  const T = 0.87962566103423978;
  const n = 160;
  assertSameFloats(new GlorotUniform({ seed: 3 }).apply([10, 16]), referenceUniform(3, n, -Math.sqrt(6 / 26), Math.sqrt(6 / 26)), "GlorotUniform");
  assertSameFloats(new HeUniform({ seed: 4 }).apply([10, 16]), referenceUniform(4, n, -Math.sqrt(6 / 10), Math.sqrt(6 / 10)), "HeUniform");
  assertSameFloats(new LecunUniform({ seed: 5 }).apply([10, 16]), referenceUniform(5, n, -Math.sqrt(3 / 10), Math.sqrt(3 / 10)), "LecunUniform");
  assertSameFloats(new GlorotNormal({ seed: 6 }).apply([10, 16]), referenceFill(6, n, "truncated", 0, Math.sqrt(1 / 13) / T, 2), "GlorotNormal");
  assertSameFloats(new HeNormal({ seed: 7 }).apply([10, 16]), referenceFill(7, n, "truncated", 0, Math.sqrt(2 / 10) / T, 2), "HeNormal");
  assertSameFloats(new LecunNormal({ seed: 8 }).apply([10, 16]), referenceFill(8, n, "truncated", 0, Math.sqrt(1 / 10) / T, 2), "LecunNormal");
  assertSameFloats(new VarianceScaling({ seed: 9, scale: 3, mode: "fan_out", distribution: "untruncated_normal" }).apply([10, 16]),
    referenceFill(9, n, "normal", 0, Math.sqrt(3 / 16), 0), "VarianceScaling(3, fan_out, untruncated_normal)");
  assertSameFloats(new VarianceScaling({ seed: 10, mode: "fan_avg", distribution: "uniform" }).apply([10, 16]),
    referenceUniform(10, n, -Math.sqrt(3 / 13), Math.sqrt(3 / 13)), "VarianceScaling(1, fan_avg, uniform)");
  // Orthogonal draws its matrix from the same generator: N(0, 1) with the same seed.
  assertSameFloats(new RandomNormal({ seed: 11, stddev: 1 }).apply([6]), referenceFill(11, 6, "normal", 0, 1, 0), "the normals behind Orthogonal");
});

seeded("apply generates large tables in 32,768-float pieces: bit-identical to the scalar reference and to a layer's in-place fill", () => {
  // 9,001 × 11 = 99,011 values: three whole pieces and a last one of 707 (not a multiple of 8).
  const shape = [9001, 11];
  const n = 9001 * 11;
  const cases: [string, () => { className: string; apply(shape: number[]): Float32Array }, Float32Array][] = [
    ["RandomUniform", () => new RandomUniform({ seed: 21, minval: -2, maxval: 3 }), referenceUniform(21, n, -2, 3)],
    ["RandomNormal", () => new RandomNormal({ seed: 22, mean: 1, stddev: 0.5 }), referenceFill(22, n, "normal", 1, 0.5, 0)],
    ["TruncatedNormal", () => new TruncatedNormal({ seed: 23 }), referenceFill(23, n, "truncated", 0, 0.05, 2)],
    ["GlorotUniform", () => new GlorotUniform({ seed: 24 }), referenceUniform(24, n, -Math.sqrt(6 / 9012), Math.sqrt(6 / 9012))],
  ];
  for (const [name, make, expected] of cases) {
    const applied = make().apply(shape);
    assertSameFloats(applied, expected, `${name}.apply vs the reference`);
    const layer = new Embedding({ inputDim: 9001, outputDim: 11, embeddingsInitializer: make() as never });
    assertSameFloats(layer.getWeights()[0]!.data, applied, `${name}: a layer's table vs apply`);
    layer.dispose();
  }
});

const ids = suite("identifiers");
const NAMES: [string, string][] = [
  ["uniform", "RandomUniform"], ["random_uniform", "RandomUniform"], ["RandomUniform", "RandomUniform"], ["randomUniform", "RandomUniform"],
  ["normal", "RandomNormal"], ["random_normal", "RandomNormal"], ["randomNormal", "RandomNormal"], ["RandomNormal", "RandomNormal"],
  ["truncated_normal", "TruncatedNormal"], ["truncatedNormal", "TruncatedNormal"], ["TruncatedNormal", "TruncatedNormal"],
  ["variance_scaling", "VarianceScaling"], ["varianceScaling", "VarianceScaling"], ["VarianceScaling", "VarianceScaling"],
  ["glorot_uniform", "GlorotUniform"], ["glorotUniform", "GlorotUniform"], ["GlorotUniform", "GlorotUniform"],
  ["glorot_normal", "GlorotNormal"], ["glorotNormal", "GlorotNormal"], ["he_uniform", "HeUniform"], ["heUniform", "HeUniform"],
  ["he_normal", "HeNormal"], ["heNormal", "HeNormal"], ["lecun_uniform", "LecunUniform"], ["leCunUniform", "LecunUniform"],
  ["lecun_normal", "LecunNormal"], ["leCunNormal", "LecunNormal"], ["LecunNormal", "LecunNormal"],
  ["orthogonal", "Orthogonal"], ["OrthogonalInitializer", "Orthogonal"], ["identity", "Identity"], ["IdentityInitializer", "Identity"],
  ["zeros", "Zeros"], ["zero", "Zeros"], ["Zeros", "Zeros"], ["ones", "Ones"], ["one", "Ones"], ["Ones", "Ones"],
  ["constant", "Constant"], ["Constant", "Constant"],
];
ids("every Keras class name, snake_case name, alias and TF.js name resolves", () => {
  for (const [name, className] of NAMES) assert.is(getInitializer(name).className, className, name);
});
ids("config objects in both forms, instances and functions", () => {
  assert.equal(getInitializer({ class_name: "VarianceScaling", config: { scale: 2, mode: "fan_out", input_axes: null } }).getConfig(),
    { seed: null, scale: 2, mode: "fan_out", distribution: "truncated_normal", inputAxes: null, outputAxes: null });
  assert.equal(getInitializer({ className: "RandomNormal", config: { mean: 1, stddev: 2, seed: 4 } }).getConfig(), { seed: 4, mean: 1, stddev: 2 });
  const inst = new HeUniform({ seed: 2 });
  assert.is(getInitializer(inst), inst);
  const fn = getInitializer((shape: number[]) => new Float32Array(shape[0]! * shape[1]!).fill(7));
  assert.ok(fn.apply([2, 3]).every((v) => v === 7));
  assertThrowsMessage(() => getInitializer(() => [1, 2]).apply([2, 2]), ValueError,
    "The initializer function returned [1,2] for shape [2, 2]; expected 4 numbers.");
});
ids("anything else is rejected", () => {
  assertThrowsMessage(() => getInitializer("typo"), ValueError, "Could not interpret initializer identifier: typo");
  assertThrowsMessage(() => getInitializer(42), ValueError, "Could not interpret initializer identifier: 42");
  assertThrowsMessage(() => getInitializer({ class_name: "Nope", config: {} }), ValueError, "Could not interpret initializer identifier: Nope");
  assertThrowsMessage(() => getInitializer("stft"), ValueError, /STFT.*not supported/);
});

const configs = suite("config round trips");
const SEEDED = [
  new RandomUniform({ seed: 1, minval: -1, maxval: 2 }), new RandomNormal({ seed: 2, mean: 1, stddev: 3 }),
  new TruncatedNormal({ seed: 3 }), new VarianceScaling({ seed: 4, scale: 3, mode: "fan_avg", distribution: "uniform" }),
  new GlorotUniform({ seed: 5 }), new GlorotNormal({ seed: 6 }), new HeUniform({ seed: 7 }), new HeNormal({ seed: 8 }),
  new LecunUniform({ seed: 9 }), new LecunNormal({ seed: 10 }), new Orthogonal({ seed: 11, gain: 0.5 }),
  new Identity({ gain: 3 }), new Constant({ value: 0.25 }), new Zeros(), new Ones(),
];
configs("getConfig, toKerasConfig and fromConfig rebuild the same initializer and the same table", () => {
  for (const init of SEEDED) {
    const layer = new Embedding({ inputDim: 12, outputDim: 7, embeddingsInitializer: init });
    const table = layer.getWeights()[0]!.data;
    for (const config of [layer.getConfig(), layer.toKerasConfig(), JSON.parse(JSON.stringify(layer.toKerasConfig()))]) {
      const again = Embedding.fromConfig(config);
      assert.equal(again.getConfig(), layer.getConfig(), init.className);
      assertSameFloats(again.getWeights()[0]!.data, table, init.className);
    }
  }
});
configs("Keras 3 configs: key names and the Keras module", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: new VarianceScaling({ seed: 1, mode: "fan_out" }) });
  assert.equal(layer.toKerasConfig()["embeddings_initializer"], {
    module: "keras.initializers", class_name: "VarianceScaling", registered_name: null,
    config: { seed: 1, scale: 1, mode: "fan_out", distribution: "truncated_normal", input_axes: null, output_axes: null },
  });
  const glorot = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: "glorot_uniform" }).toKerasConfig();
  assert.equal(glorot["embeddings_initializer"], {
    module: "keras.initializers", class_name: "GlorotUniform", registered_name: null, config: { seed: null, input_axes: null, output_axes: null },
  });
  // Identity keeps a gain other than 1 (Keras 3 drops it; see docs/keras-compat.md) and writes Keras' {} for the default.
  const identity = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: new Identity({ gain: 2 }) }).toKerasConfig();
  assert.equal((identity["embeddings_initializer"] as { config: unknown }).config, { gain: 2 });
  assert.equal(Embedding.fromConfig(identity).getWeights()[0]!.data[0], 2);
  const plain = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: "identity" }).toKerasConfig();
  assert.equal(plain["embeddings_initializer"], { module: "keras.initializers", class_name: "Identity", config: {}, registered_name: null });
});
configs("unseeded initializers rebuild with a fresh seed (Keras semantics)", () => {
  const layer = new Embedding({ inputDim: 30, outputDim: 8, embeddingsInitializer: "he_normal" });
  const again = Embedding.fromConfig(layer.getConfig());
  assert.not.equal(Array.from(again.getWeights()[0]!.data), Array.from(layer.getWeights()[0]!.data));
});

exact.run();
fans.run();
validation.run();
ortho.run();
seeded.run();
ids.run();
configs.run();
