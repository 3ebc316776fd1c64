// This package's three lookup paths, measured on the built package (dist/, through the
// "embedding-wasm": "file:.." dependency), each on one layer holding the workload's table.
import { since, onceEver } from "../../shared/clock.mjs";

let Embedding;
async function load() {
  if (Embedding === undefined) {
    const start = performance.now();
    ({ Embedding } = await import("embedding-wasm"));
    onceEver("import embedding-wasm", since(start));
  }
  return Embedding;
}

/** A layer holding the workload's table; the kernel compiles on the first construction in the process. */
async function construct(data) {
  const Layer = await load();
  const start = performance.now();
  const layer = new Layer({ inputDim: data.rows, outputDim: data.dim, weights: [{ data: data.table, shape: [data.rows, data.dim] }] });
  return { layer, setup: { "new Embedding (table copied in)": since(start) } };
}

/** The idiomatic call: indices in, a fresh Float32Array out (the lookup result is copied out of WASM memory). */
export const call = {
  name: "call",
  group: "ours",
  async prepare(data) {
    const { layer, setup } = await construct(data);
    const input = { data: data.indices, shape: data.shape };
    let last;
    return {
      setup,
      step: () => {
        last = layer.call(input).data;
      },
      output: () => last,
      dispose: () => layer.dispose(),
    };
  },
};

/**
 * Zero-copy: every call asks for the index slots (`indexBuffer(n)`, which hands out the same region
 * while the batch size stays the same), writes the batch's indices into them (timed: it is the input
 * copy `call` also does) and reads the result as a view into WASM memory, with no copy out.
 */
export const zeroCopy = {
  name: "zero-copy",
  group: "ours",
  async prepare(data) {
    const { layer, setup } = await construct(data);
    let last;
    return {
      setup,
      step: () => {
        layer.indexBuffer(data.n).set(data.indices);
        last = layer.lookupBuffer(data.shape);
      },
      output: () => last,
      dispose: () => layer.dispose(),
    };
  },
};

/** callInto: the result is copied into a caller-owned Float32Array allocated once, so no allocation per call. */
export const callInto = {
  name: "callInto",
  group: "ours",
  async prepare(data) {
    const { layer, setup } = await construct(data);
    const input = { data: data.indices, shape: data.shape };
    const out = new Float32Array(data.n * data.dim);
    return {
      setup,
      step: () => {
        layer.callInto(input, out);
      },
      output: () => out,
      dispose: () => layer.dispose(),
    };
  },
};
