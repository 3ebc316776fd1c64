// The seeded layers every page builds, and the Node side rebuilds to compare hashes with: plain
// JSON options (initializers as TF.js { className, config }), so Node and each page agree exactly.
export const SEEDED = [
  { name: "RandomUniform(-1, 1) seed 42, 1000×37", inputDim: 1000, outputDim: 37, init: { className: "RandomUniform", config: { minval: -1, maxval: 1, seed: 42 } } },
  { name: "RandomNormal seed 7, 333×64", inputDim: 333, outputDim: 64, init: { className: "RandomNormal", config: { mean: 0.5, stddev: 2, seed: 7 } } },
  { name: "TruncatedNormal seed 3, 257×13", inputDim: 257, outputDim: 13, init: { className: "TruncatedNormal", config: { seed: 3 } } },
  { name: "GlorotUniform seed 11, 500×50", inputDim: 500, outputDim: 50, init: { className: "GlorotUniform", config: { seed: 11 } } },
  { name: "HeNormal seed 5, 100×3", inputDim: 100, outputDim: 3, init: { className: "HeNormal", config: { seed: 5 } } },
  {
    name: "VarianceScaling(2, fan_avg, untruncated_normal) seed 123456789, 77×129",
    inputDim: 77,
    outputDim: 129,
    init: { className: "VarianceScaling", config: { scale: 2, mode: "fan_avg", distribution: "untruncated_normal", seed: 123456789 } },
  },
  { name: "Orthogonal seed 9, 64×32", inputDim: 64, outputDim: 32, init: { className: "Orthogonal", config: { seed: 9 } } },
  { name: "Orthogonal(gain 2) seed 1, 20×50", inputDim: 20, outputDim: 50, init: { className: "Orthogonal", config: { gain: 2, seed: 1 } } },
  { name: "default 'uniform' seed 0, 65537×8", inputDim: 65537, outputDim: 8, init: { className: "RandomUniform", config: { seed: 0 } } },
];

/** The lookup every page checks against its own reference, on the main thread and in workers. */
export const LOOKUP = {
  options: { inputDim: 1000, outputDim: 37, maskZero: true, embeddingsInitializer: { className: "RandomUniform", config: { seed: 42 } } },
  // A (3, 5) batch with padding zeros, the last row, and repeats.
  indices: [
    [17, 999, 0, 0, 0],
    [1, 2, 3, 4, 5],
    [999, 999, 500, 0, 250],
  ],
};

/** Indices for a spec's lookup hash: deterministic, covering the whole table. */
export function specIndices(spec, n = 4099) {
  return Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % spec.inputDim);
}

/** SHA-256 of a typed array's bytes, hex (Web Crypto: the same API in Node 20, pages and workers). */
export async function sha256(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Table and lookup hashes of every SEEDED spec, made with `Embedding` (Node or a page). */
export async function seededHashes(Embedding) {
  const out = {};
  for (const spec of SEEDED) {
    const layer = new Embedding({ inputDim: spec.inputDim, outputDim: spec.outputDim, embeddingsInitializer: spec.init });
    const table = layer.getWeights()[0].data;
    const y = layer.call({ data: specIndices(spec), shape: [specIndices(spec).length] });
    out[spec.name] = { table: await sha256(table), lookup: await sha256(y.data), first: Array.from(table.subarray(0, 3)) };
    layer.dispose();
  }
  return out;
}
