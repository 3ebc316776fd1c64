// Times one prepared contender with benchmark.js and reduces its samples to a median.
//
// benchmark.js calls `fn` in a loop sized so one sample lasts at least `minTime`, and keeps taking
// samples until `maxTime`; `stats.sample` holds seconds per call for each sample. The median of those
// is reported (the mean is pulled up by GC pauses and by the other process sharing this machine).
// Without setup/teardown benchmark.js does not inline `fn`'s source, so closures are safe.
import Benchmark from "benchmark";

/**
 * Warm-up before timing (excluded from the results): at least WARMUP_CALLS calls and `warmup`
 * seconds of calls, so JIT tiers (V8 compiles WebAssembly lazily, tiering hot functions up in the
 * background), first-touch page faults and lazy allocations happen before the first sample.
 */
const WARMUP_CALLS = 3;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function warmUp(prepared, seconds) {
  const start = performance.now();
  for (let calls = 0; calls < WARMUP_CALLS || performance.now() - start < seconds * 1000; calls++) await prepared.step();
}

/**
 * Runs `prepared.step` under benchmark.js (deferred when `prepared.async`, since ONNX Runtime's
 * `run` returns a promise) and returns seconds per call: median, mean, relative margin of error (%)
 * and the number of samples. Throws what the step threw: benchmark.js itself only records errors.
 */
export async function measure(name, prepared, { maxTime, minSamples, warmup }) {
  await warmUp(prepared, warmup);
  let stepError;
  const bench = await new Promise((resolve) => {
    const options = { maxTime, minSamples, onComplete: () => resolve(bench), onError: () => resolve(bench) };
    const bench = prepared.async
      ? new Benchmark(name, {
          ...options,
          defer: true,
          fn(deferred) {
            prepared.step().then(
              () => deferred.resolve(),
              (error) => {
                stepError ??= error;
                deferred.resolve();
              },
            );
          },
        })
      : new Benchmark(name, { ...options, fn: prepared.step });
    bench.run({ async: prepared.async === true });
  });
  const error = stepError ?? bench.error;
  if (error) throw error;
  const sample = bench.stats.sample;
  return { median: median(sample), mean: bench.stats.mean, rme: bench.stats.rme, samples: sample.length };
}

/**
 * Calls at or above this many seconds are timed one call per sample without benchmark.js (used by
 * the kernel suites, kernels/): benchmark.js would spend several calls calibrating and warming up a
 * step that takes seconds (TF.js drawing 128M random numbers, say) to no benefit.
 */
export const SLOW_CALL_SECONDS = 0.1;

/**
 * Like `measure`, for a step that has already been called once (the checked call) and took
 * `firstSeconds`: fast steps go to benchmark.js; slow ones get `slowSamples` more single-call
 * samples (the checked call served as warm-up), or none when that call alone reached
 * `onlyFirstAbove` seconds, in which case the checked call is the one sample.
 */
export async function measureAdaptive(name, prepared, timing, firstSeconds) {
  if (firstSeconds < SLOW_CALL_SECONDS) return { ...(await measure(name, prepared, timing)), method: "benchmark.js" };
  if (firstSeconds >= timing.onlyFirstAbove) return { median: firstSeconds, mean: firstSeconds, rme: 0, samples: 1, method: "the checked call only" };
  const times = [];
  for (let i = 0; i < timing.slowSamples; i++) {
    const start = performance.now();
    await prepared.step();
    times.push((performance.now() - start) / 1000);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { median: median(times), mean, rme: NaN, samples: times.length, method: "single calls" };
}

/** Seconds per call of `calls` calls in a row. */
async function perCall(prepared, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await prepared.step();
  return (performance.now() - start) / 1000 / calls;
}

/**
 * A kernel and its bound timed in the same process, interleaved: `rounds` rounds, each one batch of
 * the kernel's calls and one of the bound's (each batch about `batchSeconds`, the order alternating
 * between rounds), and the median of the rounds' ratios. Both sides of a round see the same machine
 * state, whereas two medians taken in separate processes minutes apart see different ones (their
 * ratio drifted by tens of percent here: bench/README.md, "Paired bounds"). `oursSeconds` is the
 * kernel's median per call, measured already (it sizes the batches).
 */
export async function measurePaired(ours, bound, oursSeconds, { rounds, batchSeconds, warmup }) {
  await warmUp(bound, warmup);
  const boundSeconds = await perCall(bound, 1);
  const nOurs = Math.max(1, Math.round(batchSeconds / oursSeconds));
  const nBound = Math.max(1, Math.round(batchSeconds / boundSeconds));
  const ratios = [], oursTimes = [], boundTimes = [];
  for (let round = 0; round < rounds; round++) {
    let a, b;
    if (round % 2 === 0) {
      a = await perCall(ours, nOurs);
      b = await perCall(bound, nBound);
    } else {
      b = await perCall(bound, nBound);
      a = await perCall(ours, nOurs);
    }
    ratios.push(a / b);
    oursTimes.push(a);
    boundTimes.push(b);
  }
  return { ratio: median(ratios), ours: median(oursTimes), bound: median(boundTimes), rounds };
}

/** Calls each side makes before the rounds start, at least, and calls per batch, at least. */
const ROUNDS_WARMUP_CALLS = 256;
const ROUNDS_MIN_BATCH = 8;

/** Seconds per call of `calls` calls of a prepared contender, as a `measureRounds` side. */
export const sideOf = (name, prepared) => ({ name, run: (calls) => perCall(prepared, calls).then((s) => s * calls) });

/**
 * Several contenders timed side by side, alternating: each side is { name, run(calls) → seconds
 * those calls took } (in this process or in another one: the native gather answers over a pipe).
 * After a warm-up of `warmup` seconds each, `rounds` rounds each give every side one batch of
 * about `batchSeconds`, in an order rotated by one between rounds, so every side sees the machine
 * as the others do. Returns { [name]: seconds per call in each round }: ratios are taken per round.
 */
export async function measureRounds(sides, { rounds, batchSeconds, warmup }) {
  const batch = new Map();
  for (const side of sides) {
    // Calls in doubling batches until `warmup` seconds and ROUNDS_WARMUP_CALLS calls have passed:
    // the first few hundred calls of a path that allocates run far slower (JIT tiers, a young heap
    // growing, garbage collections every few calls), and the last batch sizes the rounds' batches.
    let calls = 1, total = 1, seconds = await side.run(1);
    const start = performance.now();
    while (performance.now() - start < warmup * 1000 || total < ROUNDS_WARMUP_CALLS) {
      calls = Math.min(calls * 2, 1 << 20);
      total += calls;
      seconds = (await side.run(calls)) / calls;
    }
    batch.set(side.name, Math.max(ROUNDS_MIN_BATCH, Math.round(batchSeconds / seconds)));
  }
  const times = Object.fromEntries(sides.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < sides.length; j++) {
      const side = sides[(round + j) % sides.length];
      const calls = batch.get(side.name);
      times[side.name].push((await side.run(calls)) / calls);
    }
  }
  return times;
}

/** Median, minimum and maximum of the per-round ratios a[i] / b[i]. */
export function roundRatios(a, b) {
  const ratios = a.map((x, i) => x / b[i]);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

export { median };
