// Experiment: how much a lookup from a table stored other than as float32 (int8, int4 per row and
// per 128-column group, float16, bfloat16) costs against a float32 lookup of the same output size.
//
// The lookup suite times each contender in its own process, and on a shared machine the ratio of
// two medians from separate processes drifts by tens of percent (see "Paired bounds" in
// bench/README.md). Here every stored layer and the float32 layer are built in one process from the
// workload's table and timed interleaved, in CPU time: rounds of one batch of about 10 ms per contender (the
// order rotating between rounds), each stored batch divided by the float32 batch of the same round.
// Two figures per cell: the median of those ratios, and the ratio of each side's fastest batch
// (on a loaded machine the fastest batches are the ones that ran undisturbed, so that ratio moves
// least from run to run); the range of the per-round ratios follows in parentheses. Each timed call is the `zero-copy` steps of
// the lookup suite: `indexBuffer(n).set(indices)`, then `lookupBuffer(shape)`.
//
//   node bench/lookup/stored-paired.mjs [--workloads=a,b] [--kinds=int4/-1,float16] [--rounds=N]
//
// Run after `npm run build` (it imports the built package). Writes bench/results/stored-paired.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { WORKLOADS, makeData } from "./workloads.mjs";

const { Embedding } = await import("embedding-wasm");

const KINDS = ["int8", "int4/-1", "int4/128", "float16", "bfloat16"];
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const workloads = arg("workloads")?.split(",") ?? WORKLOADS.map((w) => w.name);
const kinds = arg("kinds")?.split(",") ?? KINDS;
const rounds = Number(arg("rounds") ?? 31);
const BATCH_SECONDS = 0.01;

for (const name of workloads) if (!WORKLOADS.some((w) => w.name === name)) throw new Error(`unknown workload ${name}`);
for (const kind of kinds) if (!KINDS.includes(kind)) throw new Error(`unknown kind ${kind} (expected one of ${KINDS.join(", ")})`);

/** A layer holding the workload's table stored as `kind`. */
function layerOf(kind, data) {
  const options = { inputDim: data.rows, outputDim: data.dim, weights: [{ data: data.table, shape: [data.rows, data.dim] }] };
  if (kind === "float16" || kind === "bfloat16") options.dtype = kind;
  const layer = new Embedding(options);
  if (kind === "int8") layer.quantize("int8");
  if (kind.startsWith("int4")) layer.quantize("int4", { blockSize: kind === "int4/-1" ? -1 : 128 });
  return layer;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Milliseconds of this process's CPU time per call (process.cpuUsage, user + system): the time the
 * process waits descheduled while other tenants run is not counted, which wall-clock time on a
 * shared 2-core machine counts several times over.
 */
function perCall(step, calls) {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) step();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / calls;
}

const lines = ["| workload | float32 µs (fastest) | " + kinds.join(" | ") + " |", "| --- | --- |" + kinds.map(() => " --- |").join("")];
for (const name of workloads) {
  const data = makeData(WORKLOADS.find((w) => w.name === name));
  const contenders = ["float32", ...kinds].map((kind) => {
    const layer = layerOf(kind, data);
    return { kind, layer, step: () => (layer.indexBuffer(data.n).set(data.indices), layer.lookupBuffer(data.shape)) };
  });
  // Warm-up (and the call count per batch).
  const calls = contenders.map((c) => {
    for (let i = 0; i < 3; i++) c.step();
    const t = perCall(c.step, 5);
    for (let end = performance.now() + 150; performance.now() < end; ) c.step();
    return Math.max(1, Math.round((BATCH_SECONDS * 1000) / perCall(c.step, Math.max(1, Math.round(20 / t)))));
  });
  const ratios = kinds.map(() => []);
  const best = contenders.map(() => Infinity);
  const base = [];
  for (let round = 0; round < rounds; round++) {
    const times = new Array(contenders.length);
    for (let k = 0; k < contenders.length; k++) {
      const c = (k + round) % contenders.length;
      times[c] = perCall(contenders[c].step, calls[c]);
    }
    times.forEach((t, c) => (best[c] = Math.min(best[c], t)));
    base.push(times[0]);
    kinds.forEach((_, k) => ratios[k].push(times[k + 1] / times[0]));
  }
  const cells = ratios.map((r, k) => `${median(r).toFixed(2)}× / ${(best[k + 1] / best[0]).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`);
  const line = `| ${name} | ${(best[0] * 1000).toFixed(1)} | ${cells.join(" | ")} |`;
  console.log(line);
  lines.push(line);
  for (const c of contenders) c.layer.dispose();
}
const report = `# Stored lookups against float32, paired in one process\n\nEach cell: median over ${rounds} rounds of the ratio stored ÷ float32 / ratio of the fastest batches (per-round min–max).\n\n${lines.join("\n")}\n`;
mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
writeFileSync(new URL("../results/stored-paired.md", import.meta.url), report);
