// Keras 3's weight quantizers for an embedding table, bit for bit (keras/src/quantizers/
// quantizers.py: abs_max_quantize, abs_max_quantize_grouped_with_zero_point, pack_int4). Keras runs
// them in NumPy on the variable's array: for float32 every operation below is one float32
// operation (Math.fround); 16-bit tables round as QuantizerArithmetic says. np.round rounds halves
// to even.
import { bfloat16Of, float16Of, nearestFloat16 } from "./half.ts";

const f = Math.fround;
/** Keras' backend.epsilon(), bound as the quantizers' default argument when Keras is imported. */
const EPSILON = f(1e-7);

/**
 * The arithmetic NumPy does for the quantizers on a table of one dtype: `op` rounds each
 * operation's float32 result, `eps` is the epsilon as it meets the table, and `difference` rounds
 * max − min. float32 (and the mixed policies' float32 variables): float32 throughout. bfloat16
 * (ml_dtypes): max − min stays bfloat16, but adding the Python float epsilon promotes to float32.
 * float16 (NumPy 2): every operation rounds to float16, the epsilon too.
 */
export interface QuantizerArithmetic {
  op: (x: number) => number;
  difference: (x: number) => number;
  eps: number;
}
export const FLOAT32_ARITHMETIC: QuantizerArithmetic = { op: f, difference: f, eps: EPSILON };
export const BFLOAT16_ARITHMETIC: QuantizerArithmetic = { op: f, difference: bfloat16Of, eps: EPSILON };
export const FLOAT16_ARITHMETIC: QuantizerArithmetic = { op: float16Of, difference: float16Of, eps: nearestFloat16(1e-7) };

/** NumPy's np.round: to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clip = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/**
 * Per-row symmetric abs-max quantization (axis -1), `abs_max_quantize` with value_range
 * (-qmax, qmax) for int8 (qmax 127) and (-8, 7) for per-channel int4 (qmax 7):
 *   scale[r] = f32(qmax / f32(max|W[r]| + eps)),  q = clip(round(f32(W · scale)), lo, qmax).
 * `scale` is Keras' multiplier from float to integer.
 */
export function absMaxQuantizeRows(
  table: Float32Array, rows: number, dim: number, lo: number, qmax: number, { op, eps }: QuantizerArithmetic = FLOAT32_ARITHMETIC,
): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(rows * dim);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let amax = 0;
    for (let j = 0; j < dim; j++) {
      const a = Math.abs(table[base + j]!);
      // np.max propagates NaN.
      if (a > amax || Number.isNaN(a)) amax = a;
    }
    const s = op(qmax / op(amax + eps));
    scale[r] = s;
    for (let j = 0; j < dim; j++) q[base + j] = clip(roundHalfEven(op(table[base + j]! * s)), lo, qmax);
  }
  return { q, scale };
}

/**
 * Sub-channel asymmetric int4 quantization as Keras' Embedding applies it: columns of each row in
 * groups of `block` (the last group zero-padded to `block`, the padding taking part in min and max),
 *   step = f32(f32(f32(max − min) + eps) / 15),  zero = clip(round(f32(−min / step)) − 8, −8, 7),
 *   q = clip(round(f32(W / step)) + zero, −8, 7).
 * `step` is float per integer step. Returns q (rows × dim) and step, zero (rows × groups).
 */
export function groupedQuantizeRows(
  table: Float32Array, rows: number, dim: number, block: number, { op, difference, eps }: QuantizerArithmetic = FLOAT32_ARITHMETIC,
): { q: Int8Array; step: Float32Array; zero: Int8Array } {
  const groups = Math.ceil(dim / block);
  const q = new Int8Array(rows * dim);
  const step = new Float32Array(rows * groups);
  const zero = new Int8Array(rows * groups);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const start = g * block;
      const end = Math.min(dim, start + block);
      let lo = end - start < block ? 0 : Infinity;
      let hi = end - start < block ? 0 : -Infinity;
      for (let j = start; j < end; j++) {
        const v = table[r * dim + j]!;
        if (v < lo || Number.isNaN(v)) lo = v;
        if (v > hi || Number.isNaN(v)) hi = v;
      }
      const s = op(op(difference(hi - lo) + eps) / 15);
      // A NaN zero point (a zero group under float16, whose step underflows) casts to 0, and makes every q 0.
      const z = clip(roundHalfEven(op(-lo / s)) - 8, -8, 7);
      step[r * groups + g] = s;
      zero[r * groups + g] = z;
      for (let j = start; j < end; j++) q[r * dim + j] = clip(roundHalfEven(op(table[r * dim + j]! / s)) + z, -8, 7);
    }
  }
  return { q, step, zero };
}

/** Bytes a packed int4 row of `dim` values takes. */
export const packedRowBytes = (dim: number) => (dim + 1) >> 1;

/**
 * Keras' pack_int4 along the last axis: byte k of a row holds column 2k in its low nibble and
 * 2k + 1 in its high nibble (two's complement); an odd row is padded with a zero column.
 */
export function packInt4(q: Int8Array, rows: number, dim: number): Int8Array {
  const width = packedRowBytes(dim);
  const packed = new Int8Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < width; k++) {
      const low = q[r * dim + 2 * k]! & 0x0f;
      const high = 2 * k + 1 < dim ? q[r * dim + 2 * k + 1]! & 0x0f : 0;
      packed[r * width + k] = (low | (high << 4)) << 24 >> 24;
    }
  }
  return packed;
}

/** Keras' unpack_int4: the signed nibbles of a packed table, rows × dim. */
export function unpackInt4(packed: Int8Array | Uint8Array, rows: number, dim: number): Int8Array {
  const width = packedRowBytes(dim);
  const q = new Int8Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      const byte = packed[r * width + (j >> 1)]!;
      q[r * dim + j] = ((j & 1 ? byte >> 4 : byte) & 0x0f) << 28 >> 28;
    }
  }
  return q;
}
