// Reading a weight table given by the caller: `{ data, shape }` or a nested number[][].
import { ValueError, show, typeName } from "./errors.ts";
import { isPlainObject } from "./validate.ts";

/** A table as `{ data, shape: [inputDim, outputDim] }` (row-major) or a nested `number[][]`. */
export type WeightTable =
  | { readonly data: Float32Array | Float64Array | readonly number[]; readonly shape: readonly number[] }
  | readonly (readonly number[])[];

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

/**
 * A layer's weight list checked against the shapes it expects (one table, or a single table given
 * bare when one is expected): the row-major values of each, in order. Keras' messages for a list of
 * the wrong length or a table of the wrong shape.
 */
export function readLayerWeights(layer: string, weights: unknown, where: string, shapes: readonly (readonly number[])[]): ArrayLike<number>[] {
  const list = isWeightTable(weights) ? [weights] : weights;
  if (!Array.isArray(list)) {
    invalidListArgument(where, shapes.length, weights);
  }
  if (list.length !== shapes.length) {
    throw new ValueError(
      `You called setWeights(weights) on layer "${layer}" with a weight list of length ${list.length}, but the layer was expecting ${shapes.length} weights.`,
    );
  }
  return shapes.map((expected, i) => {
    const { shape, data } = readWeightTable(`${where}[${i}]`, list[i]);
    if (shape.length !== expected.length || shape.some((d, j) => d !== expected[j])) {
      throw new ValueError(
        `Layer "${layer}" weight shape [${expected.join(", ")}] is not compatible with provided weight shape [${shape.join(", ")}].`,
      );
    }
    return data;
  });
}

function invalidListArgument(where: string, count: number, value: unknown): never {
  const what = count === 1 ? "a list holding one table ({ data, shape } or number[][])" : `a list of ${count} tables ({ data, shape } or number[][])`;
  throw new ValueError(`${where} must be ${what}. Received: ${where}=${show(value)} (of type ${typeName(value)})`);
}
