// PyTorch's nn.EmbeddingBag with this package's conventions (Keras-style options, validation,
// configs and weights): bags of indices reduced to one vector each, in one kernel pass per bag.
import { checkDtype, checkMaxNorm, checkNormType } from "./embedding.ts";
import { CallGuard } from "./call-guard.ts";
import { getConstraint, type Constraint } from "./constraints.ts";
import { BagMode } from "./core/kernel.ts";
import { KernelMemory, tableHandle, type TableHandle } from "./core/memory.ts";
import { freshCopy } from "./core/fresh.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { getInitializer, type Initializer } from "./initializers/index.ts";
import { stageBags, type BagCallOptions } from "./bag-input.ts";
import { bagBackward, type BagRecord } from "./bag-gradient.ts";
import { readEmbeddingBagConfig } from "./embedding-bag-config.ts";
import { flatten, type LookupInput } from "./input.ts";
import { privateCopy, typedArrayName } from "./typed-arrays.ts";
import type { Optimizer, OptimizerState } from "./optimizers.ts";
import type { Identifier, Tensor } from "./options.ts";
import { getRegularizer, type Regularizer } from "./regularizers.ts";
import { INFINITE_NORM, toTfjs, type Config } from "./serialization.ts";
import type { SparseGradient } from "./sparse-gradient.ts";
import { Trainer } from "./training.ts";
import { boolean, nonEmptyString, ownOptions, paddingIndex, positiveInteger } from "./validate.ts";
import { readLayerWeights, type WeightTable } from "./weights.ts";

export type { BagCallOptions } from "./bag-input.ts";

/** How a bag's rows are reduced. */
export type BagReduction = "sum" | "mean" | "max";

/** Constructor options of {@link EmbeddingBag}: PyTorch's arguments, camelCase, with Keras' table options. */
export interface EmbeddingBagOptions {
  /** Number of rows (indices in [0, inputDim)). */
  inputDim: number;
  /** Length of each row. */
  outputDim: number;
  /** How each bag is reduced; default `'mean'`, as PyTorch. */
  mode?: BagReduction;
  /**
   * An index whose positions take no part in any bag (nor in the mean's divisor) and whose row gets
   * no gradient; negative values count from the end (PyTorch). Its row starts at zero unless `weights`
   * are given.
   */
  paddingIdx?: number | null;
  /** Each call first rescales, in place, every referenced row whose `normType`-norm exceeds this (PyTorch's max_norm). */
  maxNorm?: number | null;
  /** The p of the p-norm for `maxNorm` (default 2; `Infinity` for the max norm). */
  normType?: number | typeof INFINITE_NORM;
  /** `backward` divides each row's gradient by the number of times the call used it. Not with mode `'max'`. */
  scaleGradByFreq?: boolean;
  /** 1-D input: `offsets` has one more entry, the end of the last bag (CSR form). Default false. */
  includeLastOffset?: boolean;
  /** As `Embedding`'s: default `'uniform'` (U(−0.05, 0.05), Keras' default). */
  embeddingsInitializer?: Identifier | Initializer | ((shape: number[]) => ArrayLike<number>);
  /** As `Embedding`'s; its penalty is `regularizationLoss()` and optimizer steps add its gradient. */
  embeddingsRegularizer?: Identifier | Regularizer | ((x: { data: Float32Array; shape: number[] }) => number) | null;
  /** As `Embedding`'s; applied after every optimizer step and by `applyConstraint()`. */
  embeddingsConstraint?: Identifier | Constraint | ((table: { data: Float32Array; shape: number[] }) => ArrayLike<number> | void) | null;
  /** Initial table `{ data, shape: [inputDim, outputDim] }` or `number[][]`, optionally in a one-element list. */
  weights?: WeightTable | readonly WeightTable[];
  /** Layer name; default `embedding_bag`, `embedding_bag_1`, … */
  name?: string;
  /** Whether `backward` and optimizer steps may train the table. Default true. */
  trainable?: boolean;
  /** Only `'float32'`. */
  dtype?: "float32";
}

/** The config of an {@link EmbeddingBag} (TF.js-style camelCase keys). */
export interface EmbeddingBagConfig {
  name: string;
  trainable: boolean;
  dtype: "float32";
  inputDim: number;
  outputDim: number;
  mode: BagReduction;
  paddingIdx: number | null;
  maxNorm: number | null;
  /** `"inf"` for `normType: Infinity` (JSON has no Infinity); `fromConfig` reads it back. */
  normType: number | typeof INFINITE_NORM;
  scaleGradByFreq: boolean;
  includeLastOffset: boolean;
  embeddingsInitializer: { className: string; config: Config };
  embeddingsRegularizer: { className: string; config: Config } | null;
  embeddingsConstraint: { className: string; config: Config } | null;
}

const OPTION_NAMES = [
  "inputDim", "outputDim", "mode", "paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "includeLastOffset",
  "embeddingsInitializer", "embeddingsRegularizer", "embeddingsConstraint", "weights", "name", "trainable", "dtype",
] as const;

let layerCount = 0;
function defaultName(): string {
  return layerCount++ === 0 ? "embedding_bag" : `embedding_bag_${layerCount - 1}`;
}

function checkMode(value: unknown): BagReduction {
  if (value !== "sum" && value !== "mean" && value !== "max") invalidArgument("mode", '"sum", "mean" or "max"', value);
  return value;
}

/**
 * Bags of indices reduced to one vector each, PyTorch's `nn.EmbeddingBag`: the sum, mean or
 * element-wise max of the rows a bag names, computed in one WebAssembly pass per bag without
 * materializing the `[n, outputDim]` lookup. Input: 2-D bags of equal length, or 1-D indices with
 * `offsets`. Trains with `backward` and the package's optimizers like `Embedding`.
 *
 * @example
 * const bag = new EmbeddingBag({ inputDim: 10, outputDim: 3, mode: "sum" });
 * bag.call([0, 2, 1, 3, 3], { offsets: [0, 2, 2] }); // 3 bags: [0, 2], [], [1, 3, 3] → shape [3, 3]
 */
export class EmbeddingBag {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly mode: BagReduction;
  /** The padding index (made non-negative), or null. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly includeLastOffset: boolean;
  readonly name: string;
  readonly trainable: boolean;
  readonly dtype = "float32" as const;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  private mem: KernelMemory | undefined;
  private readonly seenPtr: number;
  private readonly guard: CallGuard;
  private readonly trainer: Trainer;
  /** What the last call reduced, for `backward`; null before the first call. */
  private last: BagRecord | null = null;

  constructor(options: EmbeddingBagOptions) {
    const o = ownOptions<EmbeddingBagOptions>("EmbeddingBag", options, OPTION_NAMES);
    this.inputDim = positiveInteger("inputDim", o.inputDim);
    this.outputDim = positiveInteger("outputDim", o.outputDim);
    this.mode = o.mode === undefined ? "mean" : checkMode(o.mode);
    this.paddingIdx = o.paddingIdx === undefined || o.paddingIdx === null ? null : paddingIndex(o.paddingIdx, this.inputDim);
    this.maxNorm = o.maxNorm === undefined || o.maxNorm === null ? null : checkMaxNorm(o.maxNorm);
    this.normType = o.normType === undefined ? 2 : checkNormType(o.normType);
    this.scaleGradByFreq = o.scaleGradByFreq === undefined ? false : boolean("scaleGradByFreq", o.scaleGradByFreq);
    if (this.scaleGradByFreq && this.mode === "max") {
      throw new ValueError('mode "max" does not support scaling the gradient by the frequency (scaleGradByFreq: true), as in PyTorch.');
    }
    this.includeLastOffset = o.includeLastOffset === undefined ? false : boolean("includeLastOffset", o.includeLastOffset);
    this.trainable = o.trainable === undefined ? true : boolean("trainable", o.trainable);
    this.name = o.name === undefined ? defaultName() : nonEmptyString("name", o.name);
    checkDtype(o.dtype);
    this.embeddingsInitializer = getInitializer(o.embeddingsInitializer);
    this.embeddingsRegularizer = getRegularizer(o.embeddingsRegularizer);
    this.embeddingsConstraint = getConstraint(o.embeddingsConstraint);
    this.guard = new CallGuard("EmbeddingBag", this.name);
    const initial = o.weights === undefined ? undefined : this.readWeights(o.weights);
    const mem = new KernelMemory(this.inputDim, this.outputDim, { lookups: false });
    this.mem = mem;
    this.seenPtr = this.maxNorm === null ? -1 : mem.persistent(Math.ceil(this.inputDim / 8), "the maxNorm bitmap");
    if (initial !== undefined) {
      mem.table().set(initial);
    } else {
      this.embeddingsInitializer.fill(this.tableTarget(mem));
      // PyTorch zeroes the padding row of a freshly initialized table.
      if (this.paddingIdx !== null) mem.table().fill(0, this.paddingIdx * this.outputDim, (this.paddingIdx + 1) * this.outputDim);
    }
    this.trainer = new Trainer({
      name: this.name,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      trainable: this.trainable,
      scaleGradByFreq: this.scaleGradByFreq,
      embeddingsRegularizer: this.embeddingsRegularizer,
      activityRegularizer: null,
      embeddingsConstraint: this.embeddingsConstraint,
      live: () => this.live(),
      lastLookup: () => null,
      forgetLookups: () => {},
      tableTarget: (m) => this.tableTarget(m),
    });
  }

  private tableTarget(mem: KernelMemory): TableHandle {
    return tableHandle(mem, [this.inputDim, this.outputDim]);
  }

  private live(): KernelMemory {
    if (this.mem === undefined) throw new Error(`EmbeddingBag layer "${this.name}" has been disposed and cannot be used any more.`);
    return this.mem;
  }

  private readWeights(weights: unknown): ArrayLike<number> {
    return readLayerWeights(this.name, weights, "weights", [[this.inputDim, this.outputDim]])[0]!;
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

  /**
   * Reduces bags of rows: `input` is 2-D (`[bags, n]`, each row one bag; `offsets` absent) or 1-D
   * (all bags' indices in a row, with `options.offsets` giving where each bag starts). Returns a
   * fresh `{ data, shape: [bags, outputDim] }`. Empty bags give zeros; positions holding `paddingIdx`
   * are skipped. `options.perSampleWeights` (mode `'sum'` only) multiplies each row by its weight.
   * Float indices are truncated as in `Embedding`. Any invalid argument or index throws before the
   * table (maxNorm) or the layer's state changes. PyTorch's positional form
   * `call(input, offsets, perSampleWeights)` is accepted too.
   */
  call(input: LookupInput, options?: BagCallOptions | BagCallOptions["offsets"], perSampleWeights?: BagCallOptions["perSampleWeights"]): Tensor<Float32Array> {
    return this.guard.run("call", () => this.live(), (mem) => {
      const positional = Array.isArray(options) || ArrayBuffer.isView(options) || (options === undefined && perSampleWeights !== undefined);
      const named = positional
        ? { offsets: options as BagCallOptions["offsets"], perSampleWeights }
        : (options as BagCallOptions | undefined);
      if (!positional && perSampleWeights !== undefined) {
        throw new ValueError("perSampleWeights was given both as the third argument and beside an options object; pass it in options.perSampleWeights.");
      }
      const staged = stageBags(mem, input, named, this.mode, this.includeLastOffset);
      const k = mem.kernel;
      if (this.maxNorm !== null) k.renormRows(mem.tablePtr, this.outputDim, staged.idx, staged.n, this.maxNorm, this.normType, this.seenPtr);
      k.bagReduce(mem.tablePtr, mem.rows, this.outputDim, staged.idx, staged.bounds, staged.bags, staged.weights, BagMode[this.mode], this.paddingIdx ?? -1, staged.out, staged.argmax);
      const buffer = mem.memory.buffer;
      const size = staged.bags * this.outputDim;
      const data = freshCopy(new Float32Array(buffer, staged.out, size));
      this.last = {
        bags: staged.bags,
        idx: new Int32Array(buffer, staged.idx, staged.n).slice(),
        bounds: new Uint32Array(buffer, staged.bounds, staged.bags + 1).slice(),
        weights: staged.weights === 0 ? null : new Float32Array(buffer, staged.weights, staged.n).slice(),
        argmax: staged.argmax === 0 ? null : new Int32Array(buffer, staged.argmax, size).slice(),
      };
      return { data, shape: [staged.bags, this.outputDim] };
    });
  }

  /**
   * The gradient of the table for the last `call`, given the gradient of the loss with respect to its
   * output (`[bags, outputDim]`: a Float32Array / Float64Array of that size, nested arrays or
   * `{ data, shape }`). Sparse, as `Embedding.backward`: the distinct rows used (padding excluded)
   * with their summed gradients. Sum: each position gets its bag's gradient (times its weight);
   * mean: divided by the bag's size; max: each element goes to the row that gave the max. With
   * `scaleGradByFreq` each row is divided by its number of uses. Null when `trainable` is false.
   */
  backward(dOutput: Float32Array | Float64Array | ArrayLike<number> | { data: ArrayLike<number>; shape: readonly number[] } | readonly (readonly number[])[]): SparseGradient | null {
    return this.guard.run("backward", () => this.live(), (mem) => {
      const last = this.last;
      if (last === null) throw new ValueError("backward() differentiates the last call, and there is none: call call() first.");
      const upstream = readUpstream(dOutput, [last.bags, this.outputDim]);
      if (!this.trainable) return null;
      return bagBackward(mem, last, upstream, this.mode, this.paddingIdx ?? -1, this.scaleGradByFreq);
    });
  }

  /** One optimizer step on the table from a sparse gradient, exactly as `Embedding.applyGradients`. */
  applyGradients(gradient: SparseGradient, optimizer: Optimizer): void {
    this.guard.run("applyGradients", () => this.live(), () => this.trainer.apply(gradient, optimizer));
  }

  /** `optimizer`'s state for this layer, or null before its first step. */
  getOptimizerState(optimizer: Optimizer): OptimizerState | null {
    return this.guard.run("getOptimizerState", () => this.live(), () => this.trainer.getState(optimizer));
  }

  /** Restores an optimizer state saved by `getOptimizerState`. */
  setOptimizerState(optimizer: Optimizer, state: OptimizerState): void {
    this.guard.run("setOptimizerState", () => this.live(), () => this.trainer.setState(optimizer, state));
  }

  /** Applies `embeddingsConstraint` to the table in place (no-op without one). */
  applyConstraint(): void {
    this.guard.run("applyConstraint", () => this.live(), (mem) => this.embeddingsConstraint?.applyTo(this.tableTarget(mem)));
  }

  /** The `embeddingsRegularizer` penalty of the current table (0 without one). */
  regularizationLoss(): number {
    return this.guard.run("regularizationLoss", () => this.live(), (mem) =>
      this.embeddingsRegularizer === null ? 0 : this.embeddingsRegularizer.penaltyOf(this.tableTarget(mem)),
    );
  }

  /** The table as a one-element list `[{ data, shape: [inputDim, outputDim] }]` (a copy). */
  getWeights(): Tensor<Float32Array>[] {
    return this.guard.run("getWeights", () => this.live(), (mem) => [{ data: freshCopy(mem.table()), shape: [this.inputDim, this.outputDim] }]);
  }

  /** Replaces the table; `weights` is `[table]` or the table, checked fully before anything is written. */
  setWeights(weights: WeightTable | readonly WeightTable[]): void {
    this.guard.run("setWeights", () => this.live(), (mem) => {
      const data = this.readWeights(weights);
      mem.table().set(data);
    });
  }

  /** The config (camelCase). `EmbeddingBag.fromConfig(layer.getConfig())` rebuilds the layer (with a fresh table). */
  getConfig(): EmbeddingBagConfig {
    this.live();
    return {
      name: this.name,
      trainable: this.trainable,
      dtype: this.dtype,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      mode: this.mode,
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType === Infinity ? INFINITE_NORM : this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
      includeLastOffset: this.includeLastOffset,
      embeddingsInitializer: toTfjs(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer && toTfjs(this.embeddingsRegularizer),
      embeddingsConstraint: this.embeddingsConstraint && toTfjs(this.embeddingsConstraint),
    };
  }

  /** Rebuilds a layer from `getConfig()` output (camelCase or snake_case keys, bare or as `{ className: "EmbeddingBag", config }`). */
  static fromConfig(config: unknown): EmbeddingBag {
    return new EmbeddingBag(readEmbeddingBagConfig(config) as unknown as EmbeddingBagOptions);
  }

  /** Releases the layer's WebAssembly memory; later use throws. */
  dispose(): void {
    if (this.mem !== undefined) this.guard.check("dispose", () => this.mem);
    this.mem?.release();
    this.mem = undefined;
  }
}

/** The upstream gradient as flat values of `shape`. */
function readUpstream(dOutput: unknown, shape: number[]): ArrayLike<number> {
  const size = shape[0]! * shape[1]!;
  const kind = typedArrayName(dOutput);
  if (kind === "Float32Array" || kind === "Float64Array") {
    // A copy of its own, by the engine's length: a subclass cannot report another.
    const copy = privateCopy("dOutput", dOutput, kind) as Float32Array | Float64Array;
    if (copy.length !== size) {
      throw new ValueError(`dOutput must have ${size} values, the size of the last call's output [${shape.join(", ")}]. Received: dOutput.length=${copy.length}`);
    }
    return copy;
  }
  const flat = flatten(dOutput, undefined, "dOutput");
  if (flat.shape.length !== 2 || flat.shape[0] !== shape[0] || flat.shape[1] !== shape[1]) {
    throw new ValueError(`dOutput must have the shape of the last call's output, [${shape.join(", ")}]. Received: shape [${flat.shape.join(", ")}] (${show(dOutput)})`);
  }
  if (flat.data instanceof BigInt64Array || flat.data instanceof BigUint64Array) invalidArgument("dOutput", "numbers", dOutput);
  return flat.data as ArrayLike<number>;
}
