// Reading a weight table given by the caller: `{ data, shape }` or a nested number[][]. Each
// caller value is read once (see caller-data.ts) into a private float32 copy; the layer writes
// that copy, so a getter that throws or changes its answer can never leave a half-written table.
import { OnceReader, arrayLength, element } from "./caller-data.ts";
import { ownView, typedArrayInfo, typedArrayName } from "./typed-arrays.ts";
import { ValueError, invalidArgument, show, typeName } from "./errors.ts";
import { isPlainObject } from "./validate.ts";

/** A table as `{ data, shape: [inputDim, outputDim] }` (row-major) or a nested `number[][]`. */
export type WeightTable =
  | { readonly data: Float32Array | Float64Array | readonly number[]; readonly shape: readonly number[] }
  | readonly (readonly number[])[];

/** A table's shape and a private row-major float32 copy of its values. */
export interface ReadTable {
  shape: number[];
  /**
   * The values: a private float32 copy, or, for a Float32Array / Float64Array given by the caller, a
   * fixed-length view of the engine's own class on the caller's memory. Copying that view (once, with
   * `TypedArray.prototype.set`) runs no caller code and cannot fail midway, so it is the one read of
   * the caller's data; no value needs checking first.
   */
  data: Float32Array | Float64Array;
}

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

const isDataShape = (v: unknown): v is Record<string, unknown> => isPlainObject(v) && "data" in v && "shape" in v;

function notATable(where: string, table: unknown): never {
  throw new ValueError(`${where} must be { data, shape } or a nested number[][]. Received: ${show(table)} (of type ${typeName(table)})`);
}

function numberAt(where: string, value: unknown): number {
  if (typeof value !== "number") throw new ValueError(`${where} must be a number. Received: ${show(value)} (of type ${typeName(value)})`);
  return value;
}

function readRows(where: string, table: readonly unknown[], reader: OnceReader, checkShape?: (shape: number[]) => void): ReadTable {
  const rows = reader.elements(where, table);
  if (rows.length === 0) notATable(where, table);
  const values = rows.map((row, r) => {
    if (!Array.isArray(row)) throw new ValueError(`${where}[${r}] must be a row (an array of numbers). Received: ${show(row)} (of type ${typeName(row)})`);
    return reader.elements(`${where}[${r}]`, row);
  });
  const cols = values[0]!.length;
  const ragged = values.findIndex((row) => row.length !== cols);
  if (ragged >= 0) throw new ValueError(`${where} is ragged: row ${ragged} has ${values[ragged]!.length} values, row 0 has ${cols}.`);
  const shape = [rows.length, cols];
  checkShape?.(shape);
  const data = new Float32Array(rows.length * cols);
  values.forEach((row, r) => {
    for (let c = 0; c < cols; c++) data[r * cols + c] = numberAt(`${where}[${r}][${c}]`, row[c]);
  });
  return { shape, data };
}

function readDataShape(where: string, table: Record<string, unknown>, reader: OnceReader, checkShape?: (shape: number[]) => void): ReadTable {
  const data = table["data"];
  const rawShape = table["shape"];
  const dims = Array.isArray(rawShape) ? reader.elements(`${where}.shape`, rawShape) : undefined;
  if (dims === undefined || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ValueError(`${where}.shape must be an array of non-negative integers. Received: ${show(rawShape)}`);
  }
  const shape = dims as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  const mismatch = (length: number) =>
    new ValueError(`${where}.shape [${shape.join(", ")}] holds ${size} values, but ${where}.data has ${length}.`);
  const kind = typedArrayName(data);
  if (kind === "BigInt64Array" || kind === "BigUint64Array") {
    throw new ValueError(`${where}.data must hold numbers: weights are float32, and a ${kind} holds BigInts. Pass a Float32Array, a Float64Array or an array of numbers.`);
  }
  if (kind === "Float32Array" || kind === "Float64Array") {
    const { length } = typedArrayInfo(`${where}.data`, data as ArrayBufferView)!;
    if (length !== size) throw mismatch(length);
    checkShape?.(shape);
    // No private copy: the table is written straight from this view (one pass over a large table).
    return { shape, data: ownView(`${where}.data`, data, kind) };
  }
  if (Array.isArray(data)) {
    const n = arrayLength(`${where}.data`, data);
    if (n !== size) throw mismatch(n);
    checkShape?.(shape);
    const copy = new Float32Array(size);
    for (let i = 0; i < size; i++) copy[i] = numberAt(`${where}.data[${i}]`, element(data, i));
    return { shape, data: copy };
  }
  throw new ValueError(`${where}.data must be a Float32Array, a Float64Array or an array of numbers. Received: ${show(data)} (of type ${typeName(data)})`);
}

/**
 * Reads one table into its shape and a private float32 copy, checking its form (not yet against a
 * layer). `checkShape`, when given, runs once the shape is known and before the values are copied.
 */
export function readWeightTable(where: string, table: unknown, checkShape?: (shape: number[]) => void, reader = new OnceReader()): ReadTable {
  if (Array.isArray(table)) return readRows(where, table, reader, checkShape);
  if (isDataShape(table)) return readDataShape(where, table, reader, checkShape);
  return notATable(where, table);
}

/** The layer a weight list is read for: its name (for messages) and its table's shape. */
export interface WeightTarget {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
}

/**
 * Reads `weights` for `setWeights` or the `weights` option: `[table]` or the table itself, checked
 * against the layer's shape. Returns a private float32 copy of the values.
 */
export function readWeightList(where: string, weights: unknown, layer: WeightTarget): Float32Array | Float64Array {
  const reader = new OnceReader();
  let table: unknown = weights;
  let tableWhere = where;
  if (Array.isArray(weights)) {
    const items = reader.elements(where, weights);
    // `weights` is itself a table when its first item is a row: an array whose first entry is a value, not a table.
    const first = items[0];
    const firstEntries = Array.isArray(first) ? reader.elements(`${where}[0]`, first) : undefined;
    const isTable = firstEntries !== undefined && (firstEntries.length === 0 || !(Array.isArray(firstEntries[0]) || isDataShape(firstEntries[0])));
    if (!isTable) {
      if (items.length !== 1) {
        throw new ValueError(
          `You called setWeights(weights) on layer "${layer.name}" with a weight list of length ${items.length}, but the layer was expecting 1 weights.`,
        );
      }
      table = first;
      tableWhere = `${where}[0]`;
    }
  } else if (!isDataShape(weights)) {
    invalidArgument(where, "a list holding one table ({ data, shape } or number[][])", weights);
  }
  const checkShape = (shape: number[]) => {
    if (shape.length !== 2 || shape[0] !== layer.inputDim || shape[1] !== layer.outputDim) {
      throw new ValueError(
        `Layer "${layer.name}" weight shape [${layer.inputDim}, ${layer.outputDim}] is not compatible with provided weight shape [${shape.join(", ")}].`,
      );
    }
  };
  return readWeightTable(tableWhere, table, checkShape, reader).data;
}

/**
 * A layer's weight list checked against the shapes it expects (one table, or a single table given
 * bare when one is expected): the row-major values of each, in order. Keras' messages for a list of
 * the wrong length or a table of the wrong shape.
 */
export function readLayerWeights(layer: string, weights: unknown, where: string, shapes: readonly (readonly number[])[]): ArrayLike<number>[] {
  // One table may also be given bare (not in a list).
  if (shapes.length === 1 && shapes[0]!.length === 2) return [readWeightList(where, weights, { name: layer, inputDim: shapes[0]![0]!, outputDim: shapes[0]![1]! })];
  const reader = new OnceReader();
  if (!Array.isArray(weights)) invalidListArgument(where, shapes.length, weights);
  const items = reader.elements(where, weights);
  if (items.length !== shapes.length) {
    throw new ValueError(
      `You called setWeights(weights) on layer "${layer}" with a weight list of length ${items.length}, but the layer was expecting ${shapes.length} weights.`,
    );
  }
  return shapes.map((expected, i) => {
    const checkShape = (shape: number[]) => {
      if (shape.length !== expected.length || shape.some((d, j) => d !== expected[j])) {
        throw new ValueError(`Layer "${layer}" weight shape [${expected.join(", ")}] is not compatible with provided weight shape [${shape.join(", ")}].`);
      }
    };
    return readWeightTable(`${where}[${i}]`, items[i], checkShape, reader).data;
  });
}

function invalidListArgument(where: string, count: number, value: unknown): never {
  const what = count === 1 ? "a list holding one table ({ data, shape } or number[][])" : `a list of ${count} tables ({ data, shape } or number[][])`;
  throw new ValueError(`${where} must be ${what}. Received: ${where}=${show(value)} (of type ${typeName(value)})`);
}
