// A strict TypeScript consumer (ESM): compiles against the shipped declarations.
import { Adam, Embedding, ValueError, type EmbeddingOptions, type SparseGradient } from "embedding-wasm";

const options: EmbeddingOptions = { inputDim: 10, outputDim: 4, embeddingsInitializer: "glorot_uniform", embeddingsConstraint: { className: "MaxNorm", config: { maxValue: 2 } } };
const layer = new Embedding(options);
const { data, shape }: { data: Float32Array; shape: number[] } = layer.call([[1, 2]]);
const gradient: SparseGradient | null = layer.backward(new Float32Array(data.length).fill(1));
if (gradient !== null) layer.applyGradients(gradient, new Adam({ learningRate: 0.01 }));
const error: Error = new ValueError("x");
console.log(shape.join(","), error.name);
