// Embedding.fromConfig on hostile configs: unknown class names (including every name Object.prototype
// carries), prototype-pollution keys (__proto__, constructor, prototype) anywhere, a polluted
// Object.prototype, wrong types, huge numbers, cycles and deep nesting. Each gives a clear
// ValueError (or a correct layer), never pollutes anything, and never runs code or resolves a
// name outside the registries.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

const base = { inputDim: 4, outputDim: 3 };
const KINDS = [
  ["embeddingsInitializer", "embeddings_initializer", "initializer"],
  ["embeddingsRegularizer", "embeddings_regularizer", "regularizer"],
  ["activityRegularizer", "activity_regularizer", "regularizer"],
  ["embeddingsConstraint", "embeddings_constraint", "constraint"],
] as const;

/** Names that are not registered anywhere: Object.prototype's, globals, internals, near misses. */
const UNKNOWN_NAMES = [
  "__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
  "toLocaleString", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__", "Object", "Function",
  "eval", "require", "import", "process", "globalThis", "Embedding", "Initializer", "SeededInitializer", "FunctionInitializer",
  "FunctionRegularizer", "FunctionConstraint", "keras.initializers.RandomUniform", "keras>RandomUniform", "random_uniform ",
  " uniform", "UNIFORM", "l1 ", "L1L2()", "MaxNorm.prototype", "../../etc/passwd", "", "0", "length", "name", "then",
];

/** Object.prototype's own keys now, to prove that nothing was added to it. */
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(",");
const PROTO_KEYS = protoKeys();
function assertNotPolluted(what: string): void {
  assert.is(protoKeys(), PROTO_KEYS, `${what}: Object.prototype gained keys`);
  assert.is(({} as Record<string, unknown>)["polluted"], undefined, `${what}: {}.polluted`);
  assert.is(Object.prototype.toString.call([]), "[object Array]", what);
}

// ---------------------------------------------------------------------------------------------
const names = suite("unknown class names");

names("a wrapper whose class is not Embedding, in either spelling", () => {
  for (const field of ["class_name", "className"] as const) {
    for (const value of ["Dense", "embedding", "Embedding ", "", ...UNKNOWN_NAMES.slice(0, 22), 42, null, true, ["Embedding"], {}]) {
      if (value === "Embedding") continue;
      const shown = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
      assertThrowsMessage(
        () => Embedding.fromConfig({ [field]: value, config: { input_dim: 4, output_dim: 3 } }),
        ValueError,
        `Expected a config of class "Embedding". Received: ${field}=${shown}`,
      );
    }
  }
  assertThrowsMessage(() => Embedding.fromConfig({ className: "Embedding", class_name: "Dense", config: base }), ValueError,
    'This Embedding config gives "className" and "class_name", two spellings of one key; keep one.');
});

names("an initializer, regularizer or constraint name that is not registered: one message, in every form", () => {
  let checked = 0;
  for (const [camel, snake, kind] of KINDS) {
    for (const name of UNKNOWN_NAMES) {
      const message = `Could not interpret ${kind} identifier: ${name}`;
      const forms: unknown[] = [name, { className: name, config: {} }, { class_name: name, config: {} }, { class_name: name, config: null, module: "keras", registered_name: null }];
      for (const id of forms) {
        assertThrowsMessage(() => Embedding.fromConfig({ ...base, [camel]: id }), ValueError, message);
        assertThrowsMessage(() => Embedding.fromConfig({ class_name: "Embedding", config: { input_dim: 4, output_dim: 3, [snake]: id } }), ValueError, message);
        checked += 2;
      }
    }
  }
  assert.is(checked, KINDS.length * UNKNOWN_NAMES.length * 8);
  assertNotPolluted("after every unknown name");
});

names("module and registered_name are never used to find anything", () => {
  const layer = Embedding.fromConfig({
    module: "child_process", class_name: "Embedding", registered_name: "evil>Embedding",
    config: { input_dim: 3, output_dim: 2, embeddings_initializer: { module: "node:fs", class_name: "Zeros", config: {}, registered_name: "x>y" } },
  });
  assert.equal(Array.from(layer.getWeights()[0]!.data), [0, 0, 0, 0, 0, 0]);
  assertThrowsMessage(
    () => Embedding.fromConfig({ ...base, embeddingsInitializer: { module: "keras.initializers", registered_name: "RandomUniform", config: {} } }),
    ValueError, 'Could not interpret initializer identifier: {"module":"keras.initializers","registered_name":"RandomUniform","config":{}}',
  );
});

// ---------------------------------------------------------------------------------------------
const keys = suite("prototype-pollution keys");

/** JSON text with `key` at `where` (so it is an own property, as from a file or the network). */
const POLLUTING = ["__proto__", "constructor", "prototype"] as const;

keys("__proto__, constructor and prototype are refused at every level, and nothing is polluted", () => {
  for (const key of POLLUTING) {
    const payload = `${JSON.stringify(key)}: {"polluted": true, "prototype": {"polluted": true}, "inputDim": 9}`;
    const cases: [string, RegExp | string][] = [
      [`{${payload}, "inputDim": 4, "outputDim": 3}`, `Embedding config has a forbidden key: "${key}"`],
      [`{"class_name": "Embedding", "config": {"input_dim": 4, "output_dim": 3, ${payload}}}`, `Embedding config has a forbidden key: "${key}"`],
      [`{"className": "Embedding", "config": {${payload}}}`, `Embedding config has a forbidden key: "${key}"`],
      [`{"inputDim": 4, "outputDim": 3, "embeddingsInitializer": {"className": "RandomUniform", "config": {${payload}}}}`, `RandomUniform config has a forbidden key: "${key}"`],
      [`{"input_dim": 4, "output_dim": 3, "embeddings_regularizer": {"class_name": "L1", "config": {"l1": 0.1, ${payload}}}}`, `L1 config has a forbidden key: "${key}"`],
      [`{"input_dim": 4, "output_dim": 3, "activity_regularizer": {"class_name": "l1_l2", "config": {${payload}}}}`, `l1_l2 config has a forbidden key: "${key}"`],
      [`{"inputDim": 4, "outputDim": 3, "embeddingsConstraint": {"className": "MaxNorm", "config": {${payload}}}}`, `MaxNorm config has a forbidden key: "${key}"`],
      [`{"inputDim": 4, "outputDim": 3, "inputLength": {${payload}}}`, `Embedding config has a forbidden key: "${key}"`],
    ];
    for (const [json, message] of cases) {
      const config = JSON.parse(json) as unknown;
      assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, message);
      assertNotPolluted(json);
    }
    // Where such a key is not copied anywhere (an identifier's own level, the dtype policy), it is harmless.
    const harmless = [
      `{"inputDim": 4, "outputDim": 3, "embeddingsInitializer": {${payload}, "className": "Zeros", "config": {}}}`,
      `{"inputDim": 4, "outputDim": 3, "dtype": {"class_name": "DTypePolicy", "config": {"name": "float32", ${payload}}}}`,
    ];
    for (const json of harmless) {
      let layer: Embedding | undefined;
      try {
        layer = Embedding.fromConfig(JSON.parse(json));
      } catch (e) {
        assert.instance(e, ValueError, json);
      }
      if (layer !== undefined) assert.is(layer.inputDim, 4, json);
      assertNotPolluted(json);
    }
  }
});

keys("non-plain configs (class instances, objects with another prototype) are refused", () => {
  class Config {
    inputDim = 4;
    outputDim = 3;
  }
  for (const config of [new Config(), Object.create({ inputDim: 4, outputDim: 3 }), new Map([["inputDim", 4]]), [4, 3], "Embedding", 5, null, undefined, new Date(0)]) {
    assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, /^An Embedding config must be a plain object\. Received: /);
  }
  assertThrowsMessage(() => Embedding.fromConfig({ class_name: "Embedding", config: new Config() }), ValueError, /^Embedding config must be a plain object/);
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, embeddingsInitializer: { className: "Zeros", config: new Config() } }), ValueError, /^Zeros config must be a plain object/);
  // A prototype-less object holds data only: it is read like a plain one.
  assert.is(Embedding.fromConfig(Object.assign(Object.create(null), base)).outputDim, 3);
});

// ---------------------------------------------------------------------------------------------
const polluted = suite("a polluted Object.prototype");

/** Runs `fn` with `entries` set on Object.prototype, removing them afterwards whatever happens. */
function withPollution(entries: Record<string, unknown>, fn: () => void): void {
  for (const [k, v] of Object.entries(entries)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true, enumerable: false });
  try {
    fn();
  } finally {
    for (const k of Object.keys(entries)) delete (Object.prototype as Record<string, unknown>)[k];
    assertNotPolluted("cleanup");
  }
}

polluted("registries resolve only their own names: an inherited class or alias is never looked up or constructed", () => {
  let constructed = 0;
  class Evil {
    constructor() {
      constructed++;
    }
    fill() {
      constructed++;
    }
  }
  withPollution({ Evil, evil_alias: "Evil", EvilConstraint: Evil }, () => {
    for (const [camel, , kind] of KINDS) {
      for (const name of ["Evil", "evil_alias", "EvilConstraint"]) {
        assertThrowsMessage(() => Embedding.fromConfig({ ...base, [camel]: name }), ValueError, `Could not interpret ${kind} identifier: ${name}`);
        assertThrowsMessage(() => Embedding.fromConfig({ ...base, [camel]: { class_name: name, config: {} } }), ValueError, `Could not interpret ${kind} identifier: ${name}`);
      }
    }
  });
  assert.is(constructed, 0);
});

polluted("options missing from a config are never taken from Object.prototype", () => {
  withPollution({ outputDim: 7 }, () => {
    assertThrowsMessage(() => Embedding.fromConfig({ inputDim: 5 }), ValueError, "outputDim must be a positive integer. Received: outputDim=undefined (of type undefined)");
  });
  withPollution({ embeddingsInitializer: { className: "Constant", config: { value: 666 } }, maxNorm: 1e-3, maskZero: true, inputLength: 99 }, () => {
    const layer = Embedding.fromConfig({ inputDim: 5, outputDim: 2 });
    assert.is(layer.maxNorm, null, "maxNorm");
    assert.is(layer.maskZero, false, "maskZero");
    assert.is(layer.inputLength, null, "inputLength");
    assert.ok(layer.getWeights()[0]!.data.every((v) => Math.abs(v) <= 0.05), "the default initializer, not the inherited one");
  });
});

polluted("initializer, regularizer and constraint settings missing from a config are never inherited", () => {
  withPollution({ minval: 666, maxval: 667, value: 666, l1: 1e6, maxValue: 1e-6 }, () => {
    const byDefault = Embedding.fromConfig(base);
    assert.ok(byDefault.getWeights()[0]!.data.every((v) => Math.abs(v) <= 0.05), "the default initializer's range, not 666");
    const uniform = Embedding.fromConfig({ ...base, embeddingsInitializer: { className: "RandomUniform", config: { seed: 1 } } });
    assert.ok(uniform.getWeights()[0]!.data.every((v) => Math.abs(v) <= 0.05), "RandomUniform's defaults, not 666");
    const constant = Embedding.fromConfig({ ...base, embeddingsInitializer: "constant" });
    assert.ok(constant.getWeights()[0]!.data.every((v) => v === 0), "Constant's default 0");
    const l1 = Embedding.fromConfig({ ...base, embeddingsRegularizer: { className: "L1", config: {} }, embeddingsInitializer: "ones" });
    assert.is(l1.regularizationLoss(), Math.fround(0.01) * 12, "L1's default factor (a float32, as Keras holds it)");
  });
});

// ---------------------------------------------------------------------------------------------
const types = suite("wrong types");

types("every option with a value of the wrong type: a ValueError naming it, in both spellings", () => {
  const table: [string, string, unknown[], RegExp][] = [
    ["inputDim", "input_dim", ["4", true, [4], {}, null, 4n, 1.5, -1, 0, NaN, Symbol("4")], /^inputDim must be a positive integer\. Received: inputDim=/],
    ["outputDim", "output_dim", ["3", false, [3], {}, null, 3n, 2.5, -3, 0, Infinity], /^outputDim must be a positive integer\. Received: outputDim=/],
    ["name", "name", [5, "", {}, [], true], /^name must be a non-empty string\. Received: name=/],
    ["trainable", "trainable", ["true", 1, 0, {}, []], /^trainable must be a boolean\. Received: trainable=/],
    ["maskZero", "mask_zero", ["false", 0, 1, {}, []], /^maskZero must be a boolean\. Received: maskZero=/],
    ["inputLength", "input_length", ["5", 0, -1, 1.5, [], [0], ["5"], [1, 0], {}, true, NaN], /^inputLength must be a positive integer, or a non-empty array of positive integers and nulls\. Received: inputLength=/],
    ["maxNorm", "max_norm", ["1", NaN, Infinity, -Infinity, {}, [], true], /^maxNorm must be a finite number\. Received: maxNorm=/],
    ["normType", "norm_type", [0, -1, "2", NaN, null, {}, -Infinity], /^normType must be a positive number \(Infinity for the max norm\)\. Received: normType=/],
    ["dtype", "dtype", ["float64", "int32", "float8", 5, true, [], { class_name: "DTypePolicy", config: { name: "mixed_float64" } }], /^dtype must be a dtype policy name: "float32", "float16", "bfloat16".*Received: dtype=/],
    ["embeddingsInitializer", "embeddings_initializer", [42, true, [], {}, { className: 3 }, { config: {} }, { class_name: ["Zeros"] }], /^Could not interpret initializer identifier: /],
    ["embeddingsRegularizer", "embeddings_regularizer", [42, true, [], {}, { className: 3 }], /^Could not interpret regularizer identifier: /],
    ["activityRegularizer", "activity_regularizer", [42, true, [], {}, { className: null }], /^Could not interpret regularizer identifier: /],
    ["embeddingsConstraint", "embeddings_constraint", [42, true, [], {}, { className: {} }], /^Could not interpret constraint identifier: /],
  ];
  let checked = 0;
  for (const [camel, snake, values, message] of table) {
    for (const value of values) {
      assertThrowsMessage(() => Embedding.fromConfig({ ...base, [camel]: value }), ValueError, message);
      assertThrowsMessage(() => Embedding.fromConfig({ class_name: "Embedding", config: { input_dim: 4, output_dim: 3, [snake]: value } }), ValueError, message);
      checked += 2;
    }
  }
  assert.ok(checked > 150);
});

types("wrong types inside initializer, regularizer and constraint configs", () => {
  const cases: [unknown, string | RegExp][] = [
    [{ embeddingsInitializer: { className: "RandomUniform", config: "x" } }, 'RandomUniform config must be a plain object. Received: "x"'],
    [{ embeddingsInitializer: { className: "RandomUniform", config: { minval: "0" } } }, 'minval must be a finite number. Received: minval="0"'],
    [{ embeddingsInitializer: { className: "RandomUniform", config: { seed: "1" } } }, /^`seed` argument should be an integer\. Received: seed="1"/],
    [{ embeddingsInitializer: { className: "RandomUniform", config: { sneaky: 1 } } }, 'Unrecognized argument "sneaky" in the config of RandomUniform. Expected only: minval, maxval, seed'],
    [{ embeddingsRegularizer: { className: "L1", config: { l1: "0.1" } } }, 'Invalid value for argument l1: expected a non-negative float.Received: l1="0.1"'],
    [{ embeddingsRegularizer: { className: "L2", config: { l2: -1 } } }, /^Invalid value for argument l2: expected a non-negative float/],
    [{ embeddingsConstraint: { className: "MaxNorm", config: { axis: "1" } } }, 'axis must be 0 (each column), 1 or -1 (each row) for a 2-D embedding table. Received: axis="1"'],
    [{ embeddingsConstraint: { className: "MaxNorm", config: { maxValue: [] } } }, /maxValue must be a finite number/],
  ];
  for (const [extra, message] of cases) assertThrowsMessage(() => Embedding.fromConfig({ ...base, ...(extra as object) }), ValueError, message);
});

types("unknown keys and unsupported settings are refused, naming them", () => {
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, weights: [[[1, 2, 3]]] }), ValueError, 'Unrecognized key in Embedding config: "weights"');
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, inputDIM: 4 }), ValueError, 'Unrecognized key in Embedding config: "inputDIM"');
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, quantization_config: { mode: "int8" } }), ValueError,
    'This Embedding config sets quantization_config={"mode":"int8"}, which is not a Keras Int8QuantizationConfig or Int4QuantizationConfig.');
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, lora_rank: 0 }), ValueError, "loraRank must be a positive integer. Received: loraRank=0");
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, embeddingsInitializer: "stft" }), ValueError, "Keras' STFT initializer does not apply to embedding tables and is not supported.");
});

types("functions and objects with methods in a config are refused, and never called", () => {
  // A config is data (what getConfig / toKerasConfig write, or JSON): code inside one must not run.
  const calls: string[] = [];
  const spy = (what: string) => (...args: unknown[]) => {
    calls.push(what);
    return what === "initializer" ? new Float32Array(12) : args.length > 99 ? 0 : undefined;
  };
  const fake = (what: string) => ({ className: "Fake", fill: spy(`${what}.fill`), apply: spy(`${what}.apply`), getConfig: spy(`${what}.getConfig`), penaltyOf: spy(`${what}.penaltyOf`), applyTo: spy(`${what}.applyTo`) });
  const cases: [string, unknown][] = [
    ["embeddingsInitializer", spy("initializer")],
    ["embeddingsRegularizer", spy("regularizer")],
    ["activityRegularizer", spy("activity")],
    ["embeddingsConstraint", spy("constraint")],
    ["embeddingsInitializer", fake("fake initializer")],
    ["embeddingsRegularizer", fake("fake regularizer")],
    ["embeddingsConstraint", fake("fake constraint")],
    ["inputDim", { toJSON: spy("toJSON"), valueOf: spy("valueOf"), toString: spy("toString") }],
  ];
  const accepted: string[] = [];
  for (const [key, value] of cases) {
    let layer: Embedding | undefined;
    try {
      layer = Embedding.fromConfig({ ...base, [key]: value });
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
    }
    if (layer !== undefined) {
      accepted.push(key);
      // What a caller does next with the layer runs the code the config carried.
      for (const use of [() => layer!.call([1, 2]), () => layer!.regularizationLoss(), () => layer!.applyConstraint()]) {
        try {
          use();
        } catch {
          // the carried code may also break the layer: still, it ran
        }
      }
    }
  }
  assert.equal({ accepted, calls }, { accepted: [], calls: [] }, `fromConfig accepted code in ${accepted.join(", ") || "nothing"} and ran: ${calls.join(", ") || "nothing"}`);
});

// ---------------------------------------------------------------------------------------------
const huge = suite("huge numbers");

huge("huge or unsafe dimensions: a ValueError at once, nothing allocated", () => {
  for (const [inputDim, outputDim] of [[1e300, 3], [3, 1e300], [2 ** 53, 3], [3, 2 ** 53], [2 ** 53 - 1, 1], [1, 2 ** 53 - 1], [2 ** 40, 2 ** 10], [2 ** 31, 2]] as const) {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    assertThrowsMessage(() => Embedding.fromConfig({ input_dim: inputDim, output_dim: outputDim }), ValueError,
      /^(inputDim|outputDim) must be a positive integer|^An embedding table of inputDim × outputDim = /);
    assert.ok(performance.now() - t0 < 500, `${inputDim} × ${outputDim}`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20, `${inputDim} × ${outputDim}: nothing allocated`);
  }
});

huge("huge seeds, lengths and factors: refused, or accepted with finite results", () => {
  for (const seed of [1e300, 2 ** 53, -(2 ** 53), 1.5, Infinity]) {
    assertThrowsMessage(() => Embedding.fromConfig({ ...base, embeddingsInitializer: { className: "RandomUniform", config: { seed } } }), ValueError, /^`seed` argument should be an integer/);
  }
  for (const seed of [2 ** 53 - 1, -(2 ** 53 - 1), 0]) {
    const layer = Embedding.fromConfig({ ...base, embeddingsInitializer: { className: "RandomNormal", config: { seed } } });
    assert.ok(layer.getWeights()[0]!.data.every(Number.isFinite), `seed ${seed}`);
  }
  assertThrowsMessage(() => Embedding.fromConfig({ ...base, inputLength: 1e300 }), ValueError, /^inputLength must be a positive integer/);
  const long = Embedding.fromConfig({ ...base, inputLength: 2 ** 53 - 1 });
  assertThrowsMessage(() => long.call([[1]]), ValueError, '"inputLength" is 9007199254740991, but received input has shape [1, 1]');
  for (const maxNorm of [1e300, Number.MAX_VALUE, 3.5e38]) {
    const layer = Embedding.fromConfig({ ...base, maxNorm, normType: 1e300 });
    const before = layer.getWeights()[0]!.data;
    assert.equal(Array.from(layer.call([0, 1, 2, 3]).data), Array.from(before), `maxNorm ${maxNorm}: no row exceeds it`);
  }
  const l1 = Embedding.fromConfig({ ...base, embeddingsInitializer: "ones", embeddingsRegularizer: { className: "L1", config: { l1: 1e300 } } });
  assert.is(l1.regularizationLoss(), 1.2e301);
});

huge("numbers past float32's range in initializer and constraint configs never leave a non-finite table", () => {
  // Refusing such a config or keeping the table finite are both fine; a table of ±Infinity or NaN is not.
  const configs: [string, Record<string, unknown>][] = [
    ["Constant value 1e39", { embeddingsInitializer: { className: "Constant", config: { value: 1e39 } } }],
    ["RandomUniform maxval 1e300", { embeddingsInitializer: { className: "RandomUniform", config: { minval: -1e300, maxval: 1e300, seed: 1 } } }],
    ["RandomNormal stddev 1e300", { embeddingsInitializer: { className: "RandomNormal", config: { stddev: 1e300, seed: 1 } } }],
    ["TruncatedNormal mean 1e300", { embeddingsInitializer: { className: "TruncatedNormal", config: { mean: 1e300, seed: 1 } } }],
    ["VarianceScaling scale 1e300", { embeddingsInitializer: { className: "VarianceScaling", config: { scale: 1e300, seed: 1 } } }],
    ["Identity gain 1e300", { embeddingsInitializer: { className: "Identity", config: { gain: 1e300 } } }],
    ["Orthogonal gain 1e300", { embeddingsInitializer: { className: "Orthogonal", config: { gain: 1e300, seed: 1 } } }],
    ["MinMaxNorm 1e300 (applied)", { embeddingsConstraint: { className: "MinMaxNorm", config: { minValue: 1e300, maxValue: 1e300, axis: 1 } } }],
  ];
  const nonFinite: string[] = [];
  for (const [what, extra] of configs) {
    let layer: Embedding;
    try {
      layer = Embedding.fromConfig({ ...base, ...extra });
    } catch (e) {
      assert.instance(e, ValueError, what);
      continue;
    }
    layer.applyConstraint();
    if (!layer.getWeights()[0]!.data.every(Number.isFinite)) nonFinite.push(what);
  }
  assert.equal(nonFinite, [], `non-finite tables from: ${nonFinite.join("; ")}`);
});

huge("a huge negative maxNorm cannot turn the table non-finite", () => {
  let layer: Embedding | undefined;
  try {
    layer = Embedding.fromConfig({ ...base, maxNorm: -1e300 });
  } catch (e) {
    assert.instance(e, ValueError);
  }
  if (layer !== undefined) {
    layer.call([0, 1, 2, 3]);
    const table = layer.getWeights()[0]!.data;
    assert.ok(table.every(Number.isFinite), `after one lookup the table holds ${Array.from(table.slice(0, 3))}…`);
  }
});

// ---------------------------------------------------------------------------------------------
const shapes = suite("cycles and deep nesting in configs");

shapes("cyclic values: a ValueError at once, no hang", () => {
  const cyclicArray: unknown[] = [1];
  cyclicArray.push(cyclicArray);
  const cyclicObject: Record<string, unknown> = { className: "RandomUniform" };
  cyclicObject["config"] = cyclicObject;
  const selfConfig: Record<string, unknown> = { ...base };
  selfConfig["inputLength"] = [selfConfig];
  const cases: [unknown, RegExp][] = [
    [{ ...base, inputLength: cyclicArray }, /^inputLength must be a positive integer/],
    [{ ...base, embeddingsInitializer: cyclicObject }, /^Unrecognized argument "className" in the config of RandomUniform/],
    [selfConfig, /^inputLength must be a positive integer/],
    [{ ...base, embeddingsInitializer: { className: "RandomUniform", config: { seed: cyclicObject } } }, /^`seed` argument should be an integer/],
    [{ ...base, foo: cyclicObject }, /^Unrecognized key in Embedding config: "foo"/],
    [{ ...base, dtype: cyclicObject }, /^dtype must be a dtype policy name/],
  ];
  for (const [config, message] of cases) {
    const t0 = performance.now();
    assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, message);
    assert.ok(performance.now() - t0 < 500);
  }
});

shapes("values nested 100,000 deep: a ValueError, not a stack overflow", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  let deepObject: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) deepObject = { className: "Zeros", config: deepObject };
  const cases: [unknown, RegExp][] = [
    [{ ...base, inputLength: deep }, /^inputLength must be a positive integer/],
    [{ ...base, maxNorm: deep }, /^maxNorm must be a finite number/],
    [{ ...base, embeddingsInitializer: deepObject }, /^Unrecognized argument "className" in the config of Zeros/],
    [{ class_name: "Embedding", config: { input_dim: deep, output_dim: 3 } }, /^inputDim must be a positive integer/],
  ];
  for (const [config, message] of cases) assertThrowsMessage(() => Embedding.fromConfig(config), ValueError, message);
});

names.run();
keys.run();
polluted.run();
types.run();
huge.run();
shapes.run();
