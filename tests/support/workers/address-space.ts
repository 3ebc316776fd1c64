// Run in a child process by tests/robustness/address-space.test.ts: makes small layers until WebAssembly memories
// can no longer be created (each reserves address space), then disposes some and makes one more.
// Prints one JSON line: what failed, how, and whether dispose() made room again.
import { Embedding } from "../../../src/index.ts";
import { liveMemoryCount } from "../../../src/core/memory.ts";

const layers: Embedding[] = [];
let error: Error | undefined;
for (let i = 0; i < 40_000 && error === undefined; i++) {
  try {
    layers.push(new Embedding({ inputDim: 2, outputDim: 2 }));
  } catch (e) {
    error = e as Error;
  }
}
const liveAtFailure = liveMemoryCount();
for (const layer of layers.splice(0, 500)) layer.dispose();
let recovered = false;
try {
  recovered = new Embedding({ inputDim: 2, outputDim: 2, weights: [[[1, 2], [3, 4]]] }).call([1]).data[1] === 4;
} catch {
  recovered = false;
}
console.log(JSON.stringify({ made: layers.length + 500, liveAtFailure, name: error?.name, message: error?.message, recovered }));
