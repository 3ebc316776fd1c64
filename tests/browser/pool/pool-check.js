// EmbeddingPool in a page (tests/browser/checks.mjs serves it with and without COOP/COEP): Web
// Workers over one shared table give the rows a plain gather of the layer's weights gives, bad input
// is refused with the layer's error, a training step is refused while a lookup is in flight, and a
// page that is not cross-origin isolated gets an error saying which headers to send.
import { Embedding, EmbeddingPool, SGD } from "embedding-wasm";

const result = { errors: [], crossOriginIsolated: globalThis.crossOriginIsolated };
const message = async (promise) => promise.then(() => "(no error)", (e) => `${e.constructor.name}: ${e.message}`);
const sameBits = (a, b) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

try {
  const layer = new Embedding({ inputDim: 1000, outputDim: 37, embeddingsInitializer: { className: "RandomUniform", config: { minval: -1, maxval: 1, seed: 7 } } });
  const ids = Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
  const table = layer.getWeights()[0].data;
  const reference = new Float32Array(ids.length * 37);
  ids.forEach((row, i) => reference.set(table.subarray(row * 37, row * 37 + 37), i * 37));
  if (!globalThis.crossOriginIsolated) {
    result.refusal = await message(EmbeddingPool.create(layer, { workers: 2 }));
  } else {
    const pool = await EmbeddingPool.create(layer, { workers: 2 });
    const called = await pool.call(ids);
    result.shape = called.shape;
    result.callEqualsReference = sameBits(called.data, reference);
    result.layerEqualsReference = sameBits(layer.call(ids).data, reference);
    const floats = Float64Array.from(ids, (v) => v + 0.5);
    const shared = new Float32Array(new SharedArrayBuffer(ids.length * 37 * 4));
    await pool.callInto(floats, shared);
    result.sharedIntoEqualsReference = sameBits(shared, reference);
    result.badIndex = await message(pool.call([1, 1000]));
    result.layerBadIndex = await message((async () => layer.call([1, 1000]))());
    layer.call([[1, 2]]);
    const gradient = layer.backward(new Float32Array(74).fill(1));
    const pending = pool.call(ids);
    // Synchronously after call(): the workers answer on a later task, so the lookup is in flight.
    let stepError = "(no error)";
    try {
      layer.applyGradients(gradient, new SGD({ learningRate: 1 }));
    } catch (e) {
      stepError = `${e.constructor.name}: ${e.message}`;
    }
    result.stepDuringLookup = stepError;
    await pending;
    await pool.dispose();
    result.disposed = await message(pool.call([1]));
  }
} catch (e) {
  result.errors.push(`${e.constructor.name}: ${e.message}`);
}
document.getElementById("status").textContent = JSON.stringify(result, null, 2);
globalThis.__result = result;
