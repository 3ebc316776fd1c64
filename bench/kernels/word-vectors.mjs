// Throughput of loadWordVectors on a generated GloVe text file (default 100,000 × 300, about
// 270 MB, written once to the OS temp directory), against two baselines on the same file: reading
// it into one string (fs.readFile 'utf8'), and the common split-and-parseFloat loader; then the
// same table as word2vec binary (written by writeWordVectors) against fs.readFile of that file.
// Checks the parsed table against the split-and-parseFloat reference before reporting any time.
// Run: npm run build && node bench/kernels/word-vectors.mjs [rows] [dim]
import { existsSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWordVectors, writeWordVectors } from "../../dist/index.js";

const rows = Number(process.argv[2] ?? 100000);
const dim = Number(process.argv[3] ?? 300);
const path = join(tmpdir(), `embedding-wasm-bench-glove-${rows}x${dim}.txt`);

/** GloVe-like text: tokens "w<i>", values with 5-6 decimals as GloVe prints them (deterministic). */
function generate() {
  let seed = 12345;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines = [];
  const parts = [];
  const chunks = [];
  for (let r = 0; r < rows; r++) {
    parts.length = 0;
    parts.push(`w${r}`);
    for (let d = 0; d < dim; d++) parts.push(((next() - 0.5) * 2).toFixed(5 + (d & 1)));
    lines.push(parts.join(" "));
    if (lines.length === 1000) {
      chunks.push(lines.join("\n") + "\n");
      lines.length = 0;
    }
  }
  if (lines.length) chunks.push(lines.join("\n") + "\n");
  writeFileSync(path, chunks.join(""));
}

if (!existsSync(path)) generate();
const megabytes = statSync(path).size / 1e6;

/** Best of `runs` wall-clock times, and the CPU time (user + system, all threads) of that run: on a busy machine the CPU figure is the steadier one. */
async function measure(fn, runs = 3) {
  let best = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await fn();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (wall < best.wall) best = { wall, cpu: (used.user + used.system) / 1000 };
  }
  return best;
}

function report(name, mb, { wall, cpu }) {
  const rate = (ms) => (mb / (ms / 1000)).toFixed(0).padStart(5);
  console.log(`${name.padEnd(44)} ${(wall / 1000).toFixed(3)} s  ${rate(wall)} MB/s   (CPU ${(cpu / 1000).toFixed(3)} s, ${rate(cpu)} MB/s of CPU)`);
}

const time = async (name, fn) => report(name, megabytes, await measure(fn));

function splitParse() {
  const text = readFileSync(path, "utf8");
  const table = new Float32Array(rows * dim);
  const tokens = [];
  let r = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const parts = line.split(" ");
    tokens.push(parts[0]);
    for (let d = 0; d < dim; d++) table[r * dim + d] = parseFloat(parts[d + 1]);
    r++;
  }
  return { table, tokens };
}

// Correctness first: every value bit for bit equal to Math.fround(parseFloat(text)).
const reference = splitParse();
const { layer, vocab } = await loadWordVectors(path, { format: "glove" });
const loaded = layer.getWeights()[0].data;
if (vocab.size !== rows || loaded.length !== reference.table.length) throw new Error("shape mismatch");
for (let i = 0; i < loaded.length; i++) {
  if (!Object.is(loaded[i], reference.table[i])) throw new Error(`value ${i}: ${loaded[i]} != ${reference.table[i]}`);
}


console.log(`GloVe text, ${rows} × ${dim}, ${megabytes.toFixed(1)} MB (${path}); best of 3`);
await time("fs.readFile to one string (no parsing)", () => readFile(path, "utf8").then((s) => s.length));
await time("split + parseFloat (reads to one string)", splitParse);
await time("loadWordVectors (streamed, to a layer)", async () => {
  const result = await loadWordVectors(path, { format: "glove" });
  result.layer.dispose?.();
  return result;
});

const binaryPath = path.replace(/\.txt$/, ".bin");
if (!existsSync(binaryPath)) writeFileSync(binaryPath, Buffer.concat([...writeWordVectors(layer, vocab, { format: "word2vec" })]));
const binaryMegabytes = statSync(binaryPath).size / 1e6;
const checked = await loadWordVectors(binaryPath, { format: "word2vec" });
const binaryTable = checked.layer.getWeights()[0].data;
for (let i = 0; i < binaryTable.length; i++) if (!Object.is(binaryTable[i], reference.table[i])) throw new Error(`binary value ${i}`);
console.log(`word2vec binary of the same table, ${binaryMegabytes.toFixed(1)} MB`);
const timeBinary = async (name, fn) => report(name, binaryMegabytes, await measure(fn));
await timeBinary("fs.readFile to bytes (no parsing)", () => readFile(binaryPath));
await timeBinary("loadWordVectors (streamed, to a layer)", async () => (await loadWordVectors(binaryPath, { format: "word2vec" })).layer.dispose?.());
