// Config forms shared by initializers, regularizers and constraints. Two wire forms are read:
// TF.js `{ className, config }` with camelCase keys and Keras `{ class_name, config }` (Keras 3 adds
// `module` and `registered_name`) with snake_case keys. `toKeras` writes the Keras 3 form.
import { ValueError, show } from "./errors.ts";
import { isPlainObject } from "./validate.ts";

export type Config = Record<string, unknown>;

/** Anything with a class name and a camelCase config (TF.js form). */
export interface Serializable {
  readonly className: string;
  getConfig(): Config;
  /** The snake_case config Keras 3 writes, where it differs from `getConfig()` renamed. */
  getKerasConfig?(): Config;
}

/** The Keras 3 serialized form of a built-in object. */
export interface KerasObjectConfig {
  module: string;
  class_name: string;
  config: Config;
  registered_name: null;
}

export const toSnakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const toCamelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Keys that could reach a prototype if copied blindly. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** How configs write an infinite number (JSON has no Infinity): `normType: Infinity` becomes "inf". */
export const INFINITE_NORM = "inf";

/**
 * Copies a config object, renaming keys, refusing prototype keys, non-plain objects, and two keys
 * that rename to one (`max_value` and `maxValue`: which one to keep would be a guess).
 */
export function mapKeys(what: string, config: unknown, rename: (k: string) => string): Config {
  if (config === undefined || config === null) return {};
  if (!isPlainObject(config)) throw new ValueError(`${what} config must be a plain object. Received: ${show(config)}`);
  const out: Config = Object.create(null);
  const written = new Map<string, string>();
  for (const key of Object.keys(config)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ValueError(`${what} config has a forbidden key: ${JSON.stringify(key)}`);
    const name = rename(key);
    const earlier = written.get(name);
    if (earlier !== undefined) {
      throw new ValueError(`This ${what} config gives ${JSON.stringify(earlier)} and ${JSON.stringify(key)}, two spellings of one key; keep one.`);
    }
    written.set(name, key);
    out[name] = config[key];
  }
  return out;
}

/**
 * Which of `className` / `class_name` a wrapper uses (undefined for neither). Both at once are
 * refused: a reader taking one would silently ignore the other.
 */
export function classNameKey(what: string, wrapper: object): "className" | "class_name" | undefined {
  const camel = own(wrapper, "className") !== undefined;
  const snake = own(wrapper, "class_name") !== undefined;
  if (camel && snake) throw new ValueError(`${what} gives "className" and "class_name", two spellings of one key; keep one.`);
  return camel ? "className" : snake ? "class_name" : undefined;
}

/** `{ className, config }` for a serializable object (TF.js form, camelCase keys). */
export function toTfjs(obj: Serializable): { className: string; config: Config } {
  return { className: obj.className, config: obj.getConfig() };
}

/** The Keras 3 form for a built-in object in `module` (e.g. "keras.initializers"). */
export function toKeras(obj: Serializable, module: string, kerasConfig?: Config): KerasObjectConfig {
  const config = kerasConfig ?? obj.getKerasConfig?.() ?? mapKeys(obj.className, obj.getConfig(), toSnakeCase);
  return { module, class_name: obj.className, config: { ...config }, registered_name: null };
}

/**
 * The keys of `{ className, config }` (TF.js) and `{ module, class_name, config, registered_name }`
 * (Keras), with `shared_object_id`, which Keras' `model.save` adds to an object used in more than one
 * place (and to every activity regularizer); it names the sharing and carries no setting.
 */
const WRAPPER_KEYS: ReadonlySet<string> = new Set(["className", "class_name", "config", "module", "registered_name", "shared_object_id"]);

/**
 * Reads `{ className, config }` or `{ class_name, config }` into a class name and a camelCase
 * config, or returns undefined when `identifier` is not a config object.
 */
export function readConfigObject(identifier: unknown): { className: string; config: Config } | undefined {
  if (!isPlainObject(identifier)) return undefined;
  const field = classNameKey("This identifier", identifier);
  const className = field === undefined ? undefined : own(identifier, field);
  if (typeof className !== "string") return undefined;
  for (const key of Object.keys(identifier)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ValueError(`${className} config has a forbidden key: ${JSON.stringify(key)}`);
    if (!WRAPPER_KEYS.has(key)) {
      throw new ValueError(`Unrecognized key in the ${className} identifier: ${JSON.stringify(key)}. Expected only: ${[...WRAPPER_KEYS].join(", ")}`);
    }
  }
  return { className, config: mapKeys(className, own(identifier, "config"), toCamelCase) };
}

/** An own property of `obj`, never one inherited (a polluted Object.prototype must not fill in settings). */
export function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * Throws unless every key of `config` is one of `allowed`; returns the arguments as an object with
 * no prototype holding `config`'s own properties, so that missing ones read as undefined.
 */
export function checkKeys(className: string, config: object, allowed: readonly string[]): Config {
  const args: Config = Object.create(null);
  if (config === null || typeof config !== "object") return args;
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      throw new ValueError(
        `Unrecognized argument ${JSON.stringify(key)} in the config of ${className}. Expected only: ${allowed.join(", ") || "(none)"}`,
      );
    }
    args[key] = (config as Config)[key];
  }
  return args;
}
