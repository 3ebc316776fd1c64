// Configs through JSON text: normType Infinity round-trips as "inf"; prototype keys are refused at
// every level (JSON.parse makes `__proto__` an own key); two spellings of one key, in a sub-config or
// as className with class_name, are refused naming both keys.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, getConstraint, getInitializer, getRegularizer } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
const norm = suite("normType Infinity through JSON text");

norm("getConfig and toKerasConfig write \"inf\", and fromConfig rebuilds the same config", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 3, maxNorm: 1.5, normType: Infinity, name: "emb_inf" });
  const tfjs = layer.getConfig();
  const keras = layer.toKerasConfig();
  assert.is(tfjs.normType, "inf");
  assert.is(keras["norm_type"], "inf");
  for (const config of [tfjs, keras]) {
    const text = JSON.stringify(config);
    const rebuilt = Embedding.fromConfig(JSON.parse(text));
    assert.is(rebuilt.normType, Infinity);
    assert.is(rebuilt.maxNorm, 1.5);
    assert.equal(rebuilt.getConfig(), tfjs);
    assert.equal(rebuilt.toKerasConfig(), keras);
    assert.is(JSON.stringify(config === tfjs ? rebuilt.getConfig() : rebuilt.toKerasConfig()), text);
  }
  // Wrapped, as Keras serializes a layer.
  assert.is(Embedding.fromConfig(viaJson({ class_name: "Embedding", config: keras })).normType, Infinity);
});

norm("the rebuilt layer renormalizes with the max norm, like the original", () => {
  const weights = [{ data: Float32Array.from([3, -4, 0.5, 0.25]), shape: [2, 2] }];
  const layer = new Embedding({ inputDim: 2, outputDim: 2, maxNorm: 2, normType: Infinity, weights });
  const rebuilt = Embedding.fromConfig(viaJson(layer.getConfig()));
  rebuilt.setWeights(weights);
  // Row 0 has max-norm 4 > 2: scaled by 2 / (4 + 1e-7) (PyTorch's embedding_renorm_); row 1 is within.
  const scale = Math.fround(2 / (4 + 1e-7));
  const expected = [Math.fround(3 * scale), Math.fround(-4 * scale), 0.5, 0.25];
  assert.equal(Array.from(rebuilt.call([0, 1]).data), expected);
  assert.equal(Array.from(layer.call([0, 1]).data), expected);
});

norm("finite normType values are written as numbers; other strings are refused", () => {
  const layer = new Embedding({ inputDim: 2, outputDim: 2, maxNorm: 1, normType: 3 });
  assert.is(layer.getConfig().normType, 3);
  assert.is(Embedding.fromConfig(viaJson(layer.toKerasConfig())).normType, 3);
  for (const text of ["Infinity", "-inf", "INF", "inf "]) {
    assertThrowsMessage(
      () => Embedding.fromConfig({ input_dim: 2, output_dim: 2, max_norm: 1, norm_type: text }),
      ValueError,
      `normType must be a positive number (Infinity for the max norm). Received: normType=${JSON.stringify(text)} (of type string)`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
const proto = suite("__proto__ anywhere in a config is refused");

const BASE = '"input_dim": 3, "output_dim": 2';
const PAYLOAD = '"__proto__": {"polluted": true}';

proto("the wrapper, the dtype policy, build_config and sub-config wrappers", () => {
  const cases: [string, string][] = [
    [`{"class_name": "Embedding", "config": {${BASE}}, ${PAYLOAD}}`, 'Embedding config has a forbidden key: "__proto__"'],
    [`{"module": "keras.layers", "class_name": "Embedding", "config": {${BASE}}, "registered_name": null, "build_config": {"input_shape": [null, 4], ${PAYLOAD}}}`, 'Embedding config has a forbidden key: "__proto__"'],
    [`{${BASE}, "build_config": {"input_shape": [null, 4], ${PAYLOAD}}}`, 'Embedding config has a forbidden key: "__proto__"'],
    [`{${BASE}, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, ${PAYLOAD}}}`, 'DTypePolicy config has a forbidden key: "__proto__"'],
    [`{${BASE}, "dtype": {"class_name": "DTypePolicy", "config": {"name": "float32", ${PAYLOAD}}}}`, 'DTypePolicy config has a forbidden key: "__proto__"'],
    [`{${BASE}, "embeddings_initializer": {"class_name": "Zeros", "config": {}, ${PAYLOAD}}}`, 'Zeros config has a forbidden key: "__proto__"'],
    [`{${BASE}, "embeddings_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.1}, "registered_name": null, ${PAYLOAD}}}`, 'L2 config has a forbidden key: "__proto__"'],
    [`{${BASE}, "embeddings_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, ${PAYLOAD}}}}`, 'MaxNorm config has a forbidden key: "__proto__"'],
  ];
  for (const [json, message] of cases) {
    assertThrowsMessage(() => Embedding.fromConfig(JSON.parse(json)), ValueError, message);
  }
  assert.is(({} as Record<string, unknown>)["polluted"], undefined, "Object.prototype untouched");
});

proto("identifiers given to the constructor or the getters directly", () => {
  const zeros = JSON.parse(`{"class_name": "Zeros", "config": {}, ${PAYLOAD}}`);
  assertThrowsMessage(() => getInitializer(zeros), ValueError, 'Zeros config has a forbidden key: "__proto__"');
  assertThrowsMessage(() => new Embedding({ inputDim: 2, outputDim: 2, embeddingsInitializer: zeros }), ValueError, 'Zeros config has a forbidden key: "__proto__"');
  assertThrowsMessage(() => getRegularizer(JSON.parse(`{"className": "L1", "config": {"l1": 0.5}, ${PAYLOAD}}`)), ValueError, 'L1 config has a forbidden key: "__proto__"');
  assertThrowsMessage(() => getConstraint(JSON.parse(`{"className": "NonNeg", "config": {}, ${PAYLOAD}}`)), ValueError, 'NonNeg config has a forbidden key: "__proto__"');
});

// ---------------------------------------------------------------------------------------------
const spellings = suite("two spellings of one key are refused, naming both");

spellings("snake_case and camelCase of one argument in a sub-config", () => {
  const cases: [string, unknown, string][] = [
    ["embeddings_constraint", { class_name: "MaxNorm", config: { max_value: 3, maxValue: 4 } }, 'This MaxNorm config gives "max_value" and "maxValue", two spellings of one key; keep one.'],
    ["embeddings_constraint", { class_name: "MinMaxNorm", config: { minValue: 0, min_value: 1 } }, 'This MinMaxNorm config gives "minValue" and "min_value", two spellings of one key; keep one.'],
  ];
  for (const [key, identifier, message] of cases) {
    assertThrowsMessage(() => Embedding.fromConfig(viaJson({ input_dim: 3, output_dim: 2, [key]: identifier })), ValueError, message);
  }
  assertThrowsMessage(
    () => getInitializer({ class_name: "TruncatedNormal", config: { stddev: 1, mean: 0, std_dev: 2, stdDev: 3 } }),
    ValueError,
    'This TruncatedNormal config gives "std_dev" and "stdDev", two spellings of one key; keep one.',
  );
});

spellings("className together with class_name, at the top and in sub-configs, whatever their values", () => {
  for (const second of ["Embedding", "Dense"]) {
    assertThrowsMessage(
      () => Embedding.fromConfig(viaJson({ className: "Embedding", class_name: second, config: { inputDim: 3, outputDim: 2 } })),
      ValueError,
      'This Embedding config gives "className" and "class_name", two spellings of one key; keep one.',
    );
  }
  for (const [key, a, b] of [["embeddings_constraint", "MaxNorm", "NonNeg"], ["embeddings_initializer", "Zeros", "Zeros"], ["activity_regularizer", "L1", "L2"]] as const) {
    assertThrowsMessage(
      () => Embedding.fromConfig(viaJson({ input_dim: 3, output_dim: 2, [key]: { className: a, class_name: b, config: {} } })),
      ValueError,
      'This identifier gives "className" and "class_name", two spellings of one key; keep one.',
    );
  }
});

spellings("an identifier wrapper holds only its own keys", () => {
  assertThrowsMessage(
    () => getInitializer({ class_name: "Zeros", config: {}, seed: 3 }),
    ValueError,
    'Unrecognized key in the Zeros identifier: "seed". Expected only: className, class_name, config, module, registered_name, shared_object_id',
  );
  // Both wire forms are still read.
  assert.is(getInitializer({ module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null }).className, "Zeros");
  assert.is(getInitializer({ className: "Zeros", config: {} }).className, "Zeros");
  assert.is(getInitializer({ module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null, shared_object_id: 140001 }).className, "Zeros");
});

norm.run();
proto.run();
spellings.run();
