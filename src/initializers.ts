// Embedding-table initializers. The default, 'uniform', is Keras' RandomUniform(-0.05, 0.05)
// (keras/src/layers/core/embedding.py), filled by the seeded SIMD kernel in assembly/uniform.ts.
import { ValueError } from "./errors.ts";
import type { KernelExports } from "./wasm.ts";
import { instantiateKernel } from "./wasm.ts";
import { checkKeys, readConfigObject, type Config, type Serializable } from "./serialization.ts";
import { finiteNumber, seed as seedArg } from "./validate.ts";

/** Where an initializer writes: `count` float32s at byte offset `ptr` of `kernel.memory`. */
export interface FillTarget {
  readonly kernel: KernelExports;
  readonly ptr: number;
  readonly shape: readonly number[];
}

/** An initializer: fills a table of `shape`, and serializes. */
export interface Initializer extends Serializable {
  /** Fills the table in place (in WebAssembly memory). */
  fill(target: FillTarget): void;
  /** A fresh row-major table of `shape`. */
  apply(shape: readonly number[]): Float32Array;
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs `fill` in a scratch memory and copies the result out (for standalone `apply`). */
function applyViaKernel(init: Initializer, shape: readonly number[]): Float32Array {
  const n = count(shape);
  const ptr = 1024;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((ptr + n * 4) / 65536) || 1 });
  init.fill({ kernel: instantiateKernel(memory), ptr, shape });
  return new Float32Array(memory.buffer, ptr, n).slice();
}

/** A Keras seed as the two 32-bit halves of its 64-bit two's complement. */
function seedWords(seed: number): [number, number] {
  const s = BigInt.asUintN(64, BigInt(seed));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** Keras' default seed for an unseeded initializer: drawn once, at construction, in [1, 1e9]. */
function drawSeed(): number {
  return 1 + Math.floor(Math.random() * 1e9);
}

/** The largest float32 strictly below `x` (x finite). */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (f[0] === 0) bits[0] = 0x80000001 | 0;
  else if (f[0]! > 0) bits[0]!--;
  else bits[0]!++;
  return f[0]!;
}

/**
 * Uniform values in [minval, maxval). Keras `RandomUniform(minval=-0.05, maxval=0.05, seed=None)`.
 * Seeded: the same table on every call, engine and platform. Unseeded: a seed is drawn once at
 * construction, so one instance repeats itself and separate instances differ (Keras semantics).
 */
export class RandomUniform implements Initializer {
  readonly className = "RandomUniform";
  readonly minval: number;
  readonly maxval: number;
  /** The seed given, or null. */
  readonly seed: number | null;
  private readonly effectiveSeed: number;

  constructor(args: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    checkKeys("RandomUniform", args as Config, ["minval", "maxval", "seed"]);
    this.minval = args.minval === undefined ? -0.05 : finiteNumber("minval", args.minval);
    this.maxval = args.maxval === undefined ? 0.05 : finiteNumber("maxval", args.maxval);
    this.seed = seedArg("seed", args.seed);
    this.effectiveSeed = this.seed ?? drawSeed();
  }

  fill({ kernel, ptr, shape }: FillTarget): void {
    const min = Math.fround(this.minval);
    const range = Math.fround(Math.fround(this.maxval) - min);
    const upper = range > 0 ? float32Below(Math.fround(this.maxval)) : Infinity;
    const [lo, hi] = seedWords(this.effectiveSeed);
    kernel.fillUniform(ptr, count(shape), lo, hi, min, range, upper);
  }

  apply(shape: readonly number[]): Float32Array {
    return applyViaKernel(this, shape);
  }

  getConfig(): Config {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

/** Every value equal to `value`. Keras `Constant(value=0.0)`. */
export class Constant implements Initializer {
  readonly className: string = "Constant";
  readonly value: number;
  constructor(args: { value?: number } = {}) {
    checkKeys("Constant", args as Config, ["value"]);
    this.value = args.value === undefined ? 0 : finiteNumber("value", args.value);
  }
  fill({ kernel, ptr, shape }: FillTarget): void {
    new Float32Array(kernel.memory.buffer, ptr, count(shape)).fill(this.value);
  }
  apply(shape: readonly number[]): Float32Array {
    return new Float32Array(count(shape)).fill(this.value);
  }
  getConfig(): Config {
    return { value: this.value };
  }
}

/** All zeros. Keras `Zeros()`. */
export class Zeros extends Constant {
  override readonly className = "Zeros";
  constructor(args: Record<string, never> = {}) {
    checkKeys("Zeros", args, []);
    super({ value: 0 });
  }
  override getConfig(): Config {
    return {};
  }
}

/** All ones. Keras `Ones()`. */
export class Ones extends Constant {
  override readonly className = "Ones";
  constructor(args: Record<string, never> = {}) {
    checkKeys("Ones", args, []);
    super({ value: 1 });
  }
  override getConfig(): Config {
    return {};
  }
}

/** A user function `(shape) => Float32Array | number[]` used as an initializer. */
export class FunctionInitializer implements Initializer {
  readonly className = "Function";
  constructor(private readonly fn: (shape: number[]) => ArrayLike<number>) {}
  apply(shape: readonly number[]): Float32Array {
    const values = this.fn([...shape]);
    const n = count(shape);
    if (values === null || typeof values !== "object" || typeof values.length !== "number" || values.length !== n) {
      throw new ValueError(
        `The initializer function returned ${values?.length ?? String(values)} values for shape [${shape.join(", ")}], expected ${n}.`,
      );
    }
    return Float32Array.from(values);
  }
  fill(target: FillTarget): void {
    new Float32Array(target.kernel.memory.buffer, target.ptr, count(target.shape)).set(this.apply(target.shape));
  }
  getConfig(): Config {
    throw new ValueError("An initializer given as a function cannot be serialized; pass a registered initializer to save the config.");
  }
}

type InitializerClass = new (args: never) => Initializer;

const CLASSES: Record<string, InitializerClass> = { RandomUniform, Constant, Zeros, Ones };

/** Keras class names, snake_case names and aliases, and TF.js camelCase names → class names. */
const NAMES: Record<string, string> = {
  RandomUniform: "RandomUniform", random_uniform: "RandomUniform", uniform: "RandomUniform", randomUniform: "RandomUniform",
  Constant: "Constant", constant: "Constant",
  Zeros: "Zeros", zeros: "Zeros", zero: "Zeros",
  Ones: "Ones", ones: "Ones", one: "Ones",
};

/** Keras initializers that later releases of this package implement. */
const NOT_YET = new Set([
  "RandomNormal", "random_normal", "normal", "randomNormal", "TruncatedNormal", "truncated_normal", "truncatedNormal",
  "VarianceScaling", "variance_scaling", "varianceScaling", "GlorotUniform", "glorot_uniform", "glorotUniform",
  "GlorotNormal", "glorot_normal", "glorotNormal", "HeUniform", "he_uniform", "heUniform", "HeNormal", "he_normal",
  "heNormal", "LecunUniform", "lecun_uniform", "lecunUniform", "LecunNormal", "lecun_normal", "lecunNormal",
  "Orthogonal", "orthogonal", "Identity", "identity",
]);

function byName(name: string, config: Config): Initializer {
  const className = Object.hasOwn(NAMES, name) ? NAMES[name]! : undefined;
  if (className === undefined) {
    if (NOT_YET.has(name)) {
      throw new ValueError(
        `The initializer ${JSON.stringify(name)} is not implemented in this version of embedding-wasm. ` +
          `Available: RandomUniform ('uniform'), Zeros, Ones, Constant, or a function (shape) => Float32Array.`,
      );
    }
    throw new ValueError(`Could not interpret initializer identifier: ${name}`);
  }
  return new CLASSES[className]!(config as never);
}

/**
 * Resolves what `embeddingsInitializer` accepts: an Initializer, a name ('uniform',
 * 'random_uniform', 'RandomUniform', 'randomUniform', 'zeros', …), a config object in Keras
 * (`{ class_name, config }`) or TF.js (`{ className, config }`) form, or a function
 * `(shape) => Float32Array`.
 */
export function getInitializer(identifier: unknown): Initializer {
  if (identifier === undefined || identifier === null) return new RandomUniform();
  if (typeof identifier === "string") return byName(identifier, {});
  if (typeof identifier === "function") return new FunctionInitializer(identifier as (shape: number[]) => ArrayLike<number>);
  if (identifier !== null && typeof identifier === "object" && typeof (identifier as Initializer).fill === "function" &&
      typeof (identifier as Initializer).getConfig === "function") {
    return identifier as Initializer;
  }
  const parsed = readConfigObject(identifier);
  if (parsed !== undefined) return byName(parsed.className, parsed.config);
  throw new ValueError(`Could not interpret initializer identifier: ${typeof identifier === "object" ? JSON.stringify(identifier) : String(identifier)}`);
}
