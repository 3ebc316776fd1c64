// getConfig (TF.js form), toKerasConfig (Keras 3 form) and Embedding.fromConfig: exact configs,
// round trips of both forms, Keras 2 configs, and every refusal with its message.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, type EmbeddingOptions } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";

/** A JSON round trip, as a config saved to disk and read back. */
const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const table = (l: Embedding) => l.getWeights()[0]!.data;

// The exact default config Keras >= 3.15 writes for Embedding(10, 4) (with name "embedding").
const KERAS_DEFAULT = {
  name: "embedding",
  trainable: true,
  dtype: { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null },
  input_dim: 10,
  output_dim: 4,
  embeddings_initializer: {
    module: "keras.initializers",
    class_name: "RandomUniform",
    config: { seed: null, minval: -0.05, maxval: 0.05 },
    registered_name: null,
  },
  embeddings_regularizer: null,
  activity_regularizer: null,
  embeddings_constraint: null,
  mask_zero: false,
  quantization_config: null,
};

// ---------------------------------------------------------------------------------------------
const getConfig = suite("getConfig (TF.js form)");

getConfig("default Embedding(10, 4)", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, name: "embedding" });
  assert.equal(l.getConfig(), {
    name: "embedding",
    trainable: true,
    dtype: "float32",
    inputDim: 10,
    outputDim: 4,
    embeddingsInitializer: { className: "RandomUniform", config: { seed: null, minval: -0.05, maxval: 0.05 } },
    embeddingsRegularizer: null,
    activityRegularizer: null,
    embeddingsConstraint: null,
    maskZero: false,
    inputLength: null,
  });
});

getConfig("every option set", () => {
  const l = new Embedding({
    inputDim: 7, outputDim: 3, name: "tok", trainable: false, maskZero: true, inputLength: [null, 2],
    embeddingsInitializer: { className: "RandomUniform", config: { minval: -1, maxval: 1, seed: 9 } },
    embeddingsRegularizer: { className: "L1L2", config: { l1: 0.1, l2: 0.2 } },
    activityRegularizer: "l2",
    embeddingsConstraint: { className: "MaxNorm", config: { maxValue: 3, axis: 1 } },
  });
  assert.equal(l.getConfig(), {
    name: "tok",
    trainable: false,
    dtype: "float32",
    inputDim: 7,
    outputDim: 3,
    embeddingsInitializer: { className: "RandomUniform", config: { seed: 9, minval: -1, maxval: 1 } },
    embeddingsRegularizer: { className: "L1L2", config: { l1: 0.1, l2: 0.2 } },
    activityRegularizer: { className: "L2", config: { l2: 0.01 } },
    embeddingsConstraint: { className: "MaxNorm", config: { maxValue: 3, axis: 1 } },
    maskZero: true,
    inputLength: [null, 2],
  });
});

getConfig("returns a fresh object each time: mutating it does not change the layer", () => {
  const l = new Embedding({ inputDim: 4, outputDim: 2, embeddingsRegularizer: "l1", embeddingsConstraint: "max_norm", inputLength: [3] });
  const before = l.getConfig();
  const c = l.getConfig();
  c.embeddingsInitializer.config["minval"] = 5;
  c.embeddingsRegularizer!.config["l1"] = 7;
  c.embeddingsConstraint!.config["maxValue"] = 9;
  (c.inputLength as (number | null)[])[0] = 11;
  c.inputDim = 100;
  assert.equal(l.getConfig(), before);
  assert.is(l.inputDim, 4);
});

getConfig("the config is plain JSON: it survives JSON.stringify / parse unchanged", () => {
  const l = new Embedding({ inputDim: 4, outputDim: 2, embeddingsRegularizer: "l1_l2", inputLength: 3, maskZero: true });
  assert.equal(viaJson(l.getConfig()), l.getConfig());
  assert.equal(viaJson(l.toKerasConfig()), l.toKerasConfig());
});

getConfig("a function initializer cannot be serialized", () => {
  const l = new Embedding({ inputDim: 2, outputDim: 3, embeddingsInitializer: (shape) => new Float32Array(shape[0]! * shape[1]!) });
  assertThrowsMessage(
    () => l.getConfig(),
    ValueError,
    "An initializer given as a function cannot be serialized; use a registered initializer to save the config.",
  );
  assertThrowsMessage(() => l.toKerasConfig(), ValueError, /^An initializer given as a function cannot be serialized/);
});

// ---------------------------------------------------------------------------------------------
const keras = suite("toKerasConfig (Keras 3 form)");

keras("default Embedding(10, 4) equals the config Keras >= 3.15 writes", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, name: "embedding" });
  assert.equal(l.toKerasConfig(), KERAS_DEFAULT);
  assert.not.ok("input_length" in l.toKerasConfig(), "no input_length when unset");
});

keras("regularizers and constraint in the Keras 3 object form", () => {
  const l = new Embedding({
    inputDim: 10, outputDim: 4, name: "embedding",
    embeddingsRegularizer: { class_name: "L2", config: { l2: 0.01 } },
    activityRegularizer: "l1",
    embeddingsConstraint: "MaxNorm",
  });
  assert.equal(l.toKerasConfig(), {
    ...KERAS_DEFAULT,
    embeddings_regularizer: { module: "keras.regularizers", class_name: "L2", config: { l2: 0.01 }, registered_name: null },
    // Keras 3 holds L1's factor as a float32 tensor and writes float(l1).
    activity_regularizer: { module: "keras.regularizers", class_name: "L1", config: { l1: 0.009999999776482582 }, registered_name: null },
    embeddings_constraint: { module: "keras.constraints", class_name: "MaxNorm", config: { max_value: 2, axis: 0 }, registered_name: null },
  });
});

keras("snake_case keys in sub-configs (MinMaxNorm, OrthogonalRegularizer)", () => {
  const l = new Embedding({ inputDim: 3, outputDim: 2, embeddingsConstraint: "min_max_norm", embeddingsRegularizer: "orthogonal_regularizer" });
  const c = l.toKerasConfig();
  assert.equal(c["embeddings_constraint"], {
    module: "keras.constraints", class_name: "MinMaxNorm", config: { min_value: 0, max_value: 1, rate: 1, axis: 0 }, registered_name: null,
  });
  assert.equal(c["embeddings_regularizer"], {
    module: "keras.regularizers", class_name: "OrthogonalRegularizer", config: { factor: 0.009999999776482582, mode: "rows" }, registered_name: null,
  });
  // The TF.js form keeps the factor as given; the Keras form round-trips to the same layer config.
  assert.equal(l.getConfig().embeddingsRegularizer, { className: "OrthogonalRegularizer", config: { factor: 0.01, mode: "rows" } });
  assert.equal(Embedding.fromConfig(c).toKerasConfig(), c);
});

keras("mask_zero, trainable, seed and input_length (only when set)", () => {
  const l = new Embedding({
    inputDim: 10, outputDim: 4, name: "embedding", maskZero: true, trainable: false, inputLength: 6,
    embeddingsInitializer: { className: "RandomUniform", config: { seed: 1337 } },
  });
  assert.equal(l.toKerasConfig(), {
    ...KERAS_DEFAULT,
    trainable: false,
    mask_zero: true,
    embeddings_initializer: { ...KERAS_DEFAULT.embeddings_initializer, config: { seed: 1337, minval: -0.05, maxval: 0.05 } },
    input_length: 6,
  });
  const a = new Embedding({ inputDim: 10, outputDim: 4, inputLength: [null, 3] });
  assert.equal(a.toKerasConfig()["input_length"], [null, 3]);
});

keras("constant initializers: Zeros {}, Ones {}, Constant {value}", () => {
  const cfg = (init: EmbeddingOptions["embeddingsInitializer"]) =>
    new Embedding({ inputDim: 2, outputDim: 2, embeddingsInitializer: init }).toKerasConfig()["embeddings_initializer"];
  assert.equal(cfg("zeros"), { module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null });
  assert.equal(cfg("ones"), { module: "keras.initializers", class_name: "Ones", config: {}, registered_name: null });
  assert.equal(cfg({ class_name: "Constant", config: { value: 0.5 } }), {
    module: "keras.initializers", class_name: "Constant", config: { value: 0.5 }, registered_name: null,
  });
});

// ---------------------------------------------------------------------------------------------
const roundTrip = suite("fromConfig round trips");

const FULL: EmbeddingOptions = {
  inputDim: 12, outputDim: 5, name: "full", trainable: false, maskZero: true, inputLength: [null, 3],
  embeddingsInitializer: { className: "RandomUniform", config: { minval: -0.5, maxval: 0.25, seed: 77 } },
  // OrthogonalRegularizer needs a rank-2 input: as the table's regularizer, not the activity one.
  embeddingsRegularizer: { class_name: "OrthogonalRegularizer", config: { factor: 0.5, mode: "columns" } },
  activityRegularizer: "l1_l2",
  embeddingsConstraint: { className: "MinMaxNorm", config: { minValue: 0.5, maxValue: 2, rate: 0.5, axis: 1 } },
};

const WRAPPERS: [string, (l: Embedding) => unknown][] = [
  ["getConfig()", (l) => l.getConfig()],
  ["toKerasConfig()", (l) => l.toKerasConfig()],
  ["{ className, config: getConfig() }", (l) => ({ className: "Embedding", config: l.getConfig() })],
  ["{ class_name, config: toKerasConfig() }", (l) => ({ class_name: "Embedding", config: l.toKerasConfig() })],
  ["Keras 3 layer object", (l) => ({
    module: "keras.layers", class_name: "Embedding", config: l.toKerasConfig(), registered_name: null,
    build_config: { input_shape: [null, 4, 3] },
  })],
  ["{ class_name, config: getConfig() } through JSON", (l) => viaJson({ class_name: "Embedding", config: l.getConfig() })],
  ["toKerasConfig() through JSON", (l) => viaJson(l.toKerasConfig())],
];

for (const [what, wrap] of WRAPPERS) {
  roundTrip(`${what}: same config, same table with a seeded initializer, same lookups`, () => {
    const original = new Embedding(FULL);
    const rebuilt = Embedding.fromConfig(wrap(original));
    assert.equal(rebuilt.getConfig(), original.getConfig());
    assert.equal(rebuilt.toKerasConfig(), original.toKerasConfig());
    assertSameFloats(table(rebuilt), table(original), "table");
    const x = [[[0, 11, 5], [3, 3, 1]]];
    assertSameFloats(rebuilt.call(x).data, original.call(x).data, "lookup");
    assert.is(rebuilt.isDisposed, false);
    rebuilt.dispose();
    // The original is independent of the rebuilt layer.
    assert.equal(original.call([[[1, 2, 3]]]).shape, [1, 1, 3, 5]);
  });
}

roundTrip("default layer: config round trips, and an unseeded initializer draws a different table (Keras)", () => {
  const original = new Embedding({ inputDim: 50, outputDim: 8 });
  for (const config of [original.getConfig(), original.toKerasConfig()]) {
    const rebuilt = Embedding.fromConfig(config);
    assert.equal(rebuilt.getConfig(), original.getConfig());
    const a = table(original);
    const b = table(rebuilt);
    assert.is(b.length, a.length);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    assert.ok(same < a.length / 10, `${same} of ${a.length} values equal: the table was not redrawn`);
    for (const v of b) assert.ok(v >= Math.fround(-0.05) && v < Math.fround(0.05), `value ${v}`);
  }
});

roundTrip("rebuilding twice from one seeded config gives identical tables", () => {
  const config = new Embedding({ inputDim: 30, outputDim: 7, embeddingsInitializer: { class_name: "RandomUniform", config: { seed: 5 } } }).toKerasConfig();
  assertSameFloats(table(Embedding.fromConfig(config)), table(Embedding.fromConfig(config)), "tables");
});

roundTrip("fromConfig does not mutate the config it reads", () => {
  const l = new Embedding(FULL);
  const config = l.toKerasConfig();
  const copy = viaJson(config);
  Embedding.fromConfig(config);
  assert.equal(config, copy);
});

roundTrip("a config without a name gets a default name; a null name or trainable means the default", () => {
  const c = { input_dim: 3, output_dim: 2 };
  assert.match(Embedding.fromConfig(c).name, /^embedding(_\d+)?$/);
  assert.is(Embedding.fromConfig(c).trainable, true);
  const n = Embedding.fromConfig({ inputDim: 3, outputDim: 2, name: null, trainable: null, maskZero: null });
  assert.match(n.name, /^embedding(_\d+)?$/);
  assert.is(n.trainable, true);
  assert.is(n.maskZero, false);
});

// ---------------------------------------------------------------------------------------------
const legacy = suite("fromConfig: Keras 2 and TF.js saved configs");

legacy("a Keras 2 (tf.keras 2.15) Embedding config with batch_input_shape and input_length", () => {
  const keras2 = {
    class_name: "Embedding",
    config: {
      name: "embedding_3",
      trainable: true,
      batch_input_shape: [null, 5],
      dtype: "float32",
      input_dim: 20,
      output_dim: 6,
      embeddings_initializer: { class_name: "RandomUniform", config: { minval: -0.05, maxval: 0.05, seed: 12 } },
      embeddings_regularizer: { class_name: "L1L2", config: { l1: 0.0, l2: 0.001 } },
      activity_regularizer: null,
      embeddings_constraint: { class_name: "MaxNorm", config: { max_value: 3, axis: 0 } },
      mask_zero: true,
      input_length: 5,
      sparse: false,
    },
  };
  const l = Embedding.fromConfig(keras2);
  assert.equal(l.getConfig(), {
    name: "embedding_3",
    trainable: true,
    dtype: "float32",
    inputDim: 20,
    outputDim: 6,
    embeddingsInitializer: { className: "RandomUniform", config: { seed: 12, minval: -0.05, maxval: 0.05 } },
    embeddingsRegularizer: { className: "L1L2", config: { l1: 0, l2: 0.001 } },
    activityRegularizer: null,
    embeddingsConstraint: { className: "MaxNorm", config: { maxValue: 3, axis: 0 } },
    maskZero: true,
    inputLength: 5,
  });
  assert.equal(l.computeOutputShape([null, 5]), [null, 5, 6]);
  assertThrowsMessage(() => l.call([[1, 2, 3]]), ValueError, '"inputLength" is 5, but received input has shape [1, 3]');
});

legacy("a Keras 2 config with null input_length and a tf.keras 2 initializer without seed", () => {
  const l = Embedding.fromConfig({
    name: "e", trainable: true, batch_input_shape: [null, null], dtype: "float32", input_dim: 4, output_dim: 2,
    embeddings_initializer: { class_name: "RandomUniform", config: { minval: -0.05, maxval: 0.05 } },
    embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false, input_length: null,
  });
  assert.is(l.inputLength, null);
  assert.equal(l.getConfig().embeddingsInitializer, { className: "RandomUniform", config: { seed: null, minval: -0.05, maxval: 0.05 } });
});

legacy("a TF.js layer config (camelCase, batchInputShape, inputLength)", () => {
  const l = Embedding.fromConfig({
    className: "Embedding",
    config: {
      name: "embedding_Embedding1", trainable: true, batchInputShape: [null, 4], dtype: "float32",
      inputDim: 9, outputDim: 3, embeddingsInitializer: { className: "RandomUniform", config: { minval: -0.05, maxval: 0.05, seed: null } },
      embeddingsRegularizer: null, activityRegularizer: null, embeddingsConstraint: null, maskZero: false, inputLength: 4,
    },
  });
  assert.is(l.name, "embedding_Embedding1");
  assert.is(l.inputLength, 4);
  assert.equal(l.call([[8, 0, 1, 2]]).shape, [1, 4, 3]);
});

legacy("a Keras 3 config with a neutral lora_rank and a FloatDTypePolicy-style dtype object loads", () => {
  const l = Embedding.fromConfig({ ...KERAS_DEFAULT, lora_rank: null, dtype: { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null } });
  assert.equal(l.toKerasConfig(), KERAS_DEFAULT);
});

// ---------------------------------------------------------------------------------------------
const refusals = suite("fromConfig refusals");

refusals("not a plain object", () => {
  assertThrowsMessage(() => Embedding.fromConfig(null), ValueError, "An Embedding config must be a plain object. Received: null");
  assertThrowsMessage(() => Embedding.fromConfig("Embedding"), ValueError, 'An Embedding config must be a plain object. Received: "Embedding"');
  assertThrowsMessage(() => Embedding.fromConfig([10, 4]), ValueError, "An Embedding config must be a plain object. Received: [10,4]");
});

refusals("unknown keys name the key", () => {
  assertThrowsMessage(() => Embedding.fromConfig({ inputDim: 3, outputDim: 2, foo: 1 }), ValueError, 'Unrecognized key in Embedding config: "foo"');
  assertThrowsMessage(() => Embedding.fromConfig({ inputDimm: 3, outputDim: 2 }), ValueError, 'Unrecognized key in Embedding config: "inputDimm"');
  assertThrowsMessage(
    () => Embedding.fromConfig({ class_name: "Embedding", config: { input_dim: 3, output_dim: 2, units: 8 } }),
    ValueError,
    'Unrecognized key in Embedding config: "units"',
  );
});

refusals("an unknown snake_case key is named as written in the config", () => {
  // A Keras-form config names its keys in snake_case; the message should quote the key the caller wrote.
  assertThrowsMessage(() => Embedding.fromConfig({ input_dimm: 3, output_dim: 2 }), ValueError, 'Unrecognized key in Embedding config: "input_dimm"');
});

refusals("one key given in both spellings (input_dim and inputDim) is ambiguous and refused", () => {
  // Otherwise the later key silently wins: { input_dim: 3, inputDim: 5 } would build a 5-row table.
  assertThrowsMessage(
    () => Embedding.fromConfig({ input_dim: 3, inputDim: 5, output_dim: 2 }),
    ValueError,
    /input_dim.*inputDim|inputDim.*input_dim/,
  );
});

refusals("a wrapper with both className and class_name is refused, naming both", () => {
  // Otherwise `className ?? class_name` ignores class_name="Dense".
  for (const other of ["Dense", "Embedding"]) {
    assertThrowsMessage(
      () => Embedding.fromConfig({ className: "Embedding", class_name: other, config: { inputDim: 3, outputDim: 2 } }),
      ValueError,
      'This Embedding config gives "className" and "class_name", two spellings of one key; keep one.',
    );
  }
});

refusals("__proto__ and constructor keys are forbidden (own keys, as JSON.parse makes them)", () => {
  const cases: [string, string][] = [
    ['{"__proto__": {"polluted": 1}, "input_dim": 3, "output_dim": 2}', "__proto__"],
    ['{"constructor": {"prototype": {"polluted": 1}}, "input_dim": 3, "output_dim": 2}', "constructor"],
    ['{"class_name": "Embedding", "config": {"input_dim": 3, "output_dim": 2, "__proto__": {"polluted": 1}}}', "__proto__"],
    ['{"inputDim": 3, "outputDim": 2, "prototype": {"polluted": 1}}', "prototype"],
  ];
  for (const [json, key] of cases) {
    const config: unknown = JSON.parse(json);
    assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, `Embedding config has a forbidden key: ${JSON.stringify(key)}`);
  }
  assert.is(({} as Record<string, unknown>)["polluted"], undefined, "Object.prototype untouched");
});

refusals("forbidden keys inside sub-configs are refused too", () => {
  const config: unknown = JSON.parse(
    '{"input_dim": 3, "output_dim": 2, "embeddings_initializer": {"class_name": "RandomUniform", "config": {"__proto__": {"polluted": 1}}}}',
  );
  assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, 'RandomUniform config has a forbidden key: "__proto__"');
  const reg: unknown = JSON.parse('{"input_dim": 3, "output_dim": 2, "embeddings_regularizer": {"class_name": "L2", "config": {"__proto__": {"l2": -1}}}}');
  assertThrowsMessage(() => Embedding.fromConfig(reg), ValueError, 'L2 config has a forbidden key: "__proto__"');
  assert.is(({} as Record<string, unknown>)["polluted"], undefined, "Object.prototype untouched");
});

refusals("a class other than Embedding", () => {
  assertThrowsMessage(
    () => Embedding.fromConfig({ class_name: "Dense", config: { units: 3 } }),
    ValueError,
    'Expected a config of class "Embedding". Received: class_name="Dense"',
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ className: "embedding", config: { inputDim: 3, outputDim: 2 } }),
    ValueError,
    'Expected a config of class "Embedding". Received: className="embedding"',
  );
});

refusals("a dtype that is not a supported policy", () => {
  assertThrowsMessage(
    () => Embedding.fromConfig({ input_dim: 3, output_dim: 2, dtype: "float64" }),
    ValueError,
    /^dtype must be a dtype policy name: .*Received: dtype="float64"$/,
  );
  const mixed = { module: "keras", class_name: "DTypePolicy", config: { name: "mixed_float64" }, registered_name: null };
  assertThrowsMessage(
    () => Embedding.fromConfig({ input_dim: 3, output_dim: 2, dtype: mixed }),
    ValueError,
    /^dtype must be a dtype policy name: .*Received: dtype="mixed_float64"$/,
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ inputDim: 3, outputDim: 2, dtype: "int32" }),
    ValueError,
    /^dtype must be a dtype policy name: .*Received: dtype="int32"$/,
  );
});

refusals("a malformed quantization_config, a bad lora_rank, or sparse: true", () => {
  assertThrowsMessage(
    () => Embedding.fromConfig({ inputDim: 3, outputDim: 2, quantizationConfig: { mode: "int8" } }),
    ValueError,
    'This Embedding config sets quantizationConfig={"mode":"int8"}, which is not a Keras Int8QuantizationConfig or Int4QuantizationConfig.',
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ inputDim: 3, outputDim: 2, loraRank: 1.5 }),
    ValueError,
    "loraRank must be a positive integer. Received: loraRank=1.5",
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ inputDim: 3, outputDim: 2, sparse: true }),
    ValueError,
    "This Embedding config sets sparse=true, which embedding-wasm does not support.",
  );
});

refusals("a Keras-form unsupported key is named as written in the config", () => {
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, quantization_config: { mode: "int8" } }),
    ValueError,
    'This Embedding config sets quantization_config={"mode":"int8"}, which is not a Keras Int8QuantizationConfig or Int4QuantizationConfig.',
  );
});

refusals("invalid values give the constructor's message", () => {
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, input_dim: 0 }),
    ValueError,
    "inputDim must be a positive integer. Received: inputDim=0 (of type number)",
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ inputDim: 3, outputDim: "4" }),
    ValueError,
    'outputDim must be a positive integer. Received: outputDim="4" (of type string)',
  );
  assertThrowsMessage(() => Embedding.fromConfig({ input_dim: 3 }), ValueError, "outputDim must be a positive integer. Received: outputDim=undefined (of type undefined)");
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, mask_zero: "yes" }),
    ValueError,
    'maskZero must be a boolean. Received: maskZero="yes" (of type string)',
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, input_length: 0 }),
    ValueError,
    "inputLength must be a positive integer, or a non-empty array of positive integers and nulls. Received: inputLength=0 (of type number)",
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, embeddings_initializer: { class_name: "Typo", config: {} } }),
    ValueError,
    "Could not interpret initializer identifier: Typo",
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, embeddings_regularizer: { class_name: "L1", config: { l1: -1 } } }),
    ValueError,
    "Invalid value for argument l1: expected a non-negative float.Received: l1=-1",
  );
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...KERAS_DEFAULT, embeddings_constraint: "typo" }),
    ValueError,
    "Could not interpret constraint identifier: typo",
  );
});

// ---------------------------------------------------------------------------------------------
const disposed = suite("configs of a disposed layer");

disposed("getConfig and toKerasConfig throw after dispose", () => {
  const l = new Embedding({ inputDim: 3, outputDim: 2, name: "gone" });
  l.dispose();
  const message = 'Embedding layer "gone" has been disposed and cannot be used any more.';
  assertThrowsMessage(() => l.getConfig(), Error, message);
  assertThrowsMessage(() => l.toKerasConfig(), Error, message);
});

getConfig.run();
keras.run();
roundTrip.run();
legacy.run();
refusals.run();
disposed.run();
