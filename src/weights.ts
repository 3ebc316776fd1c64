// Reading a weight table given by the caller: `{ data, shape }` or a nested number[][].
import { ValueError, show, typeName } from "./errors.ts";
import { isPlainObject } from "./validate.ts";

/** A table as `{ data, shape: [inputDim, outputDim] }` (row-major) or a nested `number[][]`. */
export type WeightTable =
  | { readonly data: Float32Array | Float64Array | readonly number[]; readonly shape: readonly number[] }
  | readonly (readonly number[])[];

/**
 * One variable for `setWeights` / the `weights` option of a quantized, 16-bit or LoRA layer:
 * row-major values of its shape, as a typed array (int8 variables: Int8Array or Uint8Array;
 * float16 / bfloat16: Uint16Array bit patterns or float values) or numbers.
 */
export interface VariableInput {
  readonly data: Float32Array | Float64Array | Int8Array | Uint8Array | Uint16Array | readonly number[];
  readonly shape: readonly number[];
}

const isNumberRows = (v: unknown): v is number[][] =>
  Array.isArray(v) && v.length > 0 && v.every((row) => Array.isArray(row) && row.every((x) => typeof x === "number"));

/** True for one table (as opposed to a list of tables). */
export function isWeightTable(v: unknown): v is WeightTable {
  return (isPlainObject(v) && "data" in v && "shape" in v) || isNumberRows(v);
}

/** The table's shape and row-major values, checked for form (not yet against the layer). */
export function readWeightTable(where: string, table: unknown): { shape: number[]; data: ArrayLike<number> } {
  if (isNumberRows(table)) {
    const cols = table[0]!.length;
    const ragged = table.findIndex((row) => row.length !== cols);
    if (ragged >= 0) {
      throw new ValueError(`${where} is ragged: row ${ragged} has ${table[ragged]!.length} values, row 0 has ${cols}.`);
    }
    const data = new Float32Array(table.length * cols);
    table.forEach((row, r) => data.set(row, r * cols));
    return { shape: [table.length, cols], data };
  }
  if (isPlainObject(table) && "data" in table && "shape" in table) {
    const { data, shape } = table as { data: unknown; shape: unknown };
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new ValueError(`${where}.shape must be an array of non-negative integers. Received: ${show(shape)}`);
    }
    const ok = data instanceof Float32Array || data instanceof Float64Array || (Array.isArray(data) && data.every((x) => typeof x === "number"));
    if (!ok) {
      throw new ValueError(`${where}.data must be a Float32Array, a Float64Array or an array of numbers. Received: ${show(data)} (of type ${typeName(data)})`);
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if ((data as ArrayLike<number>).length !== size) {
      throw new ValueError(`${where}.shape [${shape.join(", ")}] holds ${size} values, but ${where}.data has ${(data as ArrayLike<number>).length}.`);
    }
    return { shape: [...(shape as number[])], data: data as ArrayLike<number> };
  }
  throw new ValueError(
    `${where} must be { data, shape } or a nested number[][]. Received: ${show(table)} (of type ${typeName(table)})`,
  );
}
