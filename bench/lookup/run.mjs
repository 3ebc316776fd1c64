// The lookup suite: every lookup contender on every workload, one child process at a time
// (child.mjs), or all in this process with --in-process. Works out each workload's bound and the
// ratios, prints a progress line per finished run, and writes bench/results/lookup.{md,json}.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { cpus } from "node:os";
import { CONTENDERS } from "./contenders/index.mjs";
import { medianCosts, oneTimeCosts } from "../shared/clock.mjs";
import { startChild } from "../shared/child-process.mjs";
import { writeResults } from "../shared/results.mjs";
import { duration } from "../shared/terminal.mjs";
import { UsageError } from "../shared/usage-error.mjs";
import { renderMarkdown, renderSummary, workloadLabel } from "./report.mjs";
import { runContender } from "./run-contender.mjs";
import { evaluateTargets } from "./targets.mjs";
import { QUICK_WORKLOADS, WORKLOADS, makeData } from "./workloads.mjs";

function select(kind, all, names) {
  if (names === undefined) return all;
  const unknown = names.filter((n) => !all.some((x) => x.name === n));
  if (unknown.length) throw new UsageError(`Unknown ${kind}: ${unknown.join(", ")}. Known: ${all.map((x) => x.name).join(", ")}.`);
  return all.filter((x) => names.includes(x.name));
}

/** The workloads and contenders a run covers: the bounds always run (every "% of bound" needs one), bound-fresh beside `call`. */
function plan(args) {
  const workloads = select("workload", WORKLOADS, args.workloads ?? (args.quick ? QUICK_WORKLOADS : undefined));
  const chosen = select("contender", CONTENDERS, args.contenders);
  const withCall = chosen.some((c) => c.name === "call");
  const contenders = CONTENDERS.filter((c) => c.group === "bound" || (c.group === "fresh-bound" && withCall) || chosen.includes(c));
  return { workloads, contenders };
}

/**
 * Runs one contender on some workloads, in turn, in a fresh Node process; calls `onResult(index,
 * result)` as each arrives and resolves when the child exits. Workloads without a result (the child
 * died) get an error result.
 */
function inChild(workloads, contender, timing, onResult) {
  return new Promise((resolve) => {
    const child = startChild(new URL("./child.mjs", import.meta.url), { workloads: workloads.map((w) => w.name), contender: contender.name, timing });
    const got = new Set();
    child.on("message", ({ index, result }) => {
      got.add(index);
      onResult(index, result);
    });
    child.on("exit", (code, signal) => {
      const error = `child process exited with ${signal ?? `code ${code}`}`;
      workloads.forEach((_, index) => got.has(index) || onResult(index, { contender: contender.name, group: contender.group, error }));
      resolve();
    });
  });
}

let collectGarbage;

/** The same, in this process (--in-process); a full collection between contenders returns the previous one's buffers. */
async function inProcess(data, contender, timing) {
  if (!collectGarbage) {
    setFlagsFromString("--expose-gc");
    collectGarbage = runInNewContext("gc");
  }
  const result = await runContender(contender, data, timing);
  collectGarbage();
  result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  return result;
}

export const lookupRunner = {
  names: ["lookup"],

  count(args) {
    const { workloads, contenders } = plan(args);
    return workloads.length * contenders.length;
  },

  /** Runs the suite; returns { failures, summary, targets?, files }. */
  async run(args, _names, progress) {
    const { workloads, contenders } = plan(args);
    // benchmark.js: each sample lasts at least minTime; samples are taken until maxTime (and at
    // least minSamples). Warm-up (seconds of untimed calls) comes first.
    const maxTime = args.maxTime ?? (args.quick ? 0.15 : 1);
    const timing = { maxTime, minSamples: 5, warmup: Math.min(0.5, maxTime / 2) };
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      v8: process.versions.v8,
      cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
      quick: args.quick,
      isolation: args.inProcess ? "one process" : args.quick ? "one child process per contender (its workloads in turn)" : "one child process per contender and workload",
      maxTimeSeconds: timing.maxTime,
      warmupSeconds: timing.warmup,
      minSamples: timing.minSamples,
    };

    const costs = [];
    let failures = 0;
    const byWorkload = workloads.map(() => new Map());
    const record = (wi, c, r) => {
      if (r.oneTime) costs.push(r.oneTime);
      delete r.oneTime;
      if (r.error) failures++;
      byWorkload[wi].set(c.name, r);
      const what = r.error ? `FAILED: ${r.error.split("\n")[0]}` : duration(r.median);
      progress.step(["lookup", workloadLabel(workloads[wi]), c.name, what]);
    };
    if (args.inProcess) {
      for (const [wi, w] of workloads.entries()) {
        const data = makeData(w);
        for (const c of contenders) record(wi, c, await inProcess(data, c, timing));
      }
    } else if (args.quick) {
      // One child per contender runs all its workloads (process start-ups and imports are most of
      // a quick run); a full run isolates every contender on every workload.
      for (const c of contenders) await inChild(workloads, c, timing, (wi, r) => record(wi, c, r));
    } else {
      for (const [wi, w] of workloads.entries()) for (const c of contenders) await inChild([w], c, timing, (_, r) => record(wi, c, r));
    }

    const results = workloads.map((w, wi) => {
      const n = w.batch * w.sequence;
      const entry = { ...w, n, outputBytes: n * w.outputDim * 4, results: contenders.map((c) => byWorkload[wi].get(c.name)) };
      for (const r of entry.results) {
        if (r.error) continue;
        r.nsPerRow = (r.median * 1e9) / n;
        r.gbPerSecond = entry.outputBytes / r.median / 1e9;
      }
      // The bound is the faster of the two contiguous copies; every row's % of bound uses it.
      const bounds = entry.results.filter((r) => r.group === "bound" && !r.error).sort((a, b) => a.median - b.median);
      entry.bound = bounds[0]?.contender;
      for (const r of entry.results) if (!r.error && bounds[0]) r.percentOfBound = (100 * bounds[0].median) / r.median;
      const fresh = entry.results.find((r) => r.group === "fresh-bound" && !r.error);
      const call = entry.results.find((r) => r.contender === "call" && !r.error);
      if (fresh && call) call.percentOfFreshBound = (100 * fresh.median) / call.median;
      return entry;
    });

    const report = {
      meta: { ...meta, peakRssMiB: Math.max(0, ...results.flatMap((w) => w.results.map((r) => r.maxRssMiB ?? 0))) },
      oneTime: args.inProcess ? oneTimeCosts() : medianCosts(costs),
      workloads: results,
    };
    if (args.targets) report.targets = evaluateTargets(report);
    const files = writeResults("lookup", renderMarkdown(report), report);
    return { failures, summary: renderSummary(report), targets: report.targets, files };
  },
};
