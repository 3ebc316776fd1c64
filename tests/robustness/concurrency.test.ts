// Layers used from several worker_threads at once give the same results as one thread: every
// thread builds the same seeded layers (their tables must agree bit for bit), waits at a barrier,
// then all run seeded lookup jobs at the same time (mixed sizes that grow the memories, every API,
// several input forms, bad indices, input on a SharedArrayBuffer read by all). One worker uses a
// kernel module compiled by the main thread (init(module)); one is terminated mid-run. Also: input
// that another thread rewrites during a lookup never yields anything but real rows or a RangeError.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Worker } from "node:worker_threads";
import { Embedding } from "../../src/index.ts";
import { kernelModule } from "../../src/core/kernel.ts";
import { brokenGuards, withGuardBands } from "../../src/testing.ts";
import { fixtureRandom } from "../support/helpers.ts";
import { buildLayers, runJobs, tableDigests } from "../support/workers/lookup-jobs.ts";

const WORKERS = 3;
const JOBS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WorkerResult {
  tables: string[];
  digests: string[][];
  memoryBytes: number[];
  ms: number;
}

function start(data: Record<string, unknown>): { worker: Worker; result: Promise<WorkerResult> } {
  const worker = new Worker(new URL("../support/workers/lookup-worker.mjs", import.meta.url), { workerData: data });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.once("message", (m: WorkerResult) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`worker exited with code ${code} before posting its results`)));
  });
  return { worker, result };
}

async function waitFor(predicate: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = performance.now();
  while (!predicate()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const threads = suite("worker_threads");

threads(`${WORKERS} workers looking up at once agree with one thread, job for job`, async () => {
  const rnd = fixtureRandom(77);
  const weights = { data: Float32Array.from({ length: 20 * 5 }, () => rnd() * 2 - 1), shape: [20, 5] };
  const shared = new SharedArrayBuffer(4 * 20_000);
  new Int32Array(shared).forEach((_, i, a) => (a[i] = (i * 13) % 7));
  const barrier = new SharedArrayBuffer(8);
  const flags = new Int32Array(barrier);
  // Every worker runs the common seed 0 and one seed of its own; a victim worker is terminated mid-run.
  const seeds = Array.from({ length: WORKERS }, (_, w) => [0, w + 1]);
  const workers = seeds.map((s, w) => start({ seeds: s, count: JOBS, barrier, shared, weights, ...(w === 0 ? { module: kernelModule() } : {}) }));
  const victim = start({ seeds: [99], count: 1_000_000, barrier, shared, weights });
  victim.result.catch(() => undefined);
  await waitFor(() => Atomics.load(flags, 0) === WORKERS + 1, "the workers to build their layers");
  // Go: the workers and this thread run their jobs at the same time.
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
  setTimeout(() => void victim.worker.terminate(), 100);
  const layers = buildLayers(weights);
  const fresh = layers.map((l) => l.memoryBytes);
  const mine = tableDigests(layers);
  const view = new Int32Array(shared);
  const expected = Array.from({ length: WORKERS + 1 }, (_, seed) => runJobs(layers, seed, JOBS, view));
  const results = await Promise.all(workers.map((w) => w.result));
  results.forEach((r, w) => {
    assert.equal(r.tables, mine, `worker ${w}: tables built from the same seeds`);
    assert.is(r.digests.length, 2);
    r.digests.forEach((digests, k) => {
      const seed = seeds[w]![k]!;
      const want = expected[seed]!;
      assert.is(digests.length, JOBS);
      const first = digests.findIndex((d, j) => d !== want[j]);
      assert.is(first, -1, `worker ${w}, seed ${seed}, job ${first}: ${digests[first]} vs one thread: ${want[first]}`);
    });
  });
  // The jobs exercised what they should: refusals, and lookups that grew the memories.
  const all = expected.flat();
  assert.ok(all.filter((d) => d.startsWith("E:RangeError:")).length > 20, "bad indices were refused");
  assert.ok(all.filter((d) => !d.startsWith("E:")).length > 0.8 * all.length, "most jobs gave rows");
  assert.ok(layers.some((l, i) => l.memoryBytes > fresh[i]!), "some lookups grew a memory");
  assert.ok(results.every((r) => r.memoryBytes.some((b, i) => b > fresh[i]!)), "in every worker too");
  await victim.worker.terminate();
  for (const l of layers) l.dispose();
});

threads("input rewritten by another thread during lookups: only real rows or a RangeError, table and guards intact", async () => {
  const inputDim = 7;
  const dim = 16;
  // Row r holds r + 0.25 in every column: any output value names the row it came from.
  const table = Float32Array.from({ length: inputDim * dim }, (_, i) => Math.floor(i / dim) + 0.25);
  const layer = withGuardBands(512, () => new Embedding({ inputDim, outputDim: dim, weights: { data: table, shape: [inputDim, dim] } }));
  const shared = new SharedArrayBuffer(4 * 4096);
  const control = new SharedArrayBuffer(8);
  const flags = new Int32Array(control);
  const flipper = new Worker(new URL("../support/workers/flipper.mjs", import.meta.url), { workerData: { shared, control, inputDim } });
  const exited = new Promise((resolve) => flipper.once("exit", resolve));
  try {
    await waitFor(() => Atomics.load(flags, 1) > 2, "the flipper to start");
    const data = new Int32Array(shared);
    let rows = 0;
    let refused = 0;
    const t0 = performance.now();
    for (let k = 0; performance.now() - t0 < 1500 || rows === 0 || refused === 0; k++) {
      const n = 1 + (k % 4096);
      const x = { data: data.subarray(0, n), shape: [n] };
      try {
        const y = k % 2 === 0 ? layer.call(x).data : layer.callInto(x, new Float32Array(n * dim)).data;
        for (let i = 0; i < y.length; i++) {
          const v = y[i]!;
          if (!(v - 0.25 === Math.floor(v) && v >= 0.25 && v < inputDim)) assert.unreachable(`lookup ${k}: output[${i}] = ${v} is no row's value`);
          if (y[i - (i % dim)] !== v) assert.unreachable(`lookup ${k}: row ${Math.floor(i / dim)} mixes rows`);
        }
        rows++;
      } catch (e) {
        assert.instance(e, RangeError);
        assert.match((e as Error).message, /^indices\[\d+\] = -?\d+ is not in \[0, 7\)$/);
        refused++;
      }
      if (performance.now() - t0 > 20_000) break;
    }
    assert.ok(rows > 0 && refused > 0, `${rows} lookups gave rows, ${refused} were refused`);
    assert.equal(Array.from(layer.getWeights()[0]!.data), Array.from(table), "table unchanged");
    assert.equal(brokenGuards(layer), []);
  } finally {
    Atomics.store(flags, 0, 1);
    await exited;
    layer.dispose();
  }
});

threads.run();
