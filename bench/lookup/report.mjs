// Renders one run of the lookup suite: as Markdown (results/lookup.md: the results table, setup
// times, one-time costs, and the targets under --targets), and as the compact terminal summary.
// Column meanings are in bench/README.md.
import { duration as short, textTable } from "../shared/terminal.mjs";

/** Peers whose speedup gets a column, in table order; a column appears only if that peer ran. */
const PEERS = ["js-loop", "tfjs-layers-cpu", "tf.gather-cpu", "tfjs-layers-wasm", "tf.gather-wasm", "ort-node", "ort-web"];

function duration(seconds) {
  if (seconds < 1e-6) return `${(seconds * 1e9).toFixed(0)} ns`;
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(2)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${seconds.toFixed(2)} s`;
}

const fixed = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ms = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;
const row = (cells) => `| ${cells.join(" | ")} |`;

/** "10000×64 32×128": the table, then the indices. */
export const workloadLabel = (w) => `${w.inputDim}×${w.outputDim} ${w.batch}×${w.sequence}`;

function resultsTable(report) {
  const ran = new Set(report.workloads.flatMap((w) => w.results.filter((r) => !r.error).map((r) => r.contender)));
  const peers = PEERS.filter((p) => ran.has(p));
  const lines = [
    row(["workload (table, indices)", "contender", "median / call", "ns / row", "GB/s", "% of bound", ...peers.map((p) => `× ${p}`)]),
    row(["---", "---", ...Array(4 + peers.length).fill("---:")]),
  ];
  for (const w of report.workloads) {
    w.results.forEach((r, i) => {
      const label = i === 0 ? `**${w.name}** (${w.inputDim}×${w.outputDim}, ${w.batch}×${w.sequence})` : "";
      const name = r.contender === w.bound ? `${r.contender} (the bound)` : r.contender;
      if (r.error) {
        lines.push(row([label, name, `FAILED: ${r.error.split("\n")[0].replaceAll("|", "\\|")}`, ...Array(3 + peers.length).fill("")]));
        return;
      }
      const speedups = peers.map((p) => {
        const peer = w.results.find((x) => x.contender === p && !x.error);
        if (p === r.contender) return "—";
        return peer ? `${fixed(peer.median / r.median)}×` : "";
      });
      lines.push(row([label, name, duration(r.median), fixed(r.nsPerRow), fixed(r.gbPerSecond),
        r.percentOfBound === undefined ? "" : `${fixed(r.percentOfBound)}%`, ...speedups]));
    });
  }
  return lines.join("\n");
}

function setupTable(report) {
  const lines = [row(["workload", "contender", "setup (excluded from the timings)"]), row(["---", "---", "---"])];
  for (const w of report.workloads) {
    for (const r of w.results) {
      const parts = Object.entries(r.setup ?? {}).map(([label, t]) => `${label}: ${ms(t)}`);
      if (parts.length) lines.push(row([w.name, r.contender, parts.join("; ")]));
    }
  }
  return lines.join("\n");
}

function targetsTable(report) {
  const lines = [row(["status", "target", "measured", "also", "what limits it (when missed)"]), row(["---", "---", "---", "---", "---"])];
  for (const t of report.targets) lines.push(row([`**${t.status}**`, t.target, t.measured, t.also ?? "", t.limit ?? ""]));
  const counts = ["PASS", "MISS", "n/a"].map((s) => `${report.targets.filter((t) => t.status === s).length} ${s}`).join(", ");
  return `${lines.join("\n")}\n\n${counts}.`;
}

export function renderMarkdown(report) {
  const m = report.meta;
  const oneTime = Object.entries(report.oneTime).map(([label, t]) => `- ${label}: ${ms(t)}`);
  return `# embedding-wasm lookup benchmark

${m.date} · Node ${m.node} (V8 ${m.v8}) · ${m.cpu} · ${m.isolation} · warm-up ${m.warmupSeconds} s, then benchmark.js
maxTime ${m.maxTimeSeconds} s, ≥ ${m.minSamples} samples${m.quick ? " · **--quick**" : ""} · peak RSS of one contender ${m.peakRssMiB} MiB

Median time per call of one lookup (warm-up excluded); ns / row = median ÷ (batch × sequence); GB/s = output bytes
written per second; % of bound = the contiguous-copy bound's median ÷ this median; × peer = peer's median ÷ this median
(above 1: this row is faster). bound-fresh is not a lookup: a fresh Float32Array holding the same bytes, made as
\`call\` makes its result, the floor of any contender that returns a new array. See bench/README.md for what each
contender does per call.

## Results

${resultsTable(report)}

${report.targets ? `## Targets\n\n${targetsTable(report)}\n\n` : ""}## Setup and instantiation

One-time costs (first use in a process; the median over the processes that paid them):

${oneTime.join("\n") || "- (none)"}

Per workload:

${setupTable(report)}
`;
}

const percent = (x) => (x >= 9.95 ? x.toFixed(0) : x >= 0.995 ? x.toFixed(1) : x.toFixed(2));

/**
 * The terminal's summary: one row per contender, one column per workload (split into several
 * tables when they do not fit), each cell the median per call and the % of the bound.
 */
export function renderSummary(report) {
  const names = [...new Set(report.workloads.flatMap((w) => w.results.map((r) => r.contender)))];
  const rows = names.map((name) => [
    name,
    ...report.workloads.map((w) => {
      const r = w.results.find((x) => x.contender === name);
      if (!r) return "";
      if (r.error) return "FAILED";
      const pct = r.percentOfBound === undefined ? "" : `${percent(r.percentOfBound)}%`;
      return `${short(r.median).padStart(7)} ${pct.padStart(5)}`;
    }),
  ]);
  return `lookup: median per call, and % of the bound (the faster contiguous copy)\n\n${textTable(["contender", ...report.workloads.map(workloadLabel)], rows)}`;
}
