// Long-running use must not leak: 100,000 lookups of mixed sizes and forms, 2,000 layers created
// and disposed (and 2,000 dropped without dispose), 20,000 refused lookups. The work runs in a
// child process started with --expose-gc (tests/support/workers/leak-probe.ts), so memory is measured
// after full collections; the margins below are generous, and a leak of the layers' WebAssembly
// memories (gigabytes in total) or of their JS objects would exceed them by orders of magnitude.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const MiB = 2 ** 20;

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
interface Report {
  calls: { calls: number; checked: number; refused: number; ms: number; base: Usage; end: Usage; baseBytes: number[]; endBytes: number[]; tables: number[]; outputDims: number[] };
  disposed: { layers: number; kept: number; ms: number; base: Usage; end: Usage; alive: number; peakBytes: number; createdBytes: number };
  dropped: { layers: number; kept: number; ms: number; base: Usage; end: Usage; alive: number; peakBytes: number; createdBytes: number };
  refusals: { count: number; refused: number; base: Usage; end: Usage; baseBytes: number; endBytes: number };
}

let probe: Promise<Report> | undefined;
/** Runs the probe once (shared by the tests below). */
function report(): Promise<Report> {
  probe ??= new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL("../support/workers/leak-probe.ts", import.meta.url));
    execFile(process.execPath, ["--expose-gc", "--import", "tsx", script], { timeout: 150_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`leak probe failed (${error.signal ?? `exit code ${String(error.code)}`}): ${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split("\n").pop()!) as Report);
    });
  });
  return probe;
}

const growth = (r: { base: Usage; end: Usage }, key: keyof Usage) => r.end[key] - r.base[key];
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const leaks = suite("leaks");

leaks("100,000 lookups of mixed sizes: each layer's WebAssembly memory stops at its high-water mark", async () => {
  const { calls } = await report();
  assert.is(calls.calls, 100_000);
  assert.ok(calls.checked >= 10, "some results were checked against the reference");
  assert.ok(calls.refused > 1000, "refused lookups were part of the mix");
  assert.equal(calls.endBytes, calls.baseBytes, "no layer's memory grew after the warm-up (which held the largest lookup)");
  calls.endBytes.forEach((bytes, i) => {
    // The table, lookup regions for at most twice the largest lookup (8,192 positions), and slack.
    const bound = calls.tables[i]! + 2 * 8192 * (8 + 4 * calls.outputDims[i]!) + 256 * 1024;
    assert.ok(bytes <= bound, `layer ${i}: ${bytes} bytes, bound ${bound}`);
  });
});

leaks("100,000 lookups of mixed sizes: the process's memory stays flat after the warm-up", async () => {
  const { calls } = await report();
  assert.ok(growth(calls, "rss") < 64 * MiB, `rss grew ${mib(growth(calls, "rss"))}`);
  assert.ok(growth(calls, "heapUsed") < 4 * MiB, `heap grew ${mib(growth(calls, "heapUsed"))}`);
  assert.ok(growth(calls, "external") < 4 * MiB, `external memory grew ${mib(growth(calls, "external"))}`);
  assert.ok(growth(calls, "arrayBuffers") < 4 * MiB, `ArrayBuffers grew ${mib(growth(calls, "arrayBuffers"))}`);
});

leaks("2,000 layers created, used and disposed, the objects kept: every WebAssembly memory is released", async () => {
  const { disposed } = await report();
  assert.is(disposed.layers, 2000);
  assert.is(disposed.kept, 2000);
  // The memories created add up to most of a gigabyte: keeping them would break every bound below.
  assert.ok(disposed.createdBytes > 512 * MiB, `created ${mib(disposed.createdBytes)}`);
  assert.ok(disposed.alive <= 10, `${disposed.alive} WebAssembly memories of disposed layers are still alive`);
  assert.ok(growth(disposed, "rss") < 64 * MiB, `rss grew ${mib(growth(disposed, "rss"))}`);
  assert.ok(growth(disposed, "external") < 16 * MiB, `external memory grew ${mib(growth(disposed, "external"))}`);
  // 2,000 small disposed objects are kept on purpose; their memories are not.
  assert.ok(growth(disposed, "heapUsed") < 16 * MiB, `heap grew ${mib(growth(disposed, "heapUsed"))}`);
});

leaks("2,000 layers dropped without dispose: the garbage collector takes their memories back", async () => {
  const { dropped } = await report();
  assert.is(dropped.layers, 2000);
  assert.ok(dropped.createdBytes > 512 * MiB, `created ${mib(dropped.createdBytes)}`);
  assert.ok(dropped.alive <= 10, `${dropped.alive} WebAssembly memories are still alive`);
  assert.ok(growth(dropped, "rss") < 64 * MiB, `rss grew ${mib(growth(dropped, "rss"))}`);
  assert.ok(growth(dropped, "external") < 16 * MiB, `external memory grew ${mib(growth(dropped, "external"))}`);
  assert.ok(growth(dropped, "heapUsed") < 8 * MiB, `heap grew ${mib(growth(dropped, "heapUsed"))}`);
});

leaks("20,000 refused lookups: no memory growth of any kind", async () => {
  const { refusals } = await report();
  assert.is(refusals.refused, refusals.count);
  assert.is(refusals.count, 20_000);
  assert.is(refusals.endBytes, refusals.baseBytes, "the layer's memory");
  assert.ok(growth(refusals, "heapUsed") < 2 * MiB, `heap grew ${mib(growth(refusals, "heapUsed"))}`);
  assert.ok(growth(refusals, "external") < 2 * MiB, `external memory grew ${mib(growth(refusals, "external"))}`);
  assert.ok(growth(refusals, "rss") < 32 * MiB, `rss grew ${mib(growth(refusals, "rss"))}`);
});

leaks.run();
