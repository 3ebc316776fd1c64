// Constructor options: validation with exact messages, defaults, unknown options, maskZero,
// inputLength and computeOutputShape (Keras 2 rule, spec vector E7).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, type EmbeddingOptions } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

/** Builds an Embedding from options the type system would refuse (for the runtime checks). */
const build = (options: unknown) => new Embedding(options as EmbeddingOptions);

// ---------------------------------------------------------------------------------------------
const dims = suite("options: inputDim / outputDim");

const BAD_DIMS: [unknown, string][] = [
  [12.5, "12.5 (of type number)"],
  [3.7, "3.7 (of type number)"],
  [0, "0 (of type number)"],
  [-1, "-1 (of type number)"],
  ["3", '"3" (of type string)'],
  [null, "null (of type null)"],
  [true, "true (of type boolean)"],
  [NaN, "NaN (of type number)"],
  [Infinity, "Infinity (of type number)"],
  [-Infinity, "-Infinity (of type number)"],
  [2 ** 53, "9007199254740992 (of type number)"],
  [undefined, "undefined (of type undefined)"],
  [[3], "[3] (of type array)"],
  [3n, "3n (of type bigint)"],
];

for (const [value, shown] of BAD_DIMS) {
  dims(`inputDim=${String(value)} is rejected with the Keras-style message`, () => {
    assertThrowsMessage(() => build({ inputDim: value, outputDim: 4 }), ValueError, `inputDim must be a positive integer. Received: inputDim=${shown}`);
  });
  dims(`outputDim=${String(value)} is rejected with the Keras-style message`, () => {
    assertThrowsMessage(() => build({ inputDim: 4, outputDim: value }), ValueError, `outputDim must be a positive integer. Received: outputDim=${shown}`);
  });
}

dims("the error is a ValueError named 'ValueError' (and an Error)", () => {
  let caught: unknown;
  try {
    build({ inputDim: 12.5, outputDim: 4 });
  } catch (e) {
    caught = e;
  }
  assert.instance(caught, ValueError);
  assert.instance(caught, Error);
  assert.is((caught as Error).name, "ValueError");
  assert.is((caught as Error).message, "inputDim must be a positive integer. Received: inputDim=12.5 (of type number)");
});

dims("inputDim is checked before outputDim", () => {
  assertThrowsMessage(() => build({ inputDim: 0, outputDim: 0 }), ValueError, "inputDim must be a positive integer. Received: inputDim=0 (of type number)");
});

dims("valid dims are kept: 1 × 1, integral floats like 4.0, and the largest table that fits", () => {
  const one = new Embedding({ inputDim: 1, outputDim: 1 });
  assert.is(one.inputDim, 1);
  assert.is(one.outputDim, 1);
  assert.equal(one.getWeights()[0]!.shape, [1, 1]);
  assert.equal(one.call([0, 0]).shape, [2, 1]);
  const l = new Embedding({ inputDim: 4.0, outputDim: 7 });
  assert.is(l.inputDim, 4);
  assert.is(l.outputDim, 7);
  assert.is(l.countParams(), 28);
});

// ---------------------------------------------------------------------------------------------
const others = suite("options: other arguments");

others("options must be an object", () => {
  assertThrowsMessage(() => build(null), ValueError, "options must be an object with inputDim and outputDim. Received: options=null (of type null)");
  assertThrowsMessage(() => build(5), ValueError, "options must be an object with inputDim and outputDim. Received: options=5 (of type number)");
  assertThrowsMessage(() => build(undefined), ValueError, "options must be an object with inputDim and outputDim. Received: options=undefined (of type undefined)");
});

const ALL_OPTIONS = [
  "inputDim", "outputDim", "embeddingsInitializer", "embeddingsRegularizer", "activityRegularizer",
  "embeddingsConstraint", "maskZero", "inputLength", "weights", "name", "trainable", "dtype",
];

others("an unknown option is refused, naming it and listing the accepted ones", () => {
  let caught: unknown;
  try {
    build({ inputDimm: 10, outputDim: 4 });
  } catch (e) {
    caught = e;
  }
  assert.instance(caught, ValueError);
  const message = (caught as Error).message;
  assert.ok(message.startsWith('Unrecognized option passed to Embedding: "inputDimm". Expected only: '), message);
  const listed = message.slice(message.indexOf("Expected only: ") + "Expected only: ".length).split(", ");
  for (const name of ALL_OPTIONS) assert.ok(listed.includes(name), `${name} listed in: ${message}`);
});

others("Keras snake_case option names and TF.js-only options are unknown options too", () => {
  for (const key of ["input_dim", "mask_zero", "embeddings_initializer", "batchInputShape", "sparse", "inputShape"]) {
    assertThrowsMessage(
      () => build({ inputDim: 10, outputDim: 4, [key]: 1 }),
      ValueError,
      new RegExp(`^Unrecognized option passed to Embedding: "${key}"\\. Expected only: inputDim, `),
    );
  }
});

others("defaults: maskZero false, trainable true, dtype float32, inputLength null, no regularizers or constraint", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  assert.is(l.maskZero, false);
  assert.is(l.trainable, true);
  assert.is(l.dtype, "float32");
  assert.is(l.inputLength, null);
  assert.is(l.embeddingsRegularizer, null);
  assert.is(l.activityRegularizer, null);
  assert.is(l.embeddingsConstraint, null);
  const c = l.getConfig();
  assert.is(c.maskZero, false);
  assert.is(c.trainable, true);
  assert.is(c.dtype, "float32");
  assert.is(c.inputLength, null);
});

others("options given as undefined take their defaults", () => {
  const l = new Embedding({
    inputDim: 3, outputDim: 2, maskZero: undefined, trainable: undefined, inputLength: undefined, dtype: undefined,
    embeddingsInitializer: undefined, embeddingsRegularizer: undefined, embeddingsConstraint: undefined, weights: undefined,
  });
  assert.is(l.maskZero, false);
  assert.is(l.trainable, true);
  assert.is(l.inputLength, null);
  assert.equal(l.getConfig().embeddingsInitializer, { className: "RandomUniform", config: { seed: null, minval: -0.05, maxval: 0.05 } });
});

others("the default initializer is RandomUniform(-0.05, 0.05): every value in [-0.05, 0.05), not constant", () => {
  const l = new Embedding({ inputDim: 200, outputDim: 16 });
  const data = l.getWeights()[0]!.data;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= Math.fround(-0.05), `min ${min}`);
  assert.ok(max < Math.fround(0.05), `max ${max}`);
  // 3200 uniform draws: the extremes come close to the bounds.
  assert.ok(min < -0.049 && max > 0.049, `range [${min}, ${max}]`);
});

others("default names match embedding(_N) and two defaults differ; a given name is kept", () => {
  const a = new Embedding({ inputDim: 2, outputDim: 2 });
  const b = new Embedding({ inputDim: 2, outputDim: 2 });
  assert.match(a.name, /^embedding(_\d+)?$/);
  assert.match(b.name, /^embedding(_\d+)?$/);
  assert.is.not(a.name, b.name);
  assert.is(new Embedding({ inputDim: 2, outputDim: 2, name: "tokens" }).name, "tokens");
  assert.is(new Embedding({ inputDim: 2, outputDim: 2, name: "tokens" }).getConfig().name, "tokens");
});

others("name must be a non-empty string", () => {
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, name: "" }), ValueError, 'name must be a non-empty string. Received: name="" (of type string)');
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, name: 7 }), ValueError, "name must be a non-empty string. Received: name=7 (of type number)");
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, name: null }), ValueError, "name must be a non-empty string. Received: name=null (of type null)");
});

others("maskZero and trainable must be booleans", () => {
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, maskZero: 1 }), ValueError, "maskZero must be a boolean. Received: maskZero=1 (of type number)");
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, maskZero: "true" }), ValueError, 'maskZero must be a boolean. Received: maskZero="true" (of type string)');
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, trainable: 0 }), ValueError, "trainable must be a boolean. Received: trainable=0 (of type number)");
  assertThrowsMessage(() => build({ inputDim: 2, outputDim: 2, trainable: null }), ValueError, "trainable must be a boolean. Received: trainable=null (of type null)");
});

others("trainable: false is kept in the layer and its configs", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 2, trainable: false });
  assert.is(l.trainable, false);
  assert.is(l.getConfig().trainable, false);
  assert.is(l.toKerasConfig()["trainable"], false);
});

others("dtype: a supported policy name", () => {
  assert.is(new Embedding({ inputDim: 2, outputDim: 2, dtype: "float32" }).dtype, "float32");
  assert.is(new Embedding({ inputDim: 2, outputDim: 2, dtype: "float16" }).dtype, "float16");
  for (const [value, shown] of [["float64", '"float64"'], ["int32", '"int32"'], ["mixed_float64", '"mixed_float64"'], ["int8_from_float64", '"int8_from_float64"']] as const) {
    assertThrowsMessage(
      () => build({ inputDim: 2, outputDim: 2, dtype: value }),
      ValueError,
      `dtype must be a dtype policy name: "float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", or a quantized policy from one of them ` +
        `("int8_from_float32", "int4/<block size>_from_bfloat16", "int4/-1_from_mixed_float16"). Received: dtype=${shown}`,
    );
  }
});

others("regularizers and constraint are accepted, validated and kept", () => {
  const l = new Embedding({
    inputDim: 5, outputDim: 3, embeddingsRegularizer: "l2", activityRegularizer: "l1", embeddingsConstraint: "non_neg",
  });
  const c = l.getConfig();
  assert.equal(c.embeddingsRegularizer, { className: "L2", config: { l2: 0.01 } });
  assert.equal(c.activityRegularizer, { className: "L1", config: { l1: 0.01 } });
  assert.equal(c.embeddingsConstraint, { className: "NonNeg", config: {} });
  // They do not change the lookup.
  const w = l.getWeights()[0]!.data;
  assert.equal(Array.from(l.call([4]).data), Array.from(w.subarray(12, 15)));
  assertThrowsMessage(() => build({ inputDim: 5, outputDim: 3, embeddingsRegularizer: "typo" }), ValueError, "Could not interpret regularizer identifier: typo");
  assertThrowsMessage(() => build({ inputDim: 5, outputDim: 3, activityRegularizer: "typo" }), ValueError, "Could not interpret regularizer identifier: typo");
  assertThrowsMessage(() => build({ inputDim: 5, outputDim: 3, embeddingsConstraint: "typo" }), ValueError, "Could not interpret constraint identifier: typo");
});

// ---------------------------------------------------------------------------------------------
const mask = suite("options: maskZero");

mask("maskZero: true → computeMask is x != 0 on the raw values, shaped like x", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 3, maskZero: true });
  assert.is(l.maskZero, true);
  const m = l.computeMask([[0, 1, 2], [3, 0, 0]]);
  assert.ok(m !== null);
  assert.equal(m.shape, [2, 3]);
  assert.instance(m.data, Uint8Array);
  assert.equal(Array.from(m.data), [0, 1, 1, 1, 0, 0]);
  const s = l.computeMask(0);
  assert.equal(s && { shape: s.shape, data: Array.from(s.data) }, { shape: [], data: [0] });
  // The lookup itself is unchanged: row 0 is an ordinary row.
  const w = l.getWeights()[0]!.data;
  assert.equal(Array.from(l.call([0]).data), Array.from(w.subarray(0, 3)));
});

mask("maskZero: false → computeMask returns null", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 3 });
  assert.is(l.computeMask([[0, 1, 2]]), null);
});

// ---------------------------------------------------------------------------------------------
const shapes = suite("inputLength and computeOutputShape (spec vector E7)");

shapes("without inputLength: [...inputShape, D] with nulls kept", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  assert.equal(l.computeOutputShape([null]), [null, 4]);
  assert.equal(l.computeOutputShape([2, 3]), [2, 3, 4]);
  assert.equal(l.computeOutputShape([]), [4]);
  assert.equal(l.computeOutputShape([null, null, 5]), [null, null, 5, 4]);
  assert.equal(l.computeOutputShape([0, 7]), [0, 7, 4]);
});

shapes("computeOutputShape returns a fresh array and does not alter its argument", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  const input = [2, 3];
  const out = l.computeOutputShape(input);
  assert.equal(input, [2, 3]);
  out.push(99);
  assert.equal(l.computeOutputShape(input), [2, 3, 4]);
});

shapes("computeOutputShape rejects malformed shapes", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4 });
  const bad = (s: unknown) => l.computeOutputShape(s as number[]);
  assertThrowsMessage(() => bad([2, -1]), ValueError, "inputShape must be an array of non-negative integers and nulls. Received: inputShape=[2,-1] (of type array)");
  assertThrowsMessage(() => bad([2.5]), ValueError, "inputShape must be an array of non-negative integers and nulls. Received: inputShape=[2.5] (of type array)");
  assertThrowsMessage(() => bad("2,3"), ValueError, 'inputShape must be an array of non-negative integers and nulls. Received: inputShape="2,3" (of type string)');
});

shapes("inputLength as a number: fills an unknown sequence dimension, matches a known one", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, inputLength: 5 });
  assert.is(l.inputLength, 5);
  assert.equal(l.computeOutputShape([null, 5]), [null, 5, 4]);
  assert.equal(l.computeOutputShape([null, null]), [null, 5, 4]);
  assert.equal(l.computeOutputShape([7, 5]), [7, 5, 4]);
});

shapes("inputLength 5 on [null, 3] throws naming both", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, inputLength: 5 });
  assertThrowsMessage(() => l.computeOutputShape([null, 3]), ValueError, '"inputLength" is 5, but received input has shape [null, 3]');
  // A rank that does not fit inputLength is refused too.
  assertThrowsMessage(() => l.computeOutputShape([null, 5, 2]), ValueError, '"inputLength" is 5, but received input has shape [null, 5, 2]');
  assertThrowsMessage(() => l.computeOutputShape([5]), ValueError, '"inputLength" is 5, but received input has shape [5]');
});

shapes("inputLength [null, 2] on [3, 4, 2] → [3, 4, 2, D]", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 6, inputLength: [null, 2] });
  assert.equal(l.inputLength, [null, 2]);
  assert.equal(l.computeOutputShape([3, 4, 2]), [3, 4, 2, 6]);
  assert.equal(l.computeOutputShape([null, null, null]), [null, null, 2, 6]);
  assertThrowsMessage(() => l.computeOutputShape([3, 4, 3]), ValueError, '"inputLength" is [null, 2], but received input has shape [3, 4, 3]');
});

shapes("inputLength [null, 4, 5] with input shape [17, null, 4, 5] → [17, null, 4, 5, D] (TF.js test)", () => {
  const l = new Embedding({ inputDim: 100, outputDim: 3, inputLength: [null, 4, 5] });
  assert.equal(l.computeOutputShape([17, null, 4, 5]), [17, null, 4, 5, 3]);
  assert.equal(l.computeOutputShape([17, null, null, null]), [17, null, 4, 5, 3]);
});

shapes("call checks the input shape against inputLength, with the same message", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 2, inputLength: 3 });
  assert.equal(l.call([[1, 2, 3], [4, 5, 6]]).shape, [2, 3, 2]);
  assertThrowsMessage(() => l.call([[1, 2], [3, 4]]), ValueError, '"inputLength" is 3, but received input has shape [2, 2]');
  assertThrowsMessage(() => l.call([1, 2, 3]), ValueError, '"inputLength" is 3, but received input has shape [3]');
  assertThrowsMessage(() => l.call({ data: new Int32Array(8), shape: [2, 4] }), ValueError, '"inputLength" is 3, but received input has shape [2, 4]');
  assertThrowsMessage(() => l.callInto([[1, 2]], new Float32Array(4)), ValueError, '"inputLength" is 3, but received input has shape [1, 2]');
  const n = new Embedding({ inputDim: 10, outputDim: 2, inputLength: [null, 2] });
  assert.equal(n.call([[[1, 2], [3, 4], [5, 6]]]).shape, [1, 3, 2, 2]);
  assertThrowsMessage(() => n.call([[[1, 2, 3]]]), ValueError, '"inputLength" is [null, 2], but received input has shape [1, 1, 3]');
});

const BAD_INPUT_LENGTHS: [unknown, string][] = [
  [0, "0 (of type number)"],
  [-1, "-1 (of type number)"],
  [2.5, "2.5 (of type number)"],
  [NaN, "NaN (of type number)"],
  ["5", '"5" (of type string)'],
  [[], "[] (of type array)"],
  [[0], "[0] (of type array)"],
  [[null, 2.5], "[null,2.5] (of type array)"],
  [["a"], '["a"] (of type array)'],
  [true, "true (of type boolean)"],
];

shapes("invalid inputLength values are rejected", () => {
  for (const [value, shown] of BAD_INPUT_LENGTHS) {
    assertThrowsMessage(
      () => build({ inputDim: 10, outputDim: 4, inputLength: value }),
      ValueError,
      `inputLength must be a positive integer, or a non-empty array of positive integers and nulls. Received: inputLength=${shown}`,
    );
  }
});

shapes("inputLength null is no inputLength; the layer keeps its own copy of an array", () => {
  assert.is(new Embedding({ inputDim: 10, outputDim: 4, inputLength: null }).inputLength, null);
  const given: (number | null)[] = [null, 3];
  const l = new Embedding({ inputDim: 10, outputDim: 4, inputLength: given });
  given[1] = 99;
  assert.equal(l.inputLength, [null, 3]);
  assert.equal(l.computeOutputShape([2, 5, 3]), [2, 5, 3, 4]);
  const config = l.getConfig();
  (config.inputLength as (number | null)[])[1] = 42;
  assert.equal(l.getConfig().inputLength, [null, 3]);
});

dims.run();
others.run();
mask.run();
shapes.run();
