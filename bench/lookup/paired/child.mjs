// Child-process entry of the paired suite: on one workload, prepares every side (run.mjs, SIDES),
// checks each one's output twice against its expected bytes, then times them all in alternating
// rounds in this one process (shared/timing.mjs, measureRounds) and sends the per-round times.
import { CONTENDERS } from "../contenders/index.mjs";
import { measureRounds, sideOf } from "../../shared/timing.mjs";
import { WORKLOADS, makeData } from "../workloads.mjs";

const send = (message) => new Promise((resolve) => process.send(message, resolve));

function mismatch(actual, expected) {
  if (!(actual instanceof Float32Array) || actual.length !== expected.length) return "wrong type or length";
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) return `output[${i}] = ${actual[i]}, expected ${expected[i]}`;
  return undefined;
}

process.once("message", async ({ workload, sides, timing }) => {
  const data = makeData(WORKLOADS.find((w) => w.name === workload));
  const prepared = [];
  try {
    for (const name of sides) {
      const c = CONTENDERS.find((x) => x.name === name);
      const p = await c.prepare(data);
      for (let round = 0; round < 2; round++) {
        await p.step();
        const problem = mismatch(p.output(), c.expected ? c.expected(data) : data.reference);
        if (problem) throw new Error(`${name}: ${problem}`);
      }
      prepared.push([name, p]);
    }
    const times = await measureRounds(prepared.map(([name, p]) => sideOf(name, p)), timing);
    await send({ times });
  } catch (error) {
    await send({ error: String(error?.stack ?? error) });
  }
  for (const [, p] of prepared) await p.dispose();
  process.exit(0);
});
