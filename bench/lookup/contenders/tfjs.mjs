// TensorFlow.js 4.22: the Embedding layer (`tf.layers.embedding(...).apply`) and the op under it
// (`tf.gather`), on the pure-JS cpu backend and on the WebAssembly (SIMD) backend. Each call does
// what a caller must do to get a lookup's numbers out: wrap the indices in a tensor, run, read the
// data with dataSync(), dispose both tensors. All TF.js code is imported only when a TF.js
// contender runs (tfjs-loader.mjs).
import { since } from "../../shared/clock.mjs";
import { loadTfjs, quietly, useBackend } from "../../shared/tfjs-loader.mjs";

let tf, tfl;

function contender(api, backend) {
  const name = `${api === "layers" ? "tfjs-layers" : "tf.gather"}-${backend}`;
  return {
    name,
    group: "peer",
    async prepare(data) {
      await useBackend(backend);
      ({ tf, tfl } = await loadTfjs());
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
