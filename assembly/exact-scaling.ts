// The byte-at-the-top widening shared by the quantized gathers (quantized.ts) and their
// straight-line 64-column forms (rows-of-64.ts), with the exactness tests that decide, per row or
// group, whether it may be used.
//
// A signed byte b moved to the top byte of a 32-bit lane with zeros below (one byte shuffle whose
// constant mask zeroes the three low bytes, no sign-extension steps) converts exactly to b * 2^24,
// and multiplying that by m * 2^-24 gives the same real product b * m, so the same float32 rounding
// as f32(b) * m, whenever m * 2^-24 is exact (every m from 2^-102 up, and infinities and NaNs).
// A nibble moved to the top of its byte (16q) gives lanes q * 2^28, and the multiplier is
// pre-divided by 2^28 (exact above 2^-98). A row or group whose multiplier fails the test takes
// the plain path.

/** 2^-24: a byte at the top of a 32-bit lane is worth 2^24 times the byte. */
export const TWO_TO_MINUS_24: f32 = 5.9604644775390625e-8;

/** 2^-28: a nibble at the top of a 32-bit lane is worth 2^28 times the nibble. */
export const TWO_TO_MINUS_28: f32 = 3.725290298461914e-9;

/**
 * True when m * 2^-24 is exact (its biased exponent is 25 or more: the product stays normal; an
 * infinite or NaN m also passes, and gives the same infinities and NaNs on both paths), so the byte
 * paths round exactly as f32(b) * m. An integer test: cheaper per row than multiplying back.
 */
// @ts-ignore: decorator
@inline export function scalesDownExactly(m: f32): bool {
  return (reinterpret<u32>(m) & 0x7f800000) >= (25 << 23);
}

/** A per-row dequantization multiplier: f32(1 / scales[row]), or scales[row] itself when the scales are stored as `reciprocals`. */
// @ts-ignore: decorator
@inline export function rowMultiplier(scales: usize, row: usize, reciprocals: u32): f32 {
  const scale = load<f32>(scales + (row << 2));
  return reciprocals ? scale : <f32>1 / scale;
}

/** True when m * 2^-28 is exact (biased exponent 29 or more), so the per-row int4 path rounds exactly as f32(q) * m. */
// @ts-ignore: decorator
@inline export function scalesDownExactlyBy28(m: f32): bool {
  return (reinterpret<u32>(m) & 0x7f800000) >= (29 << 23);
}

/**
 * True when a grouped int4 step and zero point can take the byte path: q - zero fits a byte when
 * the zero point is in Keras' range [-8, 7], and the step must pass scalesDownExactly.
 */
// @ts-ignore: decorator
@inline export function groupWidensExactly(step: f32, zeroPoint: i32): bool {
  return <u32>(zeroPoint + 8) <= 15 && scalesDownExactly(step);
}

/**
 * Sixteen signed bytes as floats times m, stored at `dst` (64 bytes); `down` = splat(m * 2^-24),
 * which must be exact (scalesDownExactly). Each group of four outputs is one swizzle: mask lanes of
 * -128 (out of range) give zero bytes, so byte k lands alone at the top of its lane. V8 compiles a
 * constant-mask swizzle to one pshufb, against two unpacks a group for the zero-interleave.
 */
// @ts-ignore: decorator
@inline export function storeBytesAtTop(bytes: v128, down: v128, dst: usize): void {
  const Z: i8 = -128;
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(bytes, i8x16(Z, Z, Z, 0, Z, Z, Z, 1, Z, Z, Z, 2, Z, Z, Z, 3))), down));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(bytes, i8x16(Z, Z, Z, 4, Z, Z, Z, 5, Z, Z, Z, 6, Z, Z, Z, 7))), down), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(bytes, i8x16(Z, Z, Z, 8, Z, Z, Z, 9, Z, Z, Z, 10, Z, Z, Z, 11))), down), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(bytes, i8x16(Z, Z, Z, 12, Z, Z, Z, 13, Z, Z, Z, 14, Z, Z, Z, 15))), down), 48);
}

/**
 * Sixteen packed bytes (32 columns) as q - zero times m, stored at `dst` (128 bytes). `bias` is
 * splat(8 + zero): with the nibbles' top bits flipped (n ^ 8 = q + 8), q - zero = (n ^ 8) - bias.
 */
// @ts-ignore: decorator
@inline export function storePackedAtTop(packed: v128, bias: v128, down: v128, dst: usize): void {
  const mask = i8x16.splat(0x0f);
  const flipped = v128.xor(packed, i8x16.splat(<i8>0x88));
  const low = v128.and(flipped, mask);
  // Byte shifts are emulated on x64: the high nibbles come down with a 16-bit shift and the mask.
  const high = v128.and(i16x8.shr_u(flipped, 4), mask);
  storeBytesAtTop(i8x16.sub(i8x16.shuffle(low, high, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), bias), down, dst);
  storeBytesAtTop(i8x16.sub(i8x16.shuffle(low, high, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), bias), down, dst + 64);
}

/**
 * Sixteen packed bytes (32 columns) as q times m, stored at `dst` (128 bytes); `down` =
 * splat(m * 2^-28), exact. Each nibble goes to the top of its byte (the low one by a 16-bit shift,
 * whose spill into the byte above the mask clears), so each byte is 16q and each lane q * 2^28.
 */
// @ts-ignore: decorator
@inline export function storeNibblesAtTop(packed: v128, down: v128, dst: usize): void {
  const top = i8x16.splat(<i8>0xf0);
  const low = v128.and(i16x8.shl(packed, 4), top);
  const high = v128.and(packed, top);
  storeBytesAtTop(i8x16.shuffle(low, high, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), down, dst);
  storeBytesAtTop(i8x16.shuffle(low, high, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), down, dst + 64);
}
