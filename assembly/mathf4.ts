// Float32x4 elementary functions for the normal samplers. Only IEEE add, sub, mul, div, sqrt and
// integer ops are used (no fused multiply-add, no host Math), so results are the same bits on every
// engine. Accuracy is a few float32 ulps over the ranges the samplers use.

const LN2: f32 = 0.6931471805599453;
const SQRT2: f32 = 1.4142135623730951;
const HALF_PI: f32 = 1.5707963267948966;

/**
 * Natural log of x, for x in [2^-24, 1] (normal, positive floats). x = m * 2^e with m in
 * [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716, by its series
 * to s^9 (truncation error below 1e-9).
 */
// @ts-ignore: decorator
@inline export function log4(x: v128): v128 {
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const s2 = f32x4.mul(s, s);
  // 1 + s2/3 + s2^2/5 + s2^3/7 + s2^4/9, Horner.
  let p = f32x4.splat(1.0 / 9.0);
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 7.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 5.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1));
  const logm = f32x4.mul(f32x4.mul(s, f32x4.splat(2)), p);
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(e), f32x4.splat(LN2)), logm);
}

/** sin(phi) for phi in [0, pi/2], Taylor series to phi^11 (error below 1e-7). */
// @ts-ignore: decorator
@inline function sinQuarter(phi: v128): v128 {
  const x2 = f32x4.mul(phi, phi);
  let p = f32x4.splat(-1.0 / 39916800.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 362880.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1));
  return f32x4.mul(p, phi);
}

/** cos(phi) for phi in [0, pi/2], Taylor series to phi^12 (error below 1e-7). */
// @ts-ignore: decorator
@inline function cosQuarter(phi: v128): v128 {
  const x2 = f32x4.mul(phi, phi);
  let p = f32x4.splat(1.0 / 479001600.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3628800.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 40320.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-0.5));
  return f32x4.add(f32x4.mul(p, x2), f32x4.splat(1));
}

// Turns: for t = k * 2^-24 in [0, 1), 4t = q + f with the quadrant q exact and phi = f * pi/2 in
// [0, pi/2); the quarter-circle values are then rotated by q:
//   q = 0: (c, s)   q = 1: (-s, c)   q = 2: (-c, -s)   q = 3: (s, -c)   for (cos, sin) of 2 pi t.
// cosTurn4 and sinTurn4 share every subexpression, which the optimizer computes once when both are
// inlined into one loop.

// @ts-ignore: decorator
@inline function quadrant(t: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.mul(t, f32x4.splat(4)));
}

// @ts-ignore: decorator
@inline function quarterAngle(t: v128, q: v128): v128 {
  return f32x4.mul(f32x4.sub(f32x4.mul(t, f32x4.splat(4)), f32x4.convert_i32x4_s(q)), f32x4.splat(HALF_PI));
}

/** cos(2 pi t) for t = k * 2^-24 in [0, 1). */
// @ts-ignore: decorator
@inline export function cosTurn4(t: v128): v128 {
  const q = quadrant(t);
  const phi = quarterAngle(t, q);
  const odd = i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1));
  const base = v128.bitselect(sinQuarter(phi), cosQuarter(phi), odd);
  const negative = v128.or(i32x4.eq(q, i32x4.splat(1)), i32x4.eq(q, i32x4.splat(2)));
  return v128.bitselect(f32x4.neg(base), base, negative);
}

/** sin(2 pi t) for t = k * 2^-24 in [0, 1). */
// @ts-ignore: decorator
@inline export function sinTurn4(t: v128): v128 {
  const q = quadrant(t);
  const phi = quarterAngle(t, q);
  const odd = i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1));
  const base = v128.bitselect(cosQuarter(phi), sinQuarter(phi), odd);
  return v128.bitselect(f32x4.neg(base), base, i32x4.ge_s(q, i32x4.splat(2)));
}
