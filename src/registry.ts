// One resolver for every identifier-driven object (initializers, regularizers, constraints): a
// name (Keras class name, snake_case name, alias, TF.js camelCase name), a config object in Keras
// (`{ class_name, config }`) or TF.js (`{ className, config }`) form, an instance, or a function.
import { ValueError, show } from "./errors.ts";
import { readConfigObject, type Config } from "./serialization.ts";

export interface RegistrySpec<T> {
  /** "initializer", "regularizer" or "constraint", for messages. */
  kind: string;
  /** Class name → class. */
  classes: Record<string, new (args: never) => T>;
  /** Other names → class name. */
  aliases: Record<string, string>;
  /** Names that stand for a class with a non-default config (e.g. 'l1_l2'). */
  presets?: Record<string, Config>;
  /** Names that are recognized but not supported, with the reason. */
  unsupported?: Record<string, string>;
  isInstance(value: unknown): value is T;
  /** Wraps a user function, when functions are accepted. */
  fromFunction?(fn: (...args: never[]) => unknown): T;
}

/**
 * True when `value[name]` is a function that belongs to `value` (own, or from its class) rather than
 * one inherited from a polluted Object.prototype.
 */
export function hasMethod(value: unknown, name: string): boolean {
  if (value === null || typeof value !== "object") return false;
  const fn = (value as Record<string, unknown>)[name];
  return typeof fn === "function" && fn !== (Object.prototype as Record<string, unknown>)[name];
}

/** Builds `resolve(identifier) → T`; it throws `Could not interpret <kind> identifier: …` for anything unknown. */
export function makeRegistry<T>(spec: RegistrySpec<T>): (identifier: unknown) => T {
  const fail = (what: unknown): never => {
    throw new ValueError(`Could not interpret ${spec.kind} identifier: ${typeof what === "string" ? what : show(what)}`);
  };
  const build = (name: string, config: Config): T => {
    if (spec.unsupported && Object.hasOwn(spec.unsupported, name)) throw new ValueError(spec.unsupported[name]!);
    const className = Object.hasOwn(spec.classes, name) ? name : Object.hasOwn(spec.aliases, name) ? spec.aliases[name]! : fail(name);
    const preset = spec.presets && Object.hasOwn(spec.presets, name) ? spec.presets[name]! : {};
    return new spec.classes[className]!({ ...preset, ...config } as never);
  };
  return (identifier: unknown): T => {
    if (typeof identifier === "string") return build(identifier, {});
    if (spec.isInstance(identifier)) return identifier;
    if (typeof identifier === "function") {
      if (spec.fromFunction) return spec.fromFunction(identifier as (...args: never[]) => unknown);
      return fail(identifier);
    }
    const parsed = readConfigObject(identifier);
    if (parsed !== undefined) return build(parsed.className, parsed.config);
    return fail(identifier);
  };
}
