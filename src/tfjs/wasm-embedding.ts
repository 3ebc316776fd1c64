// The Embedding layer as a TF.js layer: a tf.layers.Layer whose forward pass is this package's
// WebAssembly lookup and whose gradient is this package's sparse backward pass, so it trains in
// tf.sequential / tf.model with model.fit and round-trips through model.save / tf.loadLayersModel.
//
// TF.js optimizers update tf.Variables from gradients recorded on the tape, so the table lives in a
// TF.js weight ("embeddings", as tf.layers.embedding names it) and the WebAssembly table is a mirror
// of it: refreshed before a lookup whenever the variable holds new data. A variable's `dataId` is
// replaced by every assign (optimizer steps, setWeights, loading), so comparing it is the change test.
import { customGrad, notEqual, scatterND, serialization, tensor, tensor2d, tidy, zeros, zerosLike, type Tensor } from "@tensorflow/tfjs-core";
import { layers, type initializers, type LayerVariable } from "@tensorflow/tfjs-layers";
import { Embedding } from "../index.ts";
import { LAYER_ARG_NAMES, splitOptions, type WasmEmbeddingOptions } from "./options.ts";

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Kwargs = Parameters<layers.Layer["call"]>[1];
type Shape = (number | null)[];
type TfInitializer = ReturnType<typeof initializers.ones>;
type ConfigDict = serialization.ConfigDict;

/**
 * A TF.js layer that looks indices up in a table (Keras' `Embedding`), with the lookup and its
 * gradient computed by this package's WebAssembly kernel. Made by {@link wasmEmbedding}; registered
 * with `tf.serialization.registerClass` as `"WasmEmbedding"`, so saved models load with
 * `tf.loadLayersModel` once this module is imported.
 *
 * Same inputs, outputs, weight (`embeddings`, `[inputDim, outputDim]`), mask and config keys as
 * `tf.layers.embedding`. Indices are read to the CPU for the lookup (`dataSync`), as the kernel runs
 * in WebAssembly; the output is a new float32 tensor on the active backend. The table is held twice:
 * as the TF.js variable the optimizer updates and in WebAssembly memory, copied there before the
 * first lookup after each update.
 */
export class WasmEmbedding extends layers.Layer {
  /** The name TF.js serialization knows this class by. */
  static className = "WasmEmbedding";
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: Embedding["inputLength"];
  /** The WebAssembly layer that runs the lookups and the backward pass. */
  private readonly kernel: Embedding;
  private embeddings: LayerVariable | null = null;
  /** The `dataId` of the variable data last copied into the kernel's table. */
  private mirrored: object | null = null;
  /** Lookups run so far: tells a gradient whether the kernel's last lookup is still its own. */
  private lookups = 0;

  /** Prefer {@link wasmEmbedding}. Also what `fromConfig` calls with a saved config. */
  constructor(options: WasmEmbeddingOptions) {
    const { kernel, layer } = splitOptions(options);
    super(layer as LayerArgs);
    this.kernel = new Embedding({ ...kernel, name: this.name });
    this.inputDim = this.kernel.inputDim;
    this.outputDim = this.kernel.outputDim;
    this.maskZero = this.kernel.maskZero;
    this.inputLength = this.kernel.inputLength;
    this.supportsMasking = this.maskZero;
    if (layer["batchInputShape"] == null && layer["inputShape"] == null) {
      // As tf.layers.embedding: the input shape is (batch, ...inputLength), or (batch, any).
      const batch = typeof layer["batchSize"] === "number" ? layer["batchSize"] : null;
      const lengths = this.inputLength === null ? [null] : typeof this.inputLength === "number" ? [this.inputLength] : [...this.inputLength];
      this.batchInputShape = [batch, ...lengths];
    }
  }

  /**
   * Rebuilds a layer from `getConfig()` output, as `tf.loadLayersModel` does (TF.js adds its
   * `customObjects` to the config it passes; this layer has none to read).
   */
  static override fromConfig<T extends serialization.Serializable>(cls: serialization.SerializableConstructor<T>, config: ConfigDict): T {
    const { customObjects: _, ...options } = config;
    return new cls(options);
  }

  override build(_inputShape?: Shape | Shape[]): void {
    const table = (): Tensor => {
      const [weights] = this.kernel.getWeights();
      return tensor(weights!.data, weights!.shape, "float32");
    };
    // The kernel's table is the initial value: initialized by this package's initializers.
    const fromKernel: TfInitializer = {
      apply: table,
      getConfig: () => ({}),
      getClassName: () => "WasmEmbeddingTable",
      fromConfigUsesCustomObjects: () => false,
    };
    this.embeddings = this.addWeight("embeddings", [this.inputDim, this.outputDim], "float32", fromKernel, undefined, true, undefined, () => fromKernel);
    this.mirrored = this.embeddings.read().dataId;
    this.built = true;
  }

  // Inputs of any rank are accepted (one lookup per element), as tf.layers.embedding does.
  protected override warnOnIncompatibleInputShape(): void {}

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = Array.isArray(inputShape[0]) ? (inputShape[0] as Shape) : (inputShape as Shape);
    return this.kernel.computeOutputShape(shape);
  }

  /** `x != 0` (a bool tensor shaped like the input) with `maskZero`, as tf.layers.embedding; otherwise no mask. */
  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Tensor[]): Tensor | Tensor[] {
    if (!this.maskZero) return super.computeMask(inputs, mask);
    return tidy(() => {
      const x = single(inputs);
      return notEqual(x, zerosLike(x));
    });
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = single(inputs);
      const table = this.variable().read();
      this.mirror(table);
      const shape = [...x.shape];
      const data = x.dataSync() as Float32Array | Int32Array;
      const output = this.kernel.call({ data, shape });
      const lookup = ++this.lookups;
      // The indices passed the kernel's checks; a gradient that must redo the lookup reuses them.
      const indices = Int32Array.from(data);
      const gather = customGrad(() => ({
        value: tensor(output.data, output.shape, "float32"),
        gradFunc: (dy: Tensor) => this.tableGradient(dy, indices, shape, lookup),
      }));
      return gather(table);
    });
  }

  /**
   * The gradient of the table for one lookup, dense as TF.js optimizers take it, from the kernel's
   * sparse backward pass (distinct rows, duplicates summed) scattered into a zero table.
   */
  private tableGradient(dy: Tensor, indices: Int32Array, shape: number[], lookup: number): Tensor {
    // Another lookup ran since (a layer shared by several inputs): redo this one for backward.
    if (lookup !== this.lookups) {
      this.kernel.call({ data: indices, shape });
      this.lookups++;
    }
    const sparse = this.kernel.backward(dy.dataSync() as Float32Array)!;
    const rows = sparse.indices.length;
    if (rows === 0) return zeros([this.inputDim, this.outputDim]);
    return scatterND(tensor2d(sparse.indices, [rows, 1], "int32"), tensor2d(sparse.values, [rows, this.outputDim]), [this.inputDim, this.outputDim]);
  }

  /** Copies the variable's values into the kernel's table when they changed since the last copy. */
  private mirror(table: Tensor): void {
    if (table.dataId === this.mirrored) return;
    this.kernel.setWeights({ data: table.dataSync() as Float32Array, shape: [this.inputDim, this.outputDim] });
    this.mirrored = table.dataId;
  }

  private variable(): LayerVariable {
    if (this.embeddings === null) throw new Error(`WasmEmbedding layer "${this.name}" is used before it was built.`);
    return this.embeddings;
  }

  /** `tf.layers.embedding`'s config keys, with this package's initializer config. */
  override getConfig(): ConfigDict {
    const kernel = this.kernel.getConfig();
    const config: ConfigDict = {
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: kernel.embeddingsInitializer as unknown as ConfigDict,
      maskZero: this.maskZero,
      inputLength: kernel.inputLength as ConfigDict["inputLength"],
    };
    const base = super.getConfig();
    // Only the base-layer arguments the constructor takes (and that a saved config carries).
    for (const key of LAYER_ARG_NAMES) if (key in base) config[key] = base[key]!;
    return config;
  }

  /** Disposes the table variable (TF.js reference counting) and, with the last reference, the WebAssembly memory. */
  override dispose(): ReturnType<layers.Layer["dispose"]> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.kernel.dispose();
    return result;
  }
}
serialization.registerClass(WasmEmbedding);

function single(inputs: Tensor | Tensor[]): Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) throw new Error(`WasmEmbedding takes one input tensor. Received: ${inputs.length} tensors`);
  return inputs[0]!;
}

/**
 * A TF.js Embedding layer running on this package's WebAssembly kernel: use it where
 * `tf.layers.embedding(args)` goes.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * import { wasmEmbedding } from "embedding-wasm/tfjs";
 * const model = tf.sequential({ layers: [
 *   wasmEmbedding({ inputDim: 10000, outputDim: 64, inputLength: 20 }),
 *   tf.layers.globalAveragePooling1d(),
 *   tf.layers.dense({ units: 1, activation: "sigmoid" }),
 * ] });
 */
export function wasmEmbedding(options: WasmEmbeddingOptions): WasmEmbedding {
  return new WasmEmbedding(options);
}
