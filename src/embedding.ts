// The Keras-style Embedding layer (keras/src/layers/core/embedding.py; Keras 2 for inputLength).
import { getConstraint, type Constraint } from "./constraints.ts";
import { readEmbeddingConfig } from "./embedding-config.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { freshCopy } from "./core/fresh.ts";
import { gatherInChunks } from "./core/gather-chunks.ts";
import { getInitializer, type Initializer } from "./initializers/index.ts";
import { flatten, outOfRange, readBeforeGrowth, stageIndices, type FlatInput, type LookupInput, type NestedNumbers, type OnnxTensorLike, type TfjsTensorLike } from "./input.ts";
import { KernelMemory, standaloneTable, tableHandle, type TableHandle } from "./core/memory.ts";
import { rowsPerShard, ShardedTable } from "./core/shards.ts";
import { fillShardedInSteps } from "./initializers/sharded.ts";
import { ShardedTrainer } from "./sharded-training.ts";
import { checkLoraAlpha, checkLoraRank, LoraAdapters } from "./lora.ts";
import { rowStorage, StoredTable, type WeightArray } from "./stored-table.ts";
import { bfloat16Of, float16Of } from "./half.ts";
import { FLOAT32_ARITHMETIC, type QuantizerArithmetic } from "./quantizers.ts";
import {
  FLOAT32, INT8_WITH_FLOAT16, computeDtypeOf, isFloat32Stored, isQuantized, mixedComputeDtype, parsePolicyName, quantizedFrom, policyName, readBlockSize, variableSpecs,
  type QuantizationMode, type TableDtype, type TableFormat,
} from "./table-format.ts";
import { getRegularizer, isSumsRegularizer, OrthogonalRegularizer, penaltyOfPieces, type Regularizer } from "./regularizers.ts";
import { INFINITE_NORM, toKeras, toTfjs, type KerasObjectConfig, type Serializable } from "./serialization.ts";
import { checkInputLength, checkShapeArgument, outputShape, type Dim, type InputLength } from "./shapes.ts";
import type { Optimizer, OptimizerState } from "./optimizers.ts";
import { Trainer } from "./training.ts";
import type { LoraGradient, SparseGradient } from "./sparse-gradient.ts";
import { boolean, finiteNumber, nonEmptyString, ownOptions, paddingIndex, positiveInteger } from "./validate.ts";
import { CallGuard } from "./call-guard.ts";
import { readElements } from "./caller-data.ts";
import { addDispose } from "./disposable.ts";
import { setElements, typedArrayInfo, viewBuffer } from "./typed-arrays.ts";
import { fillSteps } from "./initializers/initializer.ts";
import { checkLoadOptions, progressReporter, throwIfAborted, type ByteSource, type LoadOptions } from "./io/source.ts";
import type { NpyLoadOptions } from "./io/npy-table.ts";

export type { LoraGradient, SparseGradient } from "./sparse-gradient.ts";
export type { Tensor, Identifier, EmbeddingOptions, EmbeddingConfig } from "./options.ts";
export type { WeightArray } from "./stored-table.ts";
export type { QuantizationMode, TableDtype } from "./table-format.ts";
import type { Tensor, EmbeddingOptions, EmbeddingConfig } from "./options.ts";
import { isWeightTable, readLayerWeights, readWeightList, readWeightTable, type VariableInput, type WeightTable } from "./weights.ts";
export type { VariableInput } from "./weights.ts";
import { nearest, RowNorms, stageNearest, type NearestOptions, type Neighbours } from "./nearest.ts";
import { readFloats, reverseBackward, reverseLogits, type ReverseGradients, type ReverseHost, type ReverseRecord } from "./reverse.ts";
import type { KerasLoadOptions, KerasSource } from "./io/keras.ts";
import { writeKerasArchive, writeKerasWeights, type KerasSaveOptions, type SavedVariable } from "./io/keras-write.ts";
import { toProjectorTsv, type ProjectorTsv } from "./io/projector.ts";
import type { Vocabulary } from "./io/vocabulary.ts";
import { writeTfjsModel, type TfjsLoadOptions, type TfjsModel, type TfjsSource } from "./io/tfjs.ts";
import type { PoolLink, PoolRegion } from "./pool/link.ts";

const OPTION_NAMES = [
  "inputDim", "outputDim", "embeddingsInitializer", "embeddingsRegularizer", "activityRegularizer",
  "embeddingsConstraint", "maskZero", "inputLength", "weights", "name", "trainable", "dtype", "maxNorm", "normType", "scaleGradByFreq", "paddingIdx",
  "tieWeights", "logitSoftCap", "reverseDtype", "loraRank", "loraAlpha", "quantizationBlockSize", "maxShardBytes",
] as const;

/** Calls that change the table or move the layer's memory: refused while EmbeddingPool lookups read the table. */
const TABLE_WRITERS = new Set(["applyConstraint", "applyGradients", "applyReverseGradients", "dispose", "enableLora", "mergeLora", "quantize", "setWeights"]);

/** Set by `Embedding.create` around its `new Embedding`: the constructor leaves the fill's steps here. */
let pendingFill: { steps: Iterator<number, void, undefined> | null } | null = null;

/** Milliseconds of work between two yields to the event loop in `Embedding.create`. */
const CREATE_SLICE_MS = 12;

let layerCount = 0;
function defaultName(): string {
  return layerCount++ === 0 ? "embedding" : `embedding_${layerCount - 1}`;
}

/** A PyTorch-style maxNorm: a finite number ≥ 0. */
export function checkMaxNorm(value: unknown): number {
  const limit = finiteNumber("maxNorm", value);
  // A negative limit would flip (or overflow) every referenced row; a huge one never applies.
  if (limit < 0) invalidArgument("maxNorm", "a finite number ≥ 0", value);
  return limit;
}

/** The p of a p-norm: a positive number (Infinity, or "inf" as configs write it). */
export function checkNormType(value: unknown): number {
  // "inf" is how configs write Infinity (JSON has none), accepted here too.
  if (value === INFINITE_NORM) return Infinity;
  if (typeof value !== "number" || !(value > 0)) invalidArgument("normType", "a positive number (Infinity for the max norm)", value);
  return value;
}

/** The initializer's fill steps, then (PyTorch) the padding row set to zeros. */
function* zeroingPadding(steps: Iterator<number, void, undefined>, zeroRow: (row: number) => void, paddingIdx: number | null): Generator<number, void, undefined> {
  for (let step = steps.next(); !step.done; step = steps.next()) yield step.value;
  if (paddingIdx !== null) zeroRow(paddingIdx);
}

/** The `maxShardBytes` storage option: a positive integer, or null / undefined for one memory. */
function checkMaxShardBytes(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) invalidArgument("maxShardBytes", "a positive integer number of bytes, or null", value);
  return value;
}

/** The table dtype: only float32. */
export function checkDtype(value: unknown): "float32" {
  if (value !== undefined && value !== "float32") invalidArgument("dtype", '"float32" (the only table dtype supported)', value);
  return "float32";
}

function checkLogitSoftCap(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) invalidArgument("logitSoftCap", "a finite number > 0, or null", value);
  return value;
}

/** The table's storage, from a Keras dtype policy name. */
function checkTableFormat(value: unknown): TableFormat {
  if (value === undefined || value === null) return FLOAT32;
  if (typeof value !== "string") invalidArgument("dtype", 'a dtype policy name: "float32", "float16", "bfloat16", "int8_from_float32", "int4/128_from_float32", …', value);
  return parsePolicyName(value, "dtype");
}

/** Keras' texts for enable_lora's refusals (keras/src/layers/core/embedding.py). */
const LORA_WITH_CONSTRAINT =
  "Lora is incompatible with embedding constraints. In order to enable lora on this layer, remove the `embeddings_constraint` argument.";
const LORA_TWICE = "lora is already enabled. This can only be done once per layer.";

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
  /** How the table is stored and read: float32, float16, bfloat16, or quantized (int8 / int4). */
  private format: TableFormat;
  /** The table's regions in `mem` (dropped with it on dispose, so the memory can be collected). */
  private storedTable: StoredTable | undefined;
  private lora: LoraAdapters | null = null;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  /** PyTorch-style lookup-time renormalization limit, or null. */
  readonly maxNorm: number | null;
  readonly normType: number;
  /** PyTorch's scale_grad_by_freq for `backward`. */
  readonly scaleGradByFreq: boolean;
  /** PyTorch's padding_idx (normalized to [0, inputDim)), or null. */
  readonly paddingIdx: number | null;
  /**
   * Keras Hub's ReversibleEmbedding: whether `reverse` multiplies by the table itself (true, the
   * default) or by separate `reverseEmbeddings` of shape [outputDim, inputDim].
   */
  readonly tieWeights: boolean;
  /** `reverse` caps its logits to `cap · tanh(logits / cap)`; null for no cap. */
  readonly logitSoftCap: number | null;
  /** Byte offset of the untied reverse embeddings in the layer's memory, or 0 when tied. */
  private readonly reversePtr: number;
  /** The table's row norms for `nearest`, dropped by `tableChanged`. */
  private readonly rowNorms = new RowNorms();
  /** The last `reverse` call's input (for `reverseBackward`), or null. */
  private reversed: ReverseRecord | null = null;
  /** Optimizer steps on the untied reverse embeddings, made on first use. */
  private reverseTrainer: Trainer | undefined;
  private mem: KernelMemory | undefined;
  private readonly trainer: Trainer;
  /** Shape of the last lookup whose indices are still in the index region (for `backward`), or null. */
  private lookedUp: number[] | null = null;
  private seenPtr: number;
  /** int4: the block size as the quantization config wrote it (-1 and null both mean one scale per row). */
  private configBlockSize: number | null = null;
  private activityLosses: number[] = [];
  /** Index slots written by the caller through `indexBuffer(n)` since the last lookup that staged its own. */
  private bufferedIndices = 0;
  /** Job regions of disposed EmbeddingPools, for the next pool (each valid in the memory it names). */
  private readonly poolRegions: { mem: KernelMemory; region: PoolRegion }[] = [];
  /** Refuses calls made from inside the callbacks of another call on this layer. */
  private readonly guard: CallGuard;
  /**
   * The table's row-range shards when it is larger than `maxShardBytes` (then `mem`, the home
   * memory, holds the lookups' indices and outputs and no table), else null.
   */
  private shards: ShardedTable | null = null;
  /** Optimizer steps on the shards (a sharded layer only). */
  private shardedTrainer: ShardedTrainer | undefined;

  constructor(options: EmbeddingOptions) {
    const o = ownOptions<EmbeddingOptions>("Embedding", options, OPTION_NAMES);
    this.inputDim = positiveInteger("inputDim", o.inputDim);
    this.outputDim = positiveInteger("outputDim", o.outputDim);
    this.maskZero = o.maskZero === undefined ? false : boolean("maskZero", o.maskZero);
    this.trainable = o.trainable === undefined ? true : boolean("trainable", o.trainable);
    this.name = o.name === undefined ? defaultName() : nonEmptyString("name", o.name);
    this.guard = new CallGuard("Embedding", this.name);
    this.format = checkTableFormat(o.dtype);
    if (o.quantizationBlockSize !== undefined) {
      // The block size a quantization config gives must be the one the int4 policy names (-1 and null both mean per row).
      const given = readBlockSize("quantizationBlockSize", o.quantizationBlockSize);
      if (this.format.kind !== "int4" || given !== this.format.blockSize) {
        throw new ValueError(
          `quantizationBlockSize=${show(o.quantizationBlockSize)} does not match dtype ${show(policyName(this.format))}: ` +
            `give the block size of an int4 policy ("int4/<block size>_from_float32", -1 or null for one scale per row).`,
        );
      }
      this.configBlockSize = o.quantizationBlockSize;
    } else if (this.format.kind === "int4") this.configBlockSize = this.format.blockSize ?? -1;
    this.inputLength = checkInputLength(o.inputLength);
    this.embeddingsInitializer = getInitializer(o.embeddingsInitializer);
    this.embeddingsRegularizer = getRegularizer(o.embeddingsRegularizer);
    this.activityRegularizer = getRegularizer(o.activityRegularizer);
    this.embeddingsConstraint = getConstraint(o.embeddingsConstraint);
    this.maxNorm = o.maxNorm === undefined || o.maxNorm === null ? null : checkMaxNorm(o.maxNorm);
    this.normType = o.normType === undefined ? 2 : checkNormType(o.normType);
    this.scaleGradByFreq = o.scaleGradByFreq === undefined ? false : boolean("scaleGradByFreq", o.scaleGradByFreq);
    this.paddingIdx = o.paddingIdx === undefined || o.paddingIdx === null ? null : paddingIndex(o.paddingIdx, this.inputDim);
    this.tieWeights = o.tieWeights === undefined ? true : boolean("tieWeights", o.tieWeights);
    this.logitSoftCap = o.logitSoftCap === undefined || o.logitSoftCap === null ? null : checkLogitSoftCap(o.logitSoftCap);
    if (o.reverseDtype !== undefined && o.reverseDtype !== null && o.reverseDtype !== "float32") {
      invalidArgument("reverseDtype", '"float32" or null (the reverse projection runs in float32)', o.reverseDtype);
    }
    const loraRank = o.loraRank === undefined || o.loraRank === null ? null : checkLoraRank("loraRank", o.loraRank);
    if (o.loraAlpha !== undefined && o.loraAlpha !== null) checkLoraAlpha("loraAlpha", o.loraAlpha);
    this.checkFormatSupported(this.format, loraRank !== null);
    if (loraRank !== null && this.embeddingsConstraint !== null) throw new ValueError(LORA_WITH_CONSTRAINT);
    if (!this.tieWeights && (loraRank !== null || !isFloat32Stored(this.format))) {
      throw new ValueError(`tieWeights: false (separate reverse embeddings) needs a float32 table without LoRA; layer "${this.name}" has dtype ${policyName(this.format)}${loraRank !== null ? " and LoRA" : ""}.`);
    }
    const maxShardBytes = checkMaxShardBytes(o.maxShardBytes);
    const shardRows = maxShardBytes !== null && this.inputDim * this.outputDim * 4 > maxShardBytes ? rowsPerShard(this.outputDim, maxShardBytes) : 0;
    if (shardRows > 0) this.checkShardable(loraRank !== null);
    // Check the initial weights before allocating anything (a quantized layer takes Keras' variables).
    const floatInitial = o.weights === undefined || !isFloat32Stored(this.format) ? undefined : this.readWeights(o.weights, "weights");
    // A sharded layer's home memory holds no table (rows of 0 bytes): only its lookups.
    this.mem = new KernelMemory(this.inputDim, this.outputDim, { storage: shardRows > 0 ? { name: "sharded", rowBytes: 0 } : rowStorage(this.format, this.outputDim) });
    this.storedTable = new StoredTable(this.format, this.mem);
    try {
      if (shardRows > 0) {
        this.shards = new ShardedTable(this.inputDim, this.outputDim, shardRows);
        if (this.maxNorm !== null) this.shards.addSeenBitmaps();
      }
      // The renorm kernel's bitmap of rows already visited in a lookup, all zero between lookups.
      this.seenPtr = this.maxNorm === null || shardRows > 0 ? -1 : this.mem.persistent(Math.ceil(this.inputDim / 8), "the maxNorm bitmap");
      this.reversePtr = this.tieWeights ? 0 : this.mem.persistent(this.outputDim * this.inputDim * 4, "the reverse embeddings");
      if (!isFloat32Stored(this.format) && o.weights !== undefined) {
        // The variables as getWeights() gives them (a quantized layer's are Keras' quantized variables).
        this.stored.prepareWrite(this.weightList(o.weights), "weights", this.name)();
      } else if (isQuantized(this.format)) {
        // Keras builds a quantized layer's variables directly: zero tables, scales of one.
      } else if (floatInitial !== undefined) {
        this.writeWeights(this.mem, floatInitial);
      } else if (this.shards !== null) {
        const shards = this.shards;
        const steps = zeroingPadding(fillShardedInSteps(this.embeddingsInitializer, shards), (row) => shards.zeroRow(row), this.paddingIdx);
        if (pendingFill !== null) pendingFill.steps = steps; // Embedding.create runs them
        else while (!steps.next().done);
      } else if (isFloat32Stored(this.format)) {
        const mem = this.mem;
        const dim = this.outputDim;
        const steps = zeroingPadding(fillSteps(this.embeddingsInitializer, this.tableTarget(mem)), (row) => mem.table().fill(0, row * dim, (row + 1) * dim), this.paddingIdx);
        if (pendingFill !== null) pendingFill.steps = steps; // Embedding.create runs them
        else while (!steps.next().done);
        // Keras Hub builds the untied reverse embeddings with the same initializer.
        if (!this.tieWeights) this.embeddingsInitializer.fill(this.reverseTarget(this.mem));
      } else {
        const scratch = standaloneTable([this.inputDim, this.outputDim]);
        this.embeddingsInitializer.fill(scratch);
        if (this.paddingIdx !== null) scratch.view().fill(0, this.paddingIdx * this.outputDim, (this.paddingIdx + 1) * this.outputDim);
        this.stored.storeFloat32(scratch.view());
      }
      // Keras' build() calls enable_lora(lora_rank) without lora_alpha: alpha becomes the rank.
      if (loraRank !== null) this.lora = new LoraAdapters(this.mem, loraRank, loraRank);
    } catch (error) {
      this.mem.release();
      this.shards?.release();
      throw error;
    }
    this.trainer = new Trainer({
      name: this.name,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      trainable: this.trainable,
      scaleGradByFreq: this.scaleGradByFreq,
      paddingIdx: this.paddingIdx,
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
      tableChanged: () => this.tableChanged(),
      lora: () => this.lora,
      computeDtype: () => computeDtypeOf(this.format),
      frozenTable: () => (isFloat32Stored(this.format) ? null : isQuantized(this.format) ? `quantized table (${policyName(this.format)})` : `${this.format.kind} table`),
    });
  }

  /** The one hook every path that changes the table calls: drops what was derived from it (row norms). */
  private tableChanged(): void {
    this.rowNorms.invalidate();
  }

  private reverseHost(): ReverseHost {
    return { inputDim: this.inputDim, outputDim: this.outputDim, logitSoftCap: this.logitSoftCap, reversePtr: this.reversePtr };
  }

  /** The untied reverse embeddings ([outputDim, inputDim]) as initializers address them. */
  private reverseTarget(mem: KernelMemory): TableHandle {
    return { kernel: mem.kernel, ptr: this.reversePtr, shape: [this.outputDim, this.inputDim], scratch: (bytes) => mem.scratch(bytes) };
  }

  /** Writes checked weights: the table, then the reverse embeddings when untied. */
  private writeWeights(mem: KernelMemory, tables: ArrayLike<number>[]): void {
    if (this.shards !== null) this.shards.write(tables[0]!);
    else mem.table().set(tables[0]!);
    if (!this.tieWeights) new Float32Array(mem.memory.buffer, this.reversePtr, this.outputDim * this.inputDim).set(tables[1]!);
    this.tableChanged();
  }

  /** The table as initializers, constraints and regularizers address it. */
  private tableTarget(mem: KernelMemory): TableHandle {
    return tableHandle(mem, [this.inputDim, this.outputDim]);
  }

  private get stored(): StoredTable {
    this.live();
    return this.storedTable!;
  }

  private live(): KernelMemory {
    if (this.mem === undefined) throw new Error(`Embedding layer "${this.name}" has been disposed and cannot be used any more.`);
    return this.mem;
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this.mem === undefined;
  }

  /** Number of weights: the elements of every variable `getWeights()` lists (Keras' count_params). */
  countParams(): number {
    this.live();
    return this.variableSpecs().reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** The table's storage dtype: `'float32'` (also for quantized layers, whose source is float32 or a mixed policy, and the mixed policies), `'float16'` or `'bfloat16'`. */
  get dtype(): TableDtype {
    return this.format.kind === "float16" || this.format.kind === "bfloat16" ? this.format.kind : "float32";
  }

  /**
   * The dtype lookups are computed in (Keras' compute dtype): `'float16'` / `'bfloat16'` for 16-bit
   * and mixed policies (a table quantized from a mixed policy included), else `'float32'`. Outputs
   * are float32 arrays holding values of this dtype.
   */
  get computeDtype(): "float32" | "float16" | "bfloat16" {
    return computeDtypeOf(this.format) ?? "float32";
  }

  /** Keras' dtype policy name: `'float32'`, `'float16'`, `'bfloat16'`, `'mixed_bfloat16'`, `'int8_from_float32'`, `'int4/128_from_float32'`, `'int4/-1_from_mixed_float16'`, … */
  get dtypePolicy(): string {
    return policyName(this.format);
  }

  /** `'int8'` or `'int4'` after `quantize()` (or for a layer made quantized), else null. */
  get quantizationMode(): QuantizationMode | null {
    return this.format.kind === "int8" || this.format.kind === "int4" ? this.format.kind : null;
  }

  /** int4 only: columns per quantization group, or null for one scale per row (also null when not int4). */
  get quantizationBlockSize(): number | null {
    return this.format.kind === "int4" ? this.format.blockSize : null;
  }

  /** The LoRA rank, or null when LoRA is off. */
  get loraRank(): number | null {
    return this.lora?.rank ?? null;
  }

  /** The LoRA alpha (lookups add (loraAlpha / loraRank) · A @ B), or null when LoRA is off. */
  get loraAlpha(): number | null {
    return this.lora?.alpha ?? null;
  }

  /** Refuses combinations of storage, LoRA and PyTorch options that the layer does not support, before anything is allocated. */
  private checkFormatSupported(format: TableFormat, withLora: boolean): void {
    const what = isQuantized(format) ? `a quantized (${policyName(format)}) table` : `a ${format.kind} table`;
    if (format.kind !== "float32" && this.maxNorm !== null) {
      throw new ValueError(`maxNorm rescales table rows in place, which ${what} cannot hold; use a float32 table (dtype "float32") or no maxNorm.`);
    }
    if (withLora && this.maxNorm !== null) throw new ValueError("maxNorm cannot be combined with LoRA (loraRank): it would rescale the frozen table.");
  }

  /** The layer's variables, in Keras' get_weights() order: trainable ones first (the LoRA adapters, or a float table they were added to). */
  private variableSpecs() {
    const base = variableSpecs(this.format, this.inputDim, this.outputDim);
    if (this.lora === null) return base;
    const adapters = [
      { name: "lora_embeddings_a", dtype: "float32" as const, shape: [this.inputDim, this.lora.rank] },
      { name: "lora_embeddings_b", dtype: "float32" as const, shape: [this.lora.rank, this.outputDim] },
    ];
    return isQuantized(this.format) ? [...adapters, ...base] : [...base, ...adapters];
  }

  /** Bytes of WebAssembly memory the layer holds (table and lookup scratch). */
  get memoryBytes(): number {
    return this.live().byteLength + (this.shards?.byteLength ?? 0);
  }

  /** The number of memories the table is split into: 1 unless it is larger than `maxShardBytes`. */
  get shardCount(): number {
    this.live();
    return this.shards?.shards.length ?? 1;
  }

  /**
   * Refuses, before anything is allocated, what a table split into shards cannot do: everything that
   * needs the whole table in one memory (see `EmbeddingOptions.maxShardBytes`).
   */
  private checkShardable(withLora: boolean): void {
    const refuse = (what: string): never => {
      throw new ValueError(
        `Layer "${this.name}": a table split into shards (maxShardBytes) cannot have ${what}; it needs the whole table in one memory. ` +
          `Use a larger maxShardBytes (up to one memory, 4 GiB) or leave ${what} out.`,
      );
    };
    if (!isFloat32Stored(this.format)) refuse(`dtype ${policyName(this.format)} (sharded tables are float32)`);
    if (withLora) refuse("LoRA (loraRank)");
    if (!this.tieWeights) refuse("separate reverse embeddings (tieWeights: false)");
    const reg = this.embeddingsRegularizer;
    if (reg !== null && !isSumsRegularizer(reg)) refuse(`the embeddings regularizer ${reg.className} (only L1, L2 and L1L2 add up over shards)`);
    const constraint = this.embeddingsConstraint;
    if (constraint !== null && typeof constraint.applyToShards !== "function") refuse(`the embeddings constraint ${constraint.className} (only the built-in constraints apply across shards)`);
  }

  /** Refuses a method that needs the whole table in one memory on a sharded layer. */
  private requireOneMemory(method: string): void {
    if (this.shards !== null) {
      throw new ValueError(`${method}() needs the whole table in one WebAssembly memory; layer "${this.name}" splits it into ${this.shards.shards.length} shards (maxShardBytes).`);
    }
  }

  private checkShape(shape: readonly number[]): void {
    if (this.inputLength !== null) outputShape(shape, this.outputDim, this.inputLength);
  }

  /**
   * Runs one public call as a transaction on the live memory: a call made while another call on the
   * same layer is running (from a user-supplied initializer, regularizer, constraint or input getter)
   * is refused, so no callback can see or change a half-done state.
   */
  private transaction<T>(method: string, body: (mem: KernelMemory) => T): T {
    if (TABLE_WRITERS.has(method)) this.guard.checkNotLent(method);
    return this.guard.run(method, () => this.live(), body);
  }

  /** Refuses, with a ValueError naming why, a table an EmbeddingPool cannot read with plain row copies. */
  private checkPoolable(): void {
    const reason =
      this.format.kind !== "float32"
        ? `stores its table as ${policyName(this.format)}`
        : this.lora !== null
          ? "has LoRA adapters (lookups add A @ B; mergeLora() folds them into the table)"
          : this.maxNorm !== null
            ? "has maxNorm, whose lookups rescale table rows in place (a write, which stays on the owning thread)"
            : this.shards !== null
              ? `splits its table into ${this.shards.shards.length} memories (maxShardBytes), and a pool shares one`
              : null;
    if (reason !== null) {
      throw new ValueError(`EmbeddingPool reads plain float32 tables with row copies; layer "${this.name}" ${reason}. Use the layer's own call() instead.`);
    }
  }

  /** @internal EmbeddingPool's access to this layer (src/pool/link.ts); not part of the public API. */
  poolLink(): PoolLink {
    return {
      share: (module) =>
        this.transaction("EmbeddingPool.create", (mem) => {
          this.checkPoolable();
          mem.share(module);
          return mem;
        }),
      reserve: (bytes, name) =>
        this.transaction("EmbeddingPool.create", (mem) => {
          // The smallest given-back region that fits, else a new one.
          let reuse = -1;
          this.poolRegions.forEach(({ mem: owner, region }, i) => {
            if (owner === mem && region.bytes >= bytes && (reuse < 0 || region.bytes < this.poolRegions[reuse]!.region.bytes)) reuse = i;
          });
          return reuse >= 0 ? this.poolRegions.splice(reuse, 1)[0]!.region : { ptr: mem.persistent(bytes, name), bytes };
        }),
      // Kept only while the region's memory is still the layer's (quantize() or mergeLora() replace it).
      release: (mem, region) => {
        if (mem === this.mem) this.poolRegions.push({ mem, region });
      },
      memory: (method) => {
        const mem = this.checkNotRunning(method);
        this.checkPoolable();
        return mem;
      },
      stage: (method, x, out) =>
        this.transaction(method, (mem) => {
          const length = out === undefined ? 0 : float32ArrayLength("out", out);
          if (out !== undefined && viewBuffer(out) === mem.memory.buffer) {
            throw new ValueError(`out is a view of the pool's shared WebAssembly memory, which lookups overwrite. Pass a Float32Array of your own.`);
          }
          const input = flatten(x, mem.checkSize);
          const needed = input.size * this.outputDim;
          if (out !== undefined && length !== needed) {
            throw new ValueError(
              `out must have ${needed} elements for input of shape [${input.shape.join(", ")}] and outputDim ${this.outputDim}. ` +
                `Received: out.length=${length}`,
            );
          }
          this.checkShape(input.shape);
          if (this.activityRegularizer instanceof OrthogonalRegularizer) this.activityRegularizer.checkRank([...input.shape, this.outputDim]);
          const owned = readBeforeGrowth(mem, input);
          const staged = mem.scratch(owned.size * 8);
          stageIndices(mem, owned, staged);
          return { shape: [...input.shape, this.outputDim], indices: new Int32Array(mem.memory.buffer, staged, input.size).slice() };
        }),
      stageReverse: (x) =>
        this.transaction("reverse", () => {
          if (!this.tieWeights) {
            throw new ValueError(
              `EmbeddingPool.reverse() computes the tied projection x · tableᵀ; layer "${this.name}" has separate reverse embeddings ` +
                `(tieWeights: false). Use the layer's own reverse(x).`,
            );
          }
          // readFloats copies x: the pool may keep it across awaits.
          return readFloats("x", x, this.outputDim, "the layer's outputDim");
        }),
      stageNearest: (query, options) => this.transaction("nearest", (mem) => stageNearest(mem, this.rowNorms, query, options)),
      lend: () => this.guard.lend(),
      giveBack: () => this.guard.giveBack(),
    };
  }

  /** The live memory, after refusing a call made from inside another call's callback. */
  private checkNotRunning(method: string): KernelMemory {
    return this.guard.check(method, () => this.live());
  }

  /**
   * Enters `method`, a lookup (or `indexBuffer`) that never writes the table except through maxNorm:
   * refuses it from inside another call's callback and returns the live memory. Pair with `this.guard.leave()` in a
   * `finally`. (The lookups' path to `transaction`, without its two closures a call.)
   */
  private enterLookup(method: string): KernelMemory {
    const mem = this.live();
    this.guard.enter(method);
    return mem;
  }

  /** Whether `callInto` may stream rows into the caller's array: float32 rows in one memory, no LoRA, no activity penalty. */
  private streamsRows(): boolean {
    return this.format.kind === "float32" && this.lora === null && this.shards === null && this.activityRegularizer === null;
  }

  /**
   * The first step of a lookup: checks the shape, makes room for `given.size` positions, and stages,
   * converts and checks its indices in scratch (a RangeError names the first one out of range).
   * Returns where they are. Nothing the caller can see has changed yet: the index region still
   * holds the last lookup's indices (for backward) until `commit`.
   */
  private stage(mem: KernelMemory, given: FlatInput): number {
    this.checkShape(given.shape);
    if (this.activityRegularizer instanceof OrthogonalRegularizer) this.activityRegularizer.checkRank([...given.shape, this.outputDim]);
    // A view of this layer's memory given as input is read before the regions can move or grow.
    const input = readBeforeGrowth(mem, given);
    mem.reserve(input.size);
    const staged = mem.scratch(input.size * 8);
    stageIndices(mem, input, staged);
    return staged;
  }

  /**
   * The last step of a lookup that succeeded: moves its staged indices into the index region and
   * records it (what backward differentiates and what `losses` reports).
   */
  private commit(mem: KernelMemory, staged: number, shape: readonly number[], size: number, losses: number[]): void {
    mem.heap().u8.copyWithin(mem.indexPtr, staged, staged + size * 4);
    // The index region now holds this lookup's indices, not what indexBuffer() handed out.
    this.bufferedIndices = 0;
    this.record(shape, losses);
  }

  /** Records a finished lookup: what backward differentiates and what `losses` reports. */
  private record(shape: readonly number[], activityLosses: number[]): void {
    this.lookedUp = [...shape];
    this.activityLosses = activityLosses;
  }

  /**
   * Everything after the indices at `idx` are checked: renorm, gather, activity penalty. Returns the
   * activity losses to record. Scratch below `scratchUsed` is the caller's. When the penalty is user
   * code (it may throw, or break what the call checked: `recheck` runs after it), the rows maxNorm
   * rescales are restored on failure.
   */
  private gatherStaged(mem: KernelMemory, shape: readonly number[], size: number, idx: number, scratchUsed: number, recheck?: () => void): number[] {
    const k = mem.kernel;
    const dim = this.outputDim;
    const activity = this.activityRegularizer;
    const userPenalty = activity !== null && !isSumsRegularizer(activity) && !(activity instanceof OrthogonalRegularizer);
    let before: Float32Array | undefined;
    if (this.maxNorm !== null) {
      if (userPenalty) {
        if (this.shards !== null) this.gatherRows(idx, size, scratchUsed);
        else k.gatherRows(mem.tablePtr, mem.rows, dim, idx, size, mem.outputPtr);
        before = mem.output().slice(0, size * dim);
      }
      this.renormLookedUp(mem, idx, size);
    }
    const plain = this.format.kind === "float32" && this.lora === null && this.shards === null;
    if (activity === null) {
      this.gatherRows(idx, size, scratchUsed);
      return [];
    }
    let penalty: number;
    if (isSumsRegularizer(activity)) {
      // L1 / L2 / L1L2: the sums are accumulated while the rows are copied (one pass) from a plain
      // float32 table, or over the output once it is dequantized / widened / adapted.
      if (plain) k.gatherRowsWithSums(mem.tablePtr, dim, idx, size, mem.outputPtr, mem.statsPtr);
      else {
        // Summed row by row as gatherRowsWithSums sums: a sharded table's penalty is the one-memory table's.
        this.gatherRows(idx, size, scratchUsed);
        k.outputRowSums(mem.outputPtr, dim, size, mem.statsPtr);
      }
      const sums = new Float64Array(k.memory.buffer, mem.statsPtr, 2);
      penalty = activity.fromSums(sums[0]!, sums[1]!);
    } else {
      this.gatherRows(idx, size, scratchUsed);
      const output: TableHandle = { kernel: k, ptr: mem.outputPtr, shape: [...shape, dim], scratch: (bytes) => mem.scratch(scratchUsed + bytes) + scratchUsed };
      try {
        penalty = activity.penaltyOf(output);
        recheck?.();
      } catch (error) {
        if (before !== undefined) {
          if (this.shards !== null) this.shards.writeRowsAt(mem, idx, size, before);
          else restoreRows(mem, idx, size, dim, before);
          this.tableChanged();
        }
        throw error;
      }
    }
    // Keras divides by the output's first dimension, with divide_no_nan (0 for an empty batch).
    const batch = shape.length > 0 ? shape[0]! : dim;
    const loss = batch === 0 ? 0 : penalty / batch;
    // Outputs in a 16-bit compute dtype give the loss in it (Keras computes it on those outputs).
    const compute = computeDtypeOf(this.format);
    return [compute === "float16" ? float16Of(loss) : compute === "bfloat16" ? bfloat16Of(loss) : loss];
  }

  /** maxNorm: rescales the rows `idx[0..n)` whose norm exceeds it, as Keras' lookup does before reading them. */
  private renormLookedUp(mem: KernelMemory, idx: number, n: number): void {
    if (this.maxNorm === null) return;
    const rescaled = this.shards !== null
      ? this.shards.renorm(mem, idx, n, this.maxNorm, this.normType)
      : mem.kernel.renormRows(mem.tablePtr, this.outputDim, idx, n, this.maxNorm, this.normType, this.seenPtr);
    if (rescaled > 0) this.tableChanged();
  }

  /**
   * Rows idx[0..n) into the output region, as Keras' lookup reads them: widened, dequantized, plus
   * LoRA. Scratch below `scratchUsed` is the caller's (a sharded gather works past it).
   */
  private gatherRows(idx: number, n: number, scratchUsed: number): void {
    const mem = this.live();
    if (this.shards !== null) {
      // A sharded table: its own gather, apart from the one-memory path below (one kernel call).
      this.shards.gather(mem, idx, n, mem.outputPtr, scratchUsed);
      this.stored.narrowOutput(mem.outputPtr, n * this.outputDim, false);
      return;
    }
    this.stored.gather(idx, n, mem.outputPtr);
    // A table quantized from a 16-bit policy dequantizes to that dtype before Keras adds float32 adapters.
    if (this.lora !== null && isQuantized(this.format) && mixedComputeDtype(this.format) === null) this.stored.narrowOutput(mem.outputPtr, n * this.outputDim, false);
    // Mixed policies (quantized from one too) add the adapters in their 16-bit compute dtype (Keras'
    // autocast); float16 / bfloat16 tables add float32 adapters in float32, as Keras promotes the
    // sum, then round.
    this.lora?.addTo(idx, n, mem.outputPtr, mixedComputeDtype(this.format));
    this.stored.narrowOutput(mem.outputPtr, n * this.outputDim, this.lora !== null);
  }

  /**
   * Looks up `x`: a number, a nested array of numbers, a typed array (rank 1) or `{ data, shape }`.
   * Float indices are truncated toward zero (Keras casts to int32). Returns a fresh
   * `{ data: Float32Array, shape: [...x.shape, outputDim] }`. An index outside `[0, inputDim)`
   * (or NaN / ±Infinity) throws a RangeError naming its position; nothing is written then.
   */
  call(x: LookupInput): Tensor<Float32Array> {
    const mem = this.enterLookup("call");
    try {
      const input = flatten(x, mem.checkSize);
      const staged = this.stage(mem, input);
      const losses = this.gatherStaged(mem, input.shape, input.size, staged, input.size * 8);
      // One whole gather, then one copy into a fresh array (freshCopy): the cheapest fresh result
      // measured in Node and Chromium, ahead of streaming chunks into a fresh array and of slice()
      // (bench/README.md, "Copy paths of callInto and call").
      const data = freshCopy(mem.output().subarray(0, input.size * this.outputDim));
      this.commit(mem, staged, input.shape, input.size, losses);
      return { data, shape: [...input.shape, this.outputDim] };
    } finally {
      this.guard.leave();
    }
  }

  /**
   * As `call`, writing into `out`, whose length must be `x`'s size × outputDim. Returns `{ data: out, shape }`.
   * `out` is written only when the lookup succeeds; it may not be a view of this layer's own memory.
   */
  callInto(x: LookupInput, out: Float32Array): Tensor<Float32Array> {
    const mem = this.enterLookup("callInto");
    try {
      checkOut(mem, out);
      const input = flatten(x, mem.checkSize);
      // Reading x may have run caller code (getters, a tensor's dataSync) that detached or resized
      // out: everything about it is checked again, before anything is written.
      const needed = input.size * this.outputDim;
      checkOut(mem, out, needed, input.shape, this.outputDim);
      const staged = this.stage(mem, input);
      if (this.streamsRows()) {
        // Delivered chunk by chunk (gatherInChunks) instead of one whole gather and one copy.
        this.renormLookedUp(mem, staged, input.size);
        gatherInChunks(mem, this.outputDim, staged, input.size, out);
        this.commit(mem, staged, input.shape, input.size, []);
      } else {
        // A quantized, 16-bit or LoRA table, or an activity penalty (user code that may throw or
        // detach out after the array was written): the finished output is copied, and out is checked
        // again after the penalty, where a failure still restores the rows maxNorm rescaled.
        const losses = this.gatherStaged(mem, input.shape, input.size, staged, input.size * 8, () => checkOut(mem, out, needed, input.shape, this.outputDim));
        setElements(out, mem.output().subarray(0, needed));
        this.commit(mem, staged, input.shape, input.size, losses);
      }
      return { data: out, shape: [...input.shape, this.outputDim] };
    } finally {
      this.guard.leave();
    }
  }

  /**
   * Zero-copy input: an Int32Array of `n` index slots inside the layer's WebAssembly memory. Write
   * indices into it, then call `lookupBuffer`. Valid until the next call on this layer (any call may
   * reuse or move the region).
   */
  indexBuffer(n: number): Int32Array {
    const mem = this.enterLookup("indexBuffer");
    try {
      if (!Number.isSafeInteger(n) || n < 0) invalidArgument("n", "a non-negative integer", n);
      mem.reserve(n);
      this.bufferedIndices = n;
      this.lookedUp = null;
      return mem.indices().subarray(0, n);
    } finally {
      this.guard.leave();
    }
  }

  /**
   * Zero-copy lookup of the indices written into `indexBuffer(n)`. `shape` is `n` or the input's
   * shape (its product ≤ the n reserved). Returns a Float32Array view of the output
   * (`size × outputDim` floats) inside WebAssembly memory, valid until the next call on this layer.
   */
  lookupBuffer(shape: number | readonly number[]): Float32Array {
    const mem = this.enterLookup("lookupBuffer");
    try {
      // Read once into an array of our own: a Proxy could give the checks one size and the gather another.
      const dims = typeof shape === "number" ? [shape] : Array.isArray(shape) ? (readElements("shape", shape) as number[]) : undefined;
      if (dims === undefined || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
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
      const losses = this.gatherStaged(mem, dims, size, mem.indexPtr, 0);
      this.record(dims, losses);
      return mem.output().subarray(0, size * this.outputDim);
    } finally {
      this.guard.leave();
    }
  }

  /**
   * The gradient of the table for the last lookup (`call`, `callInto` or `lookupBuffer`), given the
   * gradient of the loss with respect to that lookup's output (`dOutput`: a Float32Array /
   * Float64Array of its size, nested arrays, or `{ data, shape }` of its shape). Sparse: the distinct
   * rows looked up and their summed gradients (duplicates accumulate; positions masked by maskZero
   * still contribute, as in Keras). Adds the activity regularizer's gradient when one is set, and
   * divides by row frequency with `scaleGradByFreq`. Returns null for a layer with `trainable: false`,
   * and for a quantized layer without LoRA (Keras' quantized variables are not trainable). With LoRA
   * on, returns the adapters' gradient instead (`LoraGradient`: rows of `lora_embeddings_a` and, in
   * `loraB`, all of `lora_embeddings_b`); the table itself is frozen.
   * Repeatable: the lookup's output region is only read, so a `lookupBuffer` view still shows the
   * output afterwards unless the call had to grow memory (which detaches it). Throws, changing nothing,
   * for a `dOutput` of another size or element type (BigInt, integer) or on a detached buffer.
   */
  backward(dOutput: Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] } | TfjsTensorLike | OnnxTensorLike): SparseGradient | LoraGradient | null {
    return this.transaction("backward", () => this.trainer.backward(dOutput));
  }

  /**
   * One optimizer step on the table from a sparse gradient (as `backward` returns; repeated rows are
   * summed): the embeddings regularizer's gradient is added (every row in "dense" mode, the gradient's
   * rows in "lazy" mode), the optimizer updates the table in WebAssembly, and the constraint is applied,
   * as Keras does after every step. The optimizer's state is kept beside the table; the first step
   * makes it (all slots at once), after which earlier lookups cannot be passed to `backward` any more.
   * A step that throws (a bad gradient, no room for the state, a constraint function that throws)
   * leaves the table, the optimizer state, its step count and the last lookup as they were.
   */
  applyGradients(gradient: SparseGradient, optimizer: Optimizer): void {
    this.transaction("applyGradients", () => (this.shards !== null ? this.sharded().apply(gradient, optimizer) : this.trainer.apply(gradient, optimizer)));
  }

  /** `optimizer`'s state for this layer (its step count and slot tables, copied), or null before its first step. */
  getOptimizerState(optimizer: Optimizer): OptimizerState | null {
    return this.transaction("getOptimizerState", () => (this.shards !== null ? this.sharded().getState(optimizer) : this.trainer.getState(optimizer)));
  }

  /** Restores an optimizer state saved by `getOptimizerState` (same optimizer class, same table shape). */
  setOptimizerState(optimizer: Optimizer, state: OptimizerState): void {
    this.transaction("setOptimizerState", () => (this.shards !== null ? this.sharded().setState(optimizer, state) : this.trainer.setState(optimizer, state)));
  }

  /** The sharded layer's trainer, made on first use. */
  private sharded(): ShardedTrainer {
    this.shardedTrainer ??= new ShardedTrainer(
      {
        name: this.name,
        inputDim: this.inputDim,
        outputDim: this.outputDim,
        trainable: this.trainable,
        embeddingsRegularizer: this.embeddingsRegularizer,
        embeddingsConstraint: this.embeddingsConstraint,
        live: () => this.live(),
        forgetLookups: () => {
          this.lookedUp = null;
          this.bufferedIndices = 0;
        },
        tableChanged: () => this.tableChanged(),
      },
      this.shards!,
    );
    return this.shardedTrainer;
  }

  /**
   * Applies `embeddingsConstraint` to the table in place (what Keras does after every optimizer
   * step). No-op without a constraint. Construction never applies it.
   */
  applyConstraint(): void {
    this.transaction("applyConstraint", (mem) => {
      if (this.embeddingsConstraint === null) return;
      this.requireFloat32("applyConstraint");
      try {
        if (this.shards !== null) this.embeddingsConstraint.applyToShards!(this.shards.handles());
        else this.embeddingsConstraint.applyTo(this.tableTarget(mem));
      } finally {
        this.tableChanged();
      }
    });
  }

  /** The other file writers write one float32 table (no LoRA adapters, no untied reverse embeddings). */
  private requireSavableTable(method: string): void {
    this.requireFloat32(method);
    if (this.lora !== null) throw new ValueError(`${method}() writes one float32 table; layer "${this.name}" has LoRA on: mergeLora() first.`);
    if (!this.tieWeights) throw new ValueError(`${method}() writes one table; layer "${this.name}" has separate reverse embeddings (tieWeights: false).`);
  }

  private requireFloat32(method: string): void {
    if (!isFloat32Stored(this.format)) {
      throw new ValueError(`${method}() works on float32 tables; layer "${this.name}" stores its table as ${policyName(this.format)}.`);
    }
  }

  /**
   * The `embeddingsRegularizer` penalty (0 without one), computed in WebAssembly: of the table, or
   * with LoRA on, of the adapters (Keras freezes the table and gives both adapters the regularizer),
   * and of nothing on a quantized table without LoRA (Keras builds its variables without it). A
   * float16 / bfloat16 table's penalty is rounded once to its dtype, as Keras returns it.
   */
  regularizationLoss(): number {
    return this.transaction("regularizationLoss", (mem) => this.weightPenalties(mem).reduce((a, b) => a + b, 0));
  }

  /** The embeddings regularizer's penalty of each variable it applies to, in Keras' variable order. */
  private weightPenalties(mem: KernelMemory): number[] {
    const reg = this.embeddingsRegularizer;
    if (reg === null) return [];
    if (this.lora !== null) return this.lora.handles().map((adapter) => reg.penaltyOf(adapter));
    if (isQuantized(this.format)) return [];
    // A sharded layer's regularizer is a sums one (checked at construction): the sums add over shards.
    if (this.shards !== null && isSumsRegularizer(reg)) return [penaltyOfPieces(reg, this.shards.handles())];
    const kind = this.format.kind;
    if (kind === "float16" || kind === "bfloat16") {
      // Keras computes it on the 16-bit variable and returns it in that dtype; here from the exact
      // values (widened in scratch), rounded once (XLA's 16-bit reduction order is its own).
      const { ptr, bytes } = this.stored.float32InScratch();
      const widened: TableHandle = { kernel: mem.kernel, ptr, shape: [this.inputDim, this.outputDim], scratch: (more) => mem.scratch(bytes + more) + bytes };
      const exact = reg.penaltyOf(widened);
      return [kind === "float16" ? float16Of(exact) : bfloat16Of(exact)];
    }
    return [reg.penaltyOf(this.tableTarget(mem))];
  }

  /**
   * The layer's losses, as Keras' `layer.losses`: the activity penalty of the last lookup (when an
   * `activityRegularizer` is set; divided by the batch size), then the penalty of each trainable
   * variable the `embeddingsRegularizer` applies to (the table, or the LoRA adapters A and B; none
   * when the layer is not trainable, as Keras counts trainable weights only).
   */
  get losses(): number[] {
    return this.transaction("losses", (mem) => [...this.activityLosses, ...(this.trainable ? this.weightPenalties(mem) : [])]);
  }

  /**
   * `x != 0` on the raw input values (so 0.4 is `1`) with `maskZero`, and `x != paddingIdx` with
   * `paddingIdx`, shaped like `x`; null with neither.
   */
  computeMask(x: LookupInput): Tensor<Uint8Array> | null {
    const mem = this.checkNotRunning("computeMask");
    const input = flatten(x, (n) => mem.checkPositions(n));
    this.checkShape(input.shape);
    if (!this.maskZero && this.paddingIdx === null) return null;
    const mask = new Uint8Array(input.size);
    const data = input.data as ArrayLike<number | bigint>;
    const padding = this.paddingIdx ?? NaN;
    // On the raw values, as Keras' `x != 0` (so 0.4 is kept); paddingIdx as PyTorch's padding row.
    for (let i = 0; i < input.size; i++) mask[i] = (!this.maskZero || data[i] != 0) && data[i] != padding ? 1 : 0;
    return { data: mask, shape: input.shape };
  }

  /** The output shape for an input shape (null = unknown dimension), checked against `inputLength`. */
  computeOutputShape(inputShape: readonly Dim[]): Dim[] {
    this.live();
    return outputShape(checkShapeArgument(inputShape), this.outputDim, this.inputLength);
  }

  /** The weight list checked against [table] (tied) or [table, reverseEmbeddings] (untied). */
  private readWeights(weights: unknown, where: string): ArrayLike<number>[] {
    if (this.tieWeights) return [readWeightList(where, weights, this)];
    return readLayerWeights(this.name, weights, where, [[this.inputDim, this.outputDim], [this.outputDim, this.inputDim]]);
  }

  /**
   * The layer's variables (copies), in the order, shapes and dtypes of Keras' `get_weights()`:
   * - float32 table: `[{ data: Float32Array, shape: [inputDim, outputDim] }]`, and with `tieWeights: false`
   *   the reverse embeddings second (shape [outputDim, inputDim]), as Keras Hub orders them;
   * - float16 / bfloat16: the table as `Uint16Array` bit patterns;
   * - int8: `embeddings` (Int8Array, inputDim × outputDim), `embeddings_scale` (Float32Array, inputDim);
   * - int4 with one scale per row: `embeddings` packed two per byte (Int8Array, inputDim × ceil(outputDim / 2)), `embeddings_scale`;
   * - int4 in groups: `embeddings`, `embeddings_scale` and `embeddings_zero` (inputDim × groups), `g_idx` (outputDim);
   * - with LoRA: `lora_embeddings_a` (inputDim × rank) and `lora_embeddings_b` (rank × outputDim), after a
   *   float table, before a quantized one (Keras lists trainable variables first).
   * Every entry but a plain float32 table's also carries Keras' variable `name` and `dtype`. The
   * type parameter names the array type expected for `data` (default Float32Array, which a float32
   * layer without LoRA always gives); it is not checked, so read `dtype` when it may vary.
   */
  getWeights<T extends WeightArray["data"] = Float32Array>(): (Tensor<T> & Partial<Pick<WeightArray, "name" | "dtype">>)[] {
    return this.transaction("getWeights", (mem): (Tensor<T> & Partial<Pick<WeightArray, "name" | "dtype">>)[] => this.readVariables(mem) as never);
  }

  /**
   * A copy of rows [start, start + count) of a float32 table (`{ data, shape: [count, outputDim] }`):
   * what `getWeights()[0]` holds there, without copying the whole table. For a table split into
   * shards it reads only the shards those rows are in.
   */
  getRows(start: number, count: number): Tensor<Float32Array> {
    return this.transaction("getRows", (mem) => {
      this.requireFloat32("getRows");
      if (!Number.isSafeInteger(start) || start < 0 || start > this.inputDim) invalidArgument("start", `an integer in [0, ${this.inputDim}]`, start);
      if (!Number.isSafeInteger(count) || count < 0 || start + count > this.inputDim) invalidArgument("count", `an integer in [0, ${this.inputDim - start}] (rows from start to inputDim)`, count);
      const dim = this.outputDim;
      const data = this.shards !== null ? this.shards.readRows(start, count) : mem.table().slice(start * dim, (start + count) * dim);
      return { data, shape: [count, dim] };
    });
  }

  private readVariables(mem: KernelMemory): (Tensor<Float32Array> | WeightArray)[] {
    if (this.shards !== null) return [{ data: this.shards.read("getWeights()"), shape: [this.inputDim, this.outputDim] }];
    if (isFloat32Stored(this.format) && this.lora === null) {
      const table = { data: freshCopy(mem.table()), shape: [this.inputDim, this.outputDim] };
      if (this.tieWeights) return [table];
      const reverse = freshCopy(new Float32Array(mem.memory.buffer, this.reversePtr, this.outputDim * this.inputDim));
      return [table, { data: reverse, shape: [this.outputDim, this.inputDim] }];
    }
    const base = this.stored.read();
    if (this.lora === null) return base;
    return isQuantized(this.format) ? [...this.lora.read(), ...base] : [...base, ...this.lora.read()];
  }

  /**
   * Replaces the variables, given in `getWeights()`'s order and form (a float32 table alone may be
   * passed bare). float16 / bfloat16 tables take bit patterns (Uint16Array) or float values, rounded
   * to nearest even as Keras' assignment rounds them; int8 variables take Int8Array, Uint8Array or
   * integers. Checked fully before anything is written.
   */
  setWeights(weights: WeightTable | readonly (WeightTable | VariableInput)[]): void {
    this.transaction("setWeights", (mem) => {
      if (isFloat32Stored(this.format) && this.lora === null) {
        this.writeWeights(mem, this.readWeights(weights, "weights"));
        return;
      }
      const list = this.weightList(weights);
      const specs = this.variableSpecs();
      if (list.length !== specs.length) {
        throw new ValueError(
          `You called setWeights(weights) on layer "${this.name}" with a weight list of length ${list.length}, but the layer was expecting ${specs.length} weights ` +
            `(${specs.map((v) => v.name).join(", ")}).`,
        );
      }
      const lora = this.lora;
      const loraAt = lora === null ? -1 : isQuantized(this.format) ? 0 : 1;
      const baseList = lora === null ? list : loraAt === 0 ? list.slice(2) : list.slice(0, 1);
      const writeBase = this.stored.prepareWrite(baseList, "weights", this.name);
      let adapters: [ArrayLike<number>, ArrayLike<number>] | null = null;
      if (lora !== null) {
        const a = readWeightTable(`weights[${loraAt}]`, list[loraAt]);
        const b = readWeightTable(`weights[${loraAt + 1}]`, list[loraAt + 1]);
        const expectA = [this.inputDim, lora.rank], expectB = [lora.rank, this.outputDim];
        for (const [name, got, want] of [["lora_embeddings_a", a.shape, expectA], ["lora_embeddings_b", b.shape, expectB]] as const) {
          if (got.length !== 2 || got[0] !== want[0] || got[1] !== want[1]) {
            throw new ValueError(`Layer "${this.name}" weight ${name} has shape [${want.join(", ")}], not compatible with provided weight shape [${got.join(", ")}].`);
          }
        }
        adapters = [a.data, b.data];
      }
      writeBase();
      if (lora !== null && adapters !== null) {
        lora.a().set(adapters[0]);
        lora.b().set(adapters[1]);
      }
      this.tableChanged();
    });
  }

  /** `weights` as a list (a bare table is a list of one). */
  private weightList(weights: unknown): readonly unknown[] {
    if (isWeightTable(weights)) return [weights];
    if (!Array.isArray(weights)) invalidArgument("weights", "a list of the layer's variables, as getWeights() returns them", weights);
    return weights;
  }

  /**
   * Quantizes the table in place, as Keras 3's `layer.quantize(mode)`: `'int8'` stores an int8 table
   * and a float32 scale per row (per-row abs-max, scale = 127 / (max|row| + 1e-7), rounded half to
   * even); `'int4'` stores values in [-8, 7] packed two per byte, by default in groups of
   * `blockSize` = 128 columns with a step and zero point per group (Keras' Int4QuantizationConfig
   * default), or with one scale per row when `blockSize` is -1 or null. The float32 table is
   * released: `memoryBytes` drops to the quantized table and its scales. Lookups then dequantize in
   * the kernel and equal Keras' (JAX) lookups bit for bit. The table is frozen (no optimizer
   * updates; with LoRA the adapters still train). Forgets the last lookup and any optimizer state.
   */
  quantize(mode: QuantizationMode, options: { blockSize?: number | null } = {}): void {
    this.transaction("quantize", (mem) => {
      this.requireOneMemory("quantize");
      if (!this.tieWeights) throw new ValueError(`quantize() needs tied weights; layer "${this.name}" has separate reverse embeddings (tieWeights: false).`);
      if (isQuantized(this.format)) {
        throw new ValueError(`Layer '${this.name}' is already quantized with dtype_policy='${policyName(this.format)}'. Received: mode=${String(mode)}`);
      }
      if (mode !== "int8" && mode !== "int4") invalidArgument("mode", '"int8" or "int4"', mode);
      if (options === null || typeof options !== "object") invalidArgument("options", "an object such as { blockSize: 128 }", options);
      if (mode === "int8" && options.blockSize !== undefined) invalidArgument("options.blockSize", "no block size for int8 (Keras quantizes int8 per row)", options.blockSize);
      // Not quantized (checked above): a float32, 16-bit or mixed table.
      const from = this.format.kind as TableDtype;
      if (mode === "int8" && (from === "mixed_float16" || from === "float16")) throw new ValueError(INT8_WITH_FLOAT16);
      const format: TableFormat = {
        kind: mode,
        blockSize: mode === "int4" ? readBlockSize("blockSize", options.blockSize) : null,
        ...(from === "float32" ? {} : { source: from }),
      };
      this.checkFormatSupported(format, this.lora !== null);
      // A 16-bit table quantizes from its values widened to float32 (exact); NumPy's arithmetic on them follows the source dtype.
      this.rebuild(format, isFloat32Stored(this.format) ? mem.table() : this.stored.toFloat32());
      if (mode === "int4") this.configBlockSize = options.blockSize === undefined ? format.blockSize : options.blockSize;
    });
  }

  /**
   * Moves the layer to a fresh memory whose table is `table` (float32, rows × dim) stored as
   * `format`, keeping the LoRA adapters unless `keepLora` is false. The old memory is released only
   * when the new one is complete, so a failure leaves the layer as it was.
   */
  private rebuild(format: TableFormat, table: Float32Array, keepLora = true, arithmetic?: QuantizerArithmetic): void {
    const old = this.live();
    const mem = new KernelMemory(this.inputDim, this.outputDim, { storage: rowStorage(format, this.outputDim) });
    try {
      const stored = new StoredTable(format, mem);
      stored.storeFloat32(table, arithmetic);
      let lora: LoraAdapters | null = null;
      if (keepLora && this.lora !== null) {
        const [a, b] = [this.lora.a().slice(), this.lora.b().slice()];
        lora = new LoraAdapters(mem, this.lora.rank, this.lora.alpha);
        lora.a().set(a);
        lora.b().set(b);
      }
      this.seenPtr = this.maxNorm === null ? -1 : mem.persistent(Math.ceil(this.inputDim / 8), "the maxNorm bitmap");
      this.mem = mem;
      this.storedTable = stored;
      this.format = format;
      this.lora = lora;
    } catch (error) {
      mem.release();
      throw error;
    }
    old.release();
    this.lookedUp = null;
    this.bufferedIndices = 0;
    this.activityLosses = [];
    this.trainer.reset();
    this.tableChanged();
  }

  /**
   * Turns LoRA on, as Keras' `enable_lora(rank, lora_alpha)`: adds float32 adapters
   * `lora_embeddings_a` (inputDim × rank, He-uniform) and `lora_embeddings_b` (rank × outputDim,
   * zeros), so lookups read table + (alpha / rank) · A @ B (alpha defaults to rank), computed per
   * looked-up row in the kernel. From then on `backward` and the optimizers train only A and B; the
   * table is frozen. Refused, with Keras' messages, on a layer with an `embeddingsConstraint` or with
   * LoRA already on. Forgets the last lookup.
   */
  enableLora(rank: number, options: { alpha?: number | null } = {}): void {
    this.transaction("enableLora", (mem) => {
      this.requireOneMemory("enableLora");
      if (!this.tieWeights) throw new ValueError(`enableLora() needs tied weights; layer "${this.name}" has separate reverse embeddings (tieWeights: false).`);
      if (this.embeddingsConstraint !== null) throw new ValueError(LORA_WITH_CONSTRAINT);
      if (this.lora !== null) throw new ValueError(LORA_TWICE);
      checkLoraRank("rank", rank);
      if (options === null || typeof options !== "object") invalidArgument("options", "an object such as { alpha: 16 }", options);
      const alpha = options.alpha === undefined || options.alpha === null ? rank : checkLoraAlpha("alpha", options.alpha);
      this.checkFormatSupported(this.format, true);
      this.lora = new LoraAdapters(mem, rank, alpha);
      this.lookedUp = null;
      this.bufferedIndices = 0;
      this.trainer.reset();
    });
  }

  /**
   * Folds the LoRA adapters into the table and turns LoRA off; the adapters' memory is released.
   * The table becomes what Keras saves for the layer and loads back: table + (alpha / rank) · A @ B
   * in float32 (rounded to a mixed policy's compute dtype, as Keras saves it); a quantized table is
   * dequantized, merged and quantized again with the same mode and block size. Lookups afterwards
   * read the merged table alone.
   */
  mergeLora(): void {
    this.transaction("mergeLora", () => {
      const lora = this.lora;
      if (lora === null) throw new ValueError(`mergeLora() needs LoRA on; layer "${this.name}" has none (enableLora(rank) turns it on).`);
      this.rebuild(this.format, this.mergedTable(lora), false, FLOAT32_ARITHMETIC);
    });
  }

  /**
   * The table with the adapters folded in, as float32 values, computed as Keras' save computes it
   * (embedding.py, `_get_embeddings_with_merged_lora`): the table as `float32InScratch(true)` gives it,
   * plus (alpha / rank) · A @ B in float32; a mixed policy's float table then rounded to its compute
   * dtype. A quantized table's is to be requantized in float32 (NumPy's arithmetic on this float32
   * sum, whatever the source dtype): see `mergeLora` and `savedVariables`.
   */
  private mergedTable(lora: LoraAdapters): Float32Array {
    const mem = this.live();
    const n = this.inputDim * this.outputDim;
    const { ptr } = this.stored.float32InScratch(true);
    lora.mergeInto(ptr);
    const compute = isQuantized(this.format) ? null : mixedComputeDtype(this.format);
    if (compute === "float16") mem.kernel.narrowToFloat16(ptr, n);
    else if (compute === "bfloat16") mem.kernel.narrowToBfloat16(ptr, n);
    return new Float32Array(mem.memory.buffer, ptr, n).slice();
  }

  /**
   * The reverse projection (Keras Hub's `ReversibleEmbedding.call(x, reverse=True)`): logits
   * `x · tableᵀ` (or `x · reverseEmbeddings` with `tieWeights: false`), capped to
   * `logitSoftCap · tanh(logits / logitSoftCap)` when a cap is set. `x`: `[..., outputDim]` (a
   * Float32Array / Float64Array of one vector, nested arrays, or `{ data, shape }`). Returns a fresh
   * `{ data, shape: [..., inputDim] }`, from a blocked SIMD product in WebAssembly.
   */
  reverse(x: Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] }): Tensor<Float32Array> {
    return this.transaction("reverse", (mem) => {
      this.requireOneMemory("reverse");
      this.requireFloat32("reverse");
      if (this.lora !== null) throw new ValueError(`reverse() reads the table alone; layer "${this.name}" has LoRA on: mergeLora() first.`);
      const { logits, record } = reverseLogits(mem, this.reverseHost(), x);
      this.reversed = record;
      return logits;
    });
  }

  /** `normType` as configs write it: JSON has no Infinity, so the max norm's p is the string "inf". */
  private configNormType(): number | typeof INFINITE_NORM {
    return this.normType === Infinity ? INFINITE_NORM : this.normType;
  }

  /**
   * The backward pass of the last `reverse`, given the gradient of the loss with respect to its
   * logits. Returns the gradient of its input, and of the weights: with tied weights a gradient of
   * the table (every row), to which `options.gradient` (e.g. `backward()`'s gradient of a lookup of
   * the same step) is added, so one `applyGradients` trains both uses of the table; untied, the
   * gradient of `reverseEmbeddings` (no optimizer step applies it yet). Reads the weights as they are
   * now: call it before an optimizer step changes them.
   */
  reverseBackward(
    dLogits: Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] },
    options?: { gradient?: SparseGradient },
  ): ReverseGradients {
    return this.transaction("reverseBackward", (mem) => {
      if (this.reversed === null) throw new ValueError("reverseBackward() differentiates the last reverse() call, and there is none: call reverse() first.");
      return reverseBackward(mem, this.reverseHost(), this.reversed, dLogits, this.trainable, options?.gradient);
    });
  }

  /**
   * One optimizer step on the untied `reverseEmbeddings` ([outputDim, inputDim]) from the gradient
   * `reverseBackward` returned as `reverseGradient` (every row updated; no regularizer or constraint,
   * as Keras Hub gives them none). The reverse embeddings keep their own optimizer state, so the same
   * optimizer may also step the table. With tied weights the reverse gradient is the table's: pass it
   * to `applyGradients`.
   */
  applyReverseGradients(gradient: Tensor<Float32Array>, optimizer: Optimizer): void {
    this.transaction("applyReverseGradients", () => {
      if (this.tieWeights) {
        throw new ValueError("applyReverseGradients() steps the untied reverse embeddings; with tieWeights: true the gradient of reverse() is the table's: pass reverseBackward()'s gradient to applyGradients().");
      }
      const size = this.outputDim * this.inputDim;
      const data = (gradient as Tensor<Float32Array> | null)?.data;
      if (!(data instanceof Float32Array) || data.length !== size) {
        throw new ValueError(`gradient must be { data: Float32Array of ${size} values, shape: [${this.outputDim}, ${this.inputDim}] } as reverseBackward() returns in reverseGradient. Received: ${show(gradient)}`);
      }
      this.reverseTrainer ??= new Trainer({
        name: `${this.name}/reverse_embeddings`,
        inputDim: this.outputDim,
        outputDim: this.inputDim,
        trainable: this.trainable,
        scaleGradByFreq: false,
        embeddingsRegularizer: null,
        activityRegularizer: null,
        embeddingsConstraint: null,
        live: () => this.live(),
        lastLookup: () => null,
        forgetLookups: () => {
          this.lookedUp = null;
          this.bufferedIndices = 0;
        },
        tableTarget: (mem) => this.reverseTarget(mem),
      });
      const indices = new Int32Array(this.outputDim);
      for (let r = 0; r < this.outputDim; r++) indices[r] = r;
      this.reverseTrainer.apply({ indices, values: data, shape: [this.outputDim, this.inputDim], denseShape: [this.outputDim, this.inputDim] }, optimizer);
    });
  }

  /**
   * The `k` rows of the table nearest to `query`, best first, ties to the lower index: exact
   * (brute force over every row, in WebAssembly SIMD). `query`: a row index (its own row is left
   * out, as gensim's most_similar does), one vector of outputDim values, or a batch `[queries,
   * outputDim]`. `options.metric`: `'cosine'` (default), `'dot'` or `'euclidean'` (distances,
   * smallest first); `options.exclude`: rows never returned; `options.k`: default 10. Row norms are
   * cached until the table changes.
   */
  nearest(query: number | Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] }, options?: NearestOptions): Neighbours {
    return this.transaction("nearest", (mem) => {
      this.requireOneMemory("nearest");
      this.requireFloat32("nearest");
      if (this.lora !== null) throw new ValueError(`nearest() reads the table alone; layer "${this.name}" has LoRA on: mergeLora() first.`);
      return nearest(mem, this.rowNorms, query, options);
    });
  }

  /** The config in TF.js form (camelCase). `Embedding.fromConfig(layer.getConfig())` rebuilds the layer. */
  getConfig(): EmbeddingConfig {
    this.live();
    return {
      name: this.name,
      trainable: this.trainable,
      dtype: this.dtypePolicy,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: toTfjs(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer && toTfjs(this.embeddingsRegularizer),
      activityRegularizer: this.activityRegularizer && toTfjs(this.activityRegularizer),
      embeddingsConstraint: this.embeddingsConstraint && toTfjs(this.embeddingsConstraint),
      maskZero: this.maskZero,
      inputLength: this.inputLength === null || typeof this.inputLength === "number" ? this.inputLength : [...this.inputLength],
      ...(this.maxNorm === null ? {} : { maxNorm: this.maxNorm, normType: this.configNormType() }),
      ...(this.scaleGradByFreq ? { scaleGradByFreq: true } : {}),
      ...(this.paddingIdx === null ? {} : { paddingIdx: this.paddingIdx }),
      ...(this.isReversible ? { tieWeights: this.tieWeights, logitSoftCap: this.logitSoftCap } : {}),
      ...(this.format.kind === "int4" ? { quantizationBlockSize: this.configBlockSize } : {}),
      ...(this.lora === null ? {} : { loraRank: this.lora.rank, loraAlpha: this.lora.alpha }),
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
      dtype: kerasDtypePolicy(this.format),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: init,
      embeddings_regularizer: sub(this.embeddingsRegularizer, "keras.regularizers"),
      activity_regularizer: sub(this.activityRegularizer, "keras.regularizers"),
      embeddings_constraint: sub(this.embeddingsConstraint, "keras.constraints"),
      mask_zero: this.maskZero,
      quantization_config: kerasQuantizationConfig(this.format, this.configBlockSize),
    };
    if (this.inputLength !== null) config["input_length"] = this.getConfig().inputLength;
    if (this.maxNorm !== null) Object.assign(config, { max_norm: this.maxNorm, norm_type: this.configNormType() });
    if (this.scaleGradByFreq) config["scale_grad_by_freq"] = true;
    if (this.paddingIdx !== null) config["padding_idx"] = this.paddingIdx;
    // Keras Hub's ReversibleEmbedding keys, written when they differ from a plain Embedding.
    if (this.isReversible) Object.assign(config, { tie_weights: this.tieWeights, reverse_dtype: null, logit_soft_cap: this.logitSoftCap });
    if (this.lora !== null) Object.assign(config, { lora_rank: this.lora.rank, lora_alpha: this.lora.alpha });
    return config;
  }

  /** True when the reverse projection differs from a plain tied one (untied or soft-capped). */
  private get isReversible(): boolean {
    return !this.tieWeights || this.logitSoftCap !== null;
  }


  /**
   * The same layer as `new Embedding(options)`, built without blocking: the initializer fills the table
   * in steps (Orthogonal's QR column by column, random draws in pieces, same values as the constructor),
   * yielding to the event loop between them. `onProgress(fraction)` is called with a fraction that never
   * decreases and ends at 1; `signal` aborts: the promise rejects with an `AbortError` and the memory is
   * freed.
   *
   * @example
   * const layer = await Embedding.create({ inputDim: 30522, outputDim: 768, embeddingsInitializer: "orthogonal" },
   *   { onProgress: (f) => (bar.value = f), signal: controller.signal });
   */
  static async create(options: EmbeddingOptions, { onProgress, signal }: LoadOptions = {}): Promise<Embedding> {
    checkLoadOptions({ onProgress, signal });
    throwIfAborted(signal);
    const { layer, holder } = Embedding.withDeferredFill(options);
    const progress = progressReporter(onProgress);
    try {
      let sliceStart = Date.now();
      for (let step = holder.steps?.next(); step !== undefined && !step.done; step = holder.steps!.next()) {
        progress.report(step.value);
        if (Date.now() - sliceStart >= CREATE_SLICE_MS) {
          await nextTurn();
          throwIfAborted(signal);
          sliceStart = Date.now();
        }
      }
      throwIfAborted(signal);
    } catch (error) {
      layer.dispose();
      throw error;
    }
    progress.done();
    return layer;
  }

  /**
   * PyTorch's `nn.Embedding.from_pretrained`: a layer holding `table` (`{ data, shape: [rows, dim] }`
   * or `number[][]`), its size taken from the table. `freeze` (default true, as in PyTorch) makes it
   * not trainable. Other options as the constructor's, except `inputDim`, `outputDim` and `weights`.
   */
  static fromPretrained(
    table: WeightTable,
    options: { freeze?: boolean } & Omit<EmbeddingOptions, "inputDim" | "outputDim" | "weights" | "trainable"> = {},
  ): Embedding {
    if (options === null || typeof options !== "object") invalidArgument("options", "an object", options);
    const { freeze = true, ...rest } = options;
    if ("inputDim" in rest || "outputDim" in rest || "weights" in rest || "trainable" in rest) {
      throw new ValueError("fromPretrained takes its size and weights from the table, and trainable from freeze: pass neither inputDim, outputDim, weights nor trainable.");
    }
    const read = readWeightTable("table", table);
    if (read.shape.length !== 2 || read.shape[0] === 0 || read.shape[1] === 0) {
      throw new ValueError(`table must be a 2-D table [rows, dim] with rows, dim > 0. Received: shape [${read.shape.join(", ")}]`);
    }
    return new Embedding({
      ...rest,
      inputDim: read.shape[0]!,
      outputDim: read.shape[1]!,
      weights: { data: read.data, shape: read.shape },
      trainable: !boolean("freeze", freeze),
    });
  }

  /**
   * Reads a table saved by numpy (`np.save("table.npy", weights)`, a 2-D array of rows × dim) into
   * a new layer. `source` is a file path (Node), a URL, bytes, a `Blob` or a `Response`; the other
   * options are the constructor's, except `inputDim`, `outputDim` and `weights`, which the file
   * gives. Little-endian float32 data in C order (what numpy writes for a float32 table) goes
   * straight into the layer's table: a file is read into it with no buffer in between, a stream is
   * copied into it chunk by chunk. Other dtypes (float16, float64, 8 to 32-bit integers) and
   * Fortran order are read whole and converted to float32. The values are used as they are (a
   * `paddingIdx` row is not zeroed, as in PyTorch's `from_pretrained`).
   *
   * `onProgress(fraction)` rises to exactly 1; aborting `signal` rejects with an `AbortError` and
   * frees the layer's memory; `maxBytes` (default 4 GiB) bounds the table. A file that is not a 2-D
   * .npy array with rows, dim > 0, or whose size disagrees with its header, is refused before the
   * table is made.
   *
   * @example
   * const layer = await Embedding.fromNpy("vectors.npy", { trainable: false, onProgress: (f) => (bar.value = f) });
   */
  static async fromNpy(source: ByteSource, options: NpyLoadOptions & Omit<EmbeddingOptions, "inputDim" | "outputDim" | "weights"> = {}): Promise<Embedding> {
    if (options === null || typeof options !== "object") invalidArgument("options", "an object", options);
    const { onProgress, signal, maxBytes, ...layerOptions } = options;
    for (const key of ["inputDim", "outputDim", "weights"]) {
      if (Object.hasOwn(layerOptions, key)) {
        throw new ValueError(`fromNpy takes the table's size and values from the file: pass neither inputDim, outputDim nor weights. Received: ${key}=${show((layerOptions as Record<string, unknown>)[key])}`);
      }
    }
    const { loadNpyTable } = await import("./io/npy-table.ts");
    let layer: Embedding | undefined;
    try {
      await loadNpyTable(source, { onProgress, signal, maxBytes }, (rows, dim) => {
        const made = Embedding.withUnfilledTable({ ...layerOptions, inputDim: rows, outputDim: dim });
        layer = made;
        return () => made.live().table();
      });
    } catch (error) {
      layer?.dispose();
      throw error;
    }
    layer!.tableChanged();
    return layer!;
  }

  /**
   * Constructs a layer whose initializer hands its fill back as steps (`holder.steps`, null when the
   * table is filled otherwise) instead of running it, for `create` to take in slices and for loaders
   * to skip.
   */
  private static withDeferredFill(options: EmbeddingOptions): { layer: Embedding; holder: { steps: Iterator<number, void, undefined> | null } } {
    const holder: { steps: Iterator<number, void, undefined> | null } = { steps: null };
    pendingFill = holder;
    try {
      return { layer: new Embedding(options), holder };
    } finally {
      pendingFill = null;
    }
  }

  /**
   * A float32 layer whose table is left as its fresh memory holds it (all zeros), for a loader to
   * write: the initializer's steps are taken, as `create` takes them, and never run.
   */
  private static withUnfilledTable(options: EmbeddingOptions): Embedding {
    const { layer, holder } = Embedding.withDeferredFill(options);
    if (holder.steps === null) {
      const dtype = policyName(layer.format);
      layer.dispose();
      throw new ValueError(`fromNpy reads into a float32 table; dtype ${show(dtype)} stores it otherwise. Load it as float32, then call quantize() (or build the layer with weights).`);
    }
    return layer;
  }

  /** Rebuilds a layer from `getConfig()` or `toKerasConfig()` output (bare, or wrapped in `{ class_name, config }`). */
  static fromConfig(config: unknown): Embedding {
    return new Embedding(readEmbeddingConfig(config));
  }

  /** What `console.log(layer)` and Node's `util.inspect` show: the layer's settings, not its memory. */
  [Symbol.for("nodejs.util.inspect.custom")](_depth: number, options: unknown, inspect: (value: unknown, options: unknown) => string): string {
    const shown: Record<string, unknown> = {
      name: this.name,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      dtype: this.dtype,
      embeddingsInitializer: this.embeddingsInitializer.className,
      maskZero: this.maskZero,
      trainable: this.trainable,
    };
    if (this.embeddingsRegularizer !== null) shown["embeddingsRegularizer"] = this.embeddingsRegularizer.className;
    if (this.activityRegularizer !== null) shown["activityRegularizer"] = this.activityRegularizer.className;
    if (this.embeddingsConstraint !== null) shown["embeddingsConstraint"] = this.embeddingsConstraint.className;
    if (this.maxNorm !== null) Object.assign(shown, { maxNorm: this.maxNorm, normType: this.normType });
    if (this.inputLength !== null) shown["inputLength"] = this.inputLength;
    if (this.shards !== null) shown["shards"] = this.shards.shards.length;
    shown[this.mem === undefined ? "disposed" : "memoryBytes"] = this.mem === undefined ? true : this.memoryBytes;
    return `Embedding ${typeof inspect === "function" ? inspect(shown, options) : JSON.stringify(shown)}`;
  }

  /**
   * Reads an Embedding layer from Keras 3 files: a `.keras` archive, or `{ weights, config }` (a
   * `.weights.h5` file and the model's architecture; see {@link KerasSource}). The layer is chosen
   * by `options.layer` (its name) or is the model's only Embedding; its variables are read as Keras
   * saved them, so lookups equal Keras' `model.predict` bit for bit. Quantized (int8, int4),
   * float16 / bfloat16 and LoRA layers load as Keras loads them: the stored table, scales and zero
   * points; LoRA adapters, which Keras merges into the table when saving, start at zero, with
   * `loraAlpha` equal to the rank.
   *
   * @example
   * const layer = await Embedding.fromKeras("model.keras", { layer: "words", onProgress: (f) => bar.set(f) });
   */
  static async fromKeras(source: KerasSource, options: KerasLoadOptions = {}): Promise<Embedding> {
    // Loaded on demand: file formats (and h5wasm behind them) cost nothing until used.
    const { readKerasEmbedding } = await import("./io/keras.ts");
    // A ReversibleEmbedding with tie_weights=False saves its reverse embeddings after the table.
    const fileVariables = (o: EmbeddingOptions) => [
      ...variableSpecs(checkTableFormat(o.dtype), o.inputDim, o.outputDim),
      ...(o.tieWeights === false ? [{ name: "reverse_embeddings", dtype: "float32" as const, shape: [o.outputDim, o.inputDim] }] : []),
    ];
    const { options: config, variables } = await readKerasEmbedding(source, options, readEmbeddingConfig, fileVariables);
    const specs = fileVariables(config);
    // Without LoRA the file holds every variable, in Keras' get_weights() order.
    if (config.loraRank === undefined || config.loraRank === null) return new Embedding({ ...config, weights: variables.map((data, i) => ({ data, shape: specs[i]!.shape })) });
    const layer = new Embedding(config);
    try {
      // Keras' get_weights() order, the file's variables in place of the layer's, adapters at zero.
      const weights = layer.getWeights<WeightArray["data"]>().map((w, i) => {
        const name = w.name ?? (i === 0 ? "embeddings" : "");
        const at = specs.findIndex((spec) => spec.name === name);
        if (at >= 0) return { data: variables[at]!, shape: w.shape };
        return { data: new Float32Array(w.data.length), shape: w.shape };
      });
      layer.setWeights(weights);
      return layer;
    } catch (error) {
      layer.dispose();
      throw error;
    }
  }

  /**
   * The layer as a `.keras` archive: a Sequential model of an int32 `Input` and this layer, which
   * `keras.saving.load_model` loads with the same config and table. The bytes are returned at once
   * (the HDF5 weights are written by the package's own writer, without h5wasm). Layers using
   * maxNorm or scaleGradByFreq (PyTorch options Keras lacks) cannot be saved this way.
   *
   * @example
   * fs.writeFileSync("model.keras", layer.toKeras({ inputShape: [20] }));
   */
  toKeras(options: KerasSaveOptions = {}): Uint8Array {
    return writeKerasArchive(this.toKerasConfig(), this.savedVariables(), options);
  }

  /** The table as a `.weights.h5` file, which Keras' `model.load_weights` reads into the model `toKeras()` describes. */
  toKerasWeights(options: KerasSaveOptions = {}): Uint8Array {
    return writeKerasWeights(this.toKerasConfig(), this.savedVariables(), options);
  }

  /**
   * The variables Keras saves for this layer, in its order (the table; a quantized one's scales,
   * zero points, g_idx). With LoRA on, Keras saves the adapters merged into the table (and a
   * quantized table requantized), not the adapters: the same here, the layer left as it is.
   */
  private savedVariables(): SavedVariable[] {
    const asSaved = ({ data, shape, dtype }: { data: WeightArray["data"]; shape: number[]; dtype?: string }) => ({ data, shape, dtype: dtype ?? "float32" }) as SavedVariable;
    const lora = this.lora;
    if (lora === null) return this.getWeights<WeightArray["data"]>().map(asSaved);
    return this.transaction("savedVariables", () => {
      const merged = this.mergedTable(lora);
      const mem = new KernelMemory(this.inputDim, this.outputDim, { storage: rowStorage(this.format, this.outputDim), lookups: false });
      try {
        const stored = new StoredTable(this.format, mem);
        stored.storeFloat32(merged, FLOAT32_ARITHMETIC);
        return stored.read().map(asSaved);
      } finally {
        mem.release();
      }
    });
  }

  /**
   * Reads an Embedding layer from a TF.js layers model: the URL or path of its `model.json` (shards
   * resolved relative to it) or `{ modelJson, weightData }`. Quantized weights (uint8, uint16,
   * float16) are dequantized as TF.js does, so lookups equal the TF.js model's bit for bit.
   */
  static async fromTfjs(source: TfjsSource, options: TfjsLoadOptions = {}): Promise<Embedding> {
    const { readTfjsEmbedding } = await import("./io/tfjs.ts");
    const { options: config, table } = await readTfjsEmbedding(source, options, readFloat32LayerConfig);
    return new Embedding({ ...config, weights: table });
  }

  /**
   * The layer as a TF.js layers model (a Sequential holding it): `modelJson` is model.json's content
   * (weights in "weights.bin"), `weightData` that file. Load it with
   * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }))`.
   */
  toTfjs(options: { inputShape?: readonly (number | null)[] } = {}): TfjsModel {
    this.requireSavableTable("toTfjs");
    const config = this.toKerasConfig();
    const [table] = this.getWeights();
    return writeTfjsModel(config, table!.data, [this.inputDim, this.outputDim], options);
  }

  /**
   * The two TSV files TensorBoard's Embedding Projector loads: `vectors` (one row per line, values
   * tab-separated) and, with `vocab`, `metadata` (one token per row).
   */
  toProjectorTsv(vocab?: Vocabulary): ProjectorTsv {
    return toProjectorTsv(this, vocab);
  }

  /**
   * Releases the layer's WebAssembly memory. Any later use of the layer throws, and zero-copy views
   * it handed out are detached (they read as empty).
   */
  dispose(): void {
    if (this.mem !== undefined) {
      this.guard.checkNotLent("dispose");
      this.checkNotRunning("dispose");
    }
    this.mem?.release();
    this.shards?.release();
    this.mem = undefined;
    this.shards = null;
    this.shardedTrainer = undefined;
    this.storedTable = undefined;
    this.lora = null;
  }
}

/** The length of `value` when it is a usable (not detached) Float32Array, read through the engine's accessors. */
function float32ArrayLength(name: string, value: unknown): number {
  const info = typedArrayInfo(name, value);
  if (info?.name !== "Float32Array") invalidArgument(name, "a Float32Array", value);
  return info.length;
}

/**
 * Checks `callInto`'s `out` with the engine's accessors (a subclass cannot lie about its buffer or
 * length): a Float32Array whose buffer is usable and, on the first check, not this layer's memory;
 * on the checks made once the input's size is known, of `needed` elements.
 */
function checkOut(mem: KernelMemory, out: unknown, needed?: number, shape?: readonly number[], dim?: number): void {
  const length = float32ArrayLength("out", out);
  // A typed array's buffer never changes: checked once, with the size still unknown.
  if (needed === undefined && viewBuffer(out as Float32Array) === mem.heap().buffer) {
    throw new ValueError(
      `out is a view of this layer's own WebAssembly memory (e.g. a lookupBuffer() or indexBuffer() view), which a lookup may move or overwrite. ` +
        `Pass a Float32Array of your own, or use lookupBuffer() for zero-copy output.`,
    );
  }
  if (needed !== undefined && length !== needed) {
    throw new ValueError(
      `out must have ${needed} elements for input of shape [${shape!.join(", ")}] and outputDim ${dim}. ` +
        `Received: out.length=${length}`,
    );
  }
}

/** Writes back the rows a failed lookup rescaled: `before` holds position i's row before renorm. */
function restoreRows(mem: KernelMemory, idx: number, size: number, dim: number, before: Float32Array): void {
  const table = mem.table();
  const ids = new Int32Array(mem.memory.buffer, idx, size);
  for (let i = 0; i < size; i++) table.set(before.subarray(i * dim, (i + 1) * dim), ids[i]! * dim);
}

// Declared here (not only in disposable.ts) so that embedding.d.ts carries it for consumers on
// TypeScript versions or libs without `Symbol.dispose`; TypeScript 5.2+ merges it with its own.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** `using layer = new Embedding(…)` (TypeScript 5.2+) disposes the layer at the end of the block. */
export interface Embedding {
  [Symbol.dispose](): void;
}
addDispose(Embedding);

/**
 * A layer config from a TF.js model, refused (before any weights are read) when its table is not
 * one float32 variable: TF.js has no quantized, 16-bit or LoRA Embedding. Keras files of those load
 * with `Embedding.fromKeras`.
 */
function readFloat32LayerConfig(raw: unknown): EmbeddingOptions {
  const options = readEmbeddingConfig(raw);
  const dtype = options.dtype === undefined ? "float32" : policyName(checkTableFormat(options.dtype));
  const lora = options.loraRank !== undefined && options.loraRank !== null;
  if (!(dtype === "float32" || dtype.startsWith("mixed_")) || lora) {
    throw new ValueError(
      `This model's Embedding layer has dtype ${JSON.stringify(dtype)}${lora ? " and LoRA" : ""}; a TF.js model holds one float32 table. ` +
        `A Keras file of such a layer loads with Embedding.fromKeras; its variables alone, with Embedding.fromConfig(config) and setWeights() in Keras' get_weights() order.`,
    );
  }
  return options;
}

/** Resolves on a later turn of the event loop (a macrotask, so rendering and I/O can run). */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate;
  if (typeof immediate === "function") return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The dtype policy object Keras 3 writes in a layer config (keras/src/dtype_policies/dtype_policy.py). */
function kerasDtypePolicy(format: TableFormat): KerasObjectConfig {
  if (format.kind === "int8") {
    return { module: "keras.dtype_policies", class_name: "QuantizedDTypePolicy", config: { mode: "int8", source_name: quantizedFrom(format) }, registered_name: null };
  }
  if (format.kind === "int4") {
    return { module: "keras.dtype_policies", class_name: "Int4DTypePolicy", config: { mode: `int4/${format.blockSize ?? -1}`, source_name: quantizedFrom(format) }, registered_name: null };
  }
  return { module: "keras", class_name: "DTypePolicy", config: { name: format.kind }, registered_name: null };
}

/** The `quantization_config` Keras 3 writes for a quantized Embedding (keras/src/quantizers/quantization_config.py), or null. */
function kerasQuantizationConfig(format: TableFormat, configBlockSize: number | null): KerasObjectConfig | null {
  if (format.kind === "int8") {
    const activation = { module: "keras.quantizers", class_name: "AbsMaxQuantizer", config: { value_range: [-127, 127], epsilon: 1e-7, output_dtype: "int8" }, registered_name: null };
    return { module: "keras.quantizers", class_name: "Int8QuantizationConfig", config: { weight_quantizer: null, activation_quantizer: activation }, registered_name: null };
  }
  if (format.kind === "int4") {
    return { module: "keras.quantizers", class_name: "Int4QuantizationConfig", config: { weight_quantizer: null, activation_quantizer: null, block_size: configBlockSize }, registered_name: null };
  }
  return null;
}
