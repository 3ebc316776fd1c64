// Output shapes and the Keras 2 `input_length` rule (keras/layers/core/embedding.py @ v2.15.0,
// `compute_output_shape`), which this project honours (Keras 3 ignores input_length).
import { ValueError, invalidArgument, show } from "./errors.ts";

/** A dimension that may be unknown. */
export type Dim = number | null;

/** `inputLength`: the sequence length, or one entry per non-batch dimension (null = any). */
export type InputLength = number | readonly Dim[];

const isDim = (d: unknown): d is Dim => d === null || (typeof d === "number" && Number.isSafeInteger(d) && d > 0);

export function checkInputLength(value: unknown): InputLength | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && isDim(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(isDim)) return [...value];
  return invalidArgument("inputLength", "a positive integer, or a non-empty array of positive integers and nulls", value);
}

export const formatShape = (shape: readonly Dim[]) => `[${shape.map(String).join(", ")}]`;
const formatInputLength = (l: InputLength) => (typeof l === "number" ? String(l) : formatShape(l));

/**
 * The output shape for an input of `inputShape` (null = unknown): `[...inputShape, outputDim]`,
 * with dimensions after the batch taken from `inputLength` where it is set, and an error where the
 * two disagree, as Keras 2 does.
 */
export function outputShape(inputShape: readonly Dim[], outputDim: number, inputLength: InputLength | null): Dim[] {
  if (inputLength === null) return [...inputShape, outputDim];
  const lengths: Dim[] = typeof inputLength === "number" ? [inputLength] : [...inputLength];
  const mismatch = () =>
    new ValueError(`"inputLength" is ${formatInputLength(inputLength)}, but received input has shape ${formatShape(inputShape)}`);
  if (lengths.length !== inputShape.length - 1) throw mismatch();
  for (let i = 0; i < lengths.length; i++) {
    const expected = lengths[i]!;
    const actual = inputShape[i + 1]!;
    if (expected !== null && actual !== null && expected !== actual) throw mismatch();
    if (expected === null) lengths[i] = actual;
  }
  return [inputShape[0]!, ...lengths, outputDim];
}

export function checkShapeArgument(shape: unknown): Dim[] {
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (typeof d === "number" && Number.isSafeInteger(d) && d >= 0))) {
    return invalidArgument("inputShape", "an array of non-negative integers and nulls", shape);
  }
  return [...shape];
}

/** The number of elements of a table of `shape`. */
export const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** `shape` as initializers take it: an array of non-negative integers. */
export function checkShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`shape must be an array of non-negative integers. Received: shape=${show(shape)}`);
  }
  return shape;
}
