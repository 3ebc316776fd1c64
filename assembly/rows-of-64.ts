// Straight-line forms of the stored-table gathers for rows of 64 columns, a common embedding width
// (the lookup benches' 1000x64, 10000x64 and 1000000x64 tables). At that width the general loops'
// per-row bookkeeping (loop bounds, the tail checks after the vector loops, the plain-path
// multiplier) is a large share of a row's work, and float32 lookups copy such rows straight-line
// (gather-widths.ts); these loops do the same for the dequantizing and widening paths.
//
// Each function takes rows from `from` on while they take the fast path, and returns the position
// of the first row that does not (or n): a row whose multiplier cannot be pre-divided exactly
// (exact-scaling.ts), a grouped row whose zero point is outside Keras' range, a float16 row holding
// an infinity or a NaN. The caller runs its general loop on that row and calls back for the rest,
// so every row gets the same bits as on the general path. The read-ahead (gather-ahead.ts) runs
// once per position on either side: a quantized row is checked (its scale or step) before its
// read-ahead here; the float16 function runs the burst before reading the row, so a float16 row
// that leaves gets its burst twice.
import { touchRowsAheadInBursts } from "./gather-ahead";
import {
  TWO_TO_MINUS_24, TWO_TO_MINUS_28, groupWidensExactly, scalesDownExactly, scalesDownExactlyBy28, storeBytesAtTop, storeNibblesAtTop, storePackedAtTop,
} from "./exact-scaling";
import { REBIAS, storeFiniteHalves, withoutSign } from "./half";

/** int8 rows (64 bytes) times f32(1 / scale) from position `from` of the batch; see gatherInt8. */
export function int8RowsOf64(table: usize, scales: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  let i = from;
  for (; i < n; i++) {
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse: f32 = <f32>1 / load<f32>(scales + (row << 2));
    if (!scalesDownExactly(inverse)) break;
    if (readAhead) {
      touchRowsAheadInBursts(table, 64, idx, i, last);
      touchRowsAheadInBursts(scales, 4, idx, i, last);
    }
    const down = f32x4.splat(inverse * TWO_TO_MINUS_24);
    const src = table + (row << 6);
    const dst = out + (i << 8);
    const a = v128.load(src);
    const b = v128.load(src, 16);
    const c = v128.load(src, 32);
    const d = v128.load(src, 48);
    storeBytesAtTop(a, down, dst);
    storeBytesAtTop(b, down, dst + 64);
    storeBytesAtTop(c, down, dst + 128);
    storeBytesAtTop(d, down, dst + 192);
  }
  return i;
}

/** Per-row int4 rows (32 packed bytes) times f32(1 / scale) from position `from`; see gatherInt4. */
export function int4RowsOf64(table: usize, scales: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  let i = from;
  for (; i < n; i++) {
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse: f32 = <f32>1 / load<f32>(scales + (row << 2));
    if (!scalesDownExactlyBy28(inverse)) break;
    if (readAhead) {
      touchRowsAheadInBursts(table, 32, idx, i, last);
      touchRowsAheadInBursts(scales, 4, idx, i, last);
    }
    const down = f32x4.splat(inverse * TWO_TO_MINUS_28);
    const src = table + (row << 5);
    const dst = out + (i << 8);
    const a = v128.load(src);
    const b = v128.load(src, 16);
    storeNibblesAtTop(a, down, dst);
    storeNibblesAtTop(b, down, dst + 128);
  }
  return i;
}

/**
 * Grouped int4 rows of one group (32 packed bytes, one step and zero point a row: blocks of 64
 * columns or more) as (q - zero) * step from position `from`; see gatherInt4OneGroup.
 */
export function int4GroupRowsOf64(table: usize, steps: usize, zeros: usize, idx: usize, from: usize, n: usize, out: usize, readAhead: bool): usize {
  const last = n - 1;
  let i = from;
  for (; i < n; i++) {
    const row = <usize>load<u32>(idx + (i << 2));
    const step = load<f32>(steps + (row << 2));
    const zeroPoint = <i32>load<i8>(zeros + row);
    if (!groupWidensExactly(step, zeroPoint)) break;
    if (readAhead) {
      touchRowsAheadInBursts(table, 32, idx, i, last);
      touchRowsAheadInBursts(steps, 4, idx, i, last);
      touchRowsAheadInBursts(zeros, 1, idx, i, last);
    }
    const down = f32x4.splat(step * TWO_TO_MINUS_24);
    const bias = i8x16.splat(<i8>(8 + zeroPoint));
    const src = table + (row << 5);
    const dst = out + (i << 8);
    const a = v128.load(src);
    const b = v128.load(src, 16);
    storePackedAtTop(a, bias, down, dst);
    storePackedAtTop(b, bias, down, dst + 128);
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
