// Identifiers accepted by the layer for its initializer, regularizers and constraint: every name
// and config form, what each resolves to (seen through getConfig / toKerasConfig and the table),
// and the refusals with their messages.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Constant, Embedding, RandomUniform, ValueError, type EmbeddingOptions } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";

const table = (l: Embedding) => l.getWeights()[0]!.data;
const withInit = (init: unknown, inputDim = 6, outputDim = 4) =>
  new Embedding({ inputDim, outputDim, embeddingsInitializer: init as EmbeddingOptions["embeddingsInitializer"] });
const withReg = (reg: unknown) => new Embedding({ inputDim: 3, outputDim: 2, embeddingsRegularizer: reg as EmbeddingOptions["embeddingsRegularizer"] });
const withActivity = (reg: unknown) => new Embedding({ inputDim: 3, outputDim: 2, activityRegularizer: reg as EmbeddingOptions["activityRegularizer"] });
const withConstraint = (c: unknown) => new Embedding({ inputDim: 3, outputDim: 2, embeddingsConstraint: c as EmbeddingOptions["embeddingsConstraint"] });

const UNIFORM_DEFAULT = { className: "RandomUniform", config: { seed: null, minval: -0.05, maxval: 0.05 } };

function inRange(data: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= Math.fround(lo) && v < Math.fround(hi))) assert.unreachable(`[${i}] = ${v} not in [${lo}, ${hi})`);
  }
}

// ---------------------------------------------------------------------------------------------
const inits = suite("initializer identifiers");

for (const name of ["uniform", "random_uniform", "RandomUniform", "randomUniform"]) {
  inits(`'${name}' → RandomUniform(-0.05, 0.05, seed null)`, () => {
    const l = withInit(name, 100, 8);
    assert.equal(l.getConfig().embeddingsInitializer, UNIFORM_DEFAULT);
    inRange(table(l), -0.05, 0.05);
  });
}

inits("undefined and null → the default RandomUniform(-0.05, 0.05)", () => {
  assert.equal(withInit(undefined).getConfig().embeddingsInitializer, UNIFORM_DEFAULT);
  assert.equal(withInit(null).getConfig().embeddingsInitializer, UNIFORM_DEFAULT);
});

inits("RandomUniform config objects in Keras and TF.js form, and an instance, give the same seeded table", () => {
  const keras = withInit({ class_name: "RandomUniform", config: { minval: -2, maxval: 3, seed: 11 } }, 40, 9);
  const keras3 = withInit({ module: "keras.initializers", class_name: "RandomUniform", config: { minval: -2, maxval: 3, seed: 11 }, registered_name: null }, 40, 9);
  const tfjs = withInit({ className: "RandomUniform", config: { minval: -2, maxval: 3, seed: 11 } }, 40, 9);
  const snake = withInit({ class_name: "random_uniform", config: { minval: -2, maxval: 3, seed: 11 } }, 40, 9);
  const inst = withInit(new RandomUniform({ minval: -2, maxval: 3, seed: 11 }), 40, 9);
  const expected = { className: "RandomUniform", config: { seed: 11, minval: -2, maxval: 3 } };
  for (const l of [keras, keras3, tfjs, snake, inst]) {
    assert.equal(l.getConfig().embeddingsInitializer, expected);
    assertSameFloats(table(l), table(keras), "same table");
  }
  inRange(table(keras), -2, 3);
  const minV = Math.min(...table(keras));
  const maxV = Math.max(...table(keras));
  assert.ok(minV < -1.8 && maxV > 2.8, `range [${minV}, ${maxV}] spans [-2, 3)`);
});

inits("a partial config keeps the Keras defaults for the rest", () => {
  assert.equal(withInit({ className: "RandomUniform", config: { seed: 1 } }).getConfig().embeddingsInitializer, {
    className: "RandomUniform", config: { seed: 1, minval: -0.05, maxval: 0.05 },
  });
  assert.equal(withInit({ class_name: "RandomUniform" }).getConfig().embeddingsInitializer, UNIFORM_DEFAULT);
});

inits("seeds: one seed gives one table, another seed another; new RandomUniform({ seed: 1 })", () => {
  const a = withInit(new RandomUniform({ seed: 1 }), 50, 4);
  const b = withInit(new RandomUniform({ seed: 1 }), 50, 4);
  const c = withInit(new RandomUniform({ seed: 2 }), 50, 4);
  assertSameFloats(table(a), table(b), "seed 1 twice");
  assert.not.equal(Array.from(table(a)), Array.from(table(c)));
  assert.equal(a.getConfig().embeddingsInitializer, { className: "RandomUniform", config: { seed: 1, minval: -0.05, maxval: 0.05 } });
});

inits("unseeded: separate identifiers differ; one instance repeats itself (Keras semantics)", () => {
  const a = withInit("uniform", 50, 4);
  const b = withInit("uniform", 50, 4);
  assert.not.equal(Array.from(table(a)), Array.from(table(b)));
  const shared = new RandomUniform();
  assertSameFloats(table(withInit(shared, 50, 4)), table(withInit(shared, 50, 4)), "one unseeded instance");
});

for (const name of ["zeros", "Zeros", "zero"]) {
  inits(`'${name}' → Zeros: every value 0`, () => {
    const l = withInit(name);
    assert.equal(l.getConfig().embeddingsInitializer, { className: "Zeros", config: {} });
    assert.ok(table(l).every((v) => v === 0));
    assert.equal(Array.from(l.call([5]).data), [0, 0, 0, 0]);
  });
}

for (const name of ["ones", "Ones", "one"]) {
  inits(`'${name}' → Ones: every value 1`, () => {
    const l = withInit(name);
    assert.equal(l.getConfig().embeddingsInitializer, { className: "Ones", config: {} });
    assert.ok(table(l).every((v) => v === 1));
  });
}

inits("'constant' → Constant(0); Constant({ value }) and its config forms fill with value", () => {
  const z = withInit("constant");
  assert.equal(z.getConfig().embeddingsInitializer, { className: "Constant", config: { value: 0 } });
  assert.ok(table(z).every((v) => v === 0));
  for (const init of [new Constant({ value: 0.5 }), { className: "Constant", config: { value: 0.5 } }, { class_name: "Constant", config: { value: 0.5 } }]) {
    const l = withInit(init);
    assert.equal(l.getConfig().embeddingsInitializer, { className: "Constant", config: { value: 0.5 } });
    assert.ok(table(l).every((v) => v === 0.5));
  }
  const third = withInit(new Constant({ value: 1 / 3 }));
  assert.ok(table(third).every((v) => v === Math.fround(1 / 3)));
});

inits("a function (shape) => Float32Array | number[] fills the table; it receives [inputDim, outputDim]", () => {
  const shapes: number[][] = [];
  const l = withInit((shape: number[]) => {
    shapes.push(shape);
    return Float32Array.from({ length: shape[0]! * shape[1]! }, (_, i) => i * 0.5);
  }, 3, 4);
  assert.equal(shapes, [[3, 4]]);
  assert.equal(Array.from(table(l)), Array.from({ length: 12 }, (_, i) => i * 0.5));
  assert.equal(Array.from(l.call([2]).data), [4, 4.5, 5, 5.5]);
  const arr = withInit(() => [0.1, 0.2, 0.3, 0.4], 2, 2);
  assertSameFloats(table(arr), [0.1, 0.2, 0.3, 0.4].map(Math.fround), "number[] result, rounded to float32");
});

inits("a function returning the wrong length is refused", () => {
  assertThrowsMessage(
    () => withInit(() => new Float32Array(3), 2, 3),
    ValueError,
    "The initializer function returned Float32Array(3) for shape [2, 3]; expected 6 numbers.",
  );
  assertThrowsMessage(() => withInit(() => [1, 2], 2, 2), ValueError, "The initializer function returned [1,2] for shape [2, 2]; expected 4 numbers.");
  assertThrowsMessage(() => withInit(() => null, 2, 2), ValueError, "The initializer function returned null for shape [2, 2]; expected 4 numbers.");
  assertThrowsMessage(() => withInit(() => 4, 2, 2), ValueError, "The initializer function returned 4 for shape [2, 2]; expected 4 numbers.");
});

inits("Keras initializer names beyond RandomUniform resolve (glorot_uniform, he_normal, orthogonal, identity)", () => {
  const cases: [string, string][] = [["glorot_uniform", "GlorotUniform"], ["he_normal", "HeNormal"], ["orthogonal", "Orthogonal"], ["identity", "Identity"]];
  for (const [name, className] of cases) assert.is(withInit(name).getConfig().embeddingsInitializer.className, className, name);
});

inits("unknown identifiers are refused", () => {
  assertThrowsMessage(() => withInit("typo"), ValueError, "Could not interpret initializer identifier: typo");
  assertThrowsMessage(() => withInit({ className: "Typo", config: {} }), ValueError, "Could not interpret initializer identifier: Typo");
  assertThrowsMessage(() => withInit({ class_name: "typo" }), ValueError, "Could not interpret initializer identifier: typo");
  assertThrowsMessage(() => withInit(5), ValueError, "Could not interpret initializer identifier: 5");
  assertThrowsMessage(() => withInit(""), ValueError, "Could not interpret initializer identifier: ");
  // A Keras initializer that does not apply to embedding tables.
  assertThrowsMessage(() => withInit("STFT"), ValueError, /STFT.*not supported/);
});

inits("bad initializer arguments are named", () => {
  assertThrowsMessage(
    () => withInit({ className: "RandomUniform", config: { minval: 0, foo: 1 } }),
    ValueError,
    /^Unrecognized argument "foo" in the config of RandomUniform\. Expected only: /,
  );
  assertThrowsMessage(() => withInit({ class_name: "RandomUniform", config: { seed: 1.5 } }), ValueError, "`seed` argument should be an integer. Received: seed=1.5");
  assertThrowsMessage(() => withInit({ class_name: "RandomUniform", config: { minval: "0" } }), ValueError, 'minval must be a finite number. Received: minval="0"');
  assertThrowsMessage(() => withInit({ class_name: "Constant", config: { value: NaN } }), ValueError, "value must be a finite number. Received: value=NaN");
});

// ---------------------------------------------------------------------------------------------
const regs = suite("regularizer identifiers");

const REG_NAMES: [unknown, { className: string; config: Record<string, unknown> }][] = [
  ["l1", { className: "L1", config: { l1: 0.01 } }],
  ["L1", { className: "L1", config: { l1: 0.01 } }],
  ["l2", { className: "L2", config: { l2: 0.01 } }],
  ["L2", { className: "L2", config: { l2: 0.01 } }],
  ["l1l2", { className: "L1L2", config: { l1: 0, l2: 0 } }],
  ["L1L2", { className: "L1L2", config: { l1: 0, l2: 0 } }],
  ["l1_l2", { className: "L1L2", config: { l1: 0.01, l2: 0.01 } }],
  ["orthogonal_regularizer", { className: "OrthogonalRegularizer", config: { factor: 0.01, mode: "rows" } }],
  ["OrthogonalRegularizer", { className: "OrthogonalRegularizer", config: { factor: 0.01, mode: "rows" } }],
  ["orthogonalRegularizer", { className: "OrthogonalRegularizer", config: { factor: 0.01, mode: "rows" } }],
  [{ className: "OrthogonalRegularizer", config: { factor: 0.3 } }, { className: "OrthogonalRegularizer", config: { factor: 0.3, mode: "rows" } }],
  [{ className: "L1", config: { l1: 0.3 } }, { className: "L1", config: { l1: 0.3 } }],
  [{ class_name: "L2", config: { l2: 0.25 } }, { className: "L2", config: { l2: 0.25 } }],
  [{ module: "keras.regularizers", class_name: "L2", config: { l2: 0.01 }, registered_name: null }, { className: "L2", config: { l2: 0.01 } }],
  [{ className: "L1L2", config: { l1: 0.1 } }, { className: "L1L2", config: { l1: 0.1, l2: 0 } }],
  [{ class_name: "L1L2", config: { l1: 0.1, l2: 0.2 } }, { className: "L1L2", config: { l1: 0.1, l2: 0.2 } }],
  [{ class_name: "OrthogonalRegularizer", config: { factor: 0.5, mode: "columns" } }, { className: "OrthogonalRegularizer", config: { factor: 0.5, mode: "columns" } }],
  [{ className: "L1", config: { l1: 0 } }, { className: "L1", config: { l1: 0 } }],
];

for (const [id, expected] of REG_NAMES) {
  regs(`${JSON.stringify(id)} → ${expected.className} ${JSON.stringify(expected.config)}, as embeddings and activity regularizer`, () => {
    assert.equal(withReg(id).getConfig().embeddingsRegularizer, expected);
    assert.equal(withActivity(id).getConfig().activityRegularizer, expected);
  });
}

regs("Keras 3 form in toKerasConfig: L2(0.01) and L1L2", () => {
  assert.equal(withReg("l2").toKerasConfig()["embeddings_regularizer"], { module: "keras.regularizers", class_name: "L2", config: { l2: 0.01 }, registered_name: null });
  assert.equal(withActivity("l1_l2").toKerasConfig()["activity_regularizer"], {
    module: "keras.regularizers", class_name: "L1L2", config: { l1: 0.01, l2: 0.01 }, registered_name: null,
  });
});

regs("a negative factor is refused with Keras' message (no space after the period)", () => {
  assertThrowsMessage(() => withReg({ className: "L1", config: { l1: -1 } }), ValueError, "Invalid value for argument l1: expected a non-negative float.Received: l1=-1");
  assertThrowsMessage(() => withReg({ class_name: "L2", config: { l2: -0.5 } }), ValueError, "Invalid value for argument l2: expected a non-negative float.Received: l2=-0.5");
  assertThrowsMessage(() => withActivity({ class_name: "L1L2", config: { l1: 0.1, l2: -2 } }), ValueError, "Invalid value for argument l2: expected a non-negative float.Received: l2=-2");
  assertThrowsMessage(
    () => withReg({ class_name: "OrthogonalRegularizer", config: { factor: -1 } }),
    ValueError,
    "Invalid value for argument factor: expected a non-negative float.Received: factor=-1",
  );
});

regs("non-numeric and non-finite factors are refused", () => {
  assertThrowsMessage(() => withReg({ className: "L1", config: { l1: "0.1" } }), ValueError, /^Invalid value for argument l1: expected a non-negative float\.Received: l1=/);
  assertThrowsMessage(() => withReg({ className: "L2", config: { l2: NaN } }), ValueError, /^Invalid value for argument l2: expected a non-negative float\.Received: l2=NaN/);
  assertThrowsMessage(() => withReg({ className: "L2", config: { l2: Infinity } }), ValueError, /^Invalid value for argument l2: expected a non-negative float\.Received: l2=Infinity/);
});

regs("an orthogonal regularizer mode other than rows / columns", () => {
  assertThrowsMessage(
    () => withReg({ class_name: "OrthogonalRegularizer", config: { mode: "invalid_mode" } }),
    ValueError,
    'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. Received: mode=invalid_mode',
  );
});

regs("unknown regularizer identifiers", () => {
  assertThrowsMessage(() => withReg("typo"), ValueError, "Could not interpret regularizer identifier: typo");
  assertThrowsMessage(() => withActivity("typo"), ValueError, "Could not interpret regularizer identifier: typo");
  assertThrowsMessage(() => withReg({ class_name: "L3", config: {} }), ValueError, "Could not interpret regularizer identifier: L3");
  assertThrowsMessage(() => withReg("l2 "), ValueError, "Could not interpret regularizer identifier: l2 ");
});

regs("unknown regularizer arguments are named", () => {
  assertThrowsMessage(() => withReg({ className: "L1", config: { l2: 0.1 } }), ValueError, /^Unrecognized argument "l2" in the config of L1\. Expected only: l1$/);
});

// ---------------------------------------------------------------------------------------------
const cons = suite("constraint identifiers");

const CONSTRAINT_NAMES: [unknown, { className: string; config: Record<string, unknown> }][] = [
  ["max_norm", { className: "MaxNorm", config: { maxValue: 2, axis: 0 } }],
  ["MaxNorm", { className: "MaxNorm", config: { maxValue: 2, axis: 0 } }],
  ["maxNorm", { className: "MaxNorm", config: { maxValue: 2, axis: 0 } }],
  ["non_neg", { className: "NonNeg", config: {} }],
  ["NonNeg", { className: "NonNeg", config: {} }],
  ["nonNeg", { className: "NonNeg", config: {} }],
  ["unit_norm", { className: "UnitNorm", config: { axis: 0 } }],
  ["UnitNorm", { className: "UnitNorm", config: { axis: 0 } }],
  ["unitNorm", { className: "UnitNorm", config: { axis: 0 } }],
  ["min_max_norm", { className: "MinMaxNorm", config: { minValue: 0, maxValue: 1, rate: 1, axis: 0 } }],
  ["MinMaxNorm", { className: "MinMaxNorm", config: { minValue: 0, maxValue: 1, rate: 1, axis: 0 } }],
  ["minMaxNorm", { className: "MinMaxNorm", config: { minValue: 0, maxValue: 1, rate: 1, axis: 0 } }],
  [{ className: "MaxNorm", config: { maxValue: 3, axis: 1 } }, { className: "MaxNorm", config: { maxValue: 3, axis: 1 } }],
  [{ class_name: "MaxNorm", config: { max_value: 3, axis: 1 } }, { className: "MaxNorm", config: { maxValue: 3, axis: 1 } }],
  [
    { module: "keras.constraints", class_name: "MaxNorm", config: { max_value: 3, axis: 1 }, registered_name: null },
    { className: "MaxNorm", config: { maxValue: 3, axis: 1 } },
  ],
  [{ class_name: "MinMaxNorm", config: { min_value: 0.5, max_value: 2, rate: 0.5, axis: 1 } }, { className: "MinMaxNorm", config: { minValue: 0.5, maxValue: 2, rate: 0.5, axis: 1 } }],
  [{ className: "UnitNorm", config: { axis: 1 } }, { className: "UnitNorm", config: { axis: 1 } }],
];

for (const [id, expected] of CONSTRAINT_NAMES) {
  cons(`${JSON.stringify(id)} → ${expected.className} ${JSON.stringify(expected.config)}`, () => {
    assert.equal(withConstraint(id).getConfig().embeddingsConstraint, expected);
  });
}

cons("Keras 3 form in toKerasConfig: MaxNorm() and MinMaxNorm()", () => {
  assert.equal(withConstraint("max_norm").toKerasConfig()["embeddings_constraint"], {
    module: "keras.constraints", class_name: "MaxNorm", config: { max_value: 2, axis: 0 }, registered_name: null,
  });
  assert.equal(withConstraint({ className: "MaxNorm", config: { maxValue: 3, axis: 1 } }).toKerasConfig()["embeddings_constraint"], {
    module: "keras.constraints", class_name: "MaxNorm", config: { max_value: 3, axis: 1 }, registered_name: null,
  });
  assert.equal(withConstraint("non_neg").toKerasConfig()["embeddings_constraint"], {
    module: "keras.constraints", class_name: "NonNeg", config: {}, registered_name: null,
  });
});

cons("unknown constraint identifiers and arguments", () => {
  assertThrowsMessage(() => withConstraint("typo"), ValueError, "Could not interpret constraint identifier: typo");
  assertThrowsMessage(() => withConstraint({ class_name: "Typo", config: {} }), ValueError, "Could not interpret constraint identifier: Typo");
  assertThrowsMessage(
    () => withConstraint({ className: "MaxNorm", config: { max: 3 } }),
    ValueError,
    /^Unrecognized argument "max" in the config of MaxNorm\. Expected only: /,
  );
  assertThrowsMessage(() => withConstraint({ className: "NonNeg", config: { axis: 0 } }), ValueError, /^Unrecognized argument "axis" in the config of NonNeg\./);
});

cons("constraint values are validated", () => {
  assertThrowsMessage(() => withConstraint({ className: "MaxNorm", config: { maxValue: "3" } }), ValueError, 'maxValue must be a finite number. Received: maxValue="3"');
  assertThrowsMessage(() => withConstraint({ className: "MinMaxNorm", config: { rate: NaN } }), ValueError, "rate must be a finite number. Received: rate=NaN");
});

// ---------------------------------------------------------------------------------------------
const forms = suite("identifier forms shared by all three kinds");

forms("forbidden keys in a sub-config are refused", () => {
  assertThrowsMessage(() => withInit(JSON.parse('{"class_name": "RandomUniform", "config": {"__proto__": {"seed": 1}}}')), ValueError, 'RandomUniform config has a forbidden key: "__proto__"');
  assertThrowsMessage(() => withReg(JSON.parse('{"class_name": "L1", "config": {"constructor": 1}}')), ValueError, 'L1 config has a forbidden key: "constructor"');
  assertThrowsMessage(() => withConstraint(JSON.parse('{"className": "MaxNorm", "config": {"__proto__": {}}}')), ValueError, 'MaxNorm config has a forbidden key: "__proto__"');
});

forms("null and undefined regularizers / constraint mean none", () => {
  for (const v of [null, undefined]) {
    assert.is(withReg(v).getConfig().embeddingsRegularizer, null);
    assert.is(withActivity(v).getConfig().activityRegularizer, null);
    assert.is(withConstraint(v).getConfig().embeddingsConstraint, null);
  }
});

forms("identifiers resolve the same at construction and through fromConfig", () => {
  const l = new Embedding({
    inputDim: 5, outputDim: 3, embeddingsInitializer: "zeros", embeddingsRegularizer: "l1_l2", activityRegularizer: "l1l2", embeddingsConstraint: "min_max_norm",
  });
  const again = Embedding.fromConfig(l.toKerasConfig());
  assert.equal(again.getConfig(), l.getConfig());
  assert.equal(again.getConfig().embeddingsRegularizer, { className: "L1L2", config: { l1: 0.01, l2: 0.01 } });
  assert.equal(again.getConfig().activityRegularizer, { className: "L1L2", config: { l1: 0, l2: 0 } });
});

inits.run();
regs.run();
cons.run();
forms.run();
