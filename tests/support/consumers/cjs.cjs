// A CommonJS consumer of the installed package (run with --no-experimental-require-module: no require(esm)).
const { Embedding, ValueError } = require("embedding-wasm");

const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[1, 2], [3, 4], [5, 6]]] });
console.log(JSON.stringify({ lookup: Array.from(layer.call([2, 0]).data), valueError: typeof ValueError }));
