// Child-process entry of the lookup suite: runs one contender on the workloads it is sent, in turn
// (one in a full run; all of them with --quick, to save process start-ups), and sends each result
// to the parent (run.mjs) as soon as it has it, so the terminal shows progress while the rest run.
// A fresh process per contender keeps libraries from affecting each other: TF.js and ONNX Runtime
// leave large JS heaps and WebAssembly memories (which never shrink) behind, and a bigger heap
// makes every later allocation-heavy contender (any that returns a fresh array) pay for slower GCs.
import { CONTENDERS } from "./contenders/index.mjs";
import { oneTimeCosts } from "../shared/clock.mjs";
import { runContender } from "./run-contender.mjs";
import { WORKLOADS, makeData } from "./workloads.mjs";

const send = (message) => new Promise((resolve) => process.send(message, resolve));

process.once("message", async ({ workloads, contender, timing }) => {
  const c = CONTENDERS.find((x) => x.name === contender);
  for (const [index, name] of workloads.entries()) {
    const result = await runContender(c, makeData(WORKLOADS.find((w) => w.name === name)), timing);
    // One-time costs (imports, first backend initialization) are paid by the first workload only.
    if (index === 0) result.oneTime = oneTimeCosts();
    result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    await send({ index, result });
  }
  process.exit(0);
});
