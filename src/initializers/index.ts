// The initializer registry: every identifier `embeddingsInitializer` accepts resolves here.
import { ValueError, show } from "../errors.ts";
import { readConfigObject, type Config } from "../serialization.ts";
import { Constant, Identity, Ones, Zeros } from "./constant.ts";
import { count, type FillTarget, type Initializer } from "./initializer.ts";
import { Orthogonal } from "./orthogonal.ts";
import { RandomNormal, RandomUniform, TruncatedNormal } from "./random.ts";
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, VarianceScaling,
} from "./variance-scaling.ts";

export { Constant, Identity, Ones, Zeros } from "./constant.ts";
export { computeFans, TRUNCATED_NORMAL_STDDEV, VarianceScaling, GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform } from "./variance-scaling.ts";
export { Orthogonal } from "./orthogonal.ts";
export { RandomNormal, RandomUniform, TruncatedNormal } from "./random.ts";
export type { FillTarget, Initializer } from "./initializer.ts";

/** A user function `(shape) => Float32Array | number[]` used as an initializer; its length is checked. */
export class FunctionInitializer implements Initializer {
  readonly className = "Function";
  constructor(private readonly fn: (shape: number[]) => ArrayLike<number>) {}
  apply(shape: readonly number[]): Float32Array {
    const values = this.fn([...shape]);
    const n = count(shape);
    if (values === null || typeof values !== "object" || typeof values.length !== "number" || values.length !== n) {
      throw new ValueError(
        `The initializer function returned ${show(values)} for shape [${shape.join(", ")}]; expected ${n} numbers.`,
      );
    }
    return Float32Array.from(values);
  }
  fill(target: FillTarget): void {
    new Float32Array(target.kernel.memory.buffer, target.ptr, count(target.shape)).set(this.apply(target.shape));
  }
  getConfig(): Config {
    throw new ValueError("An initializer given as a function cannot be serialized; use a registered initializer to save the config.");
  }
}

type InitializerClass = new (args: never) => Initializer;

const CLASSES: Record<string, InitializerClass> = {
  Constant, Identity, Ones, Zeros, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling,
  GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
};

/** Keras snake_case names and aliases, and TF.js camelCase names (and its LeCun spelling). */
const ALIASES: Record<string, string> = {
  constant: "Constant", identity: "Identity", IdentityInitializer: "Identity", ones: "Ones", one: "Ones",
  zeros: "Zeros", zero: "Zeros", random_uniform: "RandomUniform", uniform: "RandomUniform", randomUniform: "RandomUniform",
  random_normal: "RandomNormal", normal: "RandomNormal", randomNormal: "RandomNormal",
  truncated_normal: "TruncatedNormal", truncatedNormal: "TruncatedNormal",
  variance_scaling: "VarianceScaling", varianceScaling: "VarianceScaling",
  glorot_uniform: "GlorotUniform", glorotUniform: "GlorotUniform", glorot_normal: "GlorotNormal", glorotNormal: "GlorotNormal",
  he_uniform: "HeUniform", heUniform: "HeUniform", he_normal: "HeNormal", heNormal: "HeNormal",
  lecun_uniform: "LecunUniform", lecunUniform: "LecunUniform", leCunUniform: "LecunUniform", LeCunUniform: "LecunUniform",
  lecun_normal: "LecunNormal", lecunNormal: "LecunNormal", leCunNormal: "LecunNormal", LeCunNormal: "LecunNormal",
  orthogonal: "Orthogonal", OrthogonalInitializer: "Orthogonal",
};

function byName(name: string, config: Config): Initializer {
  const className = Object.hasOwn(CLASSES, name) ? name : Object.hasOwn(ALIASES, name) ? ALIASES[name]! : undefined;
  if (className === undefined) {
    if (name === "STFT" || name === "stft" || name === "STFTInitializer") {
      throw new ValueError(`The initializer ${JSON.stringify(name)} (Keras' STFT) does not apply to embedding tables and is not supported.`);
    }
    throw new ValueError(`Could not interpret initializer identifier: ${name}`);
  }
  return new CLASSES[className]!(config as never);
}

const isInitializer = (v: unknown): v is Initializer =>
  v !== null && typeof v === "object" && typeof (v as Initializer).fill === "function" &&
  typeof (v as Initializer).apply === "function" && typeof (v as Initializer).getConfig === "function";

/**
 * Resolves what `embeddingsInitializer` accepts: an Initializer instance; a name (Keras class
 * names, snake_case names and aliases such as 'uniform', 'normal', 'one', 'zero', TF.js names such
 * as 'randomUniform', 'glorotUniform'); a config object in Keras (`{ class_name, config }`) or
 * TF.js (`{ className, config }`) form; or a function `(shape) => Float32Array`.
 * `undefined` / `null` give the Keras default, RandomUniform(-0.05, 0.05).
 */
export function getInitializer(identifier: unknown): Initializer {
  if (identifier === undefined || identifier === null) return new RandomUniform();
  if (typeof identifier === "string") return byName(identifier, {});
  if (typeof identifier === "function") return new FunctionInitializer(identifier as (shape: number[]) => ArrayLike<number>);
  if (isInitializer(identifier)) return identifier;
  const parsed = readConfigObject(identifier);
  if (parsed !== undefined) return byName(parsed.className, parsed.config);
  throw new ValueError(`Could not interpret initializer identifier: ${show(identifier)}`);
}
