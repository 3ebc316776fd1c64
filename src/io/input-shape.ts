// The model input shape written around a saved layer (Keras' Input / TF.js' batch_input_shape).
import { invalidArgument } from "../errors.ts";

/**
 * The input shape without the batch dimension: `inputShape` when given (checked), else
 * `[inputLength]` or the layer's per-dimension inputLength, else `[null]` (sequences of any length).
 */
export function modelInputShape(inputShape: unknown, inputLength: unknown): (number | null)[] {
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) > 0))) {
      invalidArgument("inputShape", "a non-empty array of positive integers or nulls (the input shape without the batch dimension)", inputShape);
    }
    return [...(inputShape as (number | null)[])];
  }
  if (typeof inputLength === "number") return [inputLength];
  if (Array.isArray(inputLength)) return [...(inputLength as (number | null)[])];
  return [null];
}
