// The initializer registry: every identifier `embeddingsInitializer` accepts resolves here.
import { ValueError, show } from "../errors.ts";
import { hasMethod, makeRegistry } from "../registry.ts";
import type { Config } from "../serialization.ts";
import { Constant, Identity, Ones, Zeros } from "./constant.ts";
import { count, type TableHandle, type Initializer } from "./initializer.ts";
import { Orthogonal } from "./orthogonal.ts";
import { RandomNormal, RandomUniform, TruncatedNormal } from "./random.ts";
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, VarianceScaling,
} from "./variance-scaling.ts";

export { Constant, Identity, Ones, Zeros } from "./constant.ts";
export { computeFans, TRUNCATED_NORMAL_STDDEV, VarianceScaling, GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform } from "./variance-scaling.ts";
export { Orthogonal } from "./orthogonal.ts";
export { RandomNormal, RandomUniform, TruncatedNormal } from "./random.ts";
export type { TableHandle, Initializer } from "./initializer.ts";

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
  fill(target: TableHandle): void {
    new Float32Array(target.kernel.memory.buffer, target.ptr, count(target.shape)).set(this.apply(target.shape));
  }
  getConfig(): Config {
    throw new ValueError("An initializer given as a function cannot be serialized; use a registered initializer to save the config.");
  }
}

const ALIASES = {
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
} as const satisfies Record<string, string>;

const STFT = "Keras' STFT initializer does not apply to embedding tables and is not supported.";

const CLASSES = {
  Constant, Identity, Ones, Zeros, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling,
  GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
};

/** Every name `embeddingsInitializer` accepts as a string: Keras class names, snake_case names, aliases and TF.js names. */
export type InitializerName = keyof typeof CLASSES | keyof typeof ALIASES;

const resolve = makeRegistry<Initializer>({
  kind: "initializer",
  classes: CLASSES,
  aliases: ALIASES,
  unsupported: { STFT, stft: STFT, STFTInitializer: STFT },
  isInstance: (v): v is Initializer => hasMethod(v, "fill") && hasMethod(v, "apply") && hasMethod(v, "getConfig"),
  fromFunction: (fn) => new FunctionInitializer(fn as (shape: number[]) => ArrayLike<number>),
});

/**
 * Resolves what `embeddingsInitializer` accepts: an Initializer instance; a name (Keras class
 * names, snake_case names and aliases such as 'uniform', 'normal', 'one', 'zero', TF.js names such
 * as 'randomUniform', 'glorotUniform'); a config object in Keras (`{ class_name, config }`) or
 * TF.js (`{ className, config }`) form; or a function `(shape) => Float32Array`.
 * `undefined` / `null` give the Keras default, RandomUniform(-0.05, 0.05).
 */
export function getInitializer(identifier: unknown): Initializer {
  return identifier === undefined || identifier === null ? new RandomUniform() : resolve(identifier);
}
