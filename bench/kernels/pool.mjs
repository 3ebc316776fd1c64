// EmbeddingPool throughput: a pool of 2 workers against a pool of 1 worker and the plain layer, all
// reading ONE shared table (both pools are made over the same layer), for batches of 4096 and 16384
// rows of fresh random indices (a rotating set, so rows do not stay cached between calls). Rounds
// alternate the contenders; each round times every contender for at least MIN_MS and reports rows per
// second; the 2-vs-1 ratio is taken within each round (paired) and its range over rounds printed. Also
// prints the memory: the table, the layer's (shared) WebAssembly memory, and the process's RSS before
// and after the workers started.
// Run: npm run build && node bench/kernels/pool.mjs [--rounds=N] [--quick]
import { Embedding, EmbeddingPool } from "../../dist/index.js";
import { randomFloats, randomIndices } from "./kernel-timing.mjs";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const QUICK = args.has("quick");
const ROUNDS = Number(args.get("rounds") ?? (QUICK ? 3 : 7));
const MIN_MS = QUICK ? 30 : 80;
const INDEX_SETS = 8;
const IN_FLIGHT = 4;
const TABLES = QUICK ? [[65_536, 64]] : [[65_536, 64], [262_144, 128]];
const BATCHES = [4096, 16_384];

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const rss = () => process.memoryUsage().rss;
const range = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const mrows = (x) => (x / 1e6).toFixed(1);

/** Rows per second of `fn` (one lookup of `rows` rows a call), timed for at least MIN_MS. */
async function rate(fn, rows) {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MIN_MS) {
    await fn(calls++);
    now = performance.now();
  }
  return (calls * rows) / ((now - start) / 1000);
}

function sameBits(a, b) {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

console.log(`EmbeddingPool: 2 workers vs 1 worker vs the plain layer, one shared table; ${ROUNDS} rounds, ≥ ${MIN_MS} ms per contender a round`);
console.log(`(ranges over rounds; 2-vs-1 ratio paired within each round)\n`);
for (const [rows, dim] of TABLES) {
  const tableBytes = rows * dim * 4;
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: randomFloats(rows * dim, rows), shape: [rows, dim] }] });
  const before = { rss: rss(), wasm: layer.memoryBytes };
  const pool1 = await EmbeddingPool.create(layer, { workers: 1 });
  const pool2 = await EmbeddingPool.create(layer, { workers: 2 });
  const after = { rss: rss(), wasm: layer.memoryBytes };
  console.log(`table ${rows} × ${dim} float32 = ${mib(tableBytes)}`);
  console.log(
    `  memory: layer's WebAssembly memory ${mib(before.wasm)} alone, ${mib(after.wasm)} shared with 3 workers (two pools' regions); ` +
      `process RSS ${mib(before.rss)} → ${mib(after.rss)} (the workers' own JS heaps, no table copies)`,
  );
  for (const batch of BATCHES) {
    const sets = Array.from({ length: INDEX_SETS }, (_, i) => randomIndices(batch, rows, 100 + i));
    const plainOut = new Float32Array(batch * dim);
    const sharedOut = new Float32Array(new SharedArrayBuffer(batch * dim * 4));
    const inFlight = Array.from({ length: IN_FLIGHT }, () => new Float32Array(new SharedArrayBuffer(batch * dim * 4)));
    /** IN_FLIGHT calls made without awaiting each other (a server answering several requests). */
    const pipelined = (pool) => (i) => Promise.all(inFlight.map((out, j) => pool.callInto(sets[(i * IN_FLIGHT + j) % INDEX_SETS], out)));
    // Checked before timing: every contender gives the layer's rows.
    for (const ids of sets.slice(0, 2)) {
      const expected = layer.call(ids).data;
      for (const pool of [pool1, pool2]) {
        if (!sameBits((await pool.call(ids)).data, expected)) throw new Error("pool.call differs from layer.call");
        await pool.callInto(ids, sharedOut);
        if (!sameBits(sharedOut, expected)) throw new Error("pool.callInto differs from layer.call");
      }
    }
    const contenders = {
      "layer.callInto": [(i) => layer.callInto(sets[i % INDEX_SETS], plainOut), 1],
      "pool1.callInto(shared out)": [(i) => pool1.callInto(sets[i % INDEX_SETS], sharedOut), 1],
      "pool2.callInto(shared out)": [(i) => pool2.callInto(sets[i % INDEX_SETS], sharedOut), 1],
      [`pool1.callInto ×${IN_FLIGHT} in flight`]: [pipelined(pool1), IN_FLIGHT],
      [`pool2.callInto ×${IN_FLIGHT} in flight`]: [pipelined(pool2), IN_FLIGHT],
      "pool1.call": [(i) => pool1.call(sets[i % INDEX_SETS]), 1],
      "pool2.call": [(i) => pool2.call(sets[i % INDEX_SETS]), 1],
    };
    const names = Object.keys(contenders);
    const rates = Object.fromEntries(names.map((n) => [n, []]));
    for (const n of names) await rate(contenders[n][0], batch * contenders[n][1]); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? names : [...names].reverse();
      for (const n of order) rates[n].push(await rate(contenders[n][0], batch * contenders[n][1]));
    }
    console.log(`  batch ${batch} rows (${mib(batch * dim * 4)} out), M rows/s min / median / max:`);
    for (const n of names) {
      const { min, median, max } = range(rates[n]);
      console.log(`    ${n.padEnd(28)} ${mrows(min).padStart(6)} / ${mrows(median).padStart(6)} / ${mrows(max).padStart(6)}`);
    }
    for (const kind of ["callInto(shared out)", `callInto ×${IN_FLIGHT} in flight`, "call"]) {
      const ratios = rates[`pool2.${kind}`].map((v, i) => v / rates[`pool1.${kind}`][i]);
      const { min, median, max } = range(ratios);
      console.log(`    2 workers / 1 worker, ${kind}: ${min.toFixed(2)}× / ${median.toFixed(2)}× / ${max.toFixed(2)}×`);
    }
  }
  await pool1.dispose();
  await pool2.dispose();
  layer.dispose();
  console.log();
}
