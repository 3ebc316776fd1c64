// The lookup workloads and the data every contender gets: one seeded table, one seeded index
// batch and the plain-JS reference output. Seeds are fixed so every run (and every contender)
// measures the same lookups.
import { generator } from "../shared/random.mjs";

/** inputDim × outputDim (the table), batch × sequence (the indices). The name is what --workloads takes. */
export const WORKLOADS = [
  { name: "1000x16", inputDim: 1000, outputDim: 16, batch: 1, sequence: 1, note: "per-call overhead" },
  { name: "1000x64", inputDim: 1000, outputDim: 64, batch: 32, sequence: 10, note: "README example size" },
  { name: "10000x64", inputDim: 10000, outputDim: 64, batch: 32, sequence: 128 },
  { name: "50000x128", inputDim: 50000, outputDim: 128, batch: 64, sequence: 256 },
  { name: "100000x300", inputDim: 100000, outputDim: 300, batch: 32, sequence: 128, note: "word2vec-sized" },
  { name: "30522x768", inputDim: 30522, outputDim: 768, batch: 8, sequence: 512, note: "BERT-base vocabulary" },
  { name: "1000000x64", inputDim: 1000000, outputDim: 64, batch: 256, sequence: 64, note: "256 MB table" },
];

/**
 * What --quick runs: the per-call case and the two cases the %-of-bound targets name. The large
 * tables are left out: making their data and loading them into every contender takes most of a
 * full run's time.
 */
export const QUICK_WORKLOADS = ["1000x16", "1000x64", "10000x64"];

/**
 * The data of one workload: `table` (Float32Array, inputDim × outputDim, values in [-1, 1) so a
 * wrong row or a zero row is caught), `indices` (Int32Array, batch × sequence, uniform over the
 * vocabulary) and `reference` (the gathered rows, computed element by element in plain JS).
 */
export function makeData(w) {
  const { inputDim: rows, outputDim: dim } = w;
  const n = w.batch * w.sequence;
  const nextTable = generator(0x7ab1e ^ rows ^ (dim << 20));
  const table = new Float32Array(rows * dim);
  for (let i = 0; i < table.length; i++) table[i] = nextTable() * 2 - 1;
  const nextIndex = generator(0x1d5 ^ n);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = Math.floor(nextIndex() * rows);
  const reference = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const src = indices[i] * dim;
    for (let j = 0; j < dim; j++) reference[i * dim + j] = table[src + j];
  }
  return { rows, dim, n, shape: [w.batch, w.sequence], table, indices, reference };
}

/** Bytes each lookup writes: the output size, the unit of GB/s and of the contiguous-copy bound. */
export const outputBytes = (data) => data.n * data.dim * 4;
