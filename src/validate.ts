// Argument checks shared by the layer, the initializers and config parsing. Each one throws a
// ValueError naming the argument, the value received and what was expected.
import { invalidArgument } from "./errors.ts";

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
