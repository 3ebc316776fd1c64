// How a layer's table is stored: float32, float16 or bfloat16 values, or quantized as Keras 3
// quantizes an Embedding (int8 with a scale per row; int4 packed two per byte, with a scale per row
// or, in groups of `blockSize` columns, a step and zero point per group). Also the Keras names
// for each: dtype policy names and the variables `get_weights()` lists.
import { ValueError, show } from "./errors.ts";
import { packedRowBytes } from "./quantizers.ts";

/**
 * Dtype policies of a float table (Keras names): stored as float32, float16 or bfloat16; the
 * mixed policies store float32 and compute in float16 / bfloat16, so their lookups are rounded.
 */
export type TableDtype = "float32" | "float16" | "bfloat16" | "mixed_float16" | "mixed_bfloat16";
/** Quantization modes of `quantize()` (Keras' `layer.quantize(mode)`). */
export type QuantizationMode = "int8" | "int4";
/** Keras' default int4 block size (Int4QuantizationConfig.block_size). */
export const DEFAULT_INT4_BLOCK_SIZE = 128;

export interface TableFormat {
  readonly kind: TableDtype | QuantizationMode;
  /** int4 only: columns per group (step and zero point per group), or null for one scale per row. */
  readonly blockSize: number | null;
  /**
   * Quantized tables only: the 16-bit or mixed policy the layer was quantized from (Keras'
   * `int8_from_bfloat16`, `int4/128_from_mixed_float16`), whose lookups dequantize in its 16-bit
   * compute dtype; absent for float32 (`int8_from_float32`).
   */
  readonly source?: QuantizedSource;
}

/** Policies a quantized table can come from besides float32: 16-bit variables, or float32 variables computed in 16 bits (mixed). */
export type QuantizedSource = "float16" | "bfloat16" | "mixed_float16" | "mixed_bfloat16";

/** The policy a quantized table was quantized from. */
export const quantizedFrom = (format: TableFormat): "float32" | QuantizedSource => format.source ?? "float32";

/** The dtype of a quantized table's scales: its 16-bit source's, else float32. */
export const scaleDtype = (format: TableFormat): "float32" | "float16" | "bfloat16" =>
  format.source === "float16" || format.source === "bfloat16" ? format.source : "float32";

/** The 16-bit dtype lookups compute in (Keras' compute dtype), or null for float32. */
export function computeDtypeOf(format: TableFormat): "float16" | "bfloat16" | null {
  const policy = format.kind === "int8" || format.kind === "int4" ? format.source : format.kind;
  return policy === "float16" || policy === "mixed_float16" ? "float16" : policy === "bfloat16" || policy === "mixed_bfloat16" ? "bfloat16" : null;
}

/**
 * The 16-bit dtype a mixed policy computes in (a quantized table's source included), or null: the
 * policies whose float32 LoRA adapters Keras autocasts to 16 bits.
 */
export function mixedComputeDtype(format: TableFormat): "float16" | "bfloat16" | null {
  const policy = format.kind === "mixed_float16" || format.kind === "mixed_bfloat16" ? format.kind : format.source;
  return policy === "mixed_float16" ? "float16" : policy === "mixed_bfloat16" ? "bfloat16" : null;
}

/** Keras' refusal of int8 under a float16 compute dtype (keras/src/layers/layer.py, quantize). */
export const INT8_WITH_FLOAT16 =
  "Quantization mode='int8' doesn't work well with compute_dtype='float16'. Consider loading model/layer with another dtype policy such as 'mixed_bfloat16' or 'mixed_float16' before calling `quantize()`.";

export const FLOAT32: TableFormat = { kind: "float32", blockSize: null };

/** dtype of a weight array as Keras names it. */
export type WeightDtype = "float32" | "float16" | "bfloat16" | "int8";

/** One variable of the layer, as Keras' `layer.weights` lists it. */
export interface VariableSpec {
  readonly name: string;
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
}

export const isQuantized = (format: TableFormat) => format.kind === "int8" || format.kind === "int4";
/** True when the table is held as float32 (float32 and the mixed policies). */
export const isFloat32Stored = (format: TableFormat) => format.kind === "float32" || format.kind === "mixed_float16" || format.kind === "mixed_bfloat16";
export const isGrouped = (format: TableFormat) => format.kind === "int4" && format.blockSize !== null;
export const groupCount = (format: TableFormat, dim: number) => (format.blockSize === null ? 1 : Math.ceil(dim / format.blockSize));

/** Bytes one table row takes as stored. */
export function rowBytes(format: TableFormat, dim: number): number {
  switch (format.kind) {
    case "float32":
    case "mixed_float16":
    case "mixed_bfloat16":
      return dim * 4;
    case "float16":
    case "bfloat16":
      return dim * 2;
    case "int8":
      return dim;
    case "int4":
      return packedRowBytes(dim);
  }
}

/** The layer's variables in Keras' `get_weights()` order (without LoRA adapters). */
export function variableSpecs(format: TableFormat, rows: number, dim: number): VariableSpec[] {
  switch (format.kind) {
    case "float32":
    case "float16":
    case "bfloat16":
      return [{ name: "embeddings", dtype: format.kind, shape: [rows, dim] }];
    case "mixed_float16":
    case "mixed_bfloat16":
      return [{ name: "embeddings", dtype: "float32", shape: [rows, dim] }];
    case "int8":
      return [
        { name: "embeddings", dtype: "int8", shape: [rows, dim] },
        { name: "embeddings_scale", dtype: scaleDtype(format), shape: [rows] },
      ];
    case "int4": {
      const packed: VariableSpec = { name: "embeddings", dtype: "int8", shape: [rows, packedRowBytes(dim)] };
      if (format.blockSize === null) return [packed, { name: "embeddings_scale", dtype: scaleDtype(format), shape: [rows] }];
      const groups = groupCount(format, dim);
      return [
        packed,
        { name: "embeddings_scale", dtype: scaleDtype(format), shape: [rows, groups] },
        { name: "embeddings_zero", dtype: "int8", shape: [rows, groups] },
        { name: "g_idx", dtype: "float32", shape: [dim] },
      ];
    }
  }
}

/** Keras' dtype policy name: `float32`, `float16`, `bfloat16`, `int8_from_float32`, `int4/128_from_float32`, `int4/-1_from_mixed_bfloat16`, … */
export function policyName(format: TableFormat): string {
  if (format.kind === "int8") return `int8_from_${quantizedFrom(format)}`;
  if (format.kind === "int4") return `int4/${format.blockSize ?? -1}_from_${quantizedFrom(format)}`;
  return format.kind;
}

/** Reads a block size as Keras' Int4QuantizationConfig takes it: a positive integer, or -1 / null for per-channel. */
export function readBlockSize(name: string, value: unknown): number | null {
  if (value === undefined) return DEFAULT_INT4_BLOCK_SIZE;
  if (value === null || value === -1) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValueError(`${name} must be a positive integer, or -1 or null for one scale per row. Received: ${name}=${show(value)}`);
  }
  return value;
}

/**
 * The format a Keras dtype policy name stands for. Quantized policies come from float32, a 16-bit or
 * a mixed policy (`int8_from_float32`, `int4_from_float32` — per-channel, as older Keras wrote it —,
 * `int8_from_bfloat16`, `int4/<block>_from_mixed_float16`); Keras itself refuses int8 under a
 * float16 compute dtype.
 */
export function parsePolicyName(name: string, where: string): TableFormat {
  if (name === "float32" || name === "float16" || name === "bfloat16" || name === "mixed_float16" || name === "mixed_bfloat16") return { kind: name, blockSize: null };
  const match = /^(int8|int4)(?:\/(-?\d+))?_from_(.+)$/.exec(name);
  const source = match?.[3];
  const known = source === "float32" || source === "float16" || source === "bfloat16" || source === "mixed_float16" || source === "mixed_bfloat16";
  if (match !== null && known && (match[1] === "int4" || match[2] === undefined)) {
    const from: { source?: QuantizedSource } = source === "float32" ? {} : { source };
    if (match[1] === "int8") {
      if (source === "mixed_float16" || source === "float16") throw new ValueError(INT8_WITH_FLOAT16);
      return { kind: "int8", blockSize: null, ...from };
    }
    return { kind: "int4", blockSize: match[2] === undefined ? null : readBlockSize(`${where} block size`, Number(match[2])), ...from };
  }
  throw new ValueError(
    `${where} must be a dtype policy name: "float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", or a quantized policy from one of them ` +
      `("int8_from_float32", "int4/<block size>_from_bfloat16", "int4/-1_from_mixed_float16"). Received: ${where}=${show(name)}`,
  );
}
