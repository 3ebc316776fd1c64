// float32 ↔ float16 / bfloat16 conversions in plain TypeScript, as NumPy and ml_dtypes cast (what
// Keras' variable assignment does): round to nearest, ties to even, overflow to ±Infinity,
// subnormals kept, NaN stays NaN. The layer rounds in the kernel (assembly/half.ts); these are the
// scalar reference and the widening used outside lookups.

const scratch = new Float32Array(1);
const bits = new Uint32Array(scratch.buffer);

/** The float16 bit pattern nearest `value` (rounded first to float32, as the table is float32). */
export function toFloat16Bits(value: number): number {
  scratch[0] = value;
  return float16FromSingleBits(bits[0]!);
}

/** The float16 bit pattern nearest the float32 whose bits are `x`, as NumPy's astype(float16). */
function float16FromSingleBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  // NumPy keeps a NaN's top ten payload bits as they are (quiet bit included) and makes a payload that would vanish 1.
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : mantissa >>> 13 || 1);
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00;
  if (unbiased >= -14) {
    // Normal: keep 10 mantissa bits, round the 13 dropped ones to nearest even (a carry may
    // overflow into the exponent, to infinity at the top, which is the right answer).
    let half = ((unbiased + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) !== 0)) half++;
    return sign | half;
  }
  if (unbiased < -25) return sign;
  // Subnormal half: value = m · 2^-24 with m < 1024; the float32's 24-bit significand shifted.
  const significand = mantissa | 0x800000;
  const shift = -unbiased - 14 + 13;
  let half = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const tie = 1 << (shift - 1);
  if (rest > tie || (rest === tie && (half & 1) !== 0)) half++;
  return sign | half;
}

/** The bfloat16 bit pattern nearest `value`: the float32's top 16 bits, rounded to nearest even. */
export function toBfloat16Bits(value: number): number {
  scratch[0] = value;
  return bfloat16FromSingleBits(bits[0]!);
}

function bfloat16FromSingleBits(x: number): number {
  // Every NaN becomes the canonical quiet NaN with its sign (ml_dtypes, Eigen, XLA).
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) & 0x8000) | 0x7fc0;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** The float32 value of a float16 bit pattern (exact). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return mantissa !== 0 ? NaN : sign * Infinity;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** The float32 value of a bfloat16 bit pattern (exact). */
export function fromBfloat16Bits(h: number): number {
  bits[0] = (h & 0xffff) << 16;
  return scratch[0]!;
}

/**
 * The float16 value nearest the number `value` (a float64), rounded once, ties to even: NumPy's
 * float64 → float16 cast, which is how a Python float meets a float16 tensor in Keras on JAX.
 */
export function nearestFloat16(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  // The spacing of float16 values at this magnitude (subnormals share the smallest one, 2^-24).
  const spacing = 2 ** (Math.max(exponent, -14) - 10);
  const steps = magnitude / spacing;
  let whole = Math.floor(steps);
  const rest = steps - whole;
  if (rest > 0.5 || (rest === 0.5 && whole % 2 === 1)) whole++;
  const rounded = whole * spacing;
  return Math.sign(value) * (rounded >= 65520 ? Infinity : rounded);
}

/** The float16 value nearest `value` rounded first to float32 (as a float32 array's element converts). */
export const float16Of = (value: number): number => fromFloat16Bits(toFloat16Bits(value));

/** The bfloat16 value nearest `value` rounded first to float32: a float32 element's conversion, and ml_dtypes' of a Python float. */
export const bfloat16Of = (value: number): number => fromBfloat16Bits(toBfloat16Bits(value));

/** float16 bit patterns as float32 values, exactly (a NaN keeps its sign and payload bits). */
export function widenFloat16Bits(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bitsOut = new Uint32Array(out.buffer);
  halves.forEach((h, i) => {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) bitsOut[i] = ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13);
    else out[i] = fromFloat16Bits(h);
  });
  return out;
}

/** bfloat16 bit patterns as float32 values, exactly (each the top half of its float32). */
export function widenBfloat16Bits(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bitsOut = new Uint32Array(out.buffer);
  halves.forEach((h, i) => (bitsOut[i] = h << 16));
  return out;
}

