// Straight-line forms of the stored-table gathers for rows of 64 columns, a common embedding width
// (the lookup benches' 1000x64, 10000x64 and 1000000x64 tables). At that width the general loops'
// per-row bookkeeping (loop bounds, the tail checks after the vector loops, the plain-path
// multiplier) is a large share of a row's work, and float32 lookups copy such rows straight-line
// (gather-widths.ts); these loops do the same for the dequantizing and widening paths.
//
// Each function takes rows from `from` on while they take the fast path, and returns the position
// where it stopped (or n): the first row that does not take it, or for the quantized loops, which
// go two rows at a time, the row before it when that row opens the pair. A row leaves the fast path
// when its multiplier cannot be pre-divided exactly (exact-scaling.ts), when it is a grouped row
// whose zero point is outside Keras' range, or a float16 row holding an infinity or a NaN. The
// caller runs its general loop on the row at the returned position and calls back for the rest, so
// every row gets the same bits as on the general path. The read-ahead (gather-ahead.ts) runs
// once per position on either side: a quantized row is checked (its scale or step) before its
// read-ahead here; the float16 function runs the burst before reading the row, so a float16 row
// that leaves gets its burst twice.
import { touchRowsAheadInBursts } from "./gather-ahead";
import {
  TWO_TO_MINUS_24, TWO_TO_MINUS_28, groupWidensExactly, rowMultiplier, scalesDownExactly, scalesDownExactlyBy28, storeBytesAtTop, storeNibblesAtTop, storePackedAtTop,
} from "./exact-scaling";
import { REBIAS, storeFiniteHalves, withoutSign } from "./half";

// The quantized loops take two rows an iteration while both take the fast path: V8 rebuilds the
// byte-shuffle masks (exact-scaling.ts) once an iteration, four instructions each, so a pair shares
// them. A pair whose second row leaves ends the loop at the first; the caller's general loop gives
// that row the same bits, and the call back goes on from the next.

/** Reads ahead for position `i` of a table of `rowBytes`-byte rows and its 4-byte multipliers. */
// @ts-ignore: decorator
@inline function readAheadRowAndScale(table: usize, rowBytes: usize, scales: usize, idx: usize, i: usize, last: usize): void {
  touchRowsAheadInBursts(table, rowBytes, idx, i, last);
  touchRowsAheadInBursts(scales, 4, idx, i, last);
}

/** One int8 row (64 bytes at `src`) times m into `dst`; `down` = splat(m * 2^-24). */
// @ts-ignore: decorator
@inline function int8Row(src: usize, down: v128, dst: usize): void {
  storeBytesAtTop(v128.load(src), down, dst);
  storeBytesAtTop(v128.load(src, 16), down, dst + 64);
  storeBytesAtTop(v128.load(src, 32), down, dst + 128);
  storeBytesAtTop(v128.load(src, 48), down, dst + 192);
}

/** int8 rows (64 bytes) times f32(1 / scale) from position `from` of the batch; see gatherInt8. */
export function int8RowsOf64(table: usize, scales: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  let i = from;
  for (; i + 1 < n; i += 2) {
    const row = <usize>load<u32>(idx + (i << 2));
    const next = <usize>load<u32>(idx + (i << 2), 4);
    const inverse: f32 = <f32>1 / load<f32>(scales + (row << 2));
    const nextInverse: f32 = <f32>1 / load<f32>(scales + (next << 2));
    if (!scalesDownExactly(inverse) || !scalesDownExactly(nextInverse)) return i;
    if (readAhead) {
      readAheadRowAndScale(table, 64, scales, idx, i, last);
      readAheadRowAndScale(table, 64, scales, idx, i + 1, last);
    }
    int8Row(table + (row << 6), f32x4.splat(inverse * TWO_TO_MINUS_24), out + (i << 8));
    int8Row(table + (next << 6), f32x4.splat(nextInverse * TWO_TO_MINUS_24), out + (i << 8) + 256);
  }
  if (i < n) {
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse: f32 = <f32>1 / load<f32>(scales + (row << 2));
    if (!scalesDownExactly(inverse)) return i;
    if (readAhead) readAheadRowAndScale(table, 64, scales, idx, i, last);
    int8Row(table + (row << 6), f32x4.splat(inverse * TWO_TO_MINUS_24), out + (i << 8));
    i++;
  }
  return i;
}

/** One per-row int4 row (32 packed bytes at `src`) times m into `dst`; `down` = splat(m * 2^-28). */
// @ts-ignore: decorator
@inline function int4Row(src: usize, down: v128, dst: usize): void {
  storeNibblesAtTop(v128.load(src), down, dst);
  storeNibblesAtTop(v128.load(src, 16), down, dst + 128);
}

/** Per-row int4 rows (32 packed bytes) times f32(1 / scale) (or the scale itself, with `reciprocals`) from position `from`; see gatherInt4. */
export function int4RowsOf64(table: usize, scales: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool, reciprocals: u32): usize {
  const last = n - 1;
  let i = from;
  for (; i + 1 < n; i += 2) {
    const row = <usize>load<u32>(idx + (i << 2));
    const next = <usize>load<u32>(idx + (i << 2), 4);
    const inverse = rowMultiplier(scales, row, reciprocals);
    const nextInverse = rowMultiplier(scales, next, reciprocals);
    if (!scalesDownExactlyBy28(inverse) || !scalesDownExactlyBy28(nextInverse)) return i;
    if (readAhead) {
      readAheadRowAndScale(table, 32, scales, idx, i, last);
      readAheadRowAndScale(table, 32, scales, idx, i + 1, last);
    }
    int4Row(table + (row << 5), f32x4.splat(inverse * TWO_TO_MINUS_28), out + (i << 8));
    int4Row(table + (next << 5), f32x4.splat(nextInverse * TWO_TO_MINUS_28), out + (i << 8) + 256);
  }
  if (i < n) {
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse = rowMultiplier(scales, row, reciprocals);
    if (!scalesDownExactlyBy28(inverse)) return i;
    if (readAhead) readAheadRowAndScale(table, 32, scales, idx, i, last);
    int4Row(table + (row << 5), f32x4.splat(inverse * TWO_TO_MINUS_28), out + (i << 8));
    i++;
  }
  return i;
}

/** Reads ahead for position `i` of a grouped int4 table (32-byte rows), its steps and zero points. */
// @ts-ignore: decorator
@inline function readAheadGroupRow(table: usize, steps: usize, zeros: usize, idx: usize, i: usize, last: usize): void {
  readAheadRowAndScale(table, 32, steps, idx, i, last);
  touchRowsAheadInBursts(zeros, 1, idx, i, last);
}

/** One grouped int4 row (32 packed bytes at `src`) as (q - zero) * step into `dst`. */
// @ts-ignore: decorator
@inline function int4GroupRow(src: usize, step: f32, zeroPoint: i32, dst: usize): void {
  const down = f32x4.splat(step * TWO_TO_MINUS_24);
  const bias = i8x16.splat(<i8>(8 + zeroPoint));
  storePackedAtTop(v128.load(src), bias, down, dst);
  storePackedAtTop(v128.load(src, 16), bias, down, dst + 128);
}

/**
 * Grouped int4 rows of one group (32 packed bytes, one step and zero point a row: blocks of 64
 * columns or more) as (q - zero) * step from position `from`; see gatherInt4OneGroup.
 */
export function int4GroupRowsOf64(table: usize, steps: usize, zeros: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  let i = from;
  for (; i + 1 < n; i += 2) {
    const row = <usize>load<u32>(idx + (i << 2));
    const next = <usize>load<u32>(idx + (i << 2), 4);
    const step = load<f32>(steps + (row << 2));
    const zeroPoint = <i32>load<i8>(zeros + row);
    const nextStep = load<f32>(steps + (next << 2));
    const nextZeroPoint = <i32>load<i8>(zeros + next);
    if (!groupWidensExactly(step, zeroPoint) || !groupWidensExactly(nextStep, nextZeroPoint)) return i;
    if (readAhead) {
      readAheadGroupRow(table, steps, zeros, idx, i, last);
      readAheadGroupRow(table, steps, zeros, idx, i + 1, last);
    }
    int4GroupRow(table + (row << 5), step, zeroPoint, out + (i << 8));
    int4GroupRow(table + (next << 5), nextStep, nextZeroPoint, out + (i << 8) + 256);
  }
  if (i < n) {
    const row = <usize>load<u32>(idx + (i << 2));
    const step = load<f32>(steps + (row << 2));
    const zeroPoint = <i32>load<i8>(zeros + row);
    if (!groupWidensExactly(step, zeroPoint)) return i;
    if (readAhead) readAheadGroupRow(table, steps, zeros, idx, i, last);
    int4GroupRow(table + (row << 5), step, zeroPoint, out + (i << 8));
    i++;
  }
  return i;
}

/** float16 rows (128 bytes) without infinities or NaNs, widened, from position `from`; see gatherFloat16. */
export function float16RowsOf64(table: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  const high = i16x8.splat(<i16>0x8fff);
  const rebias = f32x4.splat(REBIAS);
  const specialFrom = i16x8.splat(<i16>0xf800);
  let i = from;
  for (; i < n; i++) {
    // The read-ahead goes first here, as in gatherFloat16: the row's own loads decide whether it
    // leaves, and a row that does gets a second burst from the general loop (rare and harmless).
    if (readAhead) touchRowsAheadInBursts(table, 128, idx, i, last);
    const src = table + (<usize>load<u32>(idx + (i << 2)) << 7);
    const v0 = v128.load(src);
    const v1 = v128.load(src, 16);
    const v2 = v128.load(src, 32);
    const v3 = v128.load(src, 48);
    const v4 = v128.load(src, 64);
    const v5 = v128.load(src, 80);
    const v6 = v128.load(src, 96);
    const v7 = v128.load(src, 112);
    const largest = i16x8.max_u(
      i16x8.max_u(i16x8.max_u(withoutSign(v0), withoutSign(v1)), i16x8.max_u(withoutSign(v2), withoutSign(v3))),
      i16x8.max_u(i16x8.max_u(withoutSign(v4), withoutSign(v5)), i16x8.max_u(withoutSign(v6), withoutSign(v7))),
    );
    if (v128.any_true(i16x8.ge_u(largest, specialFrom))) break;
    const dst = out + (i << 8);
    storeFiniteHalves(v0, high, rebias, dst);
    storeFiniteHalves(v1, high, rebias, dst + 32);
    storeFiniteHalves(v2, high, rebias, dst + 64);
    storeFiniteHalves(v3, high, rebias, dst + 96);
    storeFiniteHalves(v4, high, rebias, dst + 128);
    storeFiniteHalves(v5, high, rebias, dst + 160);
    storeFiniteHalves(v6, high, rebias, dst + 192);
    storeFiniteHalves(v7, high, rebias, dst + 224);
  }
  return i;
}
