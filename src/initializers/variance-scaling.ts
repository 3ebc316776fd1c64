// VarianceScaling and its named presets (keras/src/initializers/random_initializers.py).
import { ValueError, show } from "../errors.ts";
import { checkKeys, type Config } from "../serialization.ts";
import { numberArg } from "./initializer.ts";
import { DrawnInitializer, type RandomDraw } from "./draws.ts";
import { checkNormalRange, normalDraw, truncatedNormalDraw, uniformDraw, NORMAL_REACH } from "./random.ts";
import { fitsFloat32 } from "../validate.ts";

/** Standard deviation of a standard normal truncated to [-2, 2] (Keras' constant). */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

const MODES = ["fan_in", "fan_out", "fan_avg"] as const;
const DISTRIBUTIONS = ["uniform", "truncated_normal", "untruncated_normal"] as const;
type Mode = (typeof MODES)[number];
type Distribution = (typeof DISTRIBUTIONS)[number];

function checkAxes(name: string, value: unknown): number[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((a) => Number.isSafeInteger(a))) {
    throw new ValueError(`${name} must be an array of integers or null. Received: ${name}=${show(value)}`);
  }
  return [...value];
}

/**
 * Keras `compute_fans`: with both axis lists, the products of those dimensions; otherwise by rank
 * (a 2-D embedding table gives fan_in = inputDim, fan_out = outputDim).
 */
export function computeFans(shape: readonly number[], inputAxes: readonly number[] | null = null, outputAxes: readonly number[] | null = null): [number, number] {
  const dim = (axis: number) => {
    const d = shape[axis < 0 ? shape.length + axis : axis];
    if (d === undefined) throw new ValueError(`Axis ${axis} is out of range for shape [${shape.join(", ")}].`);
    return d;
  };
  if (inputAxes !== null && outputAxes !== null) {
    return [inputAxes.reduce((p, a) => p * dim(a), 1), outputAxes.reduce((p, a) => p * dim(a), 1)];
  }
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

export interface VarianceScalingArgs {
  scale?: number;
  mode?: Mode;
  distribution?: Distribution | "normal";
  seed?: number | null;
  inputAxes?: number[] | null;
  outputAxes?: number[] | null;
}

/**
 * Samples with a spread scaled to the table's fans. Keras `VarianceScaling(scale=1.0,
 * mode="fan_in", distribution="truncated_normal", seed=None)`: with n the fan chosen by `mode`,
 * truncated_normal has stddev sqrt(scale / n) / 0.87962566103423978 before truncation at ±2 stddev,
 * untruncated_normal stddev sqrt(scale / n), uniform the limits ±sqrt(3 scale / n).
 */
export class VarianceScaling extends DrawnInitializer {
  readonly className: string = "VarianceScaling";
  readonly scale: number;
  readonly mode: Mode;
  readonly distribution: Distribution;
  readonly inputAxes: number[] | null;
  readonly outputAxes: number[] | null;

  constructor(args: VarianceScalingArgs = {}) {
    const a = checkKeys("VarianceScaling", args, ["scale", "mode", "distribution", "seed", "inputAxes", "outputAxes"]);
    super(a.seed);
    const scale = numberArg("scale", a.scale, 1);
    if (!(scale > 0)) throw new ValueError(`Argument \`scale\` must be positive float. Received: scale=${show(a.scale)}`);
    const mode = (a.mode ?? "fan_in") as Mode;
    if (!MODES.includes(mode)) {
      throw new ValueError(`Invalid \`mode\` argument: ${String(mode)}. Please use one of {${MODES.map((m) => `"${m}"`).join(", ")}}`);
    }
    let distribution: unknown = a.distribution ?? "truncated_normal";
    if (typeof distribution === "string") distribution = distribution.toLowerCase();
    if (distribution === "normal") distribution = "truncated_normal";
    if (!DISTRIBUTIONS.includes(distribution as Distribution)) {
      throw new ValueError(
        `Invalid \`distribution\` argument: ${String(a.distribution)}.Please use one of {${DISTRIBUTIONS.map((d) => `"${d}"`).join(", ")}}`,
      );
    }
    this.scale = scale;
    this.mode = mode;
    this.distribution = distribution as Distribution;
    this.inputAxes = checkAxes("inputAxes", a.inputAxes);
    this.outputAxes = checkAxes("outputAxes", a.outputAxes);
  }

  /**
   * The distribution this initializer draws for a table of `shape`: `limit` for uniform (values in
   * [-limit, limit)), `stddev` for the normals (for truncated_normal, the stddev before truncation
   * at ±2 stddev).
   */
  parameters(shape: readonly number[]): { distribution: Distribution; limit?: number; stddev?: number } {
    const [fanIn, fanOut] = computeFans(shape, this.inputAxes, this.outputAxes);
    const fan = this.mode === "fan_in" ? fanIn : this.mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, fan);
    if (this.distribution === "uniform") return { distribution: "uniform", limit: Math.sqrt(3 * scale) };
    if (this.distribution === "untruncated_normal") return { distribution: "untruncated_normal", stddev: Math.sqrt(scale) };
    return { distribution: "truncated_normal", stddev: Math.sqrt(scale) / TRUNCATED_NORMAL_STDDEV };
  }

  protected draw(shape: readonly number[]): RandomDraw {
    const { distribution, limit, stddev } = this.parameters(shape);
    if (distribution === "uniform") fitsFloat32(`VarianceScaling's uniform range (2 · limit, scale ${this.scale})`, 2 * limit!);
    else checkNormalRange(0, stddev!, distribution === "truncated_normal" ? 2 : NORMAL_REACH);
    if (distribution === "uniform") return uniformDraw(-limit!, limit!);
    if (distribution === "untruncated_normal") return normalDraw(0, stddev!);
    return truncatedNormalDraw(0, stddev!);
  }

  getConfig(): Config {
    return {
      seed: this.seed, scale: this.scale, mode: this.mode, distribution: this.distribution,
      inputAxes: this.inputAxes, outputAxes: this.outputAxes,
    };
  }
}

type PresetArgs = { seed?: number | null; inputAxes?: number[] | null; outputAxes?: number[] | null };

/** A VarianceScaling with fixed scale, mode and distribution, configured by seed and axes only. */
abstract class VarianceScalingPreset extends VarianceScaling {
  override readonly className: string;
  constructor(className: string, args: PresetArgs, scale: number, mode: Mode, distribution: Distribution) {
    checkKeys(className, args, ["seed", "inputAxes", "outputAxes"]);
    super({ ...args, scale, mode, distribution });
    this.className = className;
  }
  override getConfig(): Config {
    return { seed: this.seed, inputAxes: this.inputAxes, outputAxes: this.outputAxes };
  }
}

/** Keras `GlorotUniform`: U(±sqrt(6 / (fan_in + fan_out))). */
export class GlorotUniform extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("GlorotUniform", args, 1, "fan_avg", "uniform"); }
}
/** Keras `GlorotNormal`: truncated normal, stddev sqrt(2 / (fan_in + fan_out)) / 0.8796… before truncation. */
export class GlorotNormal extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("GlorotNormal", args, 1, "fan_avg", "truncated_normal"); }
}
/** Keras `HeUniform`: U(±sqrt(6 / fan_in)). */
export class HeUniform extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("HeUniform", args, 2, "fan_in", "uniform"); }
}
/** Keras `HeNormal`: truncated normal, stddev sqrt(2 / fan_in) / 0.8796… before truncation. */
export class HeNormal extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("HeNormal", args, 2, "fan_in", "truncated_normal"); }
}
/** Keras `LecunUniform`: U(±sqrt(3 / fan_in)). */
export class LecunUniform extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("LecunUniform", args, 1, "fan_in", "uniform"); }
}
/** Keras `LecunNormal`: truncated normal, stddev sqrt(1 / fan_in) / 0.8796… before truncation. */
export class LecunNormal extends VarianceScalingPreset {
  constructor(args: PresetArgs = {}) { super("LecunNormal", args, 1, "fan_in", "truncated_normal"); }
}
