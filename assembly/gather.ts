// Row gather: out[i, :] = table[idx[i], :]. Indices must already be checked (see indices.ts).
import { gatherFixedWidth } from "./gather-widths";
import { touchRowAhead } from "./gather-ahead";

/** Rows at least this many bytes wide are copied with `memory.copy` (one bulk-memory call per row);
 *  narrower rows with straight-line v128 copies for common widths (gather-widths.ts) or an inline,
 *  4x-unrolled v128 loop, which avoid memory.copy's per-call overhead. Measured in bench/lookup/row-copy.mjs:
 *  the v128 loop is 1.2-1.9x faster up to 512-byte rows, memory.copy on par from 768 bytes. */
const BULK_COPY_MIN_ROW_BYTES: usize = 1024;

/**
 * Copies `n` rows of `dim` float32s from `table` into `out`, row `i` of `out` being row `idx[i]`
 * of the table. Called by the wrapper after `firstOutOfRange` returned `n`. Returns `out`.
 */
export function gatherRows(table: usize, dim: u32, idx: usize, n: u32, out: usize): usize {
  const rowBytes = <usize>dim << 2;
  if (rowBytes == 4) {
    // One float per row: a plain 32-bit copy each.
    for (let i: usize = 0; i < <usize>n; i++) {
      store<u32>(out + (i << 2), load<u32>(table + (<usize>load<u32>(idx + (i << 2)) << 2)));
    }
    return out;
  }
  if (rowBytes < BULK_COPY_MIN_ROW_BYTES && gatherFixedWidth(table, dim, idx, n, out)) return out;
  if (rowBytes >= BULK_COPY_MIN_ROW_BYTES) {
    const last = <usize>n - 1;
    for (let i: usize = 0; i < <usize>n; i++) {
      touchRowAhead(table, rowBytes, idx, i, last);
      memory.copy(out + i * rowBytes, table + <usize>load<u32>(idx + (i << 2)) * rowBytes, rowBytes);
    }
    return out;
  }
  const blockBytes = rowBytes & ~(<usize>63);
  const vecBytes = rowBytes & ~(<usize>15);
  const last = <usize>n - 1;
  for (let i: usize = 0; i < <usize>n; i++) {
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
  return out;
}
