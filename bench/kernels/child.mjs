// Child-process entry for the kernel suites: runs one contender on one or more cases of one suite
// and reports to the parent (run.mjs) as it goes. Before the first (checked) call of each case it
// says so, so the parent can stop a call that runs past the cap and record a lower bound instead.
import { oneTimeCosts } from "../shared/clock.mjs";
import { measureAdaptive, measurePaired } from "../shared/timing.mjs";
import { SUITES } from "./suites.mjs";

const send = (message) => new Promise((resolve) => process.send(message, resolve));

async function runCase(suite, contender, c, timing) {
  const base = { contender: contender.name, group: contender.group };
  const data = suite.makeData(c);
  let prepared, result;
  try {
    prepared = await contender.prepare(c, data);
    await send({ type: "first-call", case: c.name });
    const start = performance.now();
    await prepared.step();
    const first = (performance.now() - start) / 1000;
    await send({ type: "first-call-done", case: c.name });
    const checked = suite.check(c, data, prepared.output(), contender, prepared);
    if (checked.problem) result = { ...base, setup: prepared.setup, error: `wrong output: ${checked.problem}` };
    else {
      result = { ...base, setup: prepared.setup, check: checked.detail, firstCall: first, ...(await measureAdaptive(`${contender.name} ${c.name}`, prepared, timing, first)) };
      // Bounds run beside this contender, interleaved, in this process (the same loops as the
      // bound contenders, which are checked in their own processes).
      for (const [key, bound] of Object.entries(prepared.paired ?? {})) {
        (result.paired ??= {})[key] = await measurePaired(prepared, await bound, result.median, timing.paired);
      }
    }
  } catch (error) {
    result = { ...base, setup: prepared?.setup, error: String(error?.message ?? error).split("\n")[0] };
  }
  try {
    await prepared?.dispose();
  } catch (error) {
    // A failing dispose (tensors leaked by the timed calls) fails the run, as in the lookup bench.
    if (!result.error) result = { ...result, error: `dispose: ${String(error?.message ?? error)}` };
  }
  return result;
}

process.once("message", async ({ suite: suiteName, contender: contenderName, cases, timing }) => {
  const suite = SUITES.find((s) => s.name === suiteName);
  const contender = suite.contenders.find((x) => x.name === contenderName);
  const all = suite.cases(timing.quick);
  for (const name of cases) {
    const result = await runCase(suite, contender, all.find((c) => c.name === name), timing);
    result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    await send({ type: "result", case: name, result });
  }
  await send({ type: "done", oneTime: oneTimeCosts() });
  process.exit(0);
});
