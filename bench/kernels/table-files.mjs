// Loading a table from a binary file against reading the file's bytes: a 100,000 × 300 float32
// table (120 MB) as .npy (written by writeNpy, as np.save writes it) and as .weights.h5 (written by
// toKerasWeights), in the OS temp directory. The bound is reading the same file into memory
// (fs.readFileSync, and fs.promises.readFile); each loader's time is divided by the bound's time
// in the same round, the contenders alternating round by round so that load on a shared machine
// falls on all of them alike. Wall-clock and CPU time (all threads) are both divided: on a busy
// machine the CPU ratio is the steadier one. Checks every loaded table bit for bit before timing anything.
// Run: npm run build && node bench/kernels/table-files.mjs [rows] [dim] [rounds]
import { readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Embedding, readNpy, writeNpy } from "../../dist/index.js";
import { randomFloats } from "./kernel-timing.mjs";

const rows = Number(process.argv[2] ?? 100000);
const dim = Number(process.argv[3] ?? 300);
const rounds = Number(process.argv[4] ?? 9);
const table = randomFloats(rows * dim, 7);
const npyPath = join(tmpdir(), `embedding-wasm-bench-table-${rows}x${dim}.npy`);
const h5Path = join(tmpdir(), `embedding-wasm-bench-table-${rows}x${dim}.weights.h5`);
writeFileSync(npyPath, writeNpy({ data: table, shape: [rows, dim] }));
const source = new Embedding({ inputDim: rows, outputDim: dim, name: "emb", weights: { data: table, shape: [rows, dim] } });
writeFileSync(h5Path, source.toKerasWeights());
const config = source.toKerasConfig();
source.dispose();

const loaders = {
  "Embedding.fromNpy(path)": () => Embedding.fromNpy(npyPath),
  "fromPretrained(readNpy(readFileSync))": async () => Embedding.fromPretrained(readNpy(readFileSync(npyPath)), { freeze: false }),
  "fromKeras({ weights: path, config })": () => Embedding.fromKeras({ weights: h5Path, config }),
};
const bounds = {
  "fs.readFileSync": (path) => readFileSync(path),
  "fs.promises.readFile": (path) => readFile(path),
};
const fileOf = (name) => (name.startsWith("fromKeras") ? h5Path : npyPath);

// Correctness first: every loader gives the table bit for bit.
const want = new Uint32Array(table.buffer);
for (const [name, load] of Object.entries(loaders)) {
  const layer = await load();
  const got = new Uint32Array(layer.getWeights()[0].data.buffer);
  if (got.length !== want.length) throw new Error(`${name}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) throw new Error(`${name}: value ${i} differs`);
  layer.dispose();
}

/** Wall-clock ms of `fn`, and its CPU ms (user + system, every thread, Node's file-reading pool included). */
async function time(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  result?.dispose?.();
  return { ms, cpu: (used.user + used.system) / 1000 };
}

// ratios[loader][bound] = per-round ratios of wall time, cpuRatios the same of CPU time; times[name] = per-round ms.
const ratios = {};
const cpuRatios = {};
const times = {};
for (let round = 0; round < rounds + 1; round++) {
  for (const [name, load] of Object.entries(loaders)) {
    const path = fileOf(name);
    const boundTimes = {};
    for (const [bound, read] of Object.entries(bounds)) boundTimes[bound] = await time(() => read(path));
    const { ms, cpu } = await time(load);
    if (round === 0) continue; // warm-up: the file enters the page cache, the code gets compiled
    (times[name] ??= []).push(ms);
    for (const [bound, b] of Object.entries(boundTimes)) {
      ((ratios[name] ??= {})[bound] ??= []).push(ms / b.ms);
      ((cpuRatios[name] ??= {})[bound] ??= []).push(cpu / b.cpu);
      (times[`${bound} (${path === h5Path ? ".weights.h5" : ".npy"})`] ??= []).push(b.ms);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}× (median ${median(xs).toFixed(2)}×)`;
const mb = (rows * dim * 4) / 1e6;
console.log(`${rows} × ${dim} float32 table (${mb.toFixed(0)} MB), ${rounds} rounds after one warm-up; time ÷ the bound's time in the same round (≤ 2× is ≥ 50% of its speed)`);
for (const [name, byBound] of Object.entries(ratios)) {
  console.log(`${name.padEnd(40)} median ${median(times[name]).toFixed(1).padStart(6)} ms`);
  for (const [bound, xs] of Object.entries(byBound)) console.log(`    ÷ ${bound.padEnd(22)} wall ${range(xs)}   CPU ${range(cpuRatios[name][bound])}`);
}
for (const [name, xs] of Object.entries(times)) if (!(name in loaders)) console.log(`${name.padEnd(40)} median ${median(xs).toFixed(1).padStart(6)} ms`);
