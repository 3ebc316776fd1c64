// Parent side of the kernel suites (init, constraints, training): runs every contender on every
// case in child processes (child.mjs), stops calls that run past the cap, then works out the
// ratios, the bounds and the targets and writes bench/results/ops-latest.{md,json}.
//
// Isolation: a fresh process per contender and case (full runs), so no library's heap or
// WebAssembly memory is alive while another is timed. --quick runs each contender's cases of a
// suite in one process (small tables; saves ~30 process starts and TF.js imports).
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { renderOpsMarkdown } from "./report.mjs";
import { SUITES } from "./suites.mjs";

const log = (...parts) => process.stderr.write(parts.join(" ") + "\n");

/** Timing settings: full runs take ≥ 3 samples of slow steps; --quick takes one more call after the checked one. */
export function opsTiming(quick, maxTime) {
  return quick
    ? { quick, maxTime: maxTime ?? 0.05, minSamples: 3, warmup: 0.02, slowSamples: 1, onlyFirstAbove: 1, capSeconds: 2, paired: { rounds: 5, batchSeconds: 0.01, warmup: 0.01 } }
    : { quick, maxTime: maxTime ?? 1, minSamples: 5, warmup: 0.5, slowSamples: 3, onlyFirstAbove: 10, capSeconds: 20, paired: { rounds: 15, batchSeconds: 0.05, warmup: 0.2 } };
}

/**
 * Runs `contender` on `cases` in one child; resolves with { results: { case: result }, oneTime }.
 * A first call still running after capSeconds is stopped: that case gets { timedOut, lowerBound },
 * and the child is not reused.
 */
function inChild(suite, contender, cases, timing) {
  return new Promise((resolve) => {
    const child = fork(new URL("./child.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const results = {};
    let oneTime, current, timer, started;
    child.on("message", (m) => {
      if (m.type === "first-call") {
        current = m.case;
        started = performance.now();
        timer = setTimeout(() => {
          results[current] = { contender: contender.name, group: contender.group, timedOut: true, lowerBound: (performance.now() - started) / 1000 };
          child.kill();
        }, timing.capSeconds * 1000);
      } else if (m.type === "first-call-done") clearTimeout(timer);
      else if (m.type === "result") results[m.case] = m.result;
      else if (m.type === "done") oneTime = m.oneTime;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (current && !results[current]) results[current] = { contender: contender.name, group: contender.group, error: `child process exited with ${signal ?? `code ${code}`}` };
      resolve({ results, oneTime });
    });
    child.send({ suite: suite.name, contender: contender.name, cases, timing });
  });
}

/** Runs one contender on its cases: one child per case, or (grouped) one for all, restarted after a stopped call. */
async function runContender(suite, contender, cases, timing, grouped, costs) {
  const results = {};
  let pending = cases.map((c) => c.name);
  while (pending.length) {
    const batch = grouped ? pending : pending.slice(0, 1);
    const r = await inChild(suite, contender, batch, timing);
    if (r.oneTime) costs.push(r.oneTime);
    Object.assign(results, r.results);
    pending = pending.filter((name) => !results[name]);
    if (r.results && batch.every((name) => !r.results[name])) {
      for (const name of batch) results[name] = { contender: contender.name, group: contender.group, error: "child process produced no result" };
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

/** Median per label of the one-time costs each child paid. */
function medianCosts(perProcess) {
  const byLabel = new Map();
  for (const costs of perProcess) for (const [label, ms] of Object.entries(costs)) byLabel.set(label, [...(byLabel.get(label) ?? []), ms]);
  return Object.fromEntries([...byLabel].map(([label, v]) => [label, v.sort((a, b) => a - b)[v.length >> 1]]));
}

/** Runs the named suites; returns the report and writes it to bench/results/ops-latest.{md,json}. */
export async function runOpsSuites({ names, quick, maxTime }) {
  const timing = opsTiming(quick, maxTime);
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
    log(`\n${suite.title}: ${cases.length} cases${quick ? " (--quick sizes)" : ""}`);
    const entries = cases.map((c) => ({ ...c, results: [], bounds: {} }));
    for (const contender of suite.contenders) {
      const mine = cases.filter((c) => !contender.applies || contender.applies(c));
      if (!mine.length) continue;
      const results = await runContender(suite, contender, mine, timing, quick, costs);
      for (const c of mine) {
        const r = results[c.name];
        entries.find((e) => e.name === c.name).results.push(r);
        if (r.error) failures += r.group === "peer" ? 0 : 1;
        const what = r.error ? `FAILED: ${r.error}` : r.timedOut ? `stopped after ${r.lowerBound.toFixed(1)} s (one call)` : `${(r.median * 1e3).toFixed(3)} ms  ${r.samples} samples (${r.method})  ${r.check ?? ""}`;
        log(`  ${c.name.padEnd(30)} ${contender.name.padEnd(18)} ${what}`);
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
    entry.targets = suite.targets(entry, helpers(entries));
    report.suites.push(entry);
  }
  report.oneTime = medianCosts(costs);
  const dir = new URL("../results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("ops-latest.json", dir), JSON.stringify(report, null, 2) + "\n");
  const markdown = renderOpsMarkdown(report);
  writeFileSync(new URL("ops-latest.md", dir), markdown);
  console.log(markdown);
  log("written: bench/results/ops-latest.md, bench/results/ops-latest.json");
  return { report, failures };
}
