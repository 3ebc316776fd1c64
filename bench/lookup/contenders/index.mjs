// Every contender, in the order they run and are listed. A contender is
// { name, group: "ours" | "peer" | "bound" | "fresh-bound", expected?(data), prepare(data) → prepared }, where
// prepared = { setup: { label: ms }, step(), async?, output(), dispose() }: `step` does one
// lookup of the workload's indices, `output` returns the last result for the correctness check.
import { call, zeroCopy, callInto } from "./embedding-wasm.mjs";
import { storedContenders } from "./embedding-wasm-stored.mjs";
import { jsLoop } from "./plain-js.mjs";
import { boundJs, boundWasm, boundFresh } from "./bound.mjs";
import { tfjsLayersCpu, tfGatherCpu, tfjsLayersWasm, tfGatherWasm } from "./tfjs.mjs";
import { ortNode, ortWeb } from "./onnxruntime.mjs";

export const CONTENDERS = [
  call, zeroCopy, callInto,
  ...storedContenders,
  boundJs, boundWasm, boundFresh,
  jsLoop,
  tfjsLayersCpu, tfGatherCpu, tfjsLayersWasm, tfGatherWasm,
  ortNode, ortWeb,
];
