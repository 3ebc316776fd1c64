// Gathers that dequantize quantized tables row by row, as Keras 3's Embedding lookups do
// (keras/src/layers/core/embedding.py, _int8_call and _int4_call; packing in
// keras/src/quantizers/quantizers.py, pack_int4: column 2k in the low nibble of byte k, 2k + 1 in
// the high one, two's complement). Indices must already be checked (see indices.ts).
//
// Per-row (int8, per-channel int4) tables hold Keras' scale, the multiplier from float to integer
// (127 / amax); Keras divides by it, and on its JAX backend XLA turns that division into a multiply
// by the float32 reciprocal: value = f32(q) * f32(1 / scale). That is what is computed here.
// Grouped int4 holds the step and a zero point per (row, group): value = (f32(q) - f32(zero)) * step.
//
// The fast paths widen bytes and nibbles at the top of 32-bit lanes with a pre-divided multiplier
// where that rounds exactly as the formula (exact-scaling.ts); other rows and groups take the plain
// path. At 64 columns, rows go through the straight-line loops of rows-of-64.ts first.
import { linesOf, readsStoredInTouchedChunks, touchedChunkRows, touchRows, touchRowsAheadInBursts, worthReadingAhead } from "./gather-ahead";
import {
  TWO_TO_MINUS_24, TWO_TO_MINUS_28, groupWidensExactly, rowMultiplier, scalesDownExactly, scalesDownExactlyBy28, storeBytesAtTop, storeNibblesAtTop, storePackedAtTop,
} from "./exact-scaling";
import { int4GroupRowsOf64, int4RowsOf64, int8RowsOf64 } from "./rows-of-64";

/** Sixteen signed bytes as floats times `mul`, stored at `dst` (64 bytes): the plain path. */
// @ts-ignore: decorator
@inline function storeScaledBytes(bytes: v128, mul: v128, dst: usize): void {
  const lo = i16x8.extend_low_i8x16_s(bytes);
  const hi = i16x8.extend_high_i8x16_s(bytes);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), mul));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), mul), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), mul), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), mul), 48);
}

/**
 * Eight packed bytes at `src` unpacked to sixteen signed nibbles, in column order, sign-extended
 * as (n ^ 8) - 8.
 */
// @ts-ignore: decorator
@inline function unpackNibbles(src: usize): v128 {
  const packed = v128.load64_zero(src);
  const mask = i8x16.splat(0x0f);
  const low = v128.and(packed, mask);
  const high = v128.and(i16x8.shr_u(packed, 4), mask);
  const nibbles = i8x16.shuffle(low, high, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const eight = i8x16.splat(8);
  return i8x16.sub(v128.xor(nibbles, eight), eight);
}

/** Column `j` of a packed int4 row at `src`, sign-extended. */
// @ts-ignore: decorator
@inline function nibble(src: usize, j: u32): i32 {
  const byte = <i32>load<i8>(src + (<usize>j >> 1));
  return (j & 1) != 0 ? byte >> 4 : (byte << 28) >> 28;
}

/**
 * out[i, :] = f32(table[idx[i], :]) * f32(1 / scales[idx[i]]) for an int8 table of `dim` columns
 * (one byte each) and a float32 scale per row (one column: divided, see dividedColumn). Far tables
 * (readsStoredInTouchedChunks) are read in touched chunks of rows and scales, as gatherRows reads
 * float32 tables. Returns `out`.
 */
export function gatherInt8(table: usize, scales: usize, rows: u32, dim: u32, idx: usize, n: u32, out: usize): usize {
  if (dim == 1) return dividedColumn(table, scales, idx, n, out, false);
  const rowBytes = <usize>dim;
  if (!readsStoredInTouchedChunks(rows, rowBytes)) return int8Rows(table, scales, dim, idx, n, out, 0, worthReadingAhead(rows, rowBytes));
  return scaledRowsInTouchedChunks(int8Rows, table, scales, rowBytes, dim, idx, n, out, 0);
}

/**
 * Dequantizes rows idx[0..n) of a table with one scale per row into out; reads rows ahead in bursts
 * when `readAhead`. `reciprocals`: see gatherInt4 (int8 ignores it).
 */
type ScaledRows = (table: usize, scales: usize, dim: u32, idx: usize, n: u32, out: usize, reciprocals: u32, readAhead: bool) => usize;

/**
 * `dequantize` on rows idx[0..n) of a far table of `rowBytes`-byte rows, a touched chunk (rows and
 * scales) at a time. Returns `out`.
 */
function scaledRowsInTouchedChunks(dequantize: ScaledRows, table: usize, scales: usize, rowBytes: usize, dim: u32, idx: usize, n: u32, out: usize, reciprocals: u32): usize {
  const chunk = touchedChunkRows(linesOf(rowBytes) + 1);
  for (let first: usize = 0; first < <usize>n; first += chunk) {
    const m = <usize>n - first < chunk ? <usize>n - first : chunk;
    const at = idx + (first << 2);
    touchRows(table, rowBytes, at, m);
    touchRows(scales, 4, at, m);
    dequantize(table, scales, dim, at, <u32>m, out + first * (<usize>dim << 2), reciprocals, false);
  }
  return out;
}

/** gatherInt8 on rows idx[0..n) (dim > 1), reading rows ahead in bursts when `readAhead` (a ScaledRows). */
function int8Rows(table: usize, scales: usize, dim: u32, idx: usize, n: u32, out: usize, reciprocals: u32, readAhead: bool): usize {
  const rowBytes = <usize>dim;
  const last = <usize>n - 1;
  const pairs = dim & ~31;
  const vectors = dim & ~15;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (dim == 64) {
      // Straight-line rows while they take the fast path; this loop takes the row that does not.
      i = int8RowsOf64(table, scales, idx, i, n, out, readAhead);
      if (i == <usize>n) break;
    }
    if (readAhead) {
      touchRowsAheadInBursts(table, rowBytes, idx, i, last);
      // The scales are read at random too (4 MB for a million rows): read ahead the same rows'.
      touchRowsAheadInBursts(scales, 4, idx, i, last);
    }
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse: f32 = <f32>1 / load<f32>(scales + (row << 2));
    const src = table + row * rowBytes;
    const dst = out + i * (rowBytes << 2);
    let j: u32 = 0;
    if (scalesDownExactly(inverse)) {
      const down = f32x4.splat(inverse * TWO_TO_MINUS_24);
      for (; j < pairs; j += 32) {
        const a = v128.load(src + j);
        const b = v128.load(src + j, 16);
        storeBytesAtTop(a, down, dst + (<usize>j << 2));
        storeBytesAtTop(b, down, dst + (<usize>j << 2) + 64);
      }
      for (; j < vectors; j += 16) storeBytesAtTop(v128.load(src + j), down, dst + (<usize>j << 2));
    }
    const mul = f32x4.splat(inverse);
    for (; j + 16 <= dim; j += 16) storeScaledBytes(v128.load(src + j), mul, dst + (<usize>j << 2));
    for (; j + 4 <= dim; j += 4) {
      const q = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(src + j)));
      v128.store(dst + (<usize>j << 2), f32x4.mul(f32x4.convert_i32x4_s(q), mul));
    }
    for (; j < dim; j++) store<f32>(dst + (<usize>j << 2), <f32>load<i8>(src + j) * inverse);
  }
  return out;
}

/**
 * A one-column table with one scale per row: out[i] = f32(q) / scales[idx[i]]. Keras divides by
 * the row's scale; on JAX, XLA turns the division into a multiply by the reciprocal only when the
 * scale is broadcast over two or more columns (the general loops), so one column divides (the two
 * differ in the last bit). int4 keeps the value in the low nibble of the row's byte. Returns `out`.
 */
function dividedColumn(table: usize, scales: usize, idx: usize, n: u32, out: usize, int4: bool): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    const row = <usize>load<u32>(idx + (i << 2));
    const byte = <i32>load<i8>(table + row);
    const q = int4 ? (byte << 28) >> 28 : byte;
    store<f32>(out + (i << 2), <f32>q / load<f32>(scales + (row << 2)));
  }
  return out;
}

/**
 * out[i, :] = f32(q) * f32(1 / scales[idx[i]]) for a packed int4 table (ceil(dim / 2) bytes a
 * row) with one float32 scale per row (Keras' per-channel int4; one column: divided, see
 * dividedColumn). With `reciprocals` set, `scales` holds the multipliers themselves (a float16
 * policy's reciprocals, rounded to float16 as XLA computes them there). Far tables
 * (readsStoredInTouchedChunks) are read in touched chunks of rows and scales. Returns `out`.
 */
export function gatherInt4(table: usize, scales: usize, rows: u32, dim: u32, idx: usize, n: u32, out: usize, reciprocals: u32): usize {
  if (dim == 1) return dividedColumn(table, scales, idx, n, out, true);
  const rowBytes = <usize>((dim + 1) >> 1);
  if (!readsStoredInTouchedChunks(rows, rowBytes)) return int4Rows(table, scales, dim, idx, n, out, reciprocals, worthReadingAhead(rows, rowBytes));
  return scaledRowsInTouchedChunks(int4Rows, table, scales, rowBytes, dim, idx, n, out, reciprocals);
}

/** gatherInt4 on rows idx[0..n) (dim > 1), reading rows ahead in bursts when `readAhead` (a ScaledRows). */
function int4Rows(table: usize, scales: usize, dim: u32, idx: usize, n: u32, out: usize, reciprocals: u32, readAhead: bool): usize {
  const rowBytes = <usize>((dim + 1) >> 1);
  const last = <usize>n - 1;
  const pairs = dim & ~63;
  const vectors = dim & ~31;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (dim == 64) {
      i = int4RowsOf64(table, scales, idx, i, n, out, readAhead, reciprocals);
      if (i == <usize>n) break;
    }
    if (readAhead) {
      touchRowsAheadInBursts(table, rowBytes, idx, i, last);
      // The scales are read at random too (4 MB for a million rows): read ahead the same rows'.
      touchRowsAheadInBursts(scales, 4, idx, i, last);
    }
    const row = <usize>load<u32>(idx + (i << 2));
    const inverse = rowMultiplier(scales, row, reciprocals);
    const src = table + row * rowBytes;
    const dst = out + i * (<usize>dim << 2);
    let j: u32 = 0;
    if (scalesDownExactlyBy28(inverse)) {
      const down = f32x4.splat(inverse * TWO_TO_MINUS_28);
      for (; j < pairs; j += 64) {
        const a = v128.load(src + (<usize>j >> 1));
        const b = v128.load(src + (<usize>j >> 1), 16);
        storeNibblesAtTop(a, down, dst + (<usize>j << 2));
        storeNibblesAtTop(b, down, dst + (<usize>j << 2) + 128);
      }
      for (; j < vectors; j += 32) storeNibblesAtTop(v128.load(src + (<usize>j >> 1)), down, dst + (<usize>j << 2));
    }
    const mul = f32x4.splat(inverse);
    for (; j + 16 <= dim; j += 16) storeScaledBytes(unpackNibbles(src + (<usize>j >> 1)), mul, dst + (<usize>j << 2));
    for (; j < dim; j++) store<f32>(dst + (<usize>j << 2), <f32>nibble(src, j) * inverse);
  }
  return out;
}

/**
 * Columns j0..end of one row of a grouped int4 table: (f32(q) - f32(zero)) * step, with the row's
 * packed bytes at `src` and its output at `dst`. Returns `end`.
 */
// @ts-ignore: decorator
@inline function dequantizeGroup(src: usize, dst: usize, j0: u32, end: u32, step: f32, zeroPoint: i32): u32 {
  let j = j0;
  const zero = <f32>zeroPoint;
  // A group may start on an odd column (odd block sizes): the vector loops need whole bytes.
  if ((j & 1) != 0 && j < end) {
    store<f32>(dst + (<usize>j << 2), (<f32>nibble(src, j) - zero) * step);
    j++;
  }
  // q - zero fits a byte when the zero point is in Keras' range [-8, 7]; then it is taken exactly as bytes.
  const inRange = <u32>(zeroPoint + 8) <= 15;
  if (groupWidensExactly(step, zeroPoint)) {
    const down = f32x4.splat(step * TWO_TO_MINUS_24);
    const bias = i8x16.splat(<i8>(8 + zeroPoint));
    for (; j + 64 <= end; j += 64) {
      const a = v128.load(src + (<usize>j >> 1));
      const b = v128.load(src + (<usize>j >> 1), 16);
      storePackedAtTop(a, bias, down, dst + (<usize>j << 2));
      storePackedAtTop(b, bias, down, dst + (<usize>j << 2) + 128);
    }
    for (; j + 32 <= end; j += 32) storePackedAtTop(v128.load(src + (<usize>j >> 1)), bias, down, dst + (<usize>j << 2));
  }
  if (inRange) {
    const mul = f32x4.splat(step);
    const zeroBytes = i8x16.splat(<i8>zeroPoint);
    for (; j + 16 <= end; j += 16) storeScaledBytes(i8x16.sub(unpackNibbles(src + (<usize>j >> 1)), zeroBytes), mul, dst + (<usize>j << 2));
  }
  for (; j < end; j++) store<f32>(dst + (<usize>j << 2), (<f32>nibble(src, j) - zero) * step);
  return j;
}

/**
 * out[i, j] = (f32(q[r, j]) - f32(zeros[r, g])) * steps[r, g], r = idx[i], g = floor(j / block),
 * for a packed int4 table with `groups` = ceil(dim / block) float32 steps and int8 zero points a
 * row (Keras' sub-channel int4, dequantize_with_sz_map). Far tables (readsStoredInTouchedChunks)
 * are read in touched chunks of rows, steps and zero points. Returns `out`.
 */
export function gatherInt4Grouped(table: usize, steps: usize, zeros: usize, rows: u32, dim: u32, block: u32, groups: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>((dim + 1) >> 1);
  if (!readsStoredInTouchedChunks(rows, rowBytes)) return int4GroupedRows(table, steps, zeros, dim, block, groups, idx, n, out, worthReadingAhead(rows, rowBytes));
  const chunk = touchedChunkRows(linesOf(rowBytes) + linesOf(<usize>groups << 2) + linesOf(<usize>groups));
  for (let first: usize = 0; first < <usize>n; first += chunk) {
    const m = <usize>n - first < chunk ? <usize>n - first : chunk;
    const at = idx + (first << 2);
    touchRows(table, rowBytes, at, m);
    touchRows(steps, <usize>groups << 2, at, m);
    touchRows(zeros, <usize>groups, at, m);
    int4GroupedRows(table, steps, zeros, dim, block, groups, at, <u32>m, out + first * (<usize>dim << 2), false);
  }
  return out;
}

/** gatherInt4Grouped on rows idx[0..n), reading rows ahead in bursts when `readAhead`. */
function int4GroupedRows(table: usize, steps: usize, zeros: usize, dim: u32, block: u32, groups: u32, idx: usize, n: u32, out: usize, readAhead: bool): usize {
  // Rows no wider than a block (Keras' default of 128 columns covers most tables) are one group:
  // a loop without the group loop inside it, which keeps fewer values live (measured faster).
  if (groups == 1) return int4OneGroupRows(table, steps, zeros, dim, idx, n, out, readAhead);
  const rowBytes = <usize>((dim + 1) >> 1);
  const last = <usize>n - 1;
  const groupBytes = <usize>groups << 2;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (readAhead) {
      touchRowsAheadInBursts(table, rowBytes, idx, i, last);
      touchRowsAheadInBursts(steps, groupBytes, idx, i, last);
      touchRowsAheadInBursts(zeros, <usize>groups, idx, i, last);
    }
    const row = <usize>load<u32>(idx + (i << 2));
    const src = table + row * rowBytes;
    const dst = out + i * (<usize>dim << 2);
    const groupBase = row * <usize>groups;
    let j: u32 = 0;
    for (let g: u32 = 0; g < groups; g++) {
      const end = j + block < dim ? j + block : dim;
      j = dequantizeGroup(src, dst, j, end, load<f32>(steps + ((groupBase + g) << 2)), <i32>load<i8>(zeros + groupBase + g));
    }
  }
  return out;
}

/** int4GroupedRows for rows of one group (one step and one zero point a row). */
function int4OneGroupRows(table: usize, steps: usize, zeros: usize, dim: u32, idx: usize, n: u32, out: usize, readAhead: bool): usize {
  const rowBytes = <usize>((dim + 1) >> 1);
  const last = <usize>n - 1;
  const blocks = dim & ~63;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (dim == 64) {
      i = int4GroupRowsOf64(table, steps, zeros, idx, i, n, out, readAhead);
      if (i == <usize>n) break;
    }
    if (readAhead) {
      touchRowsAheadInBursts(table, rowBytes, idx, i, last);
      touchRowsAheadInBursts(steps, 4, idx, i, last);
      touchRowsAheadInBursts(zeros, 1, idx, i, last);
    }
    const row = <usize>load<u32>(idx + (i << 2));
    const src = table + row * rowBytes;
    const dst = out + i * (<usize>dim << 2);
    const step = load<f32>(steps + (row << 2));
    const zeroPoint = <i32>load<i8>(zeros + row);
    let j: u32 = 0;
    // The whole 64-column blocks of an ordinary row straight away, without dequantizeGroup's
    // per-call checks (a large share of a row's work at 64 columns); it takes the rest.
    if (groupWidensExactly(step, zeroPoint)) {
      const down = f32x4.splat(step * TWO_TO_MINUS_24);
      const bias = i8x16.splat(<i8>(8 + zeroPoint));
      for (; j < blocks; j += 64) {
        const a = v128.load(src + (<usize>j >> 1));
        const b = v128.load(src + (<usize>j >> 1), 16);
        storePackedAtTop(a, bias, down, dst + (<usize>j << 2));
        storePackedAtTop(b, bias, down, dst + (<usize>j << 2) + 128);
      }
    }
    if (j < dim) dequantizeGroup(src, dst, j, dim, step, zeroPoint);
  }
  return out;
}
