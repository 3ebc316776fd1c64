// Child-process entry: runs one contender on one workload and sends the result to the parent.
// A fresh process per contender keeps libraries from affecting each other: TF.js and ONNX Runtime
// leave large JS heaps and WebAssembly memories (which never shrink) behind, and a bigger heap
// makes every later allocation-heavy contender (any that returns a fresh array) pay for slower GCs.
import { CONTENDERS } from "./contenders/index.mjs";
import { oneTimeCosts } from "./clock.mjs";
import { runContender } from "./run-contender.mjs";
import { WORKLOADS, makeData } from "./workloads.mjs";

process.once("message", async ({ workload, contender, timing }) => {
  const data = makeData(WORKLOADS.find((w) => w.name === workload));
  const result = await runContender(CONTENDERS.find((c) => c.name === contender), data, timing);
  result.oneTime = oneTimeCosts();
  result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.send(result, () => process.exit(0));
});
