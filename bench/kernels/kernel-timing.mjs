// Timing for the standalone kernel benches (bag.mjs, reverse.mjs, nearest.mjs): the median of
// repeated runs after warm-up, and TF.js 4.22 on its wasm backend from the top-level devDependencies.
import { createRequire } from "node:module";
import { generator } from "../shared/random.mjs";
import { dirname, join, sep } from "node:path";

/** Median milliseconds of `fn` over `runs` runs, after `warmup` unmeasured ones. */
export function median(fn, { runs = 15, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median milliseconds of each of `fns`, timed in alternation (one call of each per round, after
 * `warmup` rounds), so load that comes and goes on a shared machine falls on all of them alike.
 */
export function interleaved(fns, { runs = 15, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) for (const fn of fns) fn();
  const times = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    fns.forEach((fn, j) => {
      const start = performance.now();
      fn();
      times[j].push(performance.now() - start);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/**
 * `fns` timed in alternation as in `interleaved`, and each one's time over the last one's (the bound)
 * round by round: { medians, ratios: [{ low, median, high }] for every fn but the last }.
 */
export function ratiosToLast(fns, { runs = 15, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) for (const fn of fns) fn();
  const times = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    fns.forEach((fn, j) => {
      const start = performance.now();
      fn();
      times[j].push(performance.now() - start);
    });
  }
  const mid = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
  const bound = times[times.length - 1];
  const ratios = times.slice(0, -1).map((t) => {
    const r = t.map((x, i) => x / bound[i]).sort((a, b) => a - b);
    return { low: r[0], median: r[Math.floor(r.length / 2)], high: r[r.length - 1] };
  });
  return { medians: times.map(mid), ratios };
}

/** ratiosToLast for contenders that return promises (each awaited before the next starts). */
export async function ratiosToLastAsync(fns, { runs = 15, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const times = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < fns.length; j++) {
      const start = performance.now();
      await fns[j]();
      times[j].push(performance.now() - start);
    }
  }
  const mid = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
  const bound = times[times.length - 1];
  const ratios = times.slice(0, -1).map((t) => {
    const r = t.map((x, i) => x / bound[i]).sort((a, b) => a - b);
    return { low: r[0], median: r[Math.floor(r.length / 2)], high: r[r.length - 1] };
  });
  return { medians: times.map(mid), ratios };
}

/** TF.js with the wasm backend ready (XNNPACK; single-threaded in Node unless threads are enabled). */
export async function tfjsWasm() {
  const tf = await import("@tensorflow/tfjs");
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + sep);
  const warn = console.warn;
  console.warn = () => {};
  await tf.setBackend("wasm");
  await tf.ready();
  console.warn = warn;
  return tf;
}

/** A deterministic Float32Array of n values in [-1, 1). */
export function randomFloats(n, seed = 1) {
  const random = generator(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = random() * 2 - 1;
  return out;
}

/** n random row indices in [0, rows). */
export function randomIndices(n, rows, seed = 2) {
  const f = randomFloats(n, seed);
  return Int32Array.from(f, (v) => Math.min(rows - 1, Math.floor(((v + 1) / 2) * rows)));
}

export const fmt = (ms) => `${ms.toFixed(3)} ms`;
