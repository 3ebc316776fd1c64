// A worker_threads worker for tests/robustness/concurrency.test.ts (started through lookup-worker.mjs, which
// registers tsx). Builds the seeded layers (optionally after init() with a module compiled by the
// main thread), reports ready, waits at a barrier so that every thread starts at once, then runs
// its jobs and posts the digests.
import { parentPort, workerData } from "node:worker_threads";
import { init } from "../../../src/index.ts";
import { buildLayers, runJobs, tableDigests } from "./lookup-jobs.ts";

interface Data {
  seeds: number[];
  count: number;
  barrier: SharedArrayBuffer;
  shared: SharedArrayBuffer;
  weights: { data: Float32Array; shape: number[] };
  module?: WebAssembly.Module;
}

const data = workerData as Data;
if (data.module !== undefined) await init(data.module);
const layers = buildLayers(data.weights);
const tables = tableDigests(layers);
const barrier = new Int32Array(data.barrier);
Atomics.add(barrier, 0, 1);
Atomics.notify(barrier, 0);
// Wait for the main thread's go (barrier[1] = 1).
while (Atomics.load(barrier, 1) === 0) Atomics.wait(barrier, 1, 0, 1000);
const t0 = performance.now();
const shared = new Int32Array(data.shared);
const digests = data.seeds.map((seed) => runJobs(layers, seed, data.count, shared));
const memoryBytes = layers.map((l) => l.memoryBytes);
for (const l of layers) l.dispose();
parentPort!.postMessage({ tables, digests, memoryBytes, ms: performance.now() - t0 });
