// Reading ahead in a gather. WebAssembly has no prefetch instruction, so the gathers load one word
// of the row they will copy ROWS_AHEAD rows later and drop it: the load starts that row's cache miss
// while the current row is copied (the hardware prefetchers bring the rest of the row once its first
// line is requested), so several rows' misses overlap instead of one row's at a time. A load that
// may trap is never removed by Binaryen or V8, so the dropped load stays.

/** How many rows ahead of the copy the read-ahead runs. */
const ROWS_AHEAD: usize = 8;

/** Loads the first word of row idx[min(i + ROWS_AHEAD, last)] (indices already checked) and drops it. */
// @ts-ignore: decorator
@inline export function touchRowAhead(table: usize, rowBytes: usize, idx: usize, i: usize, last: usize): void {
  const ahead = i + ROWS_AHEAD < last ? i + ROWS_AHEAD : last;
  load<u32>(table + <usize>load<u32>(idx + (ahead << 2)) * rowBytes);
}
