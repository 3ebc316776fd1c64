// The DRAM suite (`--suite=dram`): this package's lookups from a table larger than the last-level
// cache, every call on fresh random rows (workloads.mjs), beside a native C gather of the same rows
// from the same table shape (bench/native/gather.c, built with the machine's cc at bench time).
// The two cannot share a process, so they share the time instead: alternating rounds
// (shared/timing.mjs, measureRounds), the C process gathering only while this one waits, and the
// ratios taken per round. Runs in this process (one layer alive at a time); writes
// bench/results/dram.{md,json}.
import { cpus } from "node:os";
import { lastLevelCache } from "../../shared/cache.mjs";
import { writeResults } from "../../shared/results.mjs";
import { duration, textTable } from "../../shared/terminal.mjs";
import { measureRounds, median, roundRatios } from "../../shared/timing.mjs";
import { startNativeGather } from "./native.mjs";
import { DRAM_WORKLOADS, QUICK_DRAM_WORKLOADS, dramShape, hashWords, makeIndexSet, makeTable } from "./workloads.mjs";

const PATHS = ["zero-copy", "callInto", "call"];
const NATIVE = "native C gather";

/** The target: zero-copy from DRAM with fresh rows within this factor of the C gather's ns per row. */
const ZERO_COPY_MAX_RATIO = 1.2;

const LIMIT =
  "both wait on DRAM for every row (a random read the caches cannot hold), and how many misses each keeps in " +
  "flight decides the time: WebAssembly has no prefetch instruction, so the kernel loads a byte of every line of " +
  "32 KiB of rows before copying them, and the C gather's own time moves by a third between runs on a shared " +
  "machine; the index write into indexBuffer is timed on our side only";

/** Both row widths in a full run, the 256-byte rows with --quick. */
function plan(args) {
  return args.quick ? DRAM_WORKLOADS.filter((w) => QUICK_DRAM_WORKLOADS.includes(w.name)) : DRAM_WORKLOADS;
}

/** The three lookup paths on one layer, each call taking the next index set in rotation. */
function pathSides(layer, shape, sets) {
  const dims = [shape.batch, shape.sequence];
  const out = new Float32Array(shape.n * shape.dim);
  const rotate = () => {
    let next = 0;
    return () => sets[(next = (next + 1) % sets.length)];
  };
  const steps = {
    "zero-copy": (indices) => {
      layer.indexBuffer(shape.n).set(indices);
      return layer.lookupBuffer(dims);
    },
    callInto: (indices) => layer.callInto({ data: indices, shape: dims }, out).data,
    call: (indices) => layer.call({ data: indices, shape: dims }).data,
  };
  return PATHS.map((name) => {
    const nextSet = rotate();
    const step = steps[name];
    return {
      name,
      check: () => hashWords(step(sets[0])),
      run(calls) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) step(nextSet());
        return Promise.resolve((performance.now() - start) / 1000);
      },
    };
  });
}

async function runWorkload(w, cache, timing, progress) {
  const shape = dramShape(w, cache.bytes);
  const label = `${shape.rows}×${shape.dim} ${shape.batch}×${shape.sequence}`;
  const entry = { ...shape, label };
  const { Embedding } = await import("embedding-wasm");
  let start = performance.now();
  const sets = Array.from({ length: shape.sets }, (_, s) => makeIndexSet(shape.rows, shape.n, s));
  let table = makeTable(shape.rows, shape.dim);
  entry.setupSeconds = { "table and index sets (JS)": (performance.now() - start) / 1000 };
  start = performance.now();
  const layer = new Embedding({ inputDim: shape.rows, outputDim: shape.dim, weights: [{ data: table, shape: [shape.rows, shape.dim] }] });
  table = undefined;
  entry.setupSeconds["new Embedding"] = (performance.now() - start) / 1000;
  start = performance.now();
  const native = await startNativeGather(shape);
  entry.setupSeconds["native gather (build, table, sets)"] = (performance.now() - start) / 1000;
  try {
    const sides = pathSides(layer, shape, sets);
    for (const side of sides) {
      const hash = side.check();
      if (!native.skipped && hash !== native.hash) throw new Error(`${side.name}: output of index set 0 hashes to ${hash}, the native gather's to ${native.hash}`);
    }
    if (native.skipped) entry.nativeSkipped = native.skipped;
    else entry.compiler = native.compiler;
    const times = await measureRounds(native.skipped ? sides : [native.side, ...sides], timing);
    entry.results = Object.entries(times).map(([name, perRound]) => {
      const perCall = median(perRound);
      const r = { contender: name, median: perCall, nsPerRow: (perCall * 1e9) / shape.n, gbPerSecond: (shape.n * shape.dim * 4) / perCall / 1e9 };
      if (!native.skipped && name !== NATIVE) r.overNative = roundRatios(perRound, times[NATIVE]);
      return r;
    });
    for (const r of entry.results) progress.step(["dram", label, r.contender, `${r.nsPerRow.toFixed(1)} ns/row`]);
  } catch (error) {
    entry.error = String(error?.stack ?? error);
    for (const name of [NATIVE, ...PATHS]) progress.step(["dram", label, name, `FAILED: ${entry.error.split("\n")[0]}`]);
  } finally {
    layer.dispose();
    await native.close?.();
  }
  return entry;
}

const ratioText = (r) => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

function evaluateTargets(report) {
  return report.workloads.map((w) => {
    const zc = w.results?.find((r) => r.contender === "zero-copy");
    const ratio = zc?.overNative;
    const also = w.results?.filter((r) => r.overNative && r.contender !== "zero-copy").map((r) => `${r.contender} ${ratioText(r.overNative)}`).join(", ");
    const pass = ratio === undefined ? undefined : ratio.median <= ZERO_COPY_MAX_RATIO;
    return {
      target: `${w.name} (${w.label}, fresh rows): \`zero-copy\` ≤ ${ZERO_COPY_MAX_RATIO}× the native C gather's ns per row`,
      measured: ratio ? `${ratioText(ratio)} (median of rounds, range)` : w.nativeSkipped ? `skipped: ${w.nativeSkipped}` : "not run",
      status: pass === undefined ? "n/a" : pass ? "PASS" : "MISS",
      also: also || undefined,
      limit: pass === false ? LIMIT : undefined,
    };
  });
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function renderMarkdown(report) {
  const m = report.meta;
  const lines = [
    "# embedding-wasm lookups from DRAM, beside a native C gather",
    "",
    `${m.date} · Node ${m.node} · ${m.cpu} · last-level cache ${mib(m.cacheBytes)} (${m.cacheSource}) · ${m.rounds} alternating rounds of ~${m.batchSeconds * 1000} ms per side${m.quick ? " · **--quick**" : ""}`,
    "",
    "Each call looks up the next of many precomputed random index sets (covering the bytes named below), so rows come",
    "from DRAM. ns / row = median over rounds of the time per call ÷ rows per call; × C = this side's time ÷ the C",
    "gather's, per round: median (min–max).",
    "",
  ];
  for (const w of report.workloads) {
    lines.push(`## ${w.name}: table ${w.rows} × ${w.dim} (${mib(w.tableBytes)}), ${w.batch} × ${w.sequence} rows per call, ${w.sets} index sets (${mib(w.setBytes)} of rows)`, "");
    if (w.nativeSkipped) lines.push(`Native gather skipped: ${w.nativeSkipped}.`, "");
    else if (w.compiler) lines.push(`Native gather: ${w.compiler}.`, "");
    if (w.error) {
      lines.push(`FAILED: ${w.error.split("\n")[0]}`, "");
      continue;
    }
    lines.push("| contender | median / call | ns / row | GB/s | × C (median, range) |", "| --- | ---: | ---: | ---: | ---: |");
    for (const r of w.results) lines.push(`| ${r.contender} | ${duration(r.median)} | ${r.nsPerRow.toFixed(1)} | ${r.gbPerSecond.toFixed(2)} | ${r.overNative ? ratioText(r.overNative) : "—"} |`);
    lines.push("", `Setup: ${Object.entries(w.setupSeconds).map(([k, s]) => `${k} ${s.toFixed(2)} s`).join("; ")}.`, "");
  }
  if (report.targets) {
    lines.push("## Targets", "", "| status | target | measured | also | what limits it (when missed) |", "| --- | --- | --- | --- | --- |");
    for (const t of report.targets) lines.push(`| **${t.status}** | ${t.target} | ${t.measured} | ${t.also ?? ""} | ${t.limit ?? ""} |`);
    lines.push("");
  }
  return lines.join("\n");
}

function renderSummary(report) {
  const rows = [NATIVE, ...PATHS].map((name) => [
    name,
    ...report.workloads.map((w) => {
      const r = w.results?.find((x) => x.contender === name);
      if (!r) return w.error ? "FAILED" : "";
      return `${r.nsPerRow.toFixed(1)} ns${r.overNative ? ` ${r.overNative.median.toFixed(2)}×` : ""}`;
    }),
  ]);
  const notes = report.workloads.filter((w) => w.nativeSkipped).map((w) => `\n(native gather skipped on ${w.name}: ${w.nativeSkipped})`);
  return `dram: ns per row with fresh rows every call, and × the native C gather (median of rounds)\n\n${textTable(["contender", ...report.workloads.map((w) => w.label)], rows)}${notes.join("")}`;
}

export const dramRunner = {
  names: ["dram"],

  count(args) {
    return plan(args).length * (1 + PATHS.length);
  },

  async run(args, _names, progress) {
    const cache = lastLevelCache();
    const timing = args.quick ? { rounds: 5, batchSeconds: 0.05, warmup: 0.2 } : { rounds: 15, batchSeconds: 0.1, warmup: 0.5 };
    const workloads = [];
    for (const w of plan(args)) workloads.push(await runWorkload(w, cache, timing, progress));
    const report = {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
        cacheBytes: cache.bytes,
        cacheSource: cache.source,
        quick: args.quick,
        ...timing,
      },
      workloads,
    };
    if (args.targets) report.targets = evaluateTargets(report);
    const files = writeResults("dram", renderMarkdown(report), report);
    return { failures: workloads.filter((w) => w.error).length, summary: renderSummary(report), targets: report.targets, files };
  },
};
