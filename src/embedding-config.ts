// Reading an Embedding config in either wire form: TF.js (`getConfig()`, camelCase) or Keras
// (`toKerasConfig()` / Keras 3 `get_config()` / Keras 2, snake_case), bare or wrapped in
// `{ class_name | className, config }`. Keys Keras writes that do not change this layer are
// accepted when they hold their neutral value; any other key is an error naming it.
import { ValueError, show } from "./errors.ts";
import type { EmbeddingOptions } from "./options.ts";
import { FORBIDDEN_KEYS, INFINITE_NORM, classNameKey, mapKeys, own, toCamelCase, type Config } from "./serialization.ts";
import { isPlainObject } from "./validate.ts";

const LAYER_KEYS = new Set([
  "name", "trainable", "dtype", "inputDim", "outputDim", "embeddingsInitializer", "embeddingsRegularizer",
  "activityRegularizer", "embeddingsConstraint", "maskZero", "inputLength", "maxNorm", "normType", "scaleGradByFreq", "paddingIdx",
  "tieWeights", "logitSoftCap", "reverseDtype",
  "loraRank", "loraAlpha", "quantizationBlockSize",
]);

/** Keys Keras or TF.js write that carry nothing for this layer when neutral. */
const NEUTRAL: Record<string, (v: unknown) => boolean> = {
  sparse: (v) => v === false || v === undefined,
  batchInputShape: (v) => v === null || v === undefined || Array.isArray(v),
  batchSize: (v) => v === null || v === undefined,
  buildConfig: () => true,
};

/**
 * How deep the data check looks. Code in a config could only run where the layer reads objects (an
 * identifier and its arguments, a few levels down); anything deeper fails validation as a
 * non-number. Stopping here bounds the walk (no stack overflow on absurd nesting) and lets the
 * option's own message report such values.
 */
const MAX_CONFIG_DEPTH = 64;

/** True when `value`'s class (any prototype below Object.prototype, other than a plain array's) defines methods. */
function hasClassMethods(value: object): boolean {
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return false;
  for (let proto = Object.getPrototypeOf(value); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (key !== "constructor" && (!("value" in d) || typeof d.value === "function")) return true;
    }
  }
  return false;
}

/** The class name an object declares (`className` or `class_name`), naming the config it holds in messages. */
function declaredClass(value: object): string | undefined {
  const name = own(value, "className") ?? own(value, "class_name");
  return typeof name === "string" ? name : undefined;
}

/**
 * Configs are data. A function, an accessor (getter), or an object whose class has methods
 * anywhere in one is refused without being called, so `fromConfig` never runs code a config
 * carries. (Other non-plain objects are refused, with the usual messages, where they are read.)
 * Prototype keys (`__proto__`, as JSON.parse makes it an own key, `constructor`, `prototype`) are
 * refused at every level, including levels this layer otherwise ignores (a wrapper, the dtype
 * policy, `build_config`), naming the class whose config holds them.
 */
export function checkData(value: unknown, path: string, depth: number, seen: Set<object>, what: string): void {
  if (typeof value === "function") throw new ValueError(`An Embedding config holds data only; ${path} is a function.`);
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  if (depth > MAX_CONFIG_DEPTH) return;
  if (hasClassMethods(value)) {
    throw new ValueError(`An Embedding config holds data only; ${path} is an object with methods (${Object.prototype.toString.call(value)}).`);
  }
  seen.add(value);
  const owner = declaredClass(value) ?? what;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ValueError(`${owner} config has a forbidden key: ${JSON.stringify(key)}`);
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (!("value" in d)) throw new ValueError(`An Embedding config holds data only; ${path}.${key} is an accessor.`);
    checkData(d.value, `${path}.${key}`, depth + 1, seen, owner);
  }
}

/**
 * The dtype policy name of a config's `dtype`: a name, Keras' `DTypePolicy` object
 * (`{ config: { name } }`), or its quantized policies (`QuantizedDTypePolicy` / `Int4DTypePolicy`,
 * `{ config: { mode, source_name } }`). The name itself is checked by the layer.
 */
function readDtype(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (isPlainObject(value)) {
    const inner = own(value, "config");
    if (isPlainObject(inner)) {
      const name = own(inner, "name");
      if (typeof name === "string") return name;
      const mode = own(inner, "mode"), source = own(inner, "sourceName") ?? own(inner, "source_name");
      if (typeof mode === "string" && typeof source === "string") return `${mode}_from_${source}`;
    }
  }
  throw new ValueError(`dtype must be a dtype policy name: "float32", "float16", "bfloat16", a quantized policy, or a Keras dtype policy object holding one. Received: dtype=${show(value)}`);
}

/**
 * The block size of a Keras `quantization_config` (`Int8QuantizationConfig`: none;
 * `Int4QuantizationConfig`: `config.block_size`), or undefined when there is none to check.
 */
function readQuantizationConfig(key: string, value: unknown): { blockSize?: number | null } {
  if (value === undefined || value === null) return {};
  const className = isPlainObject(value) ? own(value, "class_name") ?? own(value, "className") : undefined;
  const inner = isPlainObject(value) ? own(value, "config") : undefined;
  if (className === "Int8QuantizationConfig") return {};
  if (className === "Int4QuantizationConfig" && isPlainObject(inner)) {
    const block = own(inner, "block_size") ?? (Object.hasOwn(inner, "block_size") ? null : own(inner, "blockSize"));
    return { blockSize: block === undefined ? null : (block as number | null) };
  }
  throw new ValueError(`This Embedding config sets ${key}=${show(value)}, which is not a Keras Int8QuantizationConfig or Int4QuantizationConfig.`);
}

export function readEmbeddingConfig(raw: unknown): EmbeddingOptions {
  if (!isPlainObject(raw)) throw new ValueError(`An Embedding config must be a plain object. Received: ${show(raw)}`);
  checkData(raw, "config", 0, new Set(), "Embedding");
  let body: unknown = raw;
  const field = classNameKey("This Embedding config", raw);
  if (field !== undefined) {
    const name = own(raw, field);
    if (name !== "Embedding" && name !== "ReversibleEmbedding") throw new ValueError(`Expected a config of class "Embedding". Received: ${field}=${show(name)}`);
    body = own(raw, "config");
  }
  const config: Config = mapKeys("Embedding", body, (k) => k);
  const options: Record<string, unknown> = Object.create(null);
  /** The key as the caller wrote it, for each camelCase key seen. */
  const written = new Map<string, string>();
  for (const key of Object.keys(config)) {
    const name = toCamelCase(key);
    const earlier = written.get(name);
    if (earlier !== undefined) {
      throw new ValueError(`This Embedding config gives ${JSON.stringify(earlier)} and ${JSON.stringify(key)}, two spellings of one key; keep one.`);
    }
    written.set(name, key);
    const value = config[key];
    if (name === "quantizationConfig") {
      const { blockSize } = readQuantizationConfig(key, value);
      if (blockSize !== undefined) options["quantizationBlockSize"] = blockSize;
    } else if (LAYER_KEYS.has(name)) {
      if (name === "dtype") {
        const dtype = readDtype(value);
        if (dtype !== undefined) options["dtype"] = dtype;
      }
      // JSON has no Infinity: configs write the max norm's p as "inf".
      else if (name === "normType" && value === INFINITE_NORM) options[name] = Infinity;
      else if (name === "reverseDtype") {
        if (value !== null && value !== undefined) options[name] = readDtype(value);
      }
      else if (value !== undefined && !(value === null && (name === "name" || name === "trainable" || name === "maskZero"))) options[name] = value;
    } else if (Object.hasOwn(NEUTRAL, name)) {
      if (!NEUTRAL[name]!(value)) {
        throw new ValueError(`This Embedding config sets ${key}=${show(value)}, which embedding-wasm does not support.`);
      }
    } else if (name !== "module" && name !== "registeredName") {
      throw new ValueError(`Unrecognized key in Embedding config: ${JSON.stringify(key)}`);
    }
  }
  return options as unknown as EmbeddingOptions;
}
