// ONNX Runtime 1.30 running a one-node Gather model built in memory (../onnx-model.mjs):
// onnxruntime-node (native CPU execution provider) and onnxruntime-web (its WebAssembly build,
// which also runs in Node). Both run single-threaded, like every other contender here (this
// layer, TF.js cpu, TF.js wasm without threads), so the comparison is of work, not of core count.
// `session.run` returns a promise, so these are timed as deferred benchmarks; the promise
// round-trip is part of what a caller pays. The output tensor's data is a fresh Float32Array.
import { gatherModel } from "../onnx-model.mjs";
import { since, onceEver } from "../../shared/clock.mjs";

const runtimes = {};
async function load(runtime) {
  if (runtimes[runtime] === undefined) {
    const start = performance.now();
    const mod = await import(runtime === "node" ? "onnxruntime-node" : "onnxruntime-web");
    const ort = mod.default ?? mod;
    if (runtime === "web") {
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
    }
    runtimes[runtime] = ort;
    onceEver(`import onnxruntime-${runtime}`, since(start));
  }
  return runtimes[runtime];
}

function contender(runtime) {
  return {
    name: `ort-${runtime}`,
    group: "peer",
    async prepare(data) {
      const ort = await load(runtime);
      const setup = {};
      let start = performance.now();
      const model = gatherModel(data.table, data.rows, data.dim, data.n);
      setup["encode Gather model"] = since(start);
      start = performance.now();
      const options = runtime === "node" ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : {};
      const session = await ort.InferenceSession.create(model, { ...options, graphOptimizationLevel: "all" });
      setup["InferenceSession.create"] = since(start);
      let last;
      return {
        setup,
        async: true,
        step: async () => {
          const result = await session.run({ indices: new ort.Tensor("int32", data.indices, [data.n]) });
          last = result.output.data;
        },
        output: () => last,
        dispose: () => session.release(),
      };
    },
  };
}

export const ortNode = contender("node");
export const ortWeb = contender("web");
