// TensorFlow.js 4.22: the Embedding layer (`tf.layers.embedding(...).apply`) and the op under it
// (`tf.gather`), on the pure-JS cpu backend and on the WebAssembly (SIMD) backend. Each call does
// what a caller must do to get a lookup's numbers out: wrap the indices in a tensor, run, read the
// data with dataSync(), dispose both tensors. All TF.js code is imported only when a TF.js
// contender runs.
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { since, onceEver } from "../clock.mjs";

let tf, tfl;
async function load() {
  if (tf === undefined) {
    const start = performance.now();
    tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-cpu");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    tfl = await import("@tensorflow/tfjs-layers");
    // The wasm backend fetches its .wasm files from this folder (trailing separator required).
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + sep);
    onceEver("import @tensorflow/tfjs-core, -layers, -backend-cpu, -backend-wasm", since(start));
  }
  return tf;
}

/**
 * Runs `fn` with console.warn silenced: the cpu backend's first tensor prints a banner suggesting
 * @tensorflow/tfjs-node (native TensorFlow, not a JS/WASM library, so out of scope here).
 */
function quietly(fn) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

/** Switches the global TF.js backend; the first switch to a backend initializes it (timed, once). */
async function useBackend(backend) {
  await load();
  const start = performance.now();
  await tf.setBackend(backend);
  await tf.ready();
  onceEver(`TF.js setBackend("${backend}") first initialization`, since(start));
}

function contender(api, backend) {
  const name = `${api === "layers" ? "tfjs-layers" : "tf.gather"}-${backend}`;
  return {
    name,
    group: "peer",
    async prepare(data) {
      await useBackend(backend);
      const setup = {};
      const start = performance.now();
      const table = quietly(() => tf.tensor2d(data.table, [data.rows, data.dim]));
      let layer;
      if (api === "layers") {
        // A zeros initializer, so building does not spend seconds drawing random numbers; a first
        // apply builds the layer (and marks it used, which Layer.dispose requires); then setWeights
        // with the workload's table.
        layer = tfl.layers.embedding({ inputDim: data.rows, outputDim: data.dim, embeddingsInitializer: "zeros" });
        tf.tidy(() => layer.apply(tf.zeros(data.shape, "int32")));
        layer.setWeights([table]);
        table.dispose();
        setup["tf.layers.embedding + first apply (builds) + setWeights"] = since(start);
      } else {
        setup["tf.tensor2d(table)"] = since(start);
      }
      const lookup = api === "layers" ? (x) => layer.apply(x) : (x) => tf.gather(table, x);
      // Counted after setup (TF.js caches a few tensors on first use): the timed calls must not add any.
      const tensorsBefore = tf.memory().numTensors;
      let last;
      return {
        setup,
        step: () => {
          const x = tf.tensor2d(data.indices, data.shape, "int32");
          const y = lookup(x);
          last = y.dataSync();
          x.dispose();
          y.dispose();
        },
        output: () => last,
        dispose: () => {
          const leaked = tf.memory().numTensors - tensorsBefore;
          if (layer) layer.dispose();
          else table.dispose();
          if (leaked !== 0) throw new Error(`${name} leaked ${leaked} tensors per run`);
        },
      };
    },
  };
}

export const tfjsLayersCpu = contender("layers", "cpu");
export const tfGatherCpu = contender("gather", "cpu");
export const tfjsLayersWasm = contender("layers", "wasm");
export const tfGatherWasm = contender("gather", "wasm");
