// The random initializers of Keras (keras/src/initializers/random_initializers.py): RandomUniform,
// RandomNormal, TruncatedNormal, filled by the seeded SIMD kernel of assembly/random.ts (the
// generator and the seed-to-stream mapping are documented there).
import { checkKeys, type Config } from "../serialization.ts";
import { RandomKind } from "../core/kernel.ts";
import { fitsFloat32 } from "../validate.ts";
import { numberArg } from "./initializer.ts";
import { DrawnInitializer, type RandomDraw } from "./draws.ts";

/** The largest float32 strictly below `x` (x finite). */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (f[0] === 0) bits[0] = 0x80000001 | 0;
  else if (f[0]! > 0) bits[0]!--;
  else bits[0]!++;
  return f[0]!;
}

/** The largest |z| the normal sampler can produce (24-bit uniforms in Box–Muller: sqrt(2 ln 2^24)), rounded up. */
export const NORMAL_REACH = 5.8;

/** Throws unless every value mean ± reach · stddev fits a float32. */
export function checkNormalRange(mean: number, stddev: number, reach: number): void {
  fitsFloat32("|mean| + " + reach + " · |stddev|", Math.abs(mean) + reach * Math.abs(stddev));
}

/**
 * U[minval, maxval) in float32: minval + u * (maxval - minval), never reaching maxval (for
 * minval = -maxval: j * maxval * 2^-23 with j a signed 24-bit integer, rounded once). The kernel
 * takes the range pre-scaled by 2^-24 (its unit step), which is exact for any range ≥ 2^-102;
 * below that (maxval − minval < 2e-31) the step itself is rounded, documented in the README.
 * Values are capped at the float below maxval only where rounding can reach maxval: the largest
 * value the kernel can compute, k = 2^24 − 1 (values grow with k), is checked here, in float32 as
 * the kernel computes it (each float64 operation on float32 inputs, rounded to float32, is the
 * float32 operation); where it stays below maxval the kernel runs without the cap.
 */
export function uniformDraw(minval: number, maxval: number): RandomDraw {
  const min = Math.fround(minval);
  const max = Math.fround(maxval);
  // minval = -maxval (the default range, and every VarianceScaling uniform): one rounding of
  // j · maxval · 2^-23 for a signed 24-bit j, never reaching maxval, one vector operation per
  // 4 values fewer (assembly/random.ts). Its scale maxval · 2^-31 must be a normal float32.
  if (max > 0 && min === -max && max * 2 ** -31 >= 2 ** -126) {
    return { kind: RandomKind.SYMMETRIC_UNIFORM, p0: 0, p1: max * 2 ** -31, p2: 0 };
  }
  const range = Math.fround(max - min);
  const step = Math.fround(range * 2 ** -24);
  const largest = Math.fround(Math.fround((2 ** 24 - 1) * step) + min);
  const upper = range > 0 && largest >= max ? float32Below(max) : Infinity;
  return { kind: RandomKind.UNIFORM, p0: min, p1: step, p2: upper };
}

/** N(mean, stddev²) by Box–Muller. */
export function normalDraw(mean: number, stddev: number): RandomDraw {
  return { kind: RandomKind.NORMAL, p0: mean, p1: stddev, p2: 0 };
}

/** N(mean, stddev²) conditioned on [mean - 2 stddev, mean + 2 stddev], by rejection (never clipping). */
export function truncatedNormalDraw(mean: number, stddev: number): RandomDraw {
  return { kind: RandomKind.TRUNCATED_NORMAL, p0: mean, p1: stddev, p2: 2 };
}

/**
 * Uniform values in [minval, maxval). Keras `RandomUniform(minval=-0.05, maxval=0.05, seed=None)`.
 * Seeded: the same table on every call, engine and platform. Unseeded: a seed is drawn once at
 * construction, so one instance repeats itself and separate instances differ (Keras semantics).
 */
export class RandomUniform extends DrawnInitializer {
  readonly className = "RandomUniform";
  readonly minval: number;
  readonly maxval: number;

  constructor(args: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    const a = checkKeys("RandomUniform", args, ["minval", "maxval", "seed"]);
    super(a.seed);
    this.minval = numberArg("minval", a.minval, -0.05);
    this.maxval = numberArg("maxval", a.maxval, 0.05);
    fitsFloat32("maxval - minval", Math.fround(this.maxval) - Math.fround(this.minval));
  }

  protected draw(): RandomDraw {
    return uniformDraw(this.minval, this.maxval);
  }

  getConfig(): Config {
    return { seed: this.seed, minval: this.minval, maxval: this.maxval };
  }
}

/** The shared shape of the normal initializers: a mean, a stddev and a seed, checked to fit float32. */
abstract class NormalInitializer extends DrawnInitializer {
  readonly mean: number;
  readonly stddev: number;

  /** `reach`: how many stddevs from the mean the values may go (5.8 untruncated, 2 truncated). */
  protected constructor(className: string, args: { mean?: number; stddev?: number; seed?: number | null }, reach: number) {
    const a = checkKeys(className, args, ["mean", "stddev", "seed"]);
    super(a.seed);
    this.mean = numberArg("mean", a.mean, 0);
    this.stddev = numberArg("stddev", a.stddev, 0.05);
    checkNormalRange(this.mean, this.stddev, reach);
  }

  getConfig(): Config {
    return { seed: this.seed, mean: this.mean, stddev: this.stddev };
  }
}

/** Normal values. Keras `RandomNormal(mean=0.0, stddev=0.05, seed=None)`. */
export class RandomNormal extends NormalInitializer {
  readonly className = "RandomNormal";
  constructor(args: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super("RandomNormal", args, NORMAL_REACH);
  }
  protected draw(): RandomDraw {
    return normalDraw(this.mean, this.stddev);
  }
}

/**
 * Normal values conditioned on lying within two standard deviations of the mean, drawn by
 * rejection (so the values follow the truncated normal exactly, never clipped). Keras
 * `TruncatedNormal(mean=0.0, stddev=0.05, seed=None)`; `stddev` is the parameter of the normal
 * before truncation (the result's spread is 0.8796 × stddev).
 */
export class TruncatedNormal extends NormalInitializer {
  readonly className = "TruncatedNormal";
  constructor(args: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super("TruncatedNormal", args, 2);
  }
  protected draw(): RandomDraw {
    return truncatedNormalDraw(this.mean, this.stddev);
  }
}
