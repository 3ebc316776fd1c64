// Reading ahead in a gather. WebAssembly has no prefetch instruction, so the gathers load one word
// of the row they will copy ROWS_AHEAD rows later and drop it: the load starts that row's cache miss
// while the current row is copied, so several rows' misses overlap instead of one row's at a time.
// One word is enough: touching every line of the row measured no faster (the hardware prefetchers
// follow the first line). Binaryen keeps a dropped load because it may trap (see kernel.wat), and
// the measured gain (bench/README.md, "Row-copy experiment") shows V8 keeps it too.

/** How many rows ahead of the copy the read-ahead runs. */
const ROWS_AHEAD: usize = 8;

/** The byte offset of row idx[min(i + ROWS_AHEAD, last)] (indices already checked). */
// @ts-ignore: decorator
@inline export function rowAheadOffset(rowBytes: usize, idx: usize, i: usize, last: usize): usize {
  const ahead = i + ROWS_AHEAD < last ? i + ROWS_AHEAD : last;
  return <usize>load<u32>(idx + (ahead << 2)) * rowBytes;
}

/** Loads the first word of row idx[min(i + ROWS_AHEAD, last)] of `table` and drops it. */
// @ts-ignore: decorator
@inline export function touchRowAhead(table: usize, rowBytes: usize, idx: usize, i: usize, last: usize): void {
  load<u32>(table + rowAheadOffset(rowBytes, idx, i, last));
}

/**
 * Every ROWS_AHEAD rows, loads the first byte of each of the next ROWS_AHEAD rows after them
 * (rows idx[i + ROWS_AHEAD .. i + 2 * ROWS_AHEAD), clamped to `last`) and drops them. For the
 * gathers that do more work per row than a copy (dequantizing, widening): a dropped load still
 * holds its place in the reorder buffer until its miss is served, and one load per row spaced a
 * long row's work apart leaves only the few rows the buffer spans with misses in flight; issued
 * together, the eight misses overlap. Straight-line away from the end of the batch (no clamp).
 */
// @ts-ignore: decorator
@inline export function touchRowsAheadInBursts(table: usize, rowBytes: usize, idx: usize, i: usize, last: usize): void {
  if ((i & (ROWS_AHEAD - 1)) == 0) {
    if (i + (ROWS_AHEAD << 1) <= last) {
      // ROWS_AHEAD (eight) loads, written out.
      const at = idx + ((i + ROWS_AHEAD) << 2);
      load<u8>(table + <usize>load<u32>(at) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 4) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 8) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 12) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 16) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 20) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 24) * rowBytes);
      load<u8>(table + <usize>load<u32>(at, 28) * rowBytes);
    } else {
      for (let k: usize = i + ROWS_AHEAD; k < i + (ROWS_AHEAD << 1); k++) {
        load<u8>(table + <usize>load<u32>(idx + ((k < last ? k : last) << 2)) * rowBytes);
      }
    }
  }
}

/**
 * Tables up to this many bytes are read without reading ahead. Such a table stays in the L2 cache
 * between lookups, so there are no misses to overlap, and the bursts' scalar work (an index load,
 * a multiply and a load per row, per array) is a large share of a dequantizing row's cost at small
 * widths (bench/README.md, "Against float32, paired").
 */
export const RESIDENT_BYTES: usize = 256 << 10;

/** True when a table of `rows` rows of `rowBytes` bytes is larger than RESIDENT_BYTES, so reading ahead pays. */
// @ts-ignore: decorator
@inline export function worthReadingAhead(rows: u32, rowBytes: usize): bool {
  return <u64>rows * <u64>rowBytes > <u64>RESIDENT_BYTES;
}

/**
 * Tables larger than this are gathered in touched chunks (gather.ts, bag.ts). Below it the rows mostly
 * come from L2 or L3, whose latency the reorder buffer hides; there a separate pass of loads costs
 * 1.1-1.3x the time of copying each row as it is reached (256- and 1200-byte rows, 0.5-8 MiB tables).
 * From 16 MiB on, with rows fresh on every call, the touched chunks take 0.65-0.9x.
 */
export const FAR_TABLE_BYTES: u64 = 16 << 20;

/** True when a float32 table of `rows` rows of `rowBytes` bytes is larger than FAR_TABLE_BYTES. */
// @ts-ignore: decorator
@inline export function readsInTouchedChunks(rows: u32, rowBytes: usize): bool {
  return <u64>rows * <u64>rowBytes > FAR_TABLE_BYTES;
}

/**
 * The same for a quantized or 16-bit table, whose rows must also span more than one cache line:
 * rows of one line (64 int8 or 128 int4 columns, 32 halves) have one miss each, which the bursts
 * of touchRowsAheadInBursts already overlap, and touching their scales and zero points chunk by
 * chunk added more work than it saved (grouped int4 at 64 columns, 1,000,000 rows: 1.3-1.5x the
 * float32 lookup's time, against 1.06x with the bursts).
 */
// @ts-ignore: decorator
@inline export function readsStoredInTouchedChunks(rows: u32, rowBytes: usize): bool {
  return rowBytes > 64 && readsInTouchedChunks(rows, rowBytes);
}

/**
 * Cache lines' worth of bytes a far gather reads ahead at a time (gather.ts): the rows of one chunk
 * are touched, then copied. 32 KiB stays in the 48 KiB L1 data cache this was measured on until the
 * copy reads it; chunks of 16 KiB were slower with 256-byte and 1200-byte rows, 64 KiB no faster.
 */
export const TOUCHED_CHUNK_BYTES: usize = 32 << 10;

/** The 64-byte lines a row of `rowBytes` bytes fills (one more when it starts mid-line). */
// @ts-ignore: decorator
@inline export function linesOf(rowBytes: usize): usize {
  return (rowBytes + 63) >> 6;
}

/**
 * Rows in one touched chunk (at least one) when each row's lookup touches `lines` cache lines (its
 * row, and its scale or steps and zero points: a 4-byte scale costs a whole line).
 */
// @ts-ignore: decorator
@inline export function touchedChunkRows(lines: usize): usize {
  const rows = (TOUCHED_CHUNK_BYTES >> 6) / lines;
  return rows > 0 ? rows : 1;
}

/**
 * Loads one byte of every cache line of rows idx[0..m) of `table` and drops them. A loop of loads
 * alone keeps a cache miss going for each line the reorder buffer spans, far more than a copy can,
 * whose stores fill the store queue within a few rows while the oldest miss blocks retirement. So
 * the fewer instructions per line the better: rows of up to 9 lines take straight-line loads (one
 * jump per row picks how many), wider rows a loop of four loads. The loads are at 64-byte steps
 * from the row's start plus one at its last byte, which together fall in every line the row spans;
 * a row that starts on a line boundary and fills whole lines needs no step in its last line.
 */
// @ts-ignore: decorator
@inline export function touchRows(table: usize, rowBytes: usize, idx: usize, m: usize): void {
  const aligned = ((table | rowBytes) & 63) == 0;
  const steps = aligned ? (rowBytes >> 6) - 1 : (rowBytes + 63) >> 6;
  const lastByte = rowBytes - 1;
  if (steps <= 8) {
    for (let i: usize = 0; i < m; i++) {
      const row = table + <usize>load<u32>(idx + (i << 2)) * rowBytes;
      // Falls through: `steps` loads at 64-byte steps.
      switch (<u32>steps) {
        case 8: load<u8>(row, 448);
        case 7: load<u8>(row, 384);
        case 6: load<u8>(row, 320);
        case 5: load<u8>(row, 256);
        case 4: load<u8>(row, 192);
        case 3: load<u8>(row, 128);
        case 2: load<u8>(row, 64);
        case 1: load<u8>(row);
        default:
      }
      load<u8>(row + lastByte);
    }
    return;
  }
  const stepBytes = steps << 6;
  const fourStepBytes = stepBytes & ~(<usize>255);
  for (let i: usize = 0; i < m; i++) {
    const row = table + <usize>load<u32>(idx + (i << 2)) * rowBytes;
    let b: usize = 0;
    for (; b < fourStepBytes; b += 256) {
      load<u8>(row + b);
      load<u8>(row + b, 64);
      load<u8>(row + b, 128);
      load<u8>(row + b, 192);
    }
    for (; b < stepBytes; b += 64) load<u8>(row + b);
    load<u8>(row + lastByte);
  }
}
