// The Keras-style Embedding layer (keras/src/layers/core/embedding.py; Keras 2 for inputLength).
import { getConstraint, type Constraint } from "./constraints.ts";
import { readEmbeddingConfig } from "./embedding-config.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { freshCopy } from "./fresh.ts";
import { getInitializer, type Initializer } from "./initializers/index.ts";
import type { FillTarget } from "./initializers/initializer.ts";
import { flatten, outOfRange, stageIndices, type FlatInput, type LookupInput, type NestedNumbers } from "./input.ts";
import { LayerMemory } from "./layer-memory.ts";
import { getRegularizer, isSumsRegularizer, OrthogonalRegularizer, type Regularizer } from "./regularizers.ts";
import { toKeras, toTfjs, type Config, type KerasObjectConfig, type Serializable } from "./serialization.ts";
import { checkInputLength, checkShapeArgument, outputShape, type Dim, type InputLength } from "./shapes.ts";
import type { Optimizer, OptimizerState } from "./optimizers.ts";
import { Trainer, type SparseGradient } from "./training.ts";
import { boolean, finiteNumber, nonEmptyString, positiveInteger } from "./validate.ts";

export type { SparseGradient } from "./training.ts";
import type { KerasLoadOptions, KerasSaveOptions, KerasSource } from "./io/keras.ts";
import type { TfjsLoadOptions, TfjsModel, TfjsSource } from "./io/tfjs.ts";
import { isWeightTable, readWeightTable, type WeightTable } from "./weights.ts";

/** A dense result: row-major `data` with its `shape`. */
export interface Tensor<T> {
  data: T;
  shape: number[];
}

/** An initializer, regularizer or constraint given by name, config object or instance. */
export type Identifier = string | { className: string; config?: Config } | { class_name: string; config?: Config };

/** Constructor options, named as in TensorFlow.js (camelCase) with Keras semantics and defaults. */
export interface EmbeddingOptions {
  /** Size of the vocabulary: indices must be in [0, inputDim). A positive integer. */
  inputDim: number;
  /** Length of each embedding vector. A positive integer. */
  outputDim: number;
  /**
   * How the table is initialized. Default `'uniform'`: RandomUniform(minval=-0.05, maxval=0.05),
   * as in Keras. Accepts a name, `{ className, config }` / `{ class_name, config }`, an
   * initializer instance (e.g. `new RandomUniform({ seed: 42 })`) or `(shape) => Float32Array`.
   */
  embeddingsInitializer?: Identifier | Initializer | ((shape: number[]) => ArrayLike<number>);
  /**
   * Regularizer of the table ('l1', 'l2', 'l1l2', 'l1_l2', 'orthogonal_regularizer', config objects,
   * instances, or `({ data, shape }) => number`). Its penalty is `regularizationLoss()`.
   */
  embeddingsRegularizer?: Identifier | Regularizer | ((x: { data: Float32Array; shape: number[] }) => number) | null;
  /**
   * Regularizer of each lookup's output. Every `call` computes its penalty divided by the batch size
   * (the output's first dimension; 0 for an empty batch), as Keras ≥ 3.14 and Keras 2 do; see `losses`.
   */
  activityRegularizer?: Identifier | Regularizer | ((x: { data: Float32Array; shape: number[] }) => number) | null;
  /**
   * Constraint on the table ('max_norm', 'non_neg', 'unit_norm', 'min_max_norm', config objects,
   * instances, or a function). Keras applies it after every optimizer step; `applyConstraint()` applies
   * it on demand. Note axis 0 (the Keras default) constrains columns; per-embedding needs `axis: 1`.
   */
  embeddingsConstraint?: Identifier | Constraint | ((table: { data: Float32Array; shape: number[] }) => ArrayLike<number> | void) | null;
  /**
   * PyTorch's `max_norm` (not in Keras): before each lookup, every distinct row the lookup references
   * whose `normType`-norm exceeds `maxNorm` is rescaled in place to `maxNorm / (norm + 1e-7)` times itself.
   */
  maxNorm?: number | null;
  /** The p of the p-norm for `maxNorm` (default 2; `Infinity` for the max norm). */
  normType?: number;
  /**
   * PyTorch's `scale_grad_by_freq` (not in Keras): `backward` divides each row's gradient by the
   * number of times the lookup used that row. Default false.
   */
  scaleGradByFreq?: boolean;
  /**
   * Whether index 0 is padding to be masked out by later layers: `computeMask` then returns
   * `x != 0`. The lookup itself is unchanged (row 0 is an ordinary row), so the vocabulary needs
   * `inputDim = vocabulary size + 1`. Default false.
   */
  maskZero?: boolean;
  /**
   * Length of input sequences, when constant (Keras 2 semantics: checked against every input's
   * non-batch dimensions). A number, or one entry per non-batch dimension with `null` for any.
   */
  inputLength?: InputLength | null;
  /** Initial table, `{ data, shape: [inputDim, outputDim] }` or `number[][]`, optionally in a one-element list. */
  weights?: WeightTable | readonly WeightTable[];
  /** Layer name; default `embedding`, `embedding_1`, … */
  name?: string;
  /** Whether the table is trainable (kept in the config). Default true. */
  trainable?: boolean;
  /** The table's dtype: only `'float32'`. */
  dtype?: "float32";
}

const OPTION_NAMES = [
  "inputDim", "outputDim", "embeddingsInitializer", "embeddingsRegularizer", "activityRegularizer",
  "embeddingsConstraint", "maskZero", "inputLength", "weights", "name", "trainable", "dtype", "maxNorm", "normType", "scaleGradByFreq",
] as const;

/** The layer's config in TF.js form (camelCase keys, sub-objects as `{ className, config }`). */
export interface EmbeddingConfig {
  name: string;
  trainable: boolean;
  dtype: "float32";
  inputDim: number;
  outputDim: number;
  embeddingsInitializer: { className: string; config: Config };
  embeddingsRegularizer: { className: string; config: Config } | null;
  activityRegularizer: { className: string; config: Config } | null;
  embeddingsConstraint: { className: string; config: Config } | null;
  maskZero: boolean;
  inputLength: InputLength | null;
  /** Present only when set (PyTorch options). */
  maxNorm?: number;
  normType?: number;
  scaleGradByFreq?: boolean;
}

let layerCount = 0;
function defaultName(): string {
  return layerCount++ === 0 ? "embedding" : `embedding_${layerCount - 1}`;
}

function checkMaxNorm(value: unknown): number {
  const limit = finiteNumber("maxNorm", value);
  // A negative limit would flip (or overflow) every referenced row; a huge one never applies.
  if (limit < 0) invalidArgument("maxNorm", "a finite number ≥ 0", value);
  return limit;
}

function checkNormType(value: unknown): number {
  if (typeof value !== "number" || !(value > 0)) invalidArgument("normType", "a positive number (Infinity for the max norm)", value);
  return value;
}

function checkDtype(value: unknown): "float32" {
  if (value !== undefined && value !== "float32") invalidArgument("dtype", '"float32" (the only table dtype supported)', value);
  return "float32";
}

/**
 * Turns non-negative integer indices into dense vectors: an input of shape `[...s]` gives an
 * output of shape `[...s, outputDim]`, row `table[index]` at each position. Keras' `Embedding`
 * for JavaScript, with the lookup in a WebAssembly SIMD kernel.
 *
 * @example
 * const layer = new Embedding({ inputDim: 1000, outputDim: 64, inputLength: 10 });
 * const { data, shape } = layer.call(batch); // batch: (32, 10) indices → shape [32, 10, 64]
 */
export class Embedding {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: InputLength | null;
  readonly name: string;
  readonly trainable: boolean;
  readonly dtype = "float32" as const;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  /** PyTorch-style lookup-time renormalization limit, or null. */
  readonly maxNorm: number | null;
  readonly normType: number;
  /** PyTorch's scale_grad_by_freq for `backward`. */
  readonly scaleGradByFreq: boolean;
  private mem: LayerMemory | undefined;
  private readonly trainer: Trainer;
  /** Shape of the last lookup whose indices are still in the index region (for `backward`), or null. */
  private lookedUp: number[] | null = null;
  private readonly seenPtr: number;
  private activityLosses: number[] = [];
  /** Index slots written by the caller through `indexBuffer(n)` since the last lookup that staged its own. */
  private bufferedIndices = 0;

  constructor(options: EmbeddingOptions) {
    if (options === null || typeof options !== "object") invalidArgument("options", "an object with inputDim and outputDim", options);
    // Own properties only: a polluted Object.prototype must not fill in o.
    const o: EmbeddingOptions = Object.create(null);
    for (const key of Object.keys(options)) {
      if (!(OPTION_NAMES as readonly string[]).includes(key)) {
        throw new ValueError(`Unrecognized option passed to Embedding: ${JSON.stringify(key)}. Expected only: ${OPTION_NAMES.join(", ")}`);
      }
      (o as unknown as Record<string, unknown>)[key] = (options as unknown as Record<string, unknown>)[key];
    }
    this.inputDim = positiveInteger("inputDim", o.inputDim);
    this.outputDim = positiveInteger("outputDim", o.outputDim);
    this.maskZero = o.maskZero === undefined ? false : boolean("maskZero", o.maskZero);
    this.trainable = o.trainable === undefined ? true : boolean("trainable", o.trainable);
    this.name = o.name === undefined ? defaultName() : nonEmptyString("name", o.name);
    checkDtype(o.dtype);
    this.inputLength = checkInputLength(o.inputLength);
    this.embeddingsInitializer = getInitializer(o.embeddingsInitializer);
    this.embeddingsRegularizer = getRegularizer(o.embeddingsRegularizer);
    this.activityRegularizer = getRegularizer(o.activityRegularizer);
    this.embeddingsConstraint = getConstraint(o.embeddingsConstraint);
    this.maxNorm = o.maxNorm === undefined || o.maxNorm === null ? null : checkMaxNorm(o.maxNorm);
    this.normType = o.normType === undefined ? 2 : checkNormType(o.normType);
    this.scaleGradByFreq = o.scaleGradByFreq === undefined ? false : boolean("scaleGradByFreq", o.scaleGradByFreq);
    // Check the initial weights before allocating anything.
    const initial = o.weights === undefined ? undefined : this.readWeights(o.weights, "weights");
    this.mem = new LayerMemory(this.inputDim, this.outputDim);
    // The renorm kernel's bitmap of rows already visited in a lookup, all zero between lookups.
    this.seenPtr = this.maxNorm === null ? -1 : this.mem.persistent(Math.ceil(this.inputDim / 8), "the maxNorm bitmap");
    if (initial !== undefined) this.mem.table().set(initial);
    else this.embeddingsInitializer.fill(this.tableTarget(this.mem));
    this.trainer = new Trainer({
      name: this.name,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      trainable: this.trainable,
      scaleGradByFreq: this.scaleGradByFreq,
      embeddingsRegularizer: this.embeddingsRegularizer,
      activityRegularizer: this.activityRegularizer,
      embeddingsConstraint: this.embeddingsConstraint,
      live: () => this.live(),
      lastLookup: () => this.lookedUp,
      forgetLookups: () => {
        this.lookedUp = null;
        this.bufferedIndices = 0;
      },
      tableTarget: (mem) => this.tableTarget(mem),
    });
  }

  /** The table as initializers, constraints and regularizers address it. */
  private tableTarget(mem: LayerMemory): FillTarget {
    return {
      kernel: mem.kernel,
      ptr: mem.tablePtr,
      shape: [this.inputDim, this.outputDim] as const,
      scratch: (bytes: number) => mem.scratch(bytes),
    };
  }

  private live(): LayerMemory {
    if (this.mem === undefined) throw new Error(`Embedding layer "${this.name}" has been disposed and cannot be used any more.`);
    return this.mem;
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this.mem === undefined;
  }

  /** Number of weights (inputDim × outputDim). */
  countParams(): number {
    this.live();
    return this.inputDim * this.outputDim;
  }

  /** Bytes of WebAssembly memory the layer holds (table and lookup scratch). */
  get memoryBytes(): number {
    return this.live().byteLength;
  }

  private checkShape(shape: readonly number[]): void {
    if (this.inputLength !== null) outputShape(shape, this.outputDim, this.inputLength);
  }

  /**
   * Stages, converts and checks the indices of `x`, then (with maxNorm) renormalizes the rows they
   * reference, gathers the rows into the output region, and records the activity penalty.
   */
  private lookup(input: FlatInput): LayerMemory {
    const mem = this.live();
    this.checkShape(input.shape);
    this.bufferedIndices = 0;
    if (this.activityRegularizer instanceof OrthogonalRegularizer) this.activityRegularizer.checkRank([...input.shape, this.outputDim]);
    this.lookedUp = null;
    mem.reserve(input.size);
    stageIndices(mem, input);
    this.gatherStaged(mem, input.shape, input.size);
    this.lookedUp = [...input.shape];
    return mem;
  }

  /** Everything after the indices are staged and checked: renorm, gather, activity penalty. */
  private gatherStaged(mem: LayerMemory, shape: readonly number[], size: number): void {
    const k = mem.kernel;
    if (this.maxNorm !== null) k.renormRows(mem.tablePtr, this.outputDim, mem.indexPtr, size, this.maxNorm, this.normType, this.seenPtr);
    const activity = this.activityRegularizer;
    if (activity === null) {
      k.gatherRows(mem.tablePtr, this.outputDim, mem.indexPtr, size, mem.outputPtr);
      return;
    }
    let penalty: number;
    if (isSumsRegularizer(activity)) {
      // L1 / L2 / L1L2: the sums are accumulated while the rows are copied (one pass).
      k.gatherRowsWithSums(mem.tablePtr, this.outputDim, mem.indexPtr, size, mem.outputPtr, mem.statsPtr);
      const sums = new Float64Array(k.memory.buffer, mem.statsPtr, 2);
      penalty = activity.fromSums(sums[0]!, sums[1]!);
    } else {
      k.gatherRows(mem.tablePtr, this.outputDim, mem.indexPtr, size, mem.outputPtr);
      const outputShape = [...shape, this.outputDim];
      penalty = activity.penaltyOf({ kernel: k, ptr: mem.outputPtr, shape: outputShape, scratch: (bytes) => mem.scratch(bytes) });
    }
    // Keras divides by the output's first dimension, with divide_no_nan (0 for an empty batch).
    const batch = shape.length > 0 ? shape[0]! : this.outputDim;
    this.activityLosses = [batch === 0 ? 0 : penalty / batch];
  }

  /**
   * Looks up `x`: a number, a nested array of numbers, a typed array (rank 1) or `{ data, shape }`.
   * Float indices are truncated toward zero (Keras casts to int32). Returns a fresh
   * `{ data: Float32Array, shape: [...x.shape, outputDim] }`. An index outside `[0, inputDim)`
   * (or NaN / ±Infinity) throws a RangeError naming its position; nothing is written then.
   */
  call(x: LookupInput): Tensor<Float32Array> {
    const input = flatten(x, (n) => this.live().checkPositions(n));
    const mem = this.lookup(input);
    return { data: freshCopy(mem.output().subarray(0, input.size * this.outputDim)), shape: [...input.shape, this.outputDim] };
  }

  /** As `call`, writing into `out`, whose length must be `x`'s size × outputDim. Returns `{ data: out, shape }`. */
  callInto(x: LookupInput, out: Float32Array): Tensor<Float32Array> {
    if (!(out instanceof Float32Array)) invalidArgument("out", "a Float32Array", out);
    const input = flatten(x, (n) => this.live().checkPositions(n));
    const needed = input.size * this.outputDim;
    if (out.length !== needed) {
      throw new ValueError(
        `out must have ${needed} elements for input of shape [${input.shape.join(", ")}] and outputDim ${this.outputDim}. ` +
          `Received: out.length=${out.length}`,
      );
    }
    const mem = this.lookup(input);
    out.set(mem.output().subarray(0, needed));
    return { data: out, shape: [...input.shape, this.outputDim] };
  }

  /**
   * Zero-copy input: an Int32Array of `n` index slots inside the layer's WebAssembly memory. Write
   * indices into it, then call `lookupBuffer`. Valid until the next call on this layer (any call may
   * reuse or move the region).
   */
  indexBuffer(n: number): Int32Array {
    const mem = this.live();
    if (!Number.isSafeInteger(n) || n < 0) invalidArgument("n", "a non-negative integer", n);
    mem.reserve(n);
    this.bufferedIndices = n;
    this.lookedUp = null;
    return mem.indices().subarray(0, n);
  }

  /**
   * Zero-copy lookup of the indices written into `indexBuffer(n)`. `shape` is `n` or the input's
   * shape (its product ≤ the n reserved). Returns a Float32Array view of the output
   * (`size × outputDim` floats) inside WebAssembly memory, valid until the next call on this layer.
   */
  lookupBuffer(shape: number | readonly number[]): Float32Array {
    const mem = this.live();
    const dims = typeof shape === "number" ? [shape] : shape;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      invalidArgument("shape", "a non-negative integer or an array of them", shape);
    }
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > this.bufferedIndices) {
      throw new ValueError(
        `lookupBuffer(${show(shape)}) covers ${size} indices, but ${this.bufferedIndices === 0 ? "no index slots were handed out since the last lookup" : `indexBuffer(${this.bufferedIndices}) handed out only ${this.bufferedIndices}`}: ` +
          `call indexBuffer(${size}) and write the indices first.`,
      );
    }
    this.checkShape(dims);
    if (this.activityRegularizer instanceof OrthogonalRegularizer) this.activityRegularizer.checkRank([...dims, this.outputDim]);
    const bad = mem.kernel.firstOutOfRange(mem.indexPtr, size, this.inputDim);
    if (bad < size) throw outOfRange(dims, bad, mem.indices()[bad]!, this.inputDim);
    this.gatherStaged(mem, dims, size);
    this.lookedUp = [...dims];
    return mem.output().subarray(0, size * this.outputDim);
  }

  /**
   * The gradient of the table for the last lookup (`call`, `callInto` or `lookupBuffer`), given the
   * gradient of the loss with respect to that lookup's output (`dOutput`: a Float32Array /
   * Float64Array of its size, nested arrays, or `{ data, shape }` of its shape). Sparse: the distinct
   * rows looked up and their summed gradients (duplicates accumulate; positions masked by maskZero
   * still contribute, as in Keras). Adds the activity regularizer's gradient when one is set, and
   * divides by row frequency with `scaleGradByFreq`. Returns null for a layer with `trainable: false`.
   * Uses the lookup's output region: a `lookupBuffer` view is spent afterwards.
   */
  backward(dOutput: Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] }): SparseGradient | null {
    return this.trainer.backward(dOutput);
  }

  /**
   * One optimizer step on the table from a sparse gradient (as `backward` returns; repeated rows are
   * summed): the embeddings regularizer's gradient is added (every row in "dense" mode, the gradient's
   * rows in "lazy" mode), the optimizer updates the table in WebAssembly, and the constraint is applied,
   * as Keras does after every step. The optimizer's state is kept beside the table; the first step
   * makes it, after which earlier lookups cannot be passed to `backward` any more.
   */
  applyGradients(gradient: SparseGradient, optimizer: Optimizer): void {
    this.trainer.apply(gradient, optimizer);
  }

  /** `optimizer`'s state for this layer (its step count and slot tables, copied), or null before its first step. */
  getOptimizerState(optimizer: Optimizer): OptimizerState | null {
    return this.trainer.getState(optimizer);
  }

  /** Restores an optimizer state saved by `getOptimizerState` (same optimizer class, same table shape). */
  setOptimizerState(optimizer: Optimizer, state: OptimizerState): void {
    this.trainer.setState(optimizer, state);
  }

  /**
   * Applies `embeddingsConstraint` to the table in place (what Keras does after every optimizer
   * step). No-op without a constraint. Construction never applies it.
   */
  applyConstraint(): void {
    const mem = this.live();
    this.embeddingsConstraint?.applyTo(this.tableTarget(mem));
  }

  /** The `embeddingsRegularizer` penalty of the current table (0 without one), computed in WebAssembly. */
  regularizationLoss(): number {
    const mem = this.live();
    return this.embeddingsRegularizer === null ? 0 : this.embeddingsRegularizer.penaltyOf(this.tableTarget(mem));
  }

  /**
   * The layer's losses, as Keras' `layer.losses`: the activity penalty of the last lookup (when an
   * `activityRegularizer` is set; divided by the batch size), then the table's regularization
   * penalty (when an `embeddingsRegularizer` is set).
   */
  get losses(): number[] {
    this.live();
    return this.embeddingsRegularizer === null ? [...this.activityLosses] : [...this.activityLosses, this.regularizationLoss()];
  }

  /** `x != 0` on the raw input values (so 0.4 is `1`), shaped like `x`; null without `maskZero`. */
  computeMask(x: LookupInput): Tensor<Uint8Array> | null {
    this.live();
    const input = flatten(x);
    this.checkShape(input.shape);
    if (!this.maskZero) return null;
    const mask = new Uint8Array(input.size);
    const data = input.data as ArrayLike<number | bigint>;
    for (let i = 0; i < input.size; i++) mask[i] = data[i] != 0 ? 1 : 0;
    return { data: mask, shape: input.shape };
  }

  /** The output shape for an input shape (null = unknown dimension), checked against `inputLength`. */
  computeOutputShape(inputShape: readonly Dim[]): Dim[] {
    this.live();
    return outputShape(checkShapeArgument(inputShape), this.outputDim, this.inputLength);
  }

  private readWeights(weights: unknown, where: string): ArrayLike<number> {
    const list = isWeightTable(weights) ? [weights] : weights;
    if (!Array.isArray(list)) {
      invalidArgument(where, "a list holding one table ({ data, shape } or number[][])", weights);
    }
    if (list.length !== 1) {
      throw new ValueError(
        `You called setWeights(weights) on layer "${this.name}" with a weight list of length ${list.length}, but the layer was expecting 1 weights.`,
      );
    }
    const { shape, data } = readWeightTable(`${where}[0]`, list[0]);
    if (shape.length !== 2 || shape[0] !== this.inputDim || shape[1] !== this.outputDim) {
      throw new ValueError(
        `Layer "${this.name}" weight shape [${this.inputDim}, ${this.outputDim}] is not compatible with provided weight shape [${shape.join(", ")}].`,
      );
    }
    return data;
  }

  /** The table, as a one-element list `[{ data, shape: [inputDim, outputDim] }]` (a copy). */
  getWeights(): Tensor<Float32Array>[] {
    return [{ data: freshCopy(this.live().table()), shape: [this.inputDim, this.outputDim] }];
  }

  /** Replaces the table. `weights` is `[table]` (or the table itself); checked fully before anything is written. */
  setWeights(weights: WeightTable | readonly WeightTable[]): void {
    const mem = this.live();
    const data = this.readWeights(weights, "weights");
    mem.table().set(data);
  }

  /** The config in TF.js form (camelCase). `Embedding.fromConfig(layer.getConfig())` rebuilds the layer. */
  getConfig(): EmbeddingConfig {
    this.live();
    return {
      name: this.name,
      trainable: this.trainable,
      dtype: this.dtype,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: toTfjs(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer && toTfjs(this.embeddingsRegularizer),
      activityRegularizer: this.activityRegularizer && toTfjs(this.activityRegularizer),
      embeddingsConstraint: this.embeddingsConstraint && toTfjs(this.embeddingsConstraint),
      maskZero: this.maskZero,
      inputLength: this.inputLength === null || typeof this.inputLength === "number" ? this.inputLength : [...this.inputLength],
      ...(this.maxNorm === null ? {} : { maxNorm: this.maxNorm, normType: this.normType }),
      ...(this.scaleGradByFreq ? { scaleGradByFreq: true } : {}),
    };
  }

  /**
   * The config as Keras 3 writes it (`get_config()`): snake_case keys, sub-objects as
   * `{ module, class_name, config, registered_name }`. `input_length` is added only when set
   * (Keras 3 accepts it with a deprecation warning; Keras 2 honours it).
   */
  toKerasConfig(): Record<string, unknown> {
    this.live();
    const sub = (obj: Serializable | null, module: string): KerasObjectConfig | null => obj && toKeras(obj, module);
    const init = toKeras(this.embeddingsInitializer, "keras.initializers");
    const config: Record<string, unknown> = {
      name: this.name,
      trainable: this.trainable,
      dtype: { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null },
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: init,
      embeddings_regularizer: sub(this.embeddingsRegularizer, "keras.regularizers"),
      activity_regularizer: sub(this.activityRegularizer, "keras.regularizers"),
      embeddings_constraint: sub(this.embeddingsConstraint, "keras.constraints"),
      mask_zero: this.maskZero,
      quantization_config: null,
    };
    if (this.inputLength !== null) config["input_length"] = this.getConfig().inputLength;
    if (this.maxNorm !== null) Object.assign(config, { max_norm: this.maxNorm, norm_type: this.normType });
    if (this.scaleGradByFreq) config["scale_grad_by_freq"] = true;
    return config;
  }

  /** Rebuilds a layer from `getConfig()` or `toKerasConfig()` output (bare, or wrapped in `{ class_name, config }`). */
  static fromConfig(config: unknown): Embedding {
    return new Embedding(readEmbeddingConfig(config));
  }

  /**
   * Reads an Embedding layer from Keras 3 files: a `.keras` archive, or `{ weights, config }` (a
   * `.weights.h5` file and the model's architecture; see {@link KerasSource}). The layer is chosen
   * by `options.layer` (its name) or is the model's only Embedding; its table is read as Keras
   * saved it, so lookups equal Keras' `model.predict` bit for bit.
   *
   * @example
   * const layer = await Embedding.fromKeras("model.keras", { layer: "words", onProgress: (f) => bar.set(f) });
   */
  static async fromKeras(source: KerasSource, options: KerasLoadOptions = {}): Promise<Embedding> {
    // Loaded on demand: file formats (and h5wasm behind them) cost nothing until used.
    const { readKerasEmbedding } = await import("./io/keras.ts");
    const { options: config, table } = await readKerasEmbedding(source, options, readEmbeddingConfig);
    return new Embedding({ ...config, weights: table });
  }

  /**
   * The layer as a `.keras` archive: a Sequential model of an int32 `Input` and this layer, which
   * `keras.saving.load_model` loads with the same config and table. Layers using maxNorm or
   * scaleGradByFreq (PyTorch options Keras lacks) cannot be saved this way.
   */
  async toKeras(options: KerasSaveOptions = {}): Promise<Uint8Array> {
    const config = this.toKerasConfig();
    const [table] = this.getWeights();
    const { writeKerasArchive } = await import("./io/keras.ts");
    return writeKerasArchive(config, table!.data, [this.inputDim, this.outputDim], options);
  }

  /** The table as a `.weights.h5` file, which Keras' `model.load_weights` reads into the model `toKeras()` describes. */
  async toKerasWeights(options: KerasSaveOptions = {}): Promise<Uint8Array> {
    const config = this.toKerasConfig();
    const [table] = this.getWeights();
    const { writeKerasWeights } = await import("./io/keras.ts");
    return writeKerasWeights(config, table!.data, [this.inputDim, this.outputDim], options);
  }

  /**
   * Reads an Embedding layer from a TF.js layers model: the URL or path of its `model.json` (shards
   * resolved relative to it) or `{ modelJson, weightData }`. Quantized weights (uint8, uint16,
   * float16) are dequantized as TF.js does, so lookups equal the TF.js model's bit for bit.
   */
  static async fromTfjs(source: TfjsSource, options: TfjsLoadOptions = {}): Promise<Embedding> {
    const { readTfjsEmbedding } = await import("./io/tfjs.ts");
    const { options: config, table } = await readTfjsEmbedding(source, options, readEmbeddingConfig);
    return new Embedding({ ...config, weights: table });
  }

  /**
   * The layer as a TF.js layers model (a Sequential holding it): `modelJson` is model.json's content
   * (weights in "weights.bin"), `weightData` that file. Load it with
   * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }))`.
   */
  async toTfjs(options: { inputShape?: readonly (number | null)[] } = {}): Promise<TfjsModel> {
    const config = this.toKerasConfig();
    const [table] = this.getWeights();
    const { writeTfjsModel } = await import("./io/tfjs.ts");
    return writeTfjsModel(config, table!.data, [this.inputDim, this.outputDim], options);
  }

  /**
   * Releases the layer's WebAssembly memory. Any later use of the layer throws, and zero-copy views
   * it handed out are detached (they read as empty).
   */
  dispose(): void {
    this.mem?.detachViews();
    this.mem = undefined;
  }
}
