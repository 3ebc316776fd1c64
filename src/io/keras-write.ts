// Writing an Embedding as Keras 3 files, synchronously: a `.keras` archive (a zip of
// `config.json`, `metadata.json` and `model.weights.h5`) or the `.weights.h5` alone, laid out as
// Keras' saving_lib writes them for a Sequential model holding the layer (the table is variable 0
// of "layers/embedding/vars", whose `name` attribute is the layer's name; a quantized layer's
// scales, zero points and g_idx follow as variables 1, 2, 3). The HDF5 file comes from
// our own writer (hdf5-writer.ts), so saving needs neither h5wasm nor a promise.
import { ValueError, invalidArgument, show } from "../errors.ts";
import { writeHdf5, type H5Dtype } from "./hdf5-writer.ts";
import { modelInputShape } from "./input-shape.ts";
import { toKerasSnakeCase } from "./model-topology.ts";
import { writeZip } from "./zip.ts";

/** Options of `toKeras` / `toKerasWeights`. */
export interface KerasSaveOptions {
  /**
   * The model input's shape without the batch dimension, e.g. `[10]` for sequences of 10 indices.
   * Default: `[inputLength]` when the layer has one, else `[null]` (sequences of any length).
   */
  inputShape?: readonly (number | null)[];
  /** Name of the Sequential model holding the layer. Default "sequential". */
  modelName?: string;
}

const dtypePolicy = () => ({ module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null });

/**
 * The `config.json` of a Sequential model made of an int32 Input and the layer, as Keras 3 writes
 * it; `layerConfig` is the layer's Keras config (`toKerasConfig()`).
 */
export function kerasSequentialConfig(layerConfig: Record<string, unknown>, inputShape: readonly (number | null)[], modelName: string): Record<string, unknown> {
  const batchShape = [null, ...inputShape];
  const build = { input_shape: batchShape };
  return {
    module: "keras",
    class_name: "Sequential",
    config: {
      name: modelName,
      trainable: true,
      dtype: dtypePolicy(),
      layers: [
        {
          module: "keras.layers",
          class_name: "InputLayer",
          config: { batch_shape: batchShape, dtype: "int32", sparse: false, ragged: false, name: "input_layer", optional: false },
          registered_name: null,
        },
        { module: "keras.layers", class_name: layerClass(layerConfig), config: layerConfig, registered_name: null, build_config: build },
      ],
      build_input_shape: batchShape,
    },
    registered_name: null,
    build_config: build,
    compile_config: null,
  };
}

function checkSaveOptions(options: KerasSaveOptions, inputLength: unknown): { inputShape: (number | null)[]; modelName: string } {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object", options);
  const inputShape = modelInputShape(options.inputShape, inputLength);
  const modelName = options.modelName ?? "sequential";
  if (typeof modelName !== "string" || modelName === "") invalidArgument("modelName", "a non-empty string", modelName);
  checkSavableName("modelName", modelName);
  return { inputShape, modelName };
}

/**
 * A layer or model name Keras can load and the weights file can hold: Keras refuses "/" in names
 * (keras/src/ops/operation.py), and HDF5 strings end at a NUL character.
 */
function checkSavableName(what: string, name: string): void {
  if (name.includes("/")) throw new ValueError(`${what} ${show(name)} contains "/", which Keras refuses in layer and model names: Keras could not load the file.`);
  if (name.includes("\0")) throw new ValueError(`${what} ${show(name)} contains a NUL character, which the weights file cannot hold (HDF5 strings end there).`);
}

/** Keras cannot rebuild a layer whose config holds options it does not know (PyTorch's max_norm, scale_grad_by_freq). */
function checkKerasCompatible(layerConfig: Record<string, unknown>): void {
  checkSavableName("The layer's name", String(layerConfig["name"]));
  for (const key of ["max_norm", "norm_type", "scale_grad_by_freq"]) {
    if (Object.hasOwn(layerConfig, key)) {
      throw new ValueError(`This layer sets ${key}=${show(layerConfig[key])}, which Keras' Embedding does not have; Keras could not load the file. Save a layer without maxNorm / scaleGradByFreq.`);
    }
  }
}

/** One of the layer's variables as Keras saves it (`vars/0`, `vars/1`, … in this order). */
export interface SavedVariable {
  data: Float32Array | Int8Array | Uint16Array;
  shape: readonly number[];
  dtype: H5Dtype;
}

/**
 * Keras' class for the layer: ReversibleEmbedding (Keras core since 3.12) when the config carries
 * its keys (an untied or soft-capped reverse projection), which Keras' Embedding would refuse.
 */
function layerClass(layerConfig: Record<string, unknown>): string {
  return Object.hasOwn(layerConfig, "tie_weights") ? "ReversibleEmbedding" : "Embedding";
}

function weightsContent(layerConfig: Record<string, unknown>, modelName: string, variables: readonly SavedVariable[]) {
  // The groups Keras writes for this model: the model's own (empty) vars, and the layer's
  // variables under its class's snake-case name; a bfloat16 variable is marked with a "dtype"
  // attribute (keras/src/saving/saving_lib.py).
  const layer = `/layers/${toKerasSnakeCase(layerClass(layerConfig))}`;
  return {
    groups: [
      { path: "/layers" },
      { path: layer },
      { path: `${layer}/vars`, attributes: { name: String(layerConfig["name"]) } },
      { path: "/vars", attributes: { name: modelName } },
    ],
    datasets: variables.map(({ data, shape, dtype }, i) => ({
      path: `${layer}/vars/${i}`, data, shape, dtype, ...(dtype === "bfloat16" ? { attributes: { dtype: "bfloat16" } } : {}),
    })),
  };
}

/** The `.weights.h5` file of the Sequential model `kerasSequentialConfig` describes. */
export function writeKerasWeights(layerConfig: Record<string, unknown>, variables: readonly SavedVariable[], options: KerasSaveOptions = {}): Uint8Array {
  checkKerasCompatible(layerConfig);
  const { modelName } = checkSaveOptions(options, layerConfig["input_length"]);
  return writeHdf5(weightsContent(layerConfig, modelName, variables));
}

/** A `.keras` archive of a Sequential model holding an int32 Input and the layer. */
export function writeKerasArchive(layerConfig: Record<string, unknown>, variables: readonly SavedVariable[], options: KerasSaveOptions = {}): Uint8Array {
  checkKerasCompatible(layerConfig);
  const { inputShape, modelName } = checkSaveOptions(options, layerConfig["input_length"]);
  // Keras 3 reads input_length only to warn about it; the input shape carries it instead.
  const { input_length: _ignored, ...config } = layerConfig;
  const weights = writeHdf5(weightsContent(config, modelName, variables));
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return writeZip([
    ["metadata.json", encode({ keras_version: "3.15.1", date_saved: "1980-01-01@00:00:00" })],
    ["config.json", encode(kerasSequentialConfig(config, inputShape, modelName))],
    ["model.weights.h5", weights],
  ]);
}
