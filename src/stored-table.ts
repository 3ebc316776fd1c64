// A layer's table as stored in its memory (src/core/memory.ts): the table region in the layer's
// format, plus the scale (and zero point) regions of a quantized table. Gathers rows through the
// kernel that widens or dequantizes them, and reads and writes the Keras variables.
import { ValueError, show, typeName } from "./errors.ts";
import { bfloat16Of, float16Of, toBfloat16Bits, toFloat16Bits, widenBfloat16Bits, widenFloat16Bits } from "./half.ts";
import type { KernelMemory, RowStorage } from "./core/memory.ts";
import { absMaxQuantizeRows, BFLOAT16_ARITHMETIC, FLOAT16_ARITHMETIC, FLOAT32_ARITHMETIC, groupedQuantizeRows, packInt4, type QuantizerArithmetic } from "./quantizers.ts";
import { computeDtypeOf, groupCount, mixedComputeDtype, isFloat32Stored, isGrouped, isQuantized, rowBytes, scaleDtype, variableSpecs, type TableFormat, type VariableSpec, type WeightDtype } from "./table-format.ts";

/** One Keras variable's value: Int8Array for int8, Uint16Array bit patterns for float16 / bfloat16, else Float32Array. */
export interface WeightArray {
  name: string;
  dtype: WeightDtype;
  data: Float32Array | Int8Array | Uint16Array;
  shape: number[];
}

/** float32 values converted to 16 bits per kernel call (a 256 KiB scratch block). */
const HALF_CHUNK = 65536;

/** The memory layout a format needs for its table rows. */
export function rowStorage(format: TableFormat, dim: number): RowStorage {
  return { name: isFloat32Stored(format) ? "float32" : format.kind, rowBytes: rowBytes(format, dim) };
}

export class StoredTable {
  /** Per-row scales (int8, per-channel int4) or per-group steps (grouped int4); 0 when none. */
  readonly scalePtr: number;
  /**
   * The scales lookups dequantize with: `scalePtr` itself, or, where they differ from it (a table
   * quantized from a mixed policy, or float16 per-row int4), scales derived so the float32 kernel
   * reproduces Keras' 16-bit dequantization (see refreshComputeScales).
   */
  readonly computeScalePtr: number;
  /** Per-group int8 zero points (grouped int4); 0 when none. */
  readonly zeroPtr: number;
  readonly groups: number;

  /** Sets up the scale and zero regions of `format` in `mem`, whose table region is laid out for it. */
  constructor(readonly format: TableFormat, readonly mem: KernelMemory) {
    this.groups = groupCount(format, mem.dim);
    const quantized = format.kind === "int8" || format.kind === "int4";
    this.scalePtr = quantized ? mem.persistent(mem.rows * this.groups * 4, "the quantization scales") : 0;
    this.zeroPtr = isGrouped(format) ? mem.persistent(mem.rows * this.groups, "the quantization zero points") : 0;
    // A float16 / bfloat16 source's scales are already 16-bit values: they serve as they are, except as float16 reciprocals.
    const derived = quantized && (mixedComputeDtype(format) !== null || this.reciprocalScales);
    this.computeScalePtr = derived ? mem.persistent(mem.rows * this.groups * 4, "the 16-bit dequantization scales") : this.scalePtr;
    if (quantized) {
      this.scales().fill(1); // Keras builds scales as ones and tables as zeros.
      this.refreshComputeScales();
    }
  }

  /**
   * A table quantized from a mixed or 16-bit policy dequantizes in its 16-bit compute dtype: Keras
   * autocasts float32 scales (a 16-bit source's already are 16-bit), so a value is h(q / h(s)) for one column, h((q − z) · h(step)) in groups,
   * and per row with two or more columns XLA multiplies by the reciprocal: h(q · (1 / h(s))) in
   * bfloat16, h(q · h(1 / h(s))) in float16 (h rounds to the compute dtype; checked against Keras
   * 3.15.1 on JAX). The kernels compute q · fl(1 / scale) (or q / scale for one column) and the
   * output is rounded after, so they are given h(s), or for float16 rows the multiplier
   * r = h(1 / h(s)) itself (the int4 kernel's `reciprocals` mode: no float32 scale has r as its
   * reciprocal in every case, and q · r often lands on a float16 tie).
   */
  private refreshComputeScales(): void {
    if (this.computeScalePtr === this.scalePtr) return;
    const compute = computeDtypeOf(this.format);
    const round = compute === "float16" ? float16Of : bfloat16Of;
    const reciprocals = this.reciprocalScales;
    const scales = this.scales();
    const derived = new Float32Array(this.mem.memory.buffer, this.computeScalePtr, scales.length);
    for (let i = 0; i < scales.length; i++) derived[i] = reciprocals ? round(Math.fround(1 / round(scales[i]!))) : round(scales[i]!);
  }

  /** Whether the derived scales are the multipliers themselves (float16 per-row int4, two or more columns), not scales to invert. */
  private get reciprocalScales(): boolean {
    return computeDtypeOf(this.format) === "float16" && this.format.kind === "int4" && this.format.blockSize === null && this.dim > 1;
  }

  get rows(): number {
    return this.mem.rows;
  }
  get dim(): number {
    return this.mem.dim;
  }

  private scales(): Float32Array {
    return new Float32Array(this.mem.memory.buffer, this.scalePtr, this.rows * this.groups);
  }
  private zeros(): Int8Array {
    return new Int8Array(this.mem.memory.buffer, this.zeroPtr, this.rows * this.groups);
  }

  /**
   * out[i, :] = the float32 value of row idx[i], as Keras' lookup computes it (before a 16-bit
   * compute dtype's rounding, `narrowOutput`). `scales` and `reciprocals` choose the dequantization
   * scales: the lookups' by default.
   */
  gather(idx: number, n: number, out: number, scales = this.computeScalePtr, reciprocals = this.reciprocalScales): void {
    const { mem, format, dim } = this;
    const k = mem.kernel;
    switch (format.kind) {
      case "float32":
      case "mixed_float16":
      case "mixed_bfloat16":
        k.gatherRows(mem.tablePtr, this.rows, dim, idx, n, out);
        return;
      case "float16":
        k.gatherFloat16(mem.tablePtr, this.rows, dim, idx, n, out);
        return;
      case "bfloat16":
        k.gatherBfloat16(mem.tablePtr, this.rows, dim, idx, n, out);
        return;
      case "int8":
        k.gatherInt8(mem.tablePtr, scales, this.rows, dim, idx, n, out);
        return;
      case "int4":
        if (format.blockSize === null) k.gatherInt4(mem.tablePtr, scales, this.rows, dim, idx, n, out, reciprocals ? 1 : 0);
        else k.gatherInt4Grouped(mem.tablePtr, scales, this.zeroPtr, this.rows, dim, format.blockSize, this.groups, idx, n, out);
        return;
    }
  }

  /**
   * Lookups of a 16-bit policy return its compute dtype: Keras casts the gathered rows (plus LoRA)
   * to it. Rounds `n` output floats at `out` to it, in place, as float32 values, where they may be
   * off it: always for the mixed policies (float32 or quantized tables), and for float16 / bfloat16
   * tables only when `withLora` added float32 adapters (their own rows widen exactly, NaN payloads
   * and all).
   */
  narrowOutput(out: number, n: number, withLora: boolean): void {
    const kind = this.format.kind;
    if (!withLora && (kind === "float16" || kind === "bfloat16")) return;
    const compute = computeDtypeOf(this.format);
    if (compute === "float16") this.mem.kernel.narrowToFloat16(out, n);
    else if (compute === "bfloat16") this.mem.kernel.narrowToBfloat16(out, n);
  }

  /** The whole table as float32, as lookups read it (rows × dim). */
  toFloat32(): Float32Array {
    if (isFloat32Stored(this.format)) return this.mem.table().slice();
    const { ptr } = this.float32InScratch();
    return new Float32Array(this.mem.memory.buffer, ptr, this.rows * this.dim).slice();
  }

  /**
   * The whole table as float32 (rows × dim) at `ptr` in scratch, which it fills from the start for
   * `bytes` (valid until the next use of scratch): as lookups read it, or with `forMerge` as Keras
   * dequantizes a quantized table to merge LoRA into it when it saves (embedding.py,
   * `_get_embeddings_with_merged_lora`). There the integers are cast to the compute dtype and
   * divided by the scale variable: JAX promotes a float32 scale's operation to float32, so a float32
   * or mixed source dequantizes as a float32 table's lookups do, and a float16 / bfloat16 source in
   * its dtype, as its lookups do.
   */
  float32InScratch(forMerge = false): { ptr: number; bytes: number } {
    const { mem, rows, dim, format } = this;
    const bytes = rows * 4 + rows * dim * 4;
    const base = mem.scratch(bytes);
    const ptr = base + rows * 4;
    if (isFloat32Stored(format)) {
      new Float32Array(mem.memory.buffer, ptr, rows * dim).set(mem.table());
      return { ptr, bytes };
    }
    new Int32Array(mem.memory.buffer, base, rows).forEach((_, r, ids) => (ids[r] = r));
    if (forMerge && isQuantized(format) && scaleDtype(format) === "float32") {
      this.gather(base, rows, ptr, this.scalePtr, false);
    } else {
      this.gather(base, rows, ptr);
      if (forMerge) this.narrowOutput(ptr, rows * dim, false);
    }
    return { ptr, bytes };
  }

  /**
   * Stores a float32 table: rounded to 16 bits, or quantized as Keras' `quantize()` does, in the
   * arithmetic NumPy uses on the source variable unless `arithmetic` says otherwise.
   */
  storeFloat32(table: ArrayLike<number>, arithmetic = this.arithmetic): void {
    const { mem, rows, dim, format } = this;
    const values = table instanceof Float32Array ? table : Float32Array.from(table);
    switch (format.kind) {
      case "float32":
      case "mixed_float16":
      case "mixed_bfloat16":
        mem.table().set(values);
        return;
      case "float16":
      case "bfloat16": {
        // In the kernel, through a bounded scratch block: the float32 table is never held whole in this memory.
        const total = rows * dim;
        const chunk = Math.min(total, HALF_CHUNK);
        const round = format.kind === "float16" ? mem.kernel.roundToFloat16 : mem.kernel.roundToBfloat16;
        for (let at = 0; at < total; at += chunk) {
          const n = Math.min(chunk, total - at);
          const src = mem.scratch(n * 4);
          new Float32Array(mem.memory.buffer, src, n).set(values.subarray(at, at + n));
          round(src, n, mem.tablePtr + at * 2);
        }
        return;
      }
      case "int8": {
        const { q, scale } = absMaxQuantizeRows(values, rows, dim, -127, 127, arithmetic);
        mem.tableBytes().set(new Uint8Array(q.buffer));
        this.scales().set(this.asScaleDtype(scale));
        this.refreshComputeScales();
        return;
      }
      case "int4": {
        if (format.blockSize === null) {
          const { q, scale } = absMaxQuantizeRows(values, rows, dim, -8, 7, arithmetic);
          mem.tableBytes().set(new Uint8Array(packInt4(q, rows, dim).buffer));
          this.scales().set(this.asScaleDtype(scale));
        } else {
          const { q, step, zero } = groupedQuantizeRows(values, rows, dim, format.blockSize, arithmetic);
          mem.tableBytes().set(new Uint8Array(packInt4(q, rows, dim).buffer));
          this.scales().set(this.asScaleDtype(step));
          this.zeros().set(zero);
        }
        this.refreshComputeScales();
        return;
      }
    }
  }

  /** How NumPy computes Keras' quantizers on this table's source variable. */
  private get arithmetic(): QuantizerArithmetic {
    const from = this.format.source;
    return from === "float16" ? FLOAT16_ARITHMETIC : from === "bfloat16" ? BFLOAT16_ARITHMETIC : FLOAT32_ARITHMETIC;
  }

  /** Scales as the variable holds them: rounded to a 16-bit source's dtype (Keras converts them to it), as float32 values. */
  private asScaleDtype(scales: Float32Array): Float32Array {
    const dtype = scaleDtype(this.format);
    if (dtype === "float32") return scales;
    return scales.map(dtype === "float16" ? float16Of : bfloat16Of);
  }

  /** The variables in Keras' `get_weights()` order (copies). */
  read(): WeightArray[] {
    const { mem, rows, dim } = this;
    const buffer = mem.memory.buffer;
    return variableSpecs(this.format, rows, dim).map((spec) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      let data: WeightArray["data"];
      if (spec.name === "embeddings") {
        data = spec.dtype === "int8" ? new Int8Array(buffer, mem.tablePtr, size).slice()
          : spec.dtype === "float32" ? mem.table().slice()
          : new Uint16Array(buffer, mem.tablePtr, size).slice();
      } else if (spec.name === "embeddings_scale") {
        // 16-bit scales are held widened (exactly) for the kernels; the variable gives their bit patterns.
        data = spec.dtype === "float32" ? this.scales().slice()
          : Uint16Array.from(this.scales(), spec.dtype === "float16" ? toFloat16Bits : toBfloat16Bits);
      }
      else if (spec.name === "embeddings_zero") data = this.zeros().slice();
      else data = Float32Array.from({ length: dim }, (_, j) => Math.floor(j / this.format.blockSize!));
      return { name: spec.name, dtype: spec.dtype, data, shape: [...spec.shape] };
    });
  }

  /**
   * Checks `list` against the variables (count, shapes, dtypes and ranges) and returns a function
   * that writes them; nothing is written when a check fails.
   */
  prepareWrite(list: readonly unknown[], where: string, layerName: string): () => void {
    const specs = variableSpecs(this.format, this.rows, this.dim);
    if (list.length !== specs.length) {
      throw new ValueError(
        `You called setWeights(weights) on layer "${layerName}" with a weight list of length ${list.length}, but the layer was expecting ${specs.length} weights ` +
          `(${specs.map((s) => s.name).join(", ")}).`,
      );
    }
    const values = specs.map((spec, i) => readVariable(`${where}[${i}]`, list[i], spec, layerName));
    const g = specs.findIndex((s) => s.name === "g_idx");
    if (g >= 0) {
      const block = this.format.blockSize!;
      const bad = Array.from(values[g]!).findIndex((v, j) => v !== Math.floor(j / block));
      if (bad >= 0) {
        throw new ValueError(
          `${where}[${g}] (g_idx) must be floor(j / ${block}) for column j, as Keras builds it for block size ${block}. ` +
            `Received: g_idx[${bad}]=${show((values[g] as ArrayLike<number>)[bad])}`,
        );
      }
    }
    return () => {
      const { mem } = this;
      specs.forEach((spec, i) => {
        const v = values[i]!;
        if (spec.name === "embeddings") {
          if (spec.dtype === "float32") mem.table().set(v);
          else if (spec.dtype === "int8") new Int8Array(mem.memory.buffer, mem.tablePtr, v.length).set(v);
          else if (v instanceof Uint16Array) new Uint16Array(mem.memory.buffer, mem.tablePtr, v.length).set(v);
          else this.storeFloat32(v);
        } else if (spec.name === "embeddings_scale") {
          if (spec.dtype === "float32") this.scales().set(v);
          else if (v instanceof Uint16Array) this.scales().set(spec.dtype === "float16" ? widenFloat16Bits(v) : widenBfloat16Bits(v));
          else this.scales().set(this.asScaleDtype(Float32Array.from(v)));
        } else if (spec.name === "embeddings_zero") this.zeros().set(v);
      });
      this.refreshComputeScales();
    };
  }
}

const INT8_ARRAYS = (v: unknown): v is Int8Array | Uint8Array => v instanceof Int8Array || v instanceof Uint8Array;

/**
 * One variable's values, checked: `{ data, shape }` (or number[][] for 2-D float tables) of the
 * spec's shape. int8: Int8Array, Uint8Array (bytes, as int4 packing makes them) or integers in
 * [-128, 255] (bytes above 127 read as their signed value); float16 / bfloat16: Uint16Array bit
 * patterns, or float values rounded as Keras' assignment rounds them; float32: numbers.
 */
function readVariable(where: string, value: unknown, spec: VariableSpec, layerName: string): ArrayLike<number> {
  let data: unknown, shape: unknown;
  if (Array.isArray(value) && value.every((row) => Array.isArray(row))) {
    shape = [value.length, value.length > 0 ? (value[0] as unknown[]).length : 0];
    if ((value as unknown[][]).some((row) => row.length !== (shape as number[])[1])) throw new ValueError(`${where} is ragged.`);
    data = (value as unknown[][]).flat();
  } else if (value !== null && typeof value === "object" && "data" in value && "shape" in value) {
    ({ data, shape } = value as { data: unknown; shape: unknown });
  } else {
    throw new ValueError(`${where} (${spec.name}) must be { data, shape }. Received: ${show(value)} (of type ${typeName(value)})`);
  }
  const same = Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i]);
  if (!same) {
    throw new ValueError(
      `Layer "${layerName}" weight ${spec.name} has shape [${spec.shape.join(", ")}], not compatible with provided weight shape ${show(shape)}.`,
    );
  }
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const isArrayLike = ArrayBuffer.isView(data) || (Array.isArray(data) && data.every((x) => typeof x === "number"));
  if (!isArrayLike || (data as ArrayLike<number>).length !== size) {
    throw new ValueError(`${where}.data (${spec.name}) must hold ${size} numbers. Received: ${show(data)} (of type ${typeName(data)})`);
  }
  const values = data as ArrayLike<number>;
  if (spec.dtype === "int8") {
    if (INT8_ARRAYS(values)) return new Int8Array(values.buffer, values.byteOffset, values.length).slice();
    const out = new Int8Array(size);
    for (let i = 0; i < size; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < -128 || v > 255) throw new ValueError(`${where}.data[${i}] (${spec.name}, int8) must be an integer in [-128, 127]. Received: ${show(v)}`);
      out[i] = v;
    }
    return out;
  }
  if (spec.dtype === "float16" || spec.dtype === "bfloat16") {
    // Bit patterns are stored as given; float values are rounded by the kernel when written.
    return values instanceof Uint16Array ? values.slice() : Float32Array.from(values);
  }
  return Float32Array.from(values);
}

