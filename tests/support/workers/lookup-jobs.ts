// Deterministic lookup jobs shared by tests/robustness/concurrency.test.ts and tests/support/workers/lookup-worker.ts:
// the same seed gives the same layers and the same jobs in every thread, and each job's outcome is
// reduced to a digest (FNV-1a of the output's bytes and shape, or the error's name and message).
import { Embedding } from "../../../src/index.ts";
import type { EmbeddingOptions, LookupInput } from "../../../src/index.ts";
import { fixtureRandom } from "../helpers.ts";

/** Layers every thread builds from seeded configs (so their tables must agree bit for bit). */
export const LAYER_SPECS: EmbeddingOptions[] = [
  { inputDim: 1000, outputDim: 16, embeddingsInitializer: { className: "RandomUniform", config: { seed: 1, minval: -1, maxval: 1 } } },
  { inputDim: 50, outputDim: 300, embeddingsInitializer: { className: "GlorotNormal", config: { seed: 2 } }, maxNorm: 1 },
  { inputDim: 100_000, outputDim: 8, embeddingsInitializer: { className: "RandomNormal", config: { seed: 3 } } },
  { inputDim: 7, outputDim: 1024, embeddingsInitializer: { className: "TruncatedNormal", config: { seed: 4 } }, activityRegularizer: "l2" },
  { inputDim: 64, outputDim: 33, embeddingsInitializer: { className: "Orthogonal", config: { seed: 5 } }, maskZero: true },
];

/** The layers of LAYER_SPECS, plus one built from `weights` when given. */
export function buildLayers(weights?: { data: Float32Array; shape: number[] }): Embedding[] {
  const layers = LAYER_SPECS.map((spec) => new Embedding(spec));
  if (weights !== undefined) layers.push(new Embedding({ inputDim: weights.shape[0]!, outputDim: weights.shape[1]!, weights }));
  return layers;
}

/** FNV-1a over bytes, continuing from `h`. */
export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

export function digestFloats(data: Float32Array, shape: readonly number[]): string {
  const h = fnv1a(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return `${shape.join("x")}:${h.toString(16)}:${data.length}`;
}

export function tableDigests(layers: readonly Embedding[]): string[] {
  return layers.map((l) => digestFloats(l.getWeights()[0]!.data, [l.inputDim, l.outputDim]));
}

/**
 * Runs `count` jobs from `seed` on `layers`: random sizes (up to 6,000 positions, so lookups grow
 * the memories), every API, several input forms, some with a bad index. `shared` is an Int32Array
 * on a SharedArrayBuffer that every thread reads at once. Returns one digest per job.
 */
export function runJobs(layers: readonly Embedding[], seed: number, count: number, shared: Int32Array): string[] {
  const rnd = fixtureRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const digests: string[] = [];
  for (let j = 0; j < count; j++) {
    const layer = layers[int(0, layers.length - 1)]!;
    const u = rnd();
    const n = u < 0.7 ? int(0, 64) : u < 0.95 ? int(65, 1200) : int(1201, 6000);
    const indices = Int32Array.from({ length: n }, () => int(0, layer.inputDim - 1));
    const bad = rnd() < 0.1 && n > 0;
    if (bad) indices[int(0, n - 1)] = rnd() < 0.5 ? layer.inputDim : -1;
    const form = int(0, 5);
    const api = int(0, 2);
    let x: LookupInput;
    if (form === 0) x = indices;
    else if (form === 1) x = { data: Float64Array.from(indices, (v) => v + 0.5), shape: [n] };
    else if (form === 2) x = { data: BigInt64Array.from(indices, (v) => BigInt(v)), shape: [n] };
    else if (form === 3 && n % 4 === 0) x = { data: Float32Array.from(indices), shape: [n / 4, 2, 2] };
    else if (form === 4) x = Array.from(indices);
    else {
      // A window of the shared indices (valid for every layer: they are all below 7).
      const start = int(0, shared.length - n - 1);
      x = { data: shared.subarray(start, start + n), shape: [n] };
    }
    try {
      let data: Float32Array;
      let shape: number[];
      if (api === 0 || form === 5 || form === 3) ({ data, shape } = layer.call(x));
      else if (api === 1) ({ data, shape } = layer.callInto(x, new Float32Array(n * layer.outputDim)));
      else {
        layer.indexBuffer(n).set(indices);
        data = layer.lookupBuffer(n);
        shape = [n, layer.outputDim];
      }
      const mask = layer.maskZero ? layer.computeMask(x)!.data : new Uint8Array(0);
      digests.push(`${digestFloats(data, shape)}:${fnv1a(mask).toString(16)}:${layer.losses.join(",")}`);
    } catch (e) {
      digests.push(`E:${(e as Error).name}:${(e as Error).message}`);
    }
  }
  return digests;
}
