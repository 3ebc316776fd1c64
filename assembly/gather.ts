// Row gather: out[i, :] = table[idx[i], :]. Indices must already be checked (see indices.ts).
import { gatherFixedWidth } from "./gather-widths";
import { linesOf, readsInTouchedChunks, touchedChunkRows, touchRowAhead, touchRows } from "./gather-ahead";

/** Rows at least this many bytes wide are copied with `memory.copy` (one bulk-memory call per row)
 *  from tables of up to FAR_TABLE_BYTES (gather-ahead.ts); narrower rows with straight-line v128
 *  copies for common widths (gather-widths.ts) or an inline, 4x-unrolled v128 loop, which avoid
 *  memory.copy's per-call overhead. Measured in bench/lookup/row-copy.mjs: the v128 loop is
 *  1.2-1.9x faster up to 512-byte rows, memory.copy on par from 768 bytes. Rows a far gather has
 *  just touched are in L1, where the v128 loop is faster at every width. */
const BULK_COPY_MIN_ROW_BYTES: usize = 1024;

/**
 * Copies `n` rows of `dim` float32s from `table` (`rows` rows) into `out`, row `i` of `out` being
 * row `idx[i]` of the table. Called by the wrapper after `firstOutOfRange` returned `n`. Returns `out`.
 *
 * A table larger than FAR_TABLE_BYTES (gather-ahead.ts) is read in chunks of TOUCHED_CHUNK_BYTES
 * of rows: every cache line of a chunk's rows is loaded first, with nothing stored, so their misses
 * all overlap, then the chunk is copied out of L1. WebAssembly has no prefetch instruction; from
 * DRAM this takes 0.4-0.65x the time of copying each row as it is reached with one word read eight
 * rows ahead, and 0.84-1.34x a native C gather's (bench/README.md, "DRAM suite").
 */
export function gatherRows(table: usize, rows: u32, dim: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>dim << 2;
  if (!readsInTouchedChunks(rows, rowBytes)) {
    copyRows(table, rowBytes, idx, <usize>n, out, rowBytes >= BULK_COPY_MIN_ROW_BYTES);
    return out;
  }
  const chunk = touchedChunkRows(linesOf(rowBytes));
  for (let first: usize = 0; first < <usize>n; first += chunk) {
    const m = <usize>n - first < chunk ? <usize>n - first : chunk;
    const at = idx + (first << 2);
    touchRows(table, rowBytes, at, m);
    copyRows(table, rowBytes, at, m, out + first * rowBytes, false);
  }
  return out;
}

/** Rows idx[0..n) of `table` into `out`; `bulk`: with one `memory.copy` per row. */
function copyRows(table: usize, rowBytes: usize, idx: usize, n: usize, out: usize, bulk: bool): void {
  if (rowBytes == 4) {
    // One float per row: a plain 32-bit copy each.
    for (let i: usize = 0; i < n; i++) {
      store<u32>(out + (i << 2), load<u32>(table + (<usize>load<u32>(idx + (i << 2)) << 2)));
    }
    return;
  }
  const last = n - 1;
  if (bulk) {
    for (let i: usize = 0; i < n; i++) {
      touchRowAhead(table, rowBytes, idx, i, last);
      memory.copy(out + i * rowBytes, table + <usize>load<u32>(idx + (i << 2)) * rowBytes, rowBytes);
    }
    return;
  }
  if (gatherFixedWidth(table, <u32>(rowBytes >> 2), idx, <u32>n, out)) return;
  const blockBytes = rowBytes & ~(<usize>63);
  const vecBytes = rowBytes & ~(<usize>15);
  for (let i: usize = 0; i < n; i++) {
    touchRowAhead(table, rowBytes, idx, i, last);
    const src = table + <usize>load<u32>(idx + (i << 2)) * rowBytes;
    const dst = out + i * rowBytes;
    let b: usize = 0;
    for (; b < blockBytes; b += 64) {
      const a0 = v128.load(src + b);
      const a1 = v128.load(src + b, 16);
      const a2 = v128.load(src + b, 32);
      const a3 = v128.load(src + b, 48);
      v128.store(dst + b, a0);
      v128.store(dst + b, a1, 16);
      v128.store(dst + b, a2, 32);
      v128.store(dst + b, a3, 48);
    }
    for (; b < vecBytes; b += 16) v128.store(dst + b, v128.load(src + b));
    for (; b < rowBytes; b += 4) store<u32>(dst + b, load<u32>(src + b));
  }
}
