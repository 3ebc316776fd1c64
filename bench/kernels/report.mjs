// Renders the kernel suites' report: as Markdown (results/kernels.md: per suite, a results table
// and, under --targets, the targets; then the one-time costs), and as the compact terminal
// summary. Column meanings are in bench/README.md.
import { duration as short, textTable } from "../shared/terminal.mjs";

function duration(s) {
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}
const fixed = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const row = (cells) => `| ${cells.join(" | ")} |`;
const cell = (text) => String(text).replaceAll("|", "\\|");

function suiteTable(suite) {
  const head = ["case", "contender", "median", suite.throughputLabel, ...suite.peers.map((p) => `× ${p}`), ...suite.bounds.map((b) => `÷ ${b.label}`), "÷ bound, paired", "samples", "check"];
  const lines = [row(head), row(["---", "---", ...Array(head.length - 4).fill("---:"), "---:", "---"])];
  for (const c of suite.cases) {
    c.results.forEach((r, i) => {
      const label = i === 0 ? `**${c.name}**` : "";
      const boundOf = suite.bounds.filter((b) => c.bounds[b.key] === r.contender).map((b) => b.label);
      const name = boundOf.length ? `${r.contender} (the ${boundOf.join(", ")} bound)` : r.contender;
      if (r.error) return lines.push(row([label, name, `FAILED: ${cell(r.error)}`, ...Array(head.length - 3).fill("")]));
      if (r.timedOut) {
        const peers = suite.peers.map(() => "");
        return lines.push(row([label, name, `> ${duration(r.lowerBound)} (stopped)`, `< ${fixed(c.throughputUnits / r.lowerBound)}`, ...peers, ...suite.bounds.map(() => ""), "", "0", "not checked: the first call was stopped"]));
      }
      const peers = suite.peers.map((p) => {
        if (p === r.contender) return "—";
        const peer = c.results.find((x) => x.contender === p);
        if (!peer || peer.error) return "";
        return peer.timedOut ? `> ${fixed(peer.lowerBound / r.median)}×` : `${fixed(peer.median / r.median)}×`;
      });
      const bounds = suite.bounds.map((b) => {
        const bound = c.results.find((x) => x.contender === c.bounds[b.key]);
        return bound ? `${fixed(r.median / bound.median)}×` : "";
      });
      const paired = Object.entries(r.paired ?? {}).map(([key, p]) => `${suite.bounds.find((b) => b.key === key)?.label ?? key} ${fixed(p.ratio)}×`).join(", ");
      lines.push(row([label, name, duration(r.median), fixed(c.throughputUnits / r.median), ...peers, ...bounds, paired, `${r.samples}${r.method === "benchmark.js" ? "" : "*"}`, cell(r.check ?? "")]));
    });
  }
  return lines.join("\n");
}

function targetsTable(targets) {
  const lines = [row(["status", "target", "measured", "also", "what limits it (when missed)"]), row(["---", "---", "---", "---", "---"])];
  for (const t of targets) lines.push(row([`**${t.status}**`, cell(t.target), cell(t.measured), cell(t.also ?? ""), cell(t.limit ?? "")]));
  return lines.join("\n");
}

export function renderKernelsMarkdown(report) {
  const m = report.meta;
  const t = m.timing;
  const all = report.suites.flatMap((s) => s.targets ?? []);
  const counts = ["PASS", "MISS", "n/a"].map((s) => `${all.filter((x) => x.status === s).length} ${s}`).join(", ");
  return `# embedding-wasm kernel benchmarks (initializers, constraints, training)

${m.date} · Node ${m.node} (V8 ${m.v8}) · ${m.cpu} · ${m.isolation}${m.quick ? " · **--quick: smaller tables, fewer samples**" : ""}
Steps under ${t.capSeconds} s: benchmark.js medians (maxTime ${t.maxTime} s, ≥ ${t.minSamples} samples, warm-up ${t.warmup} s) for
steps under 0.1 s; slower steps: the median of ${t.slowSamples} single calls after the checked one (samples marked *), or the checked
call alone when it took ≥ ${t.onlyFirstAbove} s. A first call still running after ${t.capSeconds} s is stopped and reported as "> that".

× peer = the peer's median ÷ this median (above 1: this row is faster). ÷ bound = this median ÷ the bound's median (1: as
fast as the bound; the targets ask for ≤ 2 or ≤ 1.5), each timed in its own process. ÷ bound, paired = the median ratio of
${t.paired.rounds} rounds in which this contender and the bound's loop ran in turn in one process (the targets use it where
present; bench/README.md, "Paired bounds"). Every contender's output is checked before it is timed (last column).

${report.suites.map((s) => `## ${s.title}\n\n${suiteTable(s)}\n${s.targets ? `\n### Targets\n\n${targetsTable(s.targets)}\n` : ""}`).join("\n")}
${all.length ? `All targets: ${counts}.\n` : ""}
## One-time costs (median over the processes that paid them)

${Object.entries(report.oneTime).map(([label, ms]) => `- ${label}: ${ms.toFixed(1)} ms`).join("\n") || "- (none)"}
`;
}

/** The terminal's summary: per suite, one row per contender and one column per case, each cell the median. */
export function renderKernelsSummary(report) {
  return report.suites.map((suite) => {
    const names = [...new Set(suite.cases.flatMap((c) => c.results.map((r) => r.contender)))];
    const rows = names.map((name) => [
      name,
      ...suite.cases.map((c) => {
        const r = c.results.find((x) => x.contender === name);
        if (!r) return "";
        return r.error ? "FAILED" : r.timedOut ? `> ${short(r.lowerBound)}` : short(r.median);
      }),
    ]);
    return `${suite.title}: median per call\n\n${textTable(["contender", ...suite.cases.map((c) => c.name)], rows)}`;
  }).join("\n\n");
}
