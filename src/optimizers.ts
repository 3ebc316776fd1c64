// Optimizers for training an embedding table (keras/src/optimizers: sgd.py, adagrad.py, adam.py,
// adamw.py, base_optimizer.py), updating the table in WebAssembly from a sparse gradient. Keras
// defaults and update rules; the state (slots) lives beside the table in the layer's memory.
//
// mode "dense" is Keras' semantics for a gradient that is zero outside the looked-up rows: every
// row is updated each step, so Adam's moments of untouched rows decay and their weights keep moving,
// and regularizer gradients reach the whole table. mode "lazy" updates only the rows in the gradient
// (TF's LazyAdam, PyTorch's SparseAdam): O(rows touched) per step; regularizer gradients and
// decoupled weight decay then apply to those rows only.
import type { SparseGradient } from "./sparse-gradient.ts";
import { ValueError, show } from "./errors.ts";
import { checkKeys, own, type Config, type Serializable } from "./serialization.ts";
import { OptimizerKind, type StepArgs } from "./core/kernel.ts";

/** What an optimizer trains: an `Embedding` (or anything that takes steps the same way). */
export interface TrainableTable {
  applyGradients(gradient: SparseGradient, optimizer: Optimizer): void;
  getOptimizerState(optimizer: Optimizer): OptimizerState | null;
  setOptimizerState(optimizer: Optimizer, state: OptimizerState): void;
}

/** Which rows a step updates: every row ("dense", Keras) or the rows in the gradient ("lazy"). */
export type UpdateMode = "dense" | "lazy";

/** The hyper-parameters of one step, as the kernel's step arguments name them (float32 in the kernel). */
export type StepParameters = Pick<StepArgs, "learningRate"> & Partial<Pick<StepArgs, "momentum" | "epsilon" | "alpha" | "beta1" | "beta2" | "nesterov">>;

/** An optimizer's saved state for one layer: its step count and slot tables (rows × dim each). */
export interface OptimizerState {
  className: string;
  iterations: number;
  slots: Record<string, Float32Array>;
}

function num(name: string, value: unknown, fallback: number, check: (v: number) => boolean = Number.isFinite, expected = "a finite number"): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !check(value)) throw new ValueError(`${name} must be ${expected}. Received: ${name}=${show(value)}`);
  return value;
}

function checkMode(value: unknown): UpdateMode {
  if (value === undefined || value === null) return "dense";
  if (value !== "dense" && value !== "lazy") throw new ValueError(`mode must be "dense" or "lazy". Received: mode=${show(value)}`);
  return value;
}

const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;

/** What every optimizer has: a learning rate, an update mode, optional decoupled weight decay. */
export abstract class Optimizer implements Serializable {
  abstract readonly className: string;
  readonly learningRate: number;
  readonly mode: UpdateMode;
  /** Decoupled weight decay (w -= w · weightDecay · learningRate before each update), or null. */
  readonly weightDecay: number | null;
  /** @internal Kernel id. */
  abstract readonly kind: number;
  /** @internal Slot tables this optimizer keeps per layer, and their initial values. */
  abstract readonly slots: readonly { name: string; initial: number }[];

  /** `args`: the constructor's own-property copy (see checkKeys). */
  protected constructor(args: Config, defaultLearningRate: number) {
    this.learningRate = num("learningRate", args.learningRate, defaultLearningRate, nonNegative, "a finite number ≥ 0");
    this.mode = checkMode(args.mode);
    this.weightDecay = args.weightDecay === undefined || args.weightDecay === null ? null : num("weightDecay", args.weightDecay, 0, nonNegative, "a finite number ≥ 0");
  }

  /** @internal The kernel's parameters for step `t` (1-based, as Keras' local_step). */
  abstract stepParameters(t: number): StepParameters;

  /** Applies a sparse gradient (from `layer.backward`) to the layer's table: one step. */
  applyGradients(layer: TrainableTable, gradient: SparseGradient): void {
    layer.applyGradients(gradient, this);
  }

  /** This optimizer's state for `layer` (copies), or null before its first step there. */
  getState(layer: TrainableTable): OptimizerState | null {
    return layer.getOptimizerState(this);
  }

  /** Restores a state from `getState` (same optimizer class, same table shape). */
  setState(layer: TrainableTable, state: OptimizerState): void {
    layer.setOptimizerState(this, state);
  }

  protected baseConfig(): Config {
    return { learningRate: this.learningRate, mode: this.mode, weightDecay: this.weightDecay };
  }

  abstract getConfig(): Config;
}

/**
 * Keras `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`:
 * w -= lr · g; with momentum, v = momentum · v − lr · g and w += v (Nesterov: w += momentum · v − lr · g).
 */
export class SGD extends Optimizer {
  readonly className = "SGD";
  readonly kind = OptimizerKind.SGD;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly slots: readonly { name: string; initial: number }[];
  constructor(args: { learningRate?: number; momentum?: number; nesterov?: boolean; weightDecay?: number | null; mode?: UpdateMode } = {}) {
    const a = checkKeys("SGD", args, ["learningRate", "momentum", "nesterov", "weightDecay", "mode"]);
    super(a, 0.01);
    this.momentum = num("momentum", a.momentum, 0, (v) => v >= 0 && v <= 1, "a number in [0, 1]");
    if (a.nesterov !== undefined && typeof a.nesterov !== "boolean") throw new ValueError(`nesterov must be a boolean. Received: nesterov=${show(a.nesterov)}`);
    this.nesterov = (a.nesterov as boolean | undefined) ?? false;
    this.slots = this.momentum !== 0 ? [{ name: "momentum", initial: 0 }] : [];
  }
  stepParameters(): StepParameters {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
  getConfig(): Config {
    return { ...this.baseConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Keras `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)`: acc += g², w -= lr · g / √(acc + ε). */
export class Adagrad extends Optimizer {
  readonly className = "Adagrad";
  readonly kind = OptimizerKind.ADAGRAD;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  readonly slots: readonly { name: string; initial: number }[];
  constructor(args: { learningRate?: number; initialAccumulatorValue?: number; epsilon?: number; weightDecay?: number | null; mode?: UpdateMode } = {}) {
    const a = checkKeys("Adagrad", args, ["learningRate", "initialAccumulatorValue", "epsilon", "weightDecay", "mode"]);
    super(a, 0.001);
    this.initialAccumulatorValue = num("initialAccumulatorValue", a.initialAccumulatorValue, 0.1, nonNegative, "a finite number ≥ 0");
    this.epsilon = num("epsilon", a.epsilon, 1e-7);
    this.slots = [{ name: "accumulator", initial: this.initialAccumulatorValue }];
  }
  stepParameters(): StepParameters {
    return { learningRate: this.learningRate, epsilon: this.epsilon };
  }
  getConfig(): Config {
    return { ...this.baseConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

/**
 * Keras `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`: with t the step,
 * α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ); m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); w -= m · α / (√v + ε).
 */
export class Adam extends Optimizer {
  readonly className: string = "Adam";
  readonly kind = OptimizerKind.ADAM;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly slots = [{ name: "momentum", initial: 0 }, { name: "velocity", initial: 0 }] as const;
  constructor(args: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number | null; mode?: UpdateMode } = {}) {
    const a = checkKeys("Adam", args, ["learningRate", "beta1", "beta2", "epsilon", "weightDecay", "mode"]);
    super(a, 0.001);
    this.beta1 = num("beta1", a.beta1, 0.9);
    this.beta2 = num("beta2", a.beta2, 0.999);
    this.epsilon = num("epsilon", a.epsilon, 1e-7);
  }
  stepParameters(t: number): StepParameters {
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    return { learningRate: this.learningRate, alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
  getConfig(): Config {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Keras `AdamW(learning_rate=0.001, weight_decay=0.004, …)`: Adam with decoupled weight decay, applied before the update. */
export class AdamW extends Adam {
  override readonly className = "AdamW";
  constructor(args: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number; mode?: UpdateMode } = {}) {
    const weightDecay = own(args, "weightDecay");
    if (weightDecay === null) throw new ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None");
    super({ ...args, weightDecay: (weightDecay as number | undefined) ?? 0.004 });
  }
}
