// Regularizers (keras/src/regularizers/regularizers.py). Penalties are computed in WebAssembly with
// float64 accumulation: `layer.regularizationLoss()` for the table, and the activity penalty of each
// lookup's output, fused into the gather for L1/L2/L1L2.
import { ValueError, show } from "./errors.ts";
import type { TableHandle } from "./core/memory.ts";
import { hasMethod, makeRegistry } from "./registry.ts";
import { checkKeys, type Config, type Serializable } from "./serialization.ts";
import { standaloneTable } from "./core/memory.ts";
import { readWeightTable, type WeightTable } from "./weights.ts";

/** A regularizer: the penalty of a tensor, and its config. */
export interface Regularizer extends Serializable {
  /** The penalty of the table of `target` (in WebAssembly memory). */
  penaltyOf(target: TableHandle): number;
  /** The penalty of a tensor given as `{ data, shape }` or `number[][]`. */
  apply(x: WeightTable): number;
}

/** Regularizers whose penalty is l1·Σ|x| + l2·Σx², which the gather can accumulate on the fly. */
export interface SumsRegularizer extends Regularizer {
  fromSums(sumAbs: number, sumSquares: number): number;
  /** [l1, l2]: the gradient is l1 · sign(x) + 2 · l2 · x. */
  factors(): [number, number];
}

export const isSumsRegularizer = (r: Regularizer): r is SumsRegularizer => typeof (r as SumsRegularizer).fromSums === "function";

/**
 * The penalty of a table split into row-range `pieces` (each in a memory of its own), equal to the
 * penalty of the whole table in one memory bit for bit: the kernel's float64 accumulators are
 * carried from piece to piece (every piece but the last holds a multiple of 8 rows, so of 4
 * floats) and reduced once, after the last.
 */
export function penaltyOfPieces(regularizer: SumsRegularizer, pieces: readonly TableHandle[]): number {
  const [l1, l2] = regularizer.factors();
  const state = new Float64Array(8);
  pieces.forEach((piece, i) => {
    const at = piece.scratch(state.byteLength);
    const view = new Float64Array(piece.kernel.memory.buffer, at, state.length);
    view.set(state);
    piece.kernel.absAndSquareSumsPart(piece.ptr, size(piece.shape), at, l1 !== 0 ? 1 : 0, l2 !== 0 ? 1 : 0, i === pieces.length - 1 ? 1 : 0);
    state.set(new Float64Array(piece.kernel.memory.buffer, at, state.length));
  });
  return regularizer.fromSums(state[0]!, state[1]!);
}

/** The float32 Keras 3 holds for a factor kept as a tensor; a factor past float32's range stays as given (float32 would make it infinite). */
const float32Factor = (x: number): number => (Number.isFinite(Math.fround(x)) ? Math.fround(x) : x);

/** Keras `validate_float_arg`: a finite number ≥ 0, with Keras' message (no space after the period). */
function factor(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ValueError(`Invalid value for argument ${name}: expected a non-negative float.Received: ${name}=${show(value)}`);
  }
  return value;
}

function applyToCopy(regularizer: Regularizer, x: WeightTable): number {
  const { shape, data } = readWeightTable("x", x);
  return regularizer.penaltyOf(standaloneTable(shape, data));
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** l1·Σ|x| + l2·Σx², each term only when its factor is non-zero (as Keras' L1L2). */
abstract class SumsPenalty implements SumsRegularizer {
  abstract readonly className: string;
  constructor(protected readonly l1Factor: number, protected readonly l2Factor: number) {}
  factors(): [number, number] {
    return [this.l1Factor, this.l2Factor];
  }
  fromSums(sumAbs: number, sumSquares: number): number {
    let penalty = 0;
    if (this.l1Factor !== 0) penalty += this.l1Factor * sumAbs;
    if (this.l2Factor !== 0) penalty += this.l2Factor * sumSquares;
    return penalty;
  }
  penaltyOf(target: TableHandle): number {
    const out = target.scratch(16);
    target.kernel.absAndSquareSums(target.ptr, size(target.shape), out, this.l1Factor !== 0 ? 1 : 0, this.l2Factor !== 0 ? 1 : 0);
    const sums = new Float64Array(target.kernel.memory.buffer, out, 2);
    return this.fromSums(sums[0]!, sums[1]!);
  }
  apply(x: WeightTable): number {
    return applyToCopy(this, x);
  }
  abstract getConfig(): Config;
}

/**
 * Keras `L1(l1=0.01)`: l1 · Σ|x|. Keras 3 holds `l1` as a float32 tensor, so the penalty and its
 * gradient use the float32 nearest to the given factor, and the Keras config writes that float32
 * (`0.01` → `0.009999999776482582`); `getConfig()` keeps the number as given.
 */
export class L1 extends SumsPenalty {
  readonly className = "L1";
  /** The factor as given (the penalty uses its float32 rounding). */
  readonly l1: number;
  constructor(args: { l1?: number } = {}) {
    const a = checkKeys("L1", args, ["l1"]);
    const l1 = factor("l1", a.l1, 0.01);
    super(float32Factor(l1), 0);
    this.l1 = l1;
  }
  getConfig(): Config {
    return { l1: this.l1 };
  }
  getKerasConfig(): Config {
    return { l1: this.l1Factor };
  }
}

/** Keras `L2(l2=0.01)`: l2 · Σx². */
export class L2 extends SumsPenalty {
  readonly className = "L2";
  constructor(args: { l2?: number } = {}) {
    const a = checkKeys("L2", args, ["l2"]);
    super(0, factor("l2", a.l2, 0.01));
  }
  get l2(): number {
    return this.l2Factor;
  }
  getConfig(): Config {
    return { l2: this.l2Factor };
  }
}

/** Keras `L1L2(l1=0.0, l2=0.0)`: l1 · Σ|x| + l2 · Σx². Note the class defaults are 0. */
export class L1L2 extends SumsPenalty {
  readonly className = "L1L2";
  constructor(args: { l1?: number; l2?: number } = {}) {
    const a = checkKeys("L1L2", args, ["l1", "l2"]);
    super(factor("l1", a.l1, 0), factor("l2", a.l2, 0));
  }
  get l1(): number {
    return this.l1Factor;
  }
  get l2(): number {
    return this.l2Factor;
  }
  getConfig(): Config {
    return { l1: this.l1Factor, l2: this.l2Factor };
  }
}

/** Scratch of `rowPairAbsCosineSum`: the inverse norms of two tiles of 64 rows (assembly/penalties.ts), whatever the table's size. */
const ROW_PAIR_SCRATCH_BYTES = 2 * 64 * 4;

/**
 * Keras `OrthogonalRegularizer(factor=0.01, mode="rows")`: factor times the mean |cosine| between
 * distinct rows (or columns) of a 2-D tensor, vectors normalized as x / max(‖x‖, 1e-7). Rows mode
 * is computed in tiles without ever forming the rows × rows matrix; columns mode keeps the
 * cols × cols Gram matrix. One row (or column) gives 0/0 = NaN, as in Keras.
 */
export class OrthogonalRegularizer implements Regularizer {
  readonly className = "OrthogonalRegularizer";
  /** The factor as given. Keras 3 holds it as a float32 tensor: the penalty uses `float32Factor`, and so does the Keras config. */
  readonly factor: number;
  /** The factor as Keras 3 holds it (float32), which the penalty and its gradient use. */
  readonly float32Factor: number;
  readonly mode: "rows" | "columns";
  constructor(args: { factor?: number; mode?: "rows" | "columns" } = {}) {
    const a = checkKeys("OrthogonalRegularizer", args, ["factor", "mode"]);
    this.factor = factor("factor", a.factor, 0.01);
    this.float32Factor = float32Factor(this.factor);
    const mode = a.mode ?? "rows";
    if (mode !== "rows" && mode !== "columns") {
      throw new ValueError(`Invalid value for argument \`mode\`. Expected one of {"rows", "columns"}. Received: mode=${String(mode)}`);
    }
    this.mode = mode;
  }
  /** Keras' rank check, with its message. */
  checkRank(shape: readonly number[]): void {
    if (shape.length !== 2) {
      throw new ValueError(`Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=[${shape.join(", ")}]`);
    }
  }
  /** factor / (k (k − 1) / 2) for k vectors: the penalty is this times the sum of |cosines| over pairs. */
  pairCoefficient(shape: readonly number[]): number {
    return pairCoefficient(this.float32Factor, this.mode === "rows" ? shape[0]! : shape[1]!);
  }
  penaltyOf(target: TableHandle): number {
    this.checkRank(target.shape);
    const [rows, cols] = target.shape as [number, number];
    let pairs: number;
    let k: number;
    if (this.mode === "rows") {
      pairs = target.kernel.rowPairAbsCosineSum(target.ptr, rows, cols, target.scratch(ROW_PAIR_SCRATCH_BYTES));
      k = rows;
    } else {
      pairs = target.kernel.columnPairAbsCosineSum(target.ptr, rows, cols, target.scratch(cols * cols * 8));
      k = cols;
    }
    return (this.float32Factor * pairs) / ((k * (k - 1)) / 2);
  }
  apply(x: WeightTable): number {
    return applyToCopy(this, x);
  }
  getConfig(): Config {
    return { factor: this.factor, mode: this.mode };
  }
  getKerasConfig(): Config {
    return { factor: this.float32Factor, mode: this.mode };
  }
}

/** factor / (k (k − 1) / 2): OrthogonalRegularizer's weight of one pair's |cosine| among k vectors. */
export const pairCoefficient = (factor: number, k: number): number => factor / ((k * (k - 1)) / 2);

/** A user function `({ data, shape }) => number` as a regularizer. Not serializable. */
export class FunctionRegularizer implements Regularizer {
  readonly className = "Function";
  constructor(private readonly fn: (x: { data: Float32Array; shape: number[] }) => number) {}
  penaltyOf(target: TableHandle): number {
    const data = new Float32Array(target.kernel.memory.buffer, target.ptr, size(target.shape)).slice();
    const value = this.fn({ data, shape: [...target.shape] });
    if (typeof value !== "number") throw new ValueError(`The regularizer function returned ${show(value)}; expected a number.`);
    return value;
  }
  apply(x: WeightTable): number {
    return applyToCopy(this, x);
  }
  getConfig(): Config {
    throw new ValueError("A regularizer given as a function cannot be serialized; use a registered regularizer to save the config.");
  }
}

const CLASSES = { L1, L2, L1L2, OrthogonalRegularizer };
const ALIASES = {
  l1: "L1", l2: "L2", l1l2: "L1L2", l1_l2: "L1L2",
  orthogonal_regularizer: "OrthogonalRegularizer", orthogonalRegularizer: "OrthogonalRegularizer",
} as const satisfies Record<string, string>;

/** Every name a regularizer option accepts as a string. */
export type RegularizerName = keyof typeof CLASSES | keyof typeof ALIASES;

const resolve = makeRegistry<Regularizer>({
  kind: "regularizer",
  classes: CLASSES,
  aliases: ALIASES,
  // Keras 2's 'l1_l2' (which Keras 3's docstring still promises): both factors 0.01.
  presets: { l1_l2: { l1: 0.01, l2: 0.01 } },
  isInstance: (v): v is Regularizer => hasMethod(v, "penaltyOf") && hasMethod(v, "getConfig"),
  fromFunction: (fn) => new FunctionRegularizer(fn as never),
});

/**
 * Resolves `embeddingsRegularizer` / `activityRegularizer`: null/undefined → null; a name ('l1',
 * 'l2', 'l1l2' = L1L2(0, 0) as in Keras 3, 'l1_l2' = L1L2(0.01, 0.01) as in Keras 2,
 * 'orthogonal_regularizer', class names), a config object in either form, an instance, or a function.
 */
export function getRegularizer(identifier: unknown): Regularizer | null {
  return identifier === undefined || identifier === null ? null : resolve(identifier);
}
