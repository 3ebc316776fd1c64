// The paired suite (`--suite=paired`): on every batch lookup workload, the ratios the targets name,
// each taken between two contenders timed side by side in one process, in alternating rounds
// (child.mjs), rather than between medians of separate processes minutes apart:
//   - zero-copy against ONNX Runtime (onnxruntime-node, one thread),
//   - callInto against the contiguous-copy bound (the faster of bound-js and bound-wasm in each round),
//   - call against the fresh-array bound (bound-fresh: a new Float32Array of the output's size filled by one copy).
// One child process per workload; writes bench/results/paired.{md,json}.
import { cpus } from "node:os";
import { startChild } from "../../shared/child-process.mjs";
import { writeResults } from "../../shared/results.mjs";
import { textTable } from "../../shared/terminal.mjs";
import { median, roundRatios } from "../../shared/timing.mjs";
import { lastLevelCache } from "../../shared/cache.mjs";
import { UsageError } from "../../shared/usage-error.mjs";
import { QUICK_WORKLOADS, WORKLOADS } from "../workloads.mjs";
import { workloadLabel } from "../report.mjs";

const SIDES = ["zero-copy", "callInto", "call", "bound-js", "bound-wasm", "bound-fresh", "ort-node"];

/** Each ratio: what it divides, the target's limit, and what limits it when missed. */
const RATIOS = [
  {
    name: "ort-node ÷ zero-copy",
    ratio: (t) => roundRatios(t["ort-node"], t["zero-copy"]),
    target: (w) => `${w}: \`zero-copy\` ≥ 3× ONNX Runtime (onnxruntime-node, 1 thread), same process`,
    pass: (r) => r.median >= 3,
    applies: () => true,
    limit:
      "ONNX Runtime's gather is native code with the same DRAM and cache misses per row; on large outputs both are bound " +
      "by the memory traffic of the copy, and ORT's fixed cost per run (promise round-trip, tensor wrapping) matters only on small batches",
  },
  {
    name: "callInto ÷ copy bound",
    ratio: (t) => roundRatios(t.callInto, t["bound-js"].map((x, i) => Math.min(x, t["bound-wasm"][i]))),
    target: (w) => `${w}: \`callInto\` ≤ 2× the contiguous-copy bound (table in cache)`,
    pass: (r) => r.median <= 2,
    applies: (w, cache) => w.inputDim * w.outputDim * 4 <= cache,
    limit:
      "callInto gathers and then copies: the gather reads scattered rows (L2/L3 hits at best) and writes them, and the " +
      "copy into the caller's array reads them back, against one streaming copy of contiguous, cache-warm bytes",
  },
  {
    name: "call ÷ fresh-array bound",
    ratio: (t) => roundRatios(t.call, t["bound-fresh"]),
    target: (w) => `${w}: \`call\` ≤ 1.3× the fresh-array bound (a new Float32Array filled by one copy)`,
    pass: (r) => r.median <= 1.3,
    applies: () => true,
    limit:
      "call is the gather plus the same fresh array; where the gather costs more than a third of the fresh array " +
      "(large tables, rows from L3 or DRAM), the ratio reflects the gather itself",
  },
];

function plan(args) {
  const names = args.workloads ?? (args.quick ? QUICK_WORKLOADS : WORKLOADS.map((w) => w.name));
  const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new UsageError(`Unknown workload: ${unknown.join(", ")}. Known: ${WORKLOADS.map((w) => w.name).join(", ")}.`);
  return WORKLOADS.filter((w) => names.includes(w.name) && w.batch * w.sequence > 1);
}

function inChild(w, timing) {
  return new Promise((resolve) => {
    const child = startChild(new URL("./child.mjs", import.meta.url), { workload: w.name, sides: SIDES, timing });
    let answer;
    child.on("message", (m) => (answer = m));
    child.on("exit", (code, signal) => resolve(answer ?? { error: `child process exited with ${signal ?? `code ${code}`}` }));
  });
}

const ratioText = (r) => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

function evaluateTargets(report) {
  return report.workloads.flatMap((w) =>
    RATIOS.filter((q) => q.applies(w, report.meta.cacheBytes)).map((q) => {
      const r = w.ratios?.[q.name];
      const pass = r ? q.pass(r) : undefined;
      return { target: q.target(w.name), measured: r ? `${ratioText(r)} (median of rounds, range)` : "not run", status: pass === undefined ? "n/a" : pass ? "PASS" : "MISS", limit: pass === false ? q.limit : undefined };
    }),
  );
}

function renderMarkdown(report) {
  const m = report.meta;
  const lines = [
    "# embedding-wasm paired lookup ratios",
    "",
    `${m.date} · Node ${m.node} · ${m.cpu} · ${m.rounds} alternating rounds of ~${m.batchSeconds * 1000} ms per side, all sides in one process per workload${m.quick ? " · **--quick**" : ""}`,
    "",
    "Each ratio is taken per round between two sides timed in the same round: median (min–max) over the rounds.",
    "",
    `| workload | ${RATIOS.map((q) => q.name).join(" | ")} | ${SIDES.map((s) => `${s}, per call`).join(" | ")} |`,
    `| --- | ${[...RATIOS, ...SIDES].map(() => "---:").join(" | ")} |`,
  ];
  for (const w of report.workloads) {
    if (w.error) {
      lines.push(`| ${w.name} | FAILED: ${w.error.split("\n")[0].replaceAll("|", "\\|")} |`);
      continue;
    }
    const us = (s) => `${(median(w.times[s]) * 1e6).toFixed(2)} µs`;
    lines.push(`| ${w.name} (${workloadLabel(w)}) | ${RATIOS.map((q) => ratioText(w.ratios[q.name])).join(" | ")} | ${SIDES.map(us).join(" | ")} |`);
  }
  if (report.targets) {
    lines.push("", "## Targets", "", "| status | target | measured | what limits it (when missed) |", "| --- | --- | --- | --- |");
    for (const t of report.targets) lines.push(`| **${t.status}** | ${t.target} | ${t.measured} | ${t.limit ?? ""} |`);
  }
  return lines.join("\n") + "\n";
}

function renderSummary(report) {
  const rows = RATIOS.map((q) => [q.name, ...report.workloads.map((w) => (w.error ? "FAILED" : w.ratios[q.name].median.toFixed(2) + "×"))]);
  return `paired: ratios of sides timed in alternating rounds in one process (median of rounds)\n\n${textTable(["ratio", ...report.workloads.map(workloadLabel)], rows)}`;
}

export const pairedRunner = {
  names: ["paired"],

  count(args) {
    return plan(args).length;
  },

  async run(args, _names, progress) {
    const timing = args.quick ? { rounds: 5, batchSeconds: 0.02, warmup: 0.1 } : { rounds: 15, batchSeconds: 0.05, warmup: 0.3 };
    const workloads = [];
    for (const w of plan(args)) {
      const answer = await inChild(w, timing);
      const entry = { ...w, ...answer };
      if (!answer.error) entry.ratios = Object.fromEntries(RATIOS.map((q) => [q.name, q.ratio(answer.times)]));
      progress.step(["paired", workloadLabel(w), "all sides", answer.error ? `FAILED: ${answer.error.split("\n")[0]}` : `zero-copy ${entry.ratios[RATIOS[0].name].median.toFixed(1)}× ORT`]);
      workloads.push(entry);
    }
    const cache = lastLevelCache();
    const report = {
      meta: { date: new Date().toISOString(), node: process.version, cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`, quick: args.quick, cacheBytes: cache.bytes, cacheSource: cache.source, ...timing },
      workloads,
    };
    if (args.targets) report.targets = evaluateTargets(report);
    const files = writeResults("paired", renderMarkdown(report), report);
    return { failures: workloads.filter((w) => w.error).length, summary: renderSummary(report), targets: report.targets, files };
  },
};
