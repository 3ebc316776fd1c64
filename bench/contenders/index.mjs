// Every contender, in the order they run and are listed. A contender is
// { name, group: "ours" | "peer" | "bound", expected?(data), prepare(data) → prepared }, where
// prepared = { setup: { label: ms }, step(), async?, output(), dispose() }: `step` does one
// lookup of the workload's indices, `output` returns the last result for the correctness check.
import { call, zeroCopy, callInto } from "./embedding-wasm.mjs";
import { jsLoop } from "./plain-js.mjs";
import { boundJs, boundWasm } from "./bound.mjs";
import { tfjsLayersCpu, tfGatherCpu, tfjsLayersWasm, tfGatherWasm } from "./tfjs.mjs";
import { ortNode, ortWeb } from "./onnxruntime.mjs";

export const CONTENDERS = [
  call, zeroCopy, callInto,
  boundJs, boundWasm,
  jsLoop,
  tfjsLayersCpu, tfGatherCpu, tfjsLayersWasm, tfGatherWasm,
  ortNode, ortWeb,
];
