// The caller's gradients as training reads them: backward's `dOutput` and applyGradients'
// `gradient`. Each array and field is read once, typed arrays through the engine's own accessors
// (src/typed-arrays.ts), and sizes are checked before anything is materialised or copied.
import { ValueError, invalidArgument, show } from "./errors.ts";
import { flatten, fromTensor, MAX_RANK } from "./input.ts";
import { ownView, typedArrayName } from "./typed-arrays.ts";

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The gradient's arrays, as fixed-length views of the caller's memory (or copies), read once. */
export interface GradientSource {
  indices: Int32Array;
  values: Float32Array;
  count: number;
}

/** The shape of a `{ data, shape }` dOutput, each entry read once. */
function readShape(shape: unknown): number[] {
  if (!Array.isArray(shape)) invalidArgument("dOutput.shape", "an array of non-negative integers", shape);
  const length = shape.length;
  if (length > MAX_RANK) throw new ValueError(`dOutput.shape has rank ${length}; outputs have rank ${MAX_RANK + 1} at most.`);
  const dims: number[] = [];
  for (let i = 0; i < length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) invalidArgument("dOutput.shape", "an array of non-negative integers", shape);
    dims.push(d);
  }
  return dims;
}

/**
 * The upstream gradient as float values of the last lookup's output shape, read once: a
 * fixed-length view of the caller's float typed array, or a Float64Array copied from nested arrays
 * (whose size is checked before anything is materialised) or from `{ data: number[], shape }`.
 */
export function readUpstream(dOutput: unknown, outputShape: readonly number[]): Float32Array | Float64Array {
  // A TensorFlow.js or ONNX Runtime tensor is read as { data, shape }.
  dOutput = fromTensor(dOutput) ?? dOutput;
  const size = product(outputShape);
  const expected = `[${outputShape.join(", ")}]`;
  const FLOATS = "a Float32Array or Float64Array, nested arrays of numbers, or { data, shape }";
  const asFloats = (name: string, value: unknown, kind: string): Float32Array | Float64Array => {
    if (kind !== "Float32Array" && kind !== "Float64Array") invalidArgument(name, `float values: ${FLOATS}`, value);
    return ownView(name, value, kind);
  };
  const kind = typedArrayName(dOutput);
  if (kind !== undefined) {
    const view = asFloats("dOutput", dOutput, kind);
    if (view.length !== size) {
      throw new ValueError(`dOutput must have ${size} values, the size of the last lookup's output ${expected}. Received: dOutput.length=${view.length}`);
    }
    return view;
  }
  const sameShape = (shape: readonly number[]) => shape.length === outputShape.length && shape.every((d, i) => d === outputShape[i]);
  if (Array.isArray(dOutput)) {
    const flat = flatten(dOutput, (n) => {
      if (n !== size) {
        throw new ValueError(`dOutput must have the shape of the last lookup's output, ${expected} (${size} values). Received: nested arrays of ${n} values`);
      }
    }, "dOutput");
    if (!sameShape(flat.shape)) {
      throw new ValueError(`dOutput must have the shape of the last lookup's output, ${expected}. Received: shape [${flat.shape.join(", ")}]`);
    }
    return flat.data as Float64Array;
  }
  if (dOutput !== null && typeof dOutput === "object" && "data" in dOutput && "shape" in dOutput) {
    const { data, shape } = dOutput as { data: unknown; shape: unknown };
    const dims = readShape(shape);
    if (!sameShape(dims)) {
      throw new ValueError(`dOutput must have the shape of the last lookup's output, ${expected}. Received: shape [${dims.join(", ")}]`);
    }
    const dataKind = typedArrayName(data);
    let values: Float32Array | Float64Array;
    if (dataKind !== undefined) {
      values = asFloats("dOutput.data", data, dataKind);
    } else if (Array.isArray(data)) {
      const length = data.length;
      if (length !== size) throw new ValueError(`dOutput.data must have ${size} values, the size of the shape ${expected}. Received: dOutput.data.length=${length}`);
      values = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        const v: unknown = data[i];
        if (typeof v !== "number") invalidArgument(`dOutput.data[${i}]`, "a number", v);
        values[i] = v;
      }
    } else {
      return invalidArgument("dOutput.data", "a Float32Array, Float64Array or an array of numbers", data);
    }
    if (values.length !== size) {
      throw new ValueError(`dOutput.data must have ${size} values, the size of the shape ${expected}. Received: dOutput.data.length=${values.length}`);
    }
    return values;
  }
  return invalidArgument("dOutput", FLOATS, dOutput);
}

/** `gradient.indices` and `gradient.values`, each read once, checked for type, length and detachment. */
export function readGradient(gradient: unknown, outputDim: number): GradientSource {
  if (gradient === null || typeof gradient !== "object") {
    throw new ValueError(`gradient must be { indices: Int32Array, values: Float32Array } as backward() returns. Received: ${show(gradient)}`);
  }
  const { indices, values } = gradient as { indices: unknown; values: unknown };
  if (typedArrayName(indices) !== "Int32Array") invalidArgument("gradient.indices", "an Int32Array of row ids (as backward() returns)", indices);
  if (typedArrayName(values) !== "Float32Array") invalidArgument("gradient.values", "a Float32Array of gradient rows (as backward() returns)", values);
  const ids = ownView("gradient.indices", indices, "Int32Array");
  const rows = ownView("gradient.values", values, "Float32Array");
  const count = ids.length;
  if (rows.length !== count * outputDim) {
    throw new ValueError(`gradient.values must have indices.length × outputDim = ${count} × ${outputDim} = ${count * outputDim} values. Received: ${rows.length}`);
  }
  return { indices: ids, values: rows, count };
}
