// What `wasmEmbedding(options)` accepts, and how it splits into the TF.js layer's arguments and the
// kernel layer's options. Types and checks only; no TF.js import here.
import { ValueError, type EmbeddingOptions } from "../index.ts";
import { show } from "../errors.ts";

/**
 * Options of {@link wasmEmbedding}: the TF.js `tf.layers.embedding` arguments this layer supports,
 * with this package's initializers (names, config objects, instances or functions, seeded as in Keras).
 */
export interface WasmEmbeddingOptions {
  /** Size of the vocabulary: indices must be in [0, inputDim). A positive integer. */
  inputDim: number;
  /** Length of each embedding vector. A positive integer. */
  outputDim: number;
  /** How the table is initialized (default `'uniform'`: RandomUniform(-0.05, 0.05), as in Keras). */
  embeddingsInitializer?: EmbeddingOptions["embeddingsInitializer"];
  /** Whether index 0 is padding: the layer then outputs the mask `x != 0` for later layers. Default false. */
  maskZero?: boolean;
  /** Length of input sequences when constant (checked against every input, as Keras 2 does). */
  inputLength?: EmbeddingOptions["inputLength"];
  /** Initial table, `{ data, shape: [inputDim, outputDim] }` or `number[][]` (instead of the initializer). */
  weights?: EmbeddingOptions["weights"];
  /** Layer name; default as TF.js names layers (`wasm_embedding_WasmEmbedding1`, …). */
  name?: string;
  /** Whether the optimizer updates the table. Default true. */
  trainable?: boolean;
  /** The table's dtype: only `'float32'`. */
  dtype?: "float32";
  /** TF.js: the input shape without the batch dimension (for the first layer of a model). */
  inputShape?: (number | null)[];
  /** TF.js: the input shape with the batch dimension. */
  batchInputShape?: (number | null)[];
  /** TF.js: the batch size, with `inputShape`. */
  batchSize?: number;
}

/** The TF.js base-layer arguments among the options. */
export const LAYER_ARG_NAMES = ["name", "trainable", "dtype", "inputShape", "batchInputShape", "batchSize"] as const;
/** The options the kernel layer takes. */
const KERNEL_OPTION_NAMES = ["inputDim", "outputDim", "embeddingsInitializer", "maskZero", "inputLength", "weights"] as const;

/** Options of the kernel layer that the TF.js layer does not offer, and why. */
const NOT_OFFERED: Record<string, string> = {
  embeddingsRegularizer: "add the penalty to the model's loss with TF.js ops, or use the Embedding class of embedding-wasm",
  activityRegularizer: "add the penalty to the model's loss with TF.js ops, or use the Embedding class of embedding-wasm",
  embeddingsConstraint: "TF.js optimizers update the table; use the Embedding class of embedding-wasm for constrained training",
  maxNorm: "a lookup that rescales rows would change the table behind the TF.js variable; use the Embedding class of embedding-wasm",
  normType: "it only applies with maxNorm; use the Embedding class of embedding-wasm",
  scaleGradByFreq: "use the Embedding class of embedding-wasm",
};

/**
 * The options checked for unknown names (before anything is allocated) and split: `kernel` for
 * `new Embedding`, `layer` for the TF.js base layer. Keys a TF.js config adds on load
 * (`batchInputShape`, `name`, …) are base-layer arguments.
 */
export function splitOptions(options: unknown): { kernel: EmbeddingOptions; layer: Record<string, unknown> } {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValueError(`options must be an object with inputDim and outputDim. Received: options=${show(options)}`);
  }
  const kernel: Record<string, unknown> = {};
  const layer: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (key in NOT_OFFERED && Object.prototype.hasOwnProperty.call(NOT_OFFERED, key)) {
      if (value === undefined || value === null) continue;
      throw new ValueError(`wasmEmbedding does not take ${key} (the TF.js layer's table is a TF.js variable): ${NOT_OFFERED[key]}. Received: ${key}=${show(value)}`);
    }
    if ((KERNEL_OPTION_NAMES as readonly string[]).includes(key)) kernel[key] = value;
    else if ((LAYER_ARG_NAMES as readonly string[]).includes(key)) layer[key] = value;
    else {
      throw new ValueError(
        `Unrecognized option passed to wasmEmbedding: ${JSON.stringify(key)}. Expected only: ${[...KERNEL_OPTION_NAMES, ...LAYER_ARG_NAMES].join(", ")}`,
      );
    }
  }
  if (layer["dtype"] !== undefined) kernel["dtype"] = layer["dtype"];
  return { kernel: kernel as unknown as EmbeddingOptions, layer };
}
