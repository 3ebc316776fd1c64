// Experiment: which row-copy strategy should the gather kernel use at each row width?
//
// assembly/gather.ts copies rows narrower than BULK_COPY_MIN_ROW_BYTES with v128 code (straight-line
// copies for the widths gather-widths.ts covers, a 4x-unrolled loop otherwise) and wider rows with
// one `memory.copy` each. This script compiles the kernel's own source with the build toolchain
// (AssemblyScript, the release options of asconfig.json) in three variants: the threshold above
// every width (always v128), the same without the straight-line widths (always the loop), and the
// threshold at 0 (always memory.copy). It runs them on one shared memory with the same random
// indices and prints ns per row for each width, for a cache-resident table. The threshold applies to
// such tables only: rows of a table larger than 16 MiB are touched a chunk at a time and then copied
// from L1 with v128 code at every width, a path the DRAM suite (bench/lookup/dram/) measures.
//
//   node bench/lookup/row-copy.mjs [--reps=N]       (after `npm install` at the top level: uses its assemblyscript)
//
// The result goes to stdout and bench/results/row-copy.md. The kernel itself is not changed.
import asc from "assemblyscript/asc";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const ASSEMBLY = new URL("../../assembly/", import.meta.url);
const THRESHOLD = /(const BULK_COPY_MIN_ROW_BYTES: usize = )(\d+)(;)/;
const FIXED_WIDTHS = "gatherFixedWidth(table, dim, idx, n, out)";
/** Compiler options of asconfig.json's release target (plus the shared options). */
const RELEASE = { enable: ["simd"], runtime: "stub", importMemory: true, initialMemory: 0, optimizeLevel: 3, shrinkLevel: 0, converge: true, noAssert: true };

const ROW_BYTES = [8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096];
const TABLES = [{ name: "cache-resident table (256 KiB)", bytes: 256 * 1024 }];
/** Output per call: about 1 MiB, at least 1024 rows. */
const rowsPerCall = (rowBytes) => Math.max(1024, Math.floor((1024 * 1024) / rowBytes));
const reps = Number(process.argv.find((a) => a.startsWith("--reps="))?.slice(7) ?? 31);

/** gather.ts and the files it imports (relative imports, transitively), as asc source strings. */
function sources() {
  const files = {};
  const pending = ["gather.ts"];
  while (pending.length) {
    const name = pending.pop();
    if (files[name] !== undefined) continue;
    files[name] = readFileSync(new URL(name, ASSEMBLY), "utf8");
    for (const [, dep] of files[name].matchAll(/from "\.\/([\w-]+)"/g)) pending.push(`${dep}.ts`);
  }
  return files;
}

/** Compiles gather.ts with the threshold set to `threshold` (and, if asked, no straight-line widths). */
async function compile(threshold, { fixedWidths = true } = {}) {
  const files = sources();
  const source = files["gather.ts"];
  if (!THRESHOLD.test(source)) throw new Error("assembly/gather.ts: BULK_COPY_MIN_ROW_BYTES declaration not found; update row-copy.mjs");
  let patched = source.replace(THRESHOLD, `$1${threshold}$3`);
  if (!fixedWidths) {
    if (!patched.includes(FIXED_WIDTHS)) return undefined;
    patched = patched.replace(FIXED_WIDTHS, "false");
  }
  const result = await asc.compileString({ ...files, "gather.ts": patched }, RELEASE);
  if (result.error) throw new Error(`asc failed: ${result.error.message}\n${result.stderr.toString()}`);
  return new WebAssembly.Module(result.binary);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const current = Number(sources()["gather.ts"].match(THRESHOLD)?.[2]);
const NEVER = 0x7fffffff;
const modules = {
  v128: await compile(NEVER),
  "v128 loop": await compile(NEVER, { fixedWidths: false }),
  "memory.copy": await compile(0),
};
const largest = Math.max(...TABLES.map((t) => t.bytes)) + rowsPerCall(ROW_BYTES[0]) * (4 + ROW_BYTES[0]) + (1 << 20);
const memory = new WebAssembly.Memory({ initial: Math.ceil((largest + 1024 * 1024 * 8) / 65536) });
const env = { memory, abort: () => { throw new Error("abort"); } };
// "v128 loop" exists only while the kernel has straight-line widths to switch off.
const variants = Object.fromEntries(
  Object.entries(modules).filter(([, m]) => m).map(([name, m]) => [name, new WebAssembly.Instance(m, { env }).exports.gatherRows]),
);
const names = Object.keys(variants);

// Layout: [table | indices | output], 64-byte aligned as in the layer.
const TABLE_PTR = 1024;
new Uint8Array(memory.buffer, TABLE_PTR, Math.max(...TABLES.map((t) => t.bytes))).fill(7); // touch every page once

let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);

const lines = [];
for (const table of TABLES) {
  lines.push(
    `\n### ${table.name}\n`,
    `| row bytes | floats | rows / call | ${names.map((v) => `${v} ns/row`).join(" | ")} | memory.copy ÷ v128 |`,
    `| ${Array(4 + names.length).fill("---:").join(" | ")} |`,
  );
  for (const rowBytes of ROW_BYTES) {
    const dim = rowBytes / 4;
    const rows = Math.floor(table.bytes / rowBytes);
    const n = rowsPerCall(rowBytes);
    const idxPtr = Math.ceil((TABLE_PTR + table.bytes) / 64) * 64;
    const outPtr = Math.ceil((idxPtr + n * 4) / 64) * 64;
    const idx = new Int32Array(memory.buffer, idxPtr, n);
    for (let i = 0; i < n; i++) idx[i] = Math.floor(random() * rows);
    const times = Object.fromEntries(names.map((v) => [v, []]));
    // Alternate the variants so drifts (the other process on this machine) hit all alike.
    for (let r = -3; r < reps; r++) {
      for (const name of names) {
        const start = process.hrtime.bigint();
        variants[name](TABLE_PTR, rows, dim, idxPtr, n, outPtr);
        const ns = Number(process.hrtime.bigint() - start) / n;
        if (r >= 0) times[name].push(ns);
      }
    }
    const medians = names.map((v) => median(times[v]));
    const ratio = median(times["memory.copy"]) / median(times.v128);
    lines.push(`| ${rowBytes} | ${dim} | ${n} | ${medians.map((m) => m.toFixed(2)).join(" | ")} | ${ratio.toFixed(2)} |`);
    process.stderr.write(`${table.name}: ${rowBytes} B  ${names.map((v, i) => `${v} ${medians[i].toFixed(2)}`).join("  ")} ns/row\n`);
  }
}

const text = `# Row copy: v128 vs memory.copy per row

Kernel source: assembly/gather.ts (BULK_COPY_MIN_ROW_BYTES = ${current} in the source), compiled per variant with asc
${JSON.stringify(RELEASE)}; median of ${reps} alternating calls per cell, random rows, ~1 MiB output per call.
Node ${process.version}. Variants: ${names.join(", ")} (v128 = the kernel's code below the threshold: straight-line
copies where gather-widths.ts has the width, the loop otherwise). A ratio above 1 means v128 is faster at that width.
${lines.join("\n")}
`;
mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
writeFileSync(new URL("../results/row-copy.md", import.meta.url), text);
console.log(text);
