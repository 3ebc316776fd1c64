// Constraints (keras/src/constraints/constraints.py), applied in place to an embedding table by the
// kernels of assembly/constraints.ts. Keras applies a layer's constraint after every optimizer step;
// `layer.applyConstraint()` does it on demand. For a (inputDim, outputDim) table, axis 0 (the Keras
// default) constrains each column across the vocabulary; axis 1 or -1 constrains each embedding.
import { ValueError, show } from "./errors.ts";
import { freshCopy } from "./core/fresh.ts";
import type { TableHandle } from "./core/memory.ts";
import { hasMethod, makeRegistry } from "./registry.ts";
import { checkKeys, type Config, type Serializable } from "./serialization.ts";
import { standaloneTable } from "./core/memory.ts";
import { ownView, typedArrayName } from "./typed-arrays.ts";
import { float32Number } from "./validate.ts";
import { readWeightTable, type WeightTable } from "./weights.ts";

/** A constraint: rewrites a table in place, and serializes. */
export interface Constraint extends Serializable {
  /** Applies the constraint in place to the table of `target` (in WebAssembly memory). */
  applyTo(target: TableHandle): void;
  /**
   * Applies it to the `m` rows listed at `list` (int32 row ids in the same memory) and returns true,
   * when the constraint acts on each row separately; returns false (doing nothing) otherwise.
   */
  applyToRows?(target: TableHandle, list: number, m: number): boolean;
  /**
   * Applies it to a table split into row ranges (`pieces`, in row order, each in a memory of its
   * own, every piece but the last a multiple of 8 rows), with the same result as `applyTo` on the
   * whole table. The built-in constraints have it; a table in shards refuses constraints without it.
   */
  applyToShards?(pieces: readonly TableHandle[]): void;
  /** Returns a constrained copy of a 2-D table. */
  apply(table: WeightTable): Float32Array;
}

/** Constraint arguments are float32 computations on a float32 table: finite, within float32's range. */
const finite = (name: string, value: unknown, fallback: number) => float32Number(name, value, fallback);

function checkAxis(value: unknown): 0 | 1 | -1 {
  if (value === undefined || value === null) return 0;
  if (value !== 0 && value !== 1 && value !== -1) {
    throw new ValueError(`axis must be 0 (each column), 1 or -1 (each row) for a 2-D embedding table. Received: axis=${show(value)}`);
  }
  return value;
}

function rowsCols(target: TableHandle, className: string): [number, number] {
  if (target.shape.length !== 2) {
    throw new ValueError(`${className} applies to 2-D tables. Received a table of shape [${target.shape.join(", ")}].`);
  }
  return [target.shape[0]!, target.shape[1]!];
}

/** `apply` for every constraint: constrain a copy in a memory of its own. */
function applyToCopy(constraint: Constraint, table: WeightTable): Float32Array {
  const { shape, data } = readWeightTable("table", table);
  const target = standaloneTable(shape, data);
  constraint.applyTo(target);
  return freshCopy(target.view());
}

/** w * (rate·clip(n, lo, hi) + (1 − rate)·n) / (1e-7 + n), or w / (1e-7 + n), with n the L2 norm along `axis`. */
abstract class NormConstraint implements Constraint {
  abstract readonly className: string;
  constructor(readonly axis: 0 | 1 | -1, private readonly clipLow: number, private readonly clipHigh: number,
    private readonly clipRate: number, private readonly divide: boolean) {}

  applyTo(target: TableHandle): void {
    const [rows, cols] = rowsCols(target, this.className);
    const { kernel, ptr } = target;
    const divide = this.divide ? 1 : 0;
    if (this.axis === 0) {
      // float64 sums, then cols float32: the block partials of the sums, later the column factors.
      const sums = target.scratch(cols * 12);
      kernel.columnSumSquares(ptr, rows, cols, sums, sums + cols * 8);
      kernel.constrainColumns(ptr, rows, cols, sums, sums + cols * 8, this.clipLow, this.clipHigh, this.clipRate, divide);
    } else {
      kernel.constrainRows(ptr, rows, cols, this.clipLow, this.clipHigh, this.clipRate, divide);
    }
  }

  applyToShards(pieces: readonly TableHandle[]): void {
    if (this.axis !== 0) {
      for (const piece of pieces) this.applyTo(piece);
      return;
    }
    // Two passes: the column sums of squares carried from piece to piece (the kernel adds each
    // piece's blocks of 8 rows to them, in the order one pass adds them), then every piece scaled
    // by the same column factors.
    const cols = rowsCols(pieces[0]!, this.className)[1];
    const sums = new Float64Array(cols);
    const divide = this.divide ? 1 : 0;
    for (const pass of ["sums", "scale"] as const) {
      for (const piece of pieces) {
        const [rows] = rowsCols(piece, this.className);
        const at = piece.scratch(cols * 12);
        const carried = new Float64Array(piece.kernel.memory.buffer, at, cols);
        carried.set(sums);
        if (pass === "sums") {
          piece.kernel.addColumnSumSquares(piece.ptr, rows, cols, at, at + cols * 8);
          sums.set(carried);
        } else {
          piece.kernel.constrainColumns(piece.ptr, rows, cols, at, at + cols * 8, this.clipLow, this.clipHigh, this.clipRate, divide);
        }
      }
    }
  }

  applyToRows(target: TableHandle, list: number, m: number): boolean {
    if (this.axis === 0) return false;
    const [, cols] = rowsCols(target, this.className);
    target.kernel.constrainListedRows(target.ptr, cols, list, m, this.clipLow, this.clipHigh, this.clipRate, this.divide ? 1 : 0);
    return true;
  }

  apply(table: WeightTable): Float32Array {
    return applyToCopy(this, table);
  }

  abstract getConfig(): Config;
}

/** Keras `MaxNorm(max_value=2, axis=0)`: norms above maxValue are scaled down to it. */
export class MaxNorm extends NormConstraint {
  readonly className = "MaxNorm";
  readonly maxValue: number;
  constructor(args: { maxValue?: number; axis?: 0 | 1 | -1 } = {}) {
    const a = checkKeys("MaxNorm", args, ["maxValue", "axis"]);
    const maxValue = finite("maxValue", a.maxValue, 2);
    super(checkAxis(a.axis), 0, maxValue, 1, false);
    this.maxValue = maxValue;
  }
  getConfig(): Config {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Keras `UnitNorm(axis=0)`: every vector divided by (1e-7 + its norm). */
export class UnitNorm extends NormConstraint {
  readonly className = "UnitNorm";
  constructor(args: { axis?: 0 | 1 | -1 } = {}) {
    const a = checkKeys("UnitNorm", args, ["axis"]);
    super(checkAxis(a.axis), 1, 1, 1, true);
  }
  getConfig(): Config {
    return { axis: this.axis };
  }
}

/** Keras `MinMaxNorm(min_value=0, max_value=1, rate=1, axis=0)`: norms moved toward [minValue, maxValue] by `rate`. */
export class MinMaxNorm extends NormConstraint {
  readonly className = "MinMaxNorm";
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: 0 | 1 | -1 } = {}) {
    const a = checkKeys("MinMaxNorm", args, ["minValue", "maxValue", "rate", "axis"]);
    const minValue = finite("minValue", a.minValue, 0);
    const maxValue = finite("maxValue", a.maxValue, 1);
    const rate = finite("rate", a.rate, 1);
    super(checkAxis(a.axis), minValue, maxValue, rate, false);
    this.minValue = minValue;
    this.maxValue = maxValue;
    this.rate = rate;
  }
  getConfig(): Config {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

/** Keras `NonNeg()`: negative weights set to 0. */
export class NonNeg implements Constraint {
  readonly className = "NonNeg";
  constructor(args: Record<string, never> = {}) {
    checkKeys("NonNeg", args, []);
  }
  applyTo(target: TableHandle): void {
    target.kernel.clampNonNegative(target.ptr, target.shape.reduce((a, b) => a * b, 1));
  }
  applyToShards(pieces: readonly TableHandle[]): void {
    for (const piece of pieces) this.applyTo(piece);
  }
  applyToRows(target: TableHandle, list: number, m: number): boolean {
    const [, cols] = rowsCols(target, this.className);
    target.kernel.clampListedRows(target.ptr, cols, list, m);
    return true;
  }
  apply(table: WeightTable): Float32Array {
    return applyToCopy(this, table);
  }
  getConfig(): Config {
    return {};
  }
}

/**
 * A user function as a constraint: it receives a copy of the table as `{ data, shape }` and returns
 * the new values (or modifies `data` and returns nothing). Not serializable.
 */
export class FunctionConstraint implements Constraint {
  readonly className = "Function";
  constructor(private readonly fn: (table: { data: Float32Array; shape: number[] }) => ArrayLike<number> | void) {}
  applyTo(target: TableHandle): void {
    const n = target.shape.reduce((a, b) => a * b, 1);
    const view = () => new Float32Array(target.kernel.memory.buffer, target.ptr, n);
    const copy = view().slice();
    const result = this.fn({ data: copy, shape: [...target.shape] });
    view().set(result === undefined ? copy : FunctionConstraint.numbers(result, n));
  }

  /** The function's result as `n` float32 values, each element read once; anything else is refused. */
  private static numbers(values: unknown, n: number): Float32Array {
    const refuse = (): never => {
      throw new ValueError(`The constraint function returned ${show(values)}; expected ${n} numbers (or nothing, after changing data in place).`);
    };
    const out = new Float32Array(n);
    const kind = typedArrayName(values);
    if (kind !== undefined) {
      if (kind !== "Float32Array" && kind !== "Float64Array") refuse();
      const view = ownView("the constraint function's result", values, kind as "Float32Array" | "Float64Array");
      if (view.length !== n) refuse();
      out.set(view);
      return out;
    }
    if (!Array.isArray(values)) refuse();
    const list = values as unknown[];
    if (list.length !== n) refuse();
    for (let i = 0; i < n; i++) {
      const v = list[i];
      if (typeof v !== "number") {
        throw new ValueError(`The constraint function returned a non-number at [${i}]: ${show(v)}; expected ${n} numbers.`);
      }
      out[i] = v;
    }
    return out;
  }
  apply(table: WeightTable): Float32Array {
    return applyToCopy(this, table);
  }
  getConfig(): Config {
    throw new ValueError("A constraint given as a function cannot be serialized; use a registered constraint to save the config.");
  }
}

const CLASSES = { MaxNorm, NonNeg, UnitNorm, MinMaxNorm };
const ALIASES = {
  max_norm: "MaxNorm", maxNorm: "MaxNorm", non_neg: "NonNeg", nonNeg: "NonNeg",
  unit_norm: "UnitNorm", unitNorm: "UnitNorm", min_max_norm: "MinMaxNorm", minMaxNorm: "MinMaxNorm",
} as const satisfies Record<string, string>;

/** Every name `embeddingsConstraint` accepts as a string. */
export type ConstraintName = keyof typeof CLASSES | keyof typeof ALIASES;

const resolve = makeRegistry<Constraint>({
  kind: "constraint",
  classes: CLASSES,
  aliases: ALIASES,
  isInstance: (v): v is Constraint => hasMethod(v, "applyTo") && hasMethod(v, "getConfig"),
  fromFunction: (fn) => new FunctionConstraint(fn as never),
});

/**
 * Resolves `embeddingsConstraint`: null/undefined → null; a name ('max_norm', 'MaxNorm',
 * 'maxNorm', 'non_neg', 'unit_norm', 'min_max_norm' …), a config object in either form, a
 * Constraint instance, or a function.
 */
export function getConstraint(identifier: unknown): Constraint | null {
  return identifier === undefined || identifier === null ? null : resolve(identifier);
}
