// Experiment: where the time of `callInto` and `call` goes, next to the bounds they are judged by.
//
// In one process per run, on the same layer data, timed in alternating rounds (shared/timing.mjs,
// measureRounds: every side gets one batch of calls per round, the order rotating between rounds):
//
//   zero-copy    indexBuffer(n).set(indices), then lookupBuffer(shape): the lookup with no copy out
//   gather       lookupBuffer(shape) alone, on indices written once: the index check and the gather
//   callInto     into one Float32Array allocated once
//   call         a fresh Float32Array per call
//   bound-js     the copy bound: TypedArray.prototype.set of as many contiguous bytes as the output
//   bound-wasm   the same copy with WebAssembly's memory.copy
//   bound-fresh  the fresh-array bound: a new Float32Array of the output's size filled by one copy
//   ort-node     ONNX Runtime's Gather (onnxruntime-node, one thread), as the lookup suite runs it
//
// Every side's output is checked against the expected bytes before timing. Ratios are taken per
// round, between sides timed in the same round, and reported as median (min–max):
//
//   callInto ÷ copy bound   the target's ratio (copy bound: the faster of bound-js and bound-wasm that round)
//   gather ÷ copy bound     the part of it the gather alone takes: callInto cannot go below it
//   callInto ÷ gather       what staging the caller's indices and copying out add to the gather
//   call ÷ fresh bound      the target's ratio for call
//   ort-node ÷ zero-copy    the lookup against ONNX Runtime
//
//   node bench/lookup/call-parts.mjs [--workloads=1000x64,10000x64] [--rounds=15] [--batch-ms=20] [--no-ort]
//
// Run after `npm run build` and `npm --prefix bench ci` (it imports the built package and ONNX
// Runtime from bench/node_modules). Writes bench/results/call-parts.md and prints the same table.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { CONTENDERS } from "./contenders/index.mjs";
import { WORKLOADS, makeData } from "./workloads.mjs";
import { measureRounds, median, roundRatios, sideOf } from "../shared/timing.mjs";

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const names = arg("workloads")?.split(",") ?? WORKLOADS.filter((w) => w.batch * w.sequence > 1).map((w) => w.name);
const rounds = Number(arg("rounds") ?? 15);
const batchSeconds = Number(arg("batch-ms") ?? 20) / 1000;
const withOrt = !process.argv.includes("--no-ort");
for (const name of names) if (!WORKLOADS.some((w) => w.name === name)) throw new Error(`unknown workload ${name}; known: ${WORKLOADS.map((w) => w.name).join(", ")}`);

const { Embedding } = await import("embedding-wasm");

/** lookupBuffer alone: the indices are written into indexBuffer once, at setup. */
const gatherOnly = {
  name: "gather",
  async prepare(data) {
    const layer = new Embedding({ inputDim: data.rows, outputDim: data.dim, weights: [{ data: data.table, shape: [data.rows, data.dim] }] });
    layer.indexBuffer(data.n).set(data.indices);
    let last;
    return {
      step: () => {
        last = layer.lookupBuffer(data.shape);
      },
      output: () => last,
      dispose: () => layer.dispose(),
    };
  },
};

const SIDES = ["zero-copy", "gather", "callInto", "call", "bound-js", "bound-wasm", "bound-fresh", ...(withOrt ? ["ort-node"] : [])];
const contender = (name) => (name === "gather" ? gatherOnly : CONTENDERS.find((c) => c.name === name));

function mismatch(actual, expected) {
  if (!(actual instanceof Float32Array) || actual.length !== expected.length) return "wrong type or length";
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) return `output[${i}] = ${actual[i]}, expected ${expected[i]}`;
  return undefined;
}

const copyBound = (t) => t["bound-js"].map((x, i) => Math.min(x, t["bound-wasm"][i]));
const RATIOS = [
  ["callInto ÷ copy bound", (t) => roundRatios(t.callInto, copyBound(t))],
  ["gather ÷ copy bound", (t) => roundRatios(t.gather, copyBound(t))],
  ["callInto ÷ gather", (t) => roundRatios(t.callInto, t.gather)],
  ["call ÷ fresh bound", (t) => roundRatios(t.call, t["bound-fresh"])],
  ...(withOrt ? [["ort-node ÷ zero-copy", (t) => roundRatios(t["ort-node"], t["zero-copy"])]] : []),
];
const ratioText = (r) => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const us = (seconds) => (seconds < 1e-3 ? `${(seconds * 1e6).toFixed(2)} µs` : `${(seconds * 1e3).toFixed(3)} ms`);

const header = `| workload | ${RATIOS.map(([n]) => n).join(" | ")} | ${SIDES.join(" | ")} |`;
const lines = [header, `| --- | ${[...RATIOS, ...SIDES].map(() => "---:").join(" | ")} |`];
console.log(header);
for (const name of names) {
  const w = WORKLOADS.find((x) => x.name === name);
  const data = makeData(w);
  const prepared = [];
  try {
    for (const side of SIDES) {
      const c = contender(side);
      const p = await c.prepare(data);
      prepared.push([side, p]);
      for (let check = 0; check < 2; check++) {
        await p.step();
        const problem = mismatch(p.output(), c.expected ? c.expected(data) : data.reference);
        if (problem) throw new Error(`${side} on ${name}: ${problem}`);
      }
    }
    const times = await measureRounds(prepared.map(([side, p]) => sideOf(side, p)), { rounds, batchSeconds, warmup: 0.3 });
    const line = `| ${name} (${w.batch}×${w.sequence}) | ${RATIOS.map(([, f]) => ratioText(f(times))).join(" | ")} | ${SIDES.map((s) => us(median(times[s]))).join(" | ")} |`;
    console.log(line);
    lines.push(line);
  } finally {
    for (const [, p] of prepared) await p.dispose();
  }
}
const report =
  `# Parts of callInto and call, paired in one process\n\n` +
  `Node ${process.version} · ${cpus()[0]?.model ?? "unknown"} × ${cpus().length} · ${rounds} rounds of ~${batchSeconds * 1000} ms per side. ` +
  `Ratios: median (min–max) of the per-round ratios; times: median per call.\n\n${lines.join("\n")}\n`;
mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
writeFileSync(new URL("../results/call-parts.md", import.meta.url), report);
