// One contender on one workload: set up (timed apart), check the output against the reference
// (twice: the second call catches paths that only work once, e.g. stale views), time, dispose.
// Called in a fresh child process per contender (child.mjs), or in-process with --in-process.
import { measure } from "../shared/timing.mjs";

/** Exact comparison: a gather copies bits, so anything but identical output is a bug. */
function check(actual, expected) {
  if (!(actual instanceof Float32Array)) return `output is ${actual?.constructor?.name ?? typeof actual}, not a Float32Array`;
  if (actual.length !== expected.length) return `output has ${actual.length} values, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `output[${i}] = ${actual[i]}, expected ${expected[i]}`;
  }
  return undefined;
}

/** Returns { contender, group, setup, median, mean, rme, samples } or { contender, group, setup?, error }. */
export async function runContender(contender, data, timing) {
  const base = { contender: contender.name, group: contender.group };
  let prepared;
  let result;
  try {
    prepared = await contender.prepare(data);
    const expected = contender.expected ? contender.expected(data) : data.reference;
    for (let round = 0; round < 2 && !result; round++) {
      await prepared.step();
      const problem = check(prepared.output(), expected);
      if (problem) result = { ...base, setup: prepared.setup, error: `wrong output: ${problem}` };
    }
    result ??= { ...base, setup: prepared.setup, ...(await measure(contender.name, prepared, timing)) };
  } catch (error) {
    result = { ...base, setup: prepared?.setup, error: String(error?.stack ?? error) };
  }
  try {
    await prepared?.dispose();
  } catch (error) {
    // A failing dispose (e.g. tensors leaked by the timed calls) fails the run.
    if (!result.error) result = { ...base, setup: prepared.setup, error: `dispose: ${String(error?.stack ?? error)}` };
  }
  return result;
}
