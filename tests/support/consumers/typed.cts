// A strict TypeScript consumer (CommonJS): compiles against the shipped .d.cts declarations.
import { Embedding, type Tensor } from "embedding-wasm";

const layer = new Embedding({ inputDim: 10, outputDim: 4 });
const result: Tensor<Float32Array> = layer.call([1, 2]);
console.log(result.shape.join(","));
