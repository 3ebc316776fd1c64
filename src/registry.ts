// A small registry shape for objects that are resolved from identifiers: a name table (Keras class
// names, snake_case names and aliases, TF.js camelCase names) and per-class defaults and checks.
import { ValueError } from "./errors.ts";
import { checkKeys, readConfigObject, type Config, type Serializable } from "./serialization.ts";

/** How one class is built: its default config and a check of every given value. */
export interface ClassSpec {
  defaults: Config;
  check(config: Config): void;
}

/** A declared object: a class name and its full config (defaults filled in). */
export class Declared implements Serializable {
  constructor(readonly className: string, private readonly config: Config) {}
  getConfig(): Config {
    return { ...this.config };
  }
}

export function makeResolver(kind: string, classes: Record<string, ClassSpec>, names: Record<string, string>, presets: Record<string, Config> = {}) {
  const build = (className: string, config: Config): Declared => {
    const spec = Object.hasOwn(classes, className) ? classes[className]! : undefined;
    if (spec === undefined) throw new ValueError(`Could not interpret ${kind} identifier: ${className}`);
    checkKeys(className, config, Object.keys(spec.defaults));
    const full: Config = { ...spec.defaults };
    for (const key of Object.keys(config)) if (config[key] !== undefined && config[key] !== null) full[key] = config[key];
    spec.check(full);
    return new Declared(className, full);
  };
  /** null/undefined → null; a name, a config object (either form) or a Declared → a Declared. */
  return (identifier: unknown): Declared | null => {
    if (identifier === undefined || identifier === null) return null;
    if (identifier instanceof Declared) return build(identifier.className, identifier.getConfig());
    if (typeof identifier === "string") {
      const className = Object.hasOwn(names, identifier) ? names[identifier] : undefined;
      if (className === undefined) throw new ValueError(`Could not interpret ${kind} identifier: ${identifier}`);
      return build(className, Object.hasOwn(presets, identifier) ? presets[identifier]! : {});
    }
    const parsed = readConfigObject(identifier);
    if (parsed !== undefined) {
      const className = Object.hasOwn(names, parsed.className) ? names[parsed.className]! : parsed.className;
      return build(className, parsed.config);
    }
    throw new ValueError(`Could not interpret ${kind} identifier: ${typeof identifier === "object" ? JSON.stringify(identifier) : String(identifier)}`);
  };
}
