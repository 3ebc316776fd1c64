// `npm run bench`: every contender on every workload, in one run.
//
// Each contender runs on each workload in a fresh child process (child.mjs): it makes the seeded
// table, indices and reference, sets the contender up (timed apart), checks its output, warms it
// up, times it and reports back. One at a time, so the machine's two cores are not shared between
// contenders and at most one library's copy of a large table is alive. --in-process runs them all
// in this process instead (faster to start, but later contenders then run with the heaps earlier
// ones left behind; see README.md).
//
//   node bench/index.mjs [--quick] [--suite=lookup,init,constraints,training]
//                        [--workloads=1000x64,10000x64] [--contenders=call,zero-copy,ort-node]
//                        [--max-time=S] [--in-process]
//
// --suite picks the suites (default: all). "lookup" is the one above (results/latest.*); init,
// constraints and training are the kernel suites of ops/ (results/ops-latest.*, see ops/run.mjs).
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CONTENDERS } from "./lookup/contenders/index.mjs";
import { oneTimeCosts } from "./shared/clock.mjs";
import { renderMarkdown } from "./lookup/report.mjs";
import { runContender } from "./lookup/run-contender.mjs";
import { evaluateTargets } from "./lookup/targets.mjs";
import { runOpsSuites } from "./kernels/run.mjs";
import { SUITES } from "./kernels/suites.mjs";
import { QUICK_WORKLOADS, WORKLOADS, makeData } from "./lookup/workloads.mjs";

// In-process mode: a full collection between contenders returns the previous one's buffers (up to
// ~1 GB for the largest tables) before the next allocates its own.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc");

function parseArgs(argv) {
  const args = { quick: false, suites: undefined, workloads: undefined, contenders: undefined, maxTime: undefined, inProcess: false };
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s);
    if (key === "--quick") args.quick = true;
    else if (key === "--suite" || key === "--suites") args.suites = value.split(",").filter(Boolean);
    else if (key === "--workloads") args.workloads = value.split(",").filter(Boolean);
    else if (key === "--contenders") args.contenders = value.split(",").filter(Boolean);
    else if (key === "--max-time") args.maxTime = Number(value);
    else if (key === "--in-process") args.inProcess = true;
    else if (key === "--help" || key === "-h") args.help = true;
    else throw new Error(`Unknown argument ${JSON.stringify(arg)}. Try --help.`);
  }
  return args;
}

function select(kind, all, names) {
  if (names === undefined) return all;
  const unknown = names.filter((n) => !all.some((x) => x.name === n));
  if (unknown.length) throw new Error(`Unknown ${kind}: ${unknown.join(", ")}. Known: ${all.map((x) => x.name).join(", ")}`);
  return all.filter((x) => names.includes(x.name));
}

const log = (...parts) => process.stderr.write(parts.join(" ") + "\n");

/** Runs one contender on some workloads, in turn, in a fresh Node process; resolves with one result per workload. */
function inChild(workloads, contender, timing) {
  return new Promise((resolve) => {
    const child = fork(new URL("./lookup/child.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let results;
    child.on("message", (message) => (results = message));
    child.on("exit", (code, signal) => {
      const error = `child process exited with ${signal ?? `code ${code}`}`;
      resolve(results ?? workloads.map(() => ({ contender: contender.name, group: contender.group, error })));
    });
    child.send({ workloads: workloads.map((w) => w.name), contender: contender.name, timing });
  });
}

/** The same, in this process (--in-process). */
async function inProcess(data, contender, timing) {
  const result = await runContender(contender, data, timing);
  collectGarbage();
  result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  return result;
}

/** One-time costs from every child: the median per label, since each child pays them again. */
function medianCosts(perProcess) {
  const byLabel = new Map();
  for (const costs of perProcess) for (const [label, ms] of Object.entries(costs)) byLabel.set(label, [...(byLabel.get(label) ?? []), ms]);
  return Object.fromEntries([...byLabel].map(([label, values]) => [label, values.sort((a, b) => a - b)[values.length >> 1]]));
}

const SUITE_NAMES = ["lookup", ...SUITES.map((s) => s.name)];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(`Usage: node bench/index.mjs [--quick] [--suite=a,b] [--workloads=a,b] [--contenders=x,y] [--max-time=seconds] [--in-process]
  suites:      ${SUITE_NAMES.join(", ")} (default: all; --workloads, --contenders and --in-process apply to lookup)
  workloads:   ${WORKLOADS.map((w) => w.name).join(", ")} (--quick: ${QUICK_WORKLOADS.join(", ")})
  contenders:  ${CONTENDERS.map((c) => c.name).join(", ")} (bound-js and bound-wasm always run; bound-fresh runs with call)`);
    return;
  }
  const suites = args.suites ?? SUITE_NAMES;
  const unknown = suites.filter((n) => !SUITE_NAMES.includes(n));
  if (unknown.length) throw new Error(`Unknown suite: ${unknown.join(", ")}. Known: ${SUITE_NAMES.join(", ")}`);
  let failures = 0;
  if (suites.includes("lookup")) failures += await lookupSuite(args);
  const ops = suites.filter((n) => n !== "lookup");
  if (ops.length) failures += (await runOpsSuites({ names: ops, quick: args.quick, maxTime: args.maxTime })).failures;
  if (failures) {
    log(`${failures} contender run(s) failed; see the tables.`);
    process.exitCode = 1;
  }
}

/** The lookup suite (issue 3): every lookup contender on every workload; returns the number of failed runs. */
async function lookupSuite(args) {
  const workloads = select("workload", WORKLOADS, args.workloads ?? (args.quick ? QUICK_WORKLOADS : undefined));
  // The bounds always run: every "% of bound" needs one; the fresh-array bound runs beside `call`.
  const chosen = select("contender", CONTENDERS, args.contenders);
  const withCall = chosen.some((c) => c.name === "call");
  const contenders = CONTENDERS.filter((c) => c.group === "bound" || (c.group === "fresh-bound" && withCall) || chosen.includes(c));
  // benchmark.js: each sample lasts at least minTime; samples are taken until maxTime (and at least
  // minSamples). Warm-up (seconds of untimed calls) comes first.
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
  log(`embedding-wasm bench: ${workloads.length} workloads × ${contenders.length} contenders, maxTime ${timing.maxTime} s`);

  const results = [];
  const costs = [];
  let failures = 0;
  // --quick: one child per contender runs all its workloads (process start-ups and imports are most
  // of a quick run); a full run isolates every contender on every workload.
  const batched = new Map();
  if (args.quick && !args.inProcess) for (const c of contenders) batched.set(c.name, await inChild(workloads, c, timing));
  for (const [wi, w] of workloads.entries()) {
    let data = args.inProcess ? makeData(w) : undefined;
    const n = w.batch * w.sequence;
    const entry = { ...w, n, outputBytes: n * w.outputDim * 4, results: [] };
    log(`\n${w.name}: table ${w.inputDim}×${w.outputDim} (${((w.inputDim * w.outputDim * 4) / 2 ** 20).toFixed(1)} MiB), indices ${w.batch}×${w.sequence}`);
    for (const c of contenders) {
      const r = args.inProcess ? await inProcess(data, c, timing) : batched.get(c.name)?.[wi] ?? (await inChild([w], c, timing))[0];
      if (r.oneTime) costs.push(r.oneTime);
      delete r.oneTime;
      if (r.error) {
        failures++;
        log(`  ${c.name.padEnd(18)} FAILED: ${r.error}`);
      } else {
        r.nsPerRow = (r.median * 1e9) / n;
        r.gbPerSecond = entry.outputBytes / r.median / 1e9;
        log(`  ${c.name.padEnd(18)} ${(r.median * 1e6).toFixed(3).padStart(12)} µs  ±${r.rme.toFixed(1)}%  ${String(r.samples).padStart(3)} samples  max RSS ${r.maxRssMiB} MiB`);
      }
      entry.results.push(r);
    }
    // The bound is the faster of the two contiguous copies; every row's % of bound uses it.
    const bounds = entry.results.filter((r) => r.group === "bound" && !r.error).sort((a, b) => a.median - b.median);
    entry.bound = bounds[0]?.contender;
    for (const r of entry.results) if (!r.error && bounds[0]) r.percentOfBound = (100 * bounds[0].median) / r.median;
    const fresh = entry.results.find((r) => r.group === "fresh-bound" && !r.error);
    const call = entry.results.find((r) => r.contender === "call" && !r.error);
    if (fresh && call) call.percentOfFreshBound = (100 * fresh.median) / call.median;
    results.push(entry);
    data = undefined;
  }

  const report = {
    meta: { ...meta, peakRssMiB: Math.max(0, ...results.flatMap((w) => w.results.map((r) => r.maxRssMiB ?? 0))) },
    oneTime: args.inProcess ? oneTimeCosts() : medianCosts(costs),
    workloads: results,
  };
  report.targets = evaluateTargets(report);
  const markdown = renderMarkdown(report);
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("latest.json", dir), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(new URL("latest.md", dir), markdown);
  console.log(markdown);
  log(`written: bench/results/latest.md, bench/results/latest.json`);
  return failures;
}

await main();
