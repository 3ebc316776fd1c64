// Argument checks shared by the layer, the initializers and config parsing. Each one throws a
// ValueError naming the argument, the value received and what was expected.
import { ValueError, invalidArgument, show } from "./errors.ts";

/** Plain-object test: not null, not an array, not a typed array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A positive integer that is a safe integer (booleans, integral strings and 4.0-as-string rejected). */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    invalidArgument(name, "a positive integer", value);
  }
  return value;
}

/** A finite number (float32 arithmetic happens later; the value is kept as given). */
export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) invalidArgument(name, "a finite number", value);
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") invalidArgument(name, "a boolean", value);
  return value;
}

export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) invalidArgument(name, "a non-empty string", value);
  return value;
}

/** A seed: null/undefined (draw one) or a safe integer, as Keras accepts a Python int. */
export function seed(name: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    invalidArgument(name, "an integer (a safe JavaScript integer) or null", value);
  }
  return value;
}

/** The largest finite float32. Tables are float32: parameters beyond it would fill them with ±Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** A finite number whose magnitude a float32 can hold (default when undefined or null). */
export function float32Number(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ValueError(`${name} must be a finite number. Received: ${name}=${show(value)}`);
  if (Math.abs(value) > FLOAT32_MAX) {
    throw new ValueError(`${name} must be within float32's range (|${name}| ≤ 3.4e38: tables are float32). Received: ${name}=${show(value)}`);
  }
  return value;
}

/** Throws unless `value` (a derived quantity, e.g. mean + 5.8 stddev) fits a float32. */
export function fitsFloat32(what: string, value: number): void {
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    throw new ValueError(`${what} = ${value} does not fit in a float32 (|value| ≤ 3.4e38), so the table would hold ±Infinity.`);
  }
}

/**
 * The caller's constructor options as a prototype-less copy of their own properties (a polluted
 * Object.prototype cannot fill any in), refusing any name not in `names` with the message Keras
 * gives for an unknown argument.
 */
export function ownOptions<T>(className: string, options: unknown, names: readonly string[]): T {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object with inputDim and outputDim", options);
  const o = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(options as object)) {
    if (!names.includes(key)) {
      throw new ValueError(`Unrecognized option passed to ${className}: ${JSON.stringify(key)}. Expected only: ${names.join(", ")}`);
    }
    o[key] = (options as Record<string, unknown>)[key];
  }
  return o as T;
}

/** PyTorch's `padding_idx`: an integer in [-inputDim, inputDim), negative counting from the end; normalized to [0, inputDim). */
export function paddingIndex(value: unknown, inputDim: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < -inputDim || value >= inputDim) {
    invalidArgument("paddingIdx", `an integer in [-${inputDim}, ${inputDim}) (inputDim = ${inputDim}; negative values count from the end)`, value);
  }
  return value < 0 ? value + inputDim : value;
}
