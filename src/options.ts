// The layer's constructor options and config shapes: types only, shared by the layer and its
// config reader.
import type { Constraint, ConstraintName } from "./constraints.ts";
import type { Initializer, InitializerName } from "./initializers/index.ts";
import type { Regularizer, RegularizerName } from "./regularizers.ts";
import type { Config } from "./serialization.ts";
import type { InputLength } from "./shapes.ts";
import type { VariableInput, WeightTable } from "./weights.ts";

/** A dense result: row-major `data` with its `shape`. */
export interface Tensor<T> {
  data: T;
  shape: number[];
}

/** An initializer, regularizer or constraint given as a config object (TF.js or Keras form). */
export type ConfigIdentifier = { className: string; config?: Config } | { class_name: string; config?: Config };

/** An initializer, regularizer or constraint given by name or config object. */
export type Identifier = string | ConfigIdentifier;

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
  embeddingsInitializer?: InitializerName | ConfigIdentifier | Initializer | ((shape: number[]) => ArrayLike<number>);
  /**
   * Regularizer of the table ('l1', 'l2', 'l1l2', 'l1_l2', 'orthogonal_regularizer', config objects,
   * instances, or `({ data, shape }) => number`). Its penalty is `regularizationLoss()`.
   */
  embeddingsRegularizer?: RegularizerName | ConfigIdentifier | Regularizer | ((x: { data: Float32Array; shape: number[] }) => number) | null;
  /**
   * Regularizer of each lookup's output. Every `call` computes its penalty divided by the batch size
   * (the output's first dimension; 0 for an empty batch), as Keras ≥ 3.14 and Keras 2 do; see `losses`.
   */
  activityRegularizer?: RegularizerName | ConfigIdentifier | Regularizer | ((x: { data: Float32Array; shape: number[] }) => number) | null;
  /**
   * Constraint on the table ('max_norm', 'non_neg', 'unit_norm', 'min_max_norm', config objects,
   * instances, or a function). Keras applies it after every optimizer step; `applyConstraint()` applies
   * it on demand. Note axis 0 (the Keras default) constrains columns; per-embedding needs `axis: 1`.
   */
  embeddingsConstraint?: ConstraintName | ConfigIdentifier | Constraint | ((table: { data: Float32Array; shape: number[] }) => ArrayLike<number> | void) | null;
  /**
   * PyTorch's `max_norm` (not in Keras): before each lookup, every distinct row the lookup references
   * whose `normType`-norm exceeds `maxNorm` is rescaled in place to `maxNorm / (norm + 1e-7)` times itself.
   */
  maxNorm?: number | null;
  /**
   * The p of the p-norm for `maxNorm` (default 2; `Infinity` for the max norm). Configs write
   * `Infinity` as the string `"inf"` (JSON has no Infinity), and `fromConfig` reads it back, so a
   * config survives `JSON.stringify` / `JSON.parse` exactly.
   */
  normType?: number | "inf";
  /**
   * PyTorch's `scale_grad_by_freq` (not in Keras): `backward` divides each row's gradient by the
   * number of times the lookup used that row. Default false.
   */
  scaleGradByFreq?: boolean;
  /**
   * PyTorch's `padding_idx` (not in Keras): this row is initialized to zeros (when the initializer
   * fills the table), gets no gradient in `backward`, and is masked by `computeMask` (`x != paddingIdx`,
   * with or without `maskZero`). A negative value counts from the end, as in PyTorch.
   */
  paddingIdx?: number | null;
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
  /**
   * Initial table, `{ data, shape: [inputDim, outputDim] }` or `number[][]`, optionally in a
   * one-element list; for a quantized or 16-bit `dtype`, the variables as `getWeights()` lists them.
   */
  weights?: WeightTable | readonly (WeightTable | VariableInput)[];
  /** Layer name; default `embedding`, `embedding_1`, … */
  name?: string;
  /** Whether the table is trainable (kept in the config). Default true. */
  trainable?: boolean;
  /**
   * Keras Hub's ReversibleEmbedding: `reverse` multiplies by the table itself (true, default) or by
   * separate trainable `reverseEmbeddings` of shape [outputDim, inputDim] (false), made with the
   * same initializer and listed second by `getWeights`.
   */
  tieWeights?: boolean;
  /** `reverse` returns `logitSoftCap · tanh(logits / logitSoftCap)`; a number > 0, or null (default) for none. */
  logitSoftCap?: number | null;
  /** Keras Hub's reverse_dtype: only null or `'float32'` (the reverse projection runs in float32). */
  reverseDtype?: "float32" | null;
  /**
   * How the table is stored, as a Keras dtype policy name: `'float32'` (default), `'float16'` or
   * `'bfloat16'` (half the memory; lookups return the stored values widened to float32, as Keras'
   * lookup of a 16-bit table gives them), or a quantized policy as Keras writes it for a quantized
   * layer (`'int8_from_float32'`, `'int4/128_from_float32'`, `'int4/-1_from_float32'`), which makes
   * the layer quantized from the start with Keras' initial variables (zeros, scales of one), to be
   * filled by `weights` / `setWeights` in `getWeights()` form. To quantize a trained float table,
   * use `layer.quantize()`.
   */
  dtype?: string;
  /**
   * LoRA rank: the layer starts with LoRA on (see `enableLora`). As in Keras, building the layer
   * turns LoRA on with alpha = rank, so a `loraAlpha` given here is checked but not used (Keras'
   * config then says `lora_alpha: lora_rank`); use `enableLora(rank, { alpha })` for another alpha.
   */
  loraRank?: number | null;
  /** LoRA alpha (see `loraRank`). */
  loraAlpha?: number | null;
  /**
   * int4 layers made from a config: the `block_size` of Keras' Int4QuantizationConfig, which must
   * agree with the policy's (-1 or null: one scale per row). Kept to write the config back as read.
   */
  quantizationBlockSize?: number | null;
  /**
   * Storage option (not part of the Keras config): the most bytes of table one WebAssembly memory
   * holds. A float32 table larger than this is split into row ranges ("shards"), each in a memory of
   * its own, so a table may exceed one memory's 4 GiB; lookups, weights, initializers (the same
   * seeded values), regularizer penalties, constraints, training and the savers give what one memory
   * gives. Default: no splitting (a table must fit in one memory, as without this option). Each
   * shard holds a multiple of 8 rows, at most `maxShardBytes / (4 · outputDim)`; `maxShardBytes` is at
   * most 4 GiB less 16 MiB (4278190080). Sharded layers
   * refuse what needs the whole table in one memory: LoRA, quantization, 16-bit storage, untied
   * reverse embeddings, `reverse`, `nearest`, the Orthogonal regularizer, function regularizers and
   * constraints of the table, and (beyond one memory) whole-table initializers such as Orthogonal.
   */
  maxShardBytes?: number | null;
}

/** The layer's config in TF.js form (camelCase keys, sub-objects as `{ className, config }`). */
export interface EmbeddingConfig {
  name: string;
  trainable: boolean;
  /** The dtype policy name (see `EmbeddingOptions.dtype`). */
  dtype: string;
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
  /** `"inf"` for `normType: Infinity` (JSON has no Infinity). */
  normType?: number | "inf";
  scaleGradByFreq?: boolean;
  paddingIdx?: number;
  /** Present only when the reverse projection is untied or soft-capped. */
  tieWeights?: boolean;
  logitSoftCap?: number | null;
  /** int4 layers only: the block size as Keras' quantization config writes it (-1 and null both mean one scale per row). */
  quantizationBlockSize?: number | null;
  /** Present only when LoRA is on. */
  loraRank?: number;
  loraAlpha?: number;
}

