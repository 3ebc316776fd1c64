// `npm run bench` / `node bench/index.mjs`: runs the suites, prints a progress line per finished
// contender run and a compact summary (every line ≤ 100 columns), and writes the full reports to
// bench/results/ (Markdown and JSON).
//
//   node bench/index.mjs [--quick] [--suite=lookup,init,constraints,training] [--targets]
//                        [--workloads=1000x64,10000x64] [--contenders=call,zero-copy,ort-node]
//                        [--max-time=S] [--in-process]
//
// A runner covers one or more suite names: { names, count(args, names) → number of progress lines,
// run(args, names, progress) → { failures, summary, targets?, files } }. RUNNERS lists them in the
// order they run; a new kernel suite registers in kernels/suites.mjs instead (the kernels runner
// runs every suite listed there).
import { lookupRunner } from "./lookup/run.mjs";
import { kernelsRunner } from "./kernels/run.mjs";
import { dramRunner } from "./lookup/dram/run.mjs";
import { pairedRunner } from "./lookup/paired/run.mjs";
import { QUICK_WORKLOADS, WORKLOADS } from "./lookup/workloads.mjs";
import { CONTENDERS } from "./lookup/contenders/index.mjs";
import { progress, say, targetLines, wrap } from "./shared/terminal.mjs";
import { UsageError } from "./shared/usage-error.mjs";

const RUNNERS = [lookupRunner, pairedRunner, dramRunner, kernelsRunner];

const SUITE_NAMES = RUNNERS.flatMap((r) => r.names);

function parseArgs(argv) {
  const args = { quick: false, targets: false, suites: undefined, workloads: undefined, contenders: undefined, maxTime: undefined, inProcess: false };
  const list = (value) => (value ?? "").split(",").filter(Boolean);
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s);
    if (key === "--quick") args.quick = true;
    else if (key === "--targets") args.targets = true;
    else if (key === "--suite" || key === "--suites") args.suites = list(value);
    else if (key === "--workloads") args.workloads = list(value);
    else if (key === "--contenders") args.contenders = list(value);
    else if (key === "--max-time") args.maxTime = Number(value);
    else if (key === "--in-process") args.inProcess = true;
    else if (key === "--help" || key === "-h") args.help = true;
    else throw new UsageError(`Unknown argument ${JSON.stringify(arg)}.`);
  }
  if (args.maxTime !== undefined && !(args.maxTime > 0)) throw new UsageError(`--max-time must be a positive number of seconds. Received: ${JSON.stringify(argv.find((a) => a.startsWith("--max-time")))}.`);
  return args;
}

function help() {
  const list = (label, text) => wrap(text, 80).map((line, i) => `${i ? "" : label}`.padEnd(14) + line).join("\n");
  say(`Usage: node bench/index.mjs [options]   (npm run bench -- [options] also builds and installs)
  --quick             small sizes and short timings (about a minute)
  --suite=a,b         run some suites only
  --targets           also check the performance targets (PASS / MISS)
  --workloads=a,b     lookup workloads    --contenders=x,y   lookup contenders
  --max-time=S        seconds of sampling per contender
  --in-process        lookup contenders in this process instead of one child process each
${list("suites:", `${SUITE_NAMES.join(", ")} (default: all)`)}
${list("workloads:", `${WORKLOADS.map((w) => w.name).join(", ")} (--quick: ${QUICK_WORKLOADS.join(", ")})`)}
${list("contenders:", `${CONTENDERS.map((c) => c.name).join(", ")} (bound-js and bound-wasm always run; bound-fresh runs with call)`)}
Reports: bench/results/lookup.{md,json}, bench/results/kernels.{md,json}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return help();
  const suites = args.suites ?? SUITE_NAMES;
  const unknown = suites.filter((n) => !SUITE_NAMES.includes(n));
  if (unknown.length) throw new UsageError(`Unknown suite: ${unknown.join(", ")}. Known: ${SUITE_NAMES.join(", ")}.`);
  const planned = RUNNERS.map((runner) => ({ runner, names: runner.names.filter((n) => suites.includes(n)) })).filter((p) => p.names.length);
  const total = planned.reduce((sum, p) => sum + p.runner.count(args, p.names), 0);
  say(`embedding-wasm bench${args.quick ? " --quick" : ""}: ${planned.flatMap((p) => p.names).join(", ")}; ${total} contender runs`);
  say();

  const bar = progress(total);
  const outcomes = [];
  for (const { runner, names } of planned) outcomes.push(await runner.run(args, names, bar));

  for (const outcome of outcomes) {
    say();
    say(outcome.summary);
  }
  if (args.targets) {
    const targets = outcomes.flatMap((o) => o.targets ?? []);
    const counts = ["PASS", "MISS", "n/a"].map((s) => `${targets.filter((t) => t.status === s).length} ${s}`).join(", ");
    say();
    say(`Targets (${counts}; what limits each MISS: the reports named at the end)`);
    say();
    say(targetLines(targets).join("\n"));
  }
  say();
  say(`Reports (full tables: ratios to peers and bounds, setup costs${args.targets ? ", targets and their limits" : ""}):`);
  for (const o of outcomes) say(`  ${o.files.join("  ")}`);
  const failures = outcomes.reduce((sum, o) => sum + o.failures, 0);
  if (failures) {
    say(`${failures} contender run(s) failed; the reports give the errors.`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(wrap(`${error.message} Try --help.`, 100).join("\n") + "\n");
  process.exitCode = 2;
}
