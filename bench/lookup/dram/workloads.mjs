// The DRAM workloads: tables larger than the last-level cache, looked up with fresh random rows on
// every call. Each timed call takes the next of many precomputed index sets, which together cover
// several times the cache's bytes, so a row read by one call has left the cache before it comes
// round again. The table and the sets come from the seeded generator, with the seeds the native
// gather (bench/native/gather.c) uses, so both sides gather the same rows.
import { generator } from "../../shared/random.mjs";

/** Row widths measured (outputDim) and the rows per call (batch × sequence). */
export const DRAM_WORKLOADS = [
  { name: "dram-64", outputDim: 64, batch: 256, sequence: 64, note: "256-byte rows" },
  { name: "dram-300", outputDim: 300, batch: 32, sequence: 128, note: "word2vec-sized rows (1200 B)" },
];

export const QUICK_DRAM_WORKLOADS = ["dram-64"];

/** The table is at least this many times the last-level cache, and at least MIN_TABLE_BYTES. */
const TABLE_OVER_CACHE = 2;
const MIN_TABLE_BYTES = 256 << 20;
/** The layer keeps one memory of at most 2 GiB: the table stays well inside it. */
const MAX_TABLE_BYTES = 1536 << 20;
/** The index sets cover at least this many times the cache's bytes of rows. */
const SETS_OVER_CACHE = 4;

/** Table rows and index sets for a workload on a machine with a last-level cache of `cacheBytes`. */
export function dramShape(w, cacheBytes) {
  const rowBytes = w.outputDim * 4;
  const n = w.batch * w.sequence;
  const tableBytes = Math.min(MAX_TABLE_BYTES, Math.max(MIN_TABLE_BYTES, TABLE_OVER_CACHE * cacheBytes));
  const rows = Math.floor(tableBytes / rowBytes);
  const sets = Math.max(16, Math.ceil((SETS_OVER_CACHE * cacheBytes) / (n * rowBytes)));
  return { ...w, inputDim: rows, rows, dim: w.outputDim, n, sets, tableBytes: rows * rowBytes, setBytes: sets * n * rowBytes };
}

/** The table, as gather.c makes it: mulberry32 seeded from the shape, values in [-1, 1). */
export function makeTable(rows, dim) {
  const next = generator(0x7ab1e ^ rows ^ (dim << 20));
  const table = new Float32Array(rows * dim);
  for (let i = 0; i < table.length; i++) table[i] = next() * 2 - 1;
  return table;
}

/** Index set `s` (n indices, uniform over the rows), as gather.c makes it. */
export function makeIndexSet(rows, n, s) {
  const next = generator((0x1d5 ^ n ^ Math.imul(s, 0x9e3779b9)) >>> 0);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = Math.floor(next() * rows);
  return indices;
}

/** FNV-1a over the 32-bit words of `values`, as gather.c hashes its output. */
export function hashWords(values) {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 16777619);
  return h >>> 0;
}
