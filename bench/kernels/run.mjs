// Parent side of the kernel suites (init, constraints, training, and any other listed in
// suites.mjs): runs every contender on every case in child processes (child.mjs), stops calls that
// run past the cap, prints a progress line per finished run, then works out the ratios, the bounds
// (and the targets under --targets) and writes bench/results/kernels.{md,json}.
//
// Isolation: a fresh process per contender and case (full runs), so no library's heap or
// WebAssembly memory is alive while another is timed. --quick runs each contender's cases of a
// suite in one process (small tables; saves ~30 process starts and TF.js imports).
import { cpus } from "node:os";
import { medianCosts } from "../shared/clock.mjs";
import { startChild } from "../shared/child-process.mjs";
import { writeResults } from "../shared/results.mjs";
import { duration } from "../shared/terminal.mjs";
import { renderKernelsMarkdown, renderKernelsSummary } from "./report.mjs";
import { SUITES } from "./suites.mjs";

/** Timing settings: full runs take ≥ 3 samples of slow steps; --quick takes one more call after the checked one. */
export function opsTiming(quick, maxTime) {
  return quick
    ? { quick, maxTime: maxTime ?? 0.05, minSamples: 3, warmup: 0.02, slowSamples: 1, onlyFirstAbove: 1, capSeconds: 2, paired: { rounds: 5, batchSeconds: 0.01, warmup: 0.01 } }
    : { quick, maxTime: maxTime ?? 1, minSamples: 5, warmup: 0.5, slowSamples: 3, onlyFirstAbove: 10, capSeconds: 20, paired: { rounds: 15, batchSeconds: 0.05, warmup: 0.2 } };
}

/**
 * Runs `contender` on `cases` in one child; calls `onResult(case, result)` as each result arrives
 * and resolves with { results: { case: result }, oneTime }.
 * A first call still running after capSeconds is stopped: that case gets { timedOut, lowerBound },
 * and the child is not reused.
 */
function inChild(suite, contender, cases, timing, onResult) {
  return new Promise((resolve) => {
    const child = startChild(new URL("./child.mjs", import.meta.url), { suite: suite.name, contender: contender.name, cases, timing });
    const results = {};
    const settle = (name, result) => {
      results[name] = result;
      onResult(name, result);
    };
    let oneTime, current, timer, started;
    child.on("message", (m) => {
      if (m.type === "first-call") {
        current = m.case;
        started = performance.now();
        timer = setTimeout(() => {
          settle(current, { contender: contender.name, group: contender.group, timedOut: true, lowerBound: (performance.now() - started) / 1000 });
          child.kill();
        }, timing.capSeconds * 1000);
      } else if (m.type === "first-call-done") clearTimeout(timer);
      else if (m.type === "result") settle(m.case, m.result);
      else if (m.type === "done") oneTime = m.oneTime;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (current && !results[current]) settle(current, { contender: contender.name, group: contender.group, error: `child process exited with ${signal ?? `code ${code}`}` });
      resolve({ results, oneTime });
    });
  });
}

/** Runs one contender on its cases: one child per case, or (grouped) one for all, restarted after a stopped call. */
async function runContender(suite, contender, cases, timing, grouped, costs, onResult) {
  const results = {};
  let pending = cases.map((c) => c.name);
  while (pending.length) {
    const batch = grouped ? pending : pending.slice(0, 1);
    const r = await inChild(suite, contender, batch, timing, onResult);
    if (r.oneTime) costs.push(r.oneTime);
    Object.assign(results, r.results);
    pending = pending.filter((name) => !results[name]);
    if (r.results && batch.every((name) => !r.results[name])) {
      for (const name of batch) {
        results[name] = { contender: contender.name, group: contender.group, error: "child process produced no result" };
        onResult(name, results[name]);
      }
      pending = pending.filter((name) => !results[name]);
    }
  }
  return results;
}

const times = (x) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

/** What targets are built from; every measured value carries its text. */
function helpers(entries) {
  const caseOf = (c) => entries.find((e) => e.name === c.name);
  const resultOf = (c, name) => caseOf(c)?.results.find((r) => r.contender === name);
  const ok = (r) => r && !r.error && !r.timedOut;
  return {
    resultOf,
    /** peer's time ÷ ours: how many times faster ours is ("> x×" when the peer's call was stopped). */
    ratio(c, ours, peer) {
      const o = resultOf(c, ours), p = resultOf(c, peer);
      if (!ok(o) || !p) return undefined;
      if (p.error) return { failed: `${peer} FAILED (${p.error})` };
      if (p.timedOut) return { value: p.lowerBound / o.median, atLeast: true, text: `> ${times(p.lowerBound / o.median)}` };
      return { value: p.median / o.median, text: times(p.median / o.median) };
    },
    /** ours' time ÷ the bound's (the faster of the bound's contenders): 1 = as fast as the bound. */
    boundRatio(c, ours, key) {
      const o = resultOf(c, ours), b = caseOf(c)?.bounds[key];
      if (!ok(o) || !b) return undefined;
      const value = o.median / resultOf(c, b).median;
      return { value, text: times(value) };
    },
    /** ours' time ÷ the bound's, both timed in ours' process, interleaved (timing.mjs, measurePaired). */
    pairedRatio(c, ours, key) {
      const o = resultOf(c, ours);
      const p = ok(o) ? o.paired?.[key] : undefined;
      return p && { value: p.ratio, text: times(p.ratio) };
    },
    target(description, measured, pass, unit, also, limit) {
      if (measured?.failed) return { target: description, measured: measured.failed, status: "n/a", also };
      const status = measured === undefined ? "n/a" : pass(measured.value) ? "PASS" : "MISS";
      return { target: description, measured: measured === undefined ? "not run" : `${measured.text}${unit.startsWith("×") ? unit.slice(1) : ` ${unit}`}`, status, also, limit: status === "MISS" ? limit : undefined };
    },
  };
}

/** The cases of `suite` that `contender` runs on. */
const casesFor = (suite, contender, quick) => suite.cases(quick).filter((c) => !contender.applies || contender.applies(c));

export const kernelsRunner = {
  names: SUITES.map((s) => s.name),

  count(args, names) {
    const suites = SUITES.filter((s) => names.includes(s.name));
    return suites.reduce((sum, suite) => sum + suite.contenders.reduce((n, c) => n + casesFor(suite, c, args.quick).length, 0), 0);
  },

  /** Runs the named suites; returns { failures, summary, targets?, files }. */
  async run(args, names, progress) {
    const { quick } = args;
    const timing = opsTiming(quick, args.maxTime);
    const costs = [];
    const report = {
      meta: {
        date: new Date().toISOString(), node: process.version, v8: process.versions.v8, cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
        quick, isolation: quick ? "one child process per contender and suite" : "one child process per contender and case", timing,
      },
      suites: [],
    };
    let failures = 0;
    for (const suite of SUITES.filter((s) => names.includes(s.name))) {
      const cases = suite.cases(quick);
      const entries = cases.map((c) => ({ ...c, results: [], bounds: {} }));
      for (const contender of suite.contenders) {
        const mine = casesFor(suite, contender, quick);
        if (!mine.length) continue;
        const onResult = (name, r) => {
          const what = r.error ? `FAILED: ${r.error.split("\n")[0]}` : r.timedOut ? `> ${r.lowerBound.toFixed(1)} s (stopped)` : duration(r.median);
          progress.step([suite.name, name, contender.name, what]);
        };
        const results = await runContender(suite, contender, mine, timing, quick, costs, onResult);
        for (const c of mine) {
          const r = results[c.name];
          entries.find((e) => e.name === c.name).results.push(r);
          if (r.error) failures += r.group === "peer" ? 0 : 1;
        }
      }
      for (const e of entries) {
        for (const b of suite.bounds) {
          const fastest = e.results.filter((r) => b.contenders.includes(r.contender) && !r.error && !r.timedOut).sort((x, y) => x.median - y.median)[0];
          if (fastest) e.bounds[b.key] = fastest.contender;
        }
      }
      const entry = { name: suite.name, title: suite.title, throughputLabel: suite.throughput.label, peers: suite.peers, bounds: suite.bounds, cases: entries };
      for (const e of entries) e.throughputUnits = suite.throughput.per(e);
      if (args.targets) entry.targets = suite.targets(entry, helpers(entries));
      report.suites.push(entry);
    }
    report.oneTime = medianCosts(costs);
    const files = writeResults("kernels", renderKernelsMarkdown(report), report);
    const targets = args.targets ? report.suites.flatMap((s) => s.targets) : undefined;
    return { failures, summary: renderKernelsSummary(report), targets, files };
  },
};
