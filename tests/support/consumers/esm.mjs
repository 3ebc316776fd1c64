// An ES module consumer of the installed package.
import { Embedding, ValueError } from "embedding-wasm";

const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[1, 2], [3, 4], [5, 6]]] });
let refused = "";
try {
  layer.call([3]);
} catch (e) {
  refused = e instanceof RangeError ? e.message : "";
}
console.log(JSON.stringify({ lookup: Array.from(layer.call([2, 0]).data), refused, valueError: typeof ValueError }));
