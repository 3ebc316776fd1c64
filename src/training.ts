// Training one layer: the backward pass of its last lookup (a sparse gradient), optimizer steps on
// its table in WebAssembly, and the optimizer state kept beside the table. The layer delegates here.
import type { Constraint } from "./constraints.ts";
import { ValueError, show } from "./errors.ts";
import type { TableHandle } from "./core/memory.ts";
import { flatten } from "./input.ts";
import { STEP_ARGS_BYTES, writeStepArgs } from "./core/kernel.ts";
import type { KernelMemory } from "./core/memory.ts";
import type { Optimizer, OptimizerState } from "./optimizers.ts";
import type { LoraGradient, SparseGradient } from "./sparse-gradient.ts";
import type { LoraAdapters } from "./lora.ts";
import { isSumsRegularizer, OrthogonalRegularizer, type Regularizer } from "./regularizers.ts";

/** What the trainer needs from its layer. */
export interface TrainingHost {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly trainable: boolean;
  readonly scaleGradByFreq: boolean;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  live(): KernelMemory;
  /** The shape of the last lookup whose indices are still in the index region, or null. */
  lastLookup(): readonly number[] | null;
  /** Called after the layout changed (the index region moved): earlier lookups cannot be differentiated. */
  forgetLookups(): void;
  tableTarget(mem: KernelMemory): TableHandle;
  /** The LoRA adapters when LoRA is on (then only they train), else null. */
  lora(): LoraAdapters | null;
  /** Why the table cannot take optimizer steps (a quantized or 16-bit table), or null when it can. */
  frozenTable(): string | null;
}

interface SlotState {
  optimizer: Optimizer;
  ptrs: number[];
  iterations: number;
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(16, n)));

/** Hands out consecutive 64-byte-aligned pieces of one scratch block. */
function carve(base: number): (bytes: number) => number {
  let at = base;
  return (bytes) => {
    const p = at;
    at += Math.ceil(bytes / 64) * 64;
    return p;
  };
}
const carvedSize = (...bytes: number[]) => bytes.reduce((a, b) => a + Math.ceil(b / 64) * 64, 0);

export class Trainer {
  private state: SlotState | undefined;
  /** The adapters' optimizer slots (LoRA): one state for A, one for B, stepped together. */
  private loraState: { a: SlotState; b: SlotState } | undefined;

  constructor(private readonly host: TrainingHost) {}

  /** Drops the optimizer state (the layer moved to a new memory, or its trainable variables changed). */
  reset(): void {
    this.state = undefined;
    this.loraState = undefined;
  }

  /** The upstream gradient as flat float values of the last lookup's output shape. */
  private readUpstream(dOutput: unknown, outputShape: number[]): ArrayLike<number> {
    const size = outputShape.reduce((a, b) => a * b, 1);
    if (dOutput instanceof Float32Array || dOutput instanceof Float64Array) {
      if (dOutput.length !== size) {
        throw new ValueError(`dOutput must have ${size} values, the size of the last lookup's output [${outputShape.join(", ")}]. Received: dOutput.length=${dOutput.length}`);
      }
      return dOutput;
    }
    const flat = flatten(dOutput);
    const same = flat.shape.length === outputShape.length && flat.shape.every((d, i) => d === outputShape[i]);
    if (!same) {
      throw new ValueError(`dOutput must have the shape of the last lookup's output, [${outputShape.join(", ")}]. Received: shape [${flat.shape.join(", ")}]`);
    }
    return flat.data as ArrayLike<number>;
  }

  /** The gradient of the activity penalty with respect to the output (n × dim), or null. */
  private activityGradient(mem: KernelMemory, shape: readonly number[], n: number): Float32Array | null {
    const reg = this.host.activityRegularizer;
    if (reg === null) return null;
    const dim = this.host.outputDim;
    const batch = shape.length > 0 ? shape[0]! : dim;
    if (batch === 0) return null;
    if (isSumsRegularizer(reg)) {
      const [l1, l2] = reg.factors();
      const y = mem.output().subarray(0, n * dim);
      const g = new Float32Array(n * dim);
      for (let i = 0; i < g.length; i++) g[i] = (l1 * Math.sign(y[i]!) + 2 * l2 * y[i]!) / batch;
      return g;
    }
    if (reg instanceof OrthogonalRegularizer) {
      // The output is (n, dim) (its rank was checked by the lookup); the penalty's exact gradient.
      const coef = reg.pairCoefficient([n, dim]) / batch;
      if (reg.mode === "rows") {
        const take = carve(mem.scratch(carvedSize(n * 8, n * dim * 4)));
        const norms = take(n * 8), out = take(n * dim * 4);
        mem.kernel.orthogonalRowsGradient(mem.outputPtr, n, dim, 0, n, coef, norms, out);
        return new Float32Array(mem.kernel.memory.buffer, out, n * dim).slice();
      }
      const take = carve(mem.scratch(carvedSize(dim * dim * 8, dim * dim * 4 + dim * 16, n * dim * 4)));
      const gram = take(dim * dim * 8), aux = take(dim * dim * 4 + dim * 16), out = take(n * dim * 4);
      mem.kernel.orthogonalColumnsGradient(mem.outputPtr, n, dim, 0, n, coef, gram, aux, out);
      return new Float32Array(mem.kernel.memory.buffer, out, n * dim).slice();
    }
    throw new ValueError(`backward() cannot differentiate the activity regularizer ${reg.className}; use L1, L2, L1L2 or OrthogonalRegularizer.`);
  }

  backward(dOutput: unknown): SparseGradient | LoraGradient | null {
    const host = this.host;
    const mem = host.live();
    const shape = host.lastLookup();
    if (shape === null) {
      throw new ValueError(
        "backward() differentiates the last lookup, and there is none to differentiate: call call(), callInto() or lookupBuffer() first " +
          "(indexBuffer() and an optimizer's first step on a layer start over).",
      );
    }
    const dim = host.outputDim;
    const n = shape.reduce((a, b) => a * b, 1);
    const upstream = this.readUpstream(dOutput, [...shape, dim]);
    if (!host.trainable) return null;
    const lora = host.lora();
    // Keras' quantized variables are not trainable: without adapters nothing has a gradient.
    if (lora === null && host.frozenTable()?.startsWith("quantized")) return null;
    const activity = this.activityGradient(mem, shape, n);
    // The upstream gradient goes where the output was (the lookup's output view is spent).
    const staged = mem.output();
    staged.set(upstream);
    if (activity !== null) for (let i = 0; i < activity.length; i++) staged[i]! += activity[i]!;
    const cap = nextPowerOfTwo(2 * n);
    const take = carve(mem.scratch(carvedSize(cap * 8, n * 4, n * dim * 4, n * 4)));
    const hash = take(cap * 8), ids = take(n * 4), grads = take(n * dim * 4), counts = take(n * 4);
    const u = mem.kernel.sparseGradient(mem.indexPtr, n, dim, mem.outputPtr, hash, cap, ids, grads, counts, host.scaleGradByFreq ? 1 : 0);
    if (lora !== null) {
      const rank = lora.rank;
      const adapters = carve(mem.scratch(carvedSize(cap * 8, n * 4, n * dim * 4, n * 4, u * rank * 4, rank * dim * 4)));
      adapters(cap * 8), adapters(n * 4), adapters(n * dim * 4), adapters(n * 4);
      const gradA = adapters(u * rank * 4), gradB = adapters(rank * dim * 4);
      mem.kernel.loraGradients(ids, u, grads, dim, lora.aPtr, lora.bPtr, rank, lora.factor, gradA, gradB);
      const buf = mem.kernel.memory.buffer;
      return {
        indices: new Int32Array(buf, ids, u).slice(),
        values: new Float32Array(buf, gradA, u * rank).slice(),
        shape: [u, rank],
        denseShape: [host.inputDim, rank],
        loraB: { data: new Float32Array(buf, gradB, rank * dim).slice(), shape: [rank, dim] },
      };
    }
    const buffer = mem.kernel.memory.buffer;
    return {
      indices: new Int32Array(buffer, ids, u).slice(),
      values: new Float32Array(buffer, grads, u * dim).slice(),
      shape: [u, dim],
      denseShape: [host.inputDim, dim],
    };
  }

  private checkGradient(gradient: SparseGradient): number {
    const { inputDim, outputDim } = this.host;
    if (gradient === null || typeof gradient !== "object" || !(gradient.indices instanceof Int32Array) || !(gradient.values instanceof Float32Array)) {
      throw new ValueError(`gradient must be { indices: Int32Array, values: Float32Array } as backward() returns. Received: ${show(gradient)}`);
    }
    const u = gradient.indices.length;
    if (gradient.values.length !== u * outputDim) {
      throw new ValueError(`gradient.values must have indices.length × outputDim = ${u} × ${outputDim} = ${u * outputDim} values. Received: ${gradient.values.length}`);
    }
    for (let k = 0; k < u; k++) {
      const r = gradient.indices[k]!;
      if (r < 0 || r >= inputDim) throw new RangeError(`gradient.indices[${k}] = ${r} is not in [0, ${inputDim})`);
    }
    return u;
  }

  /** The layer's slots for `optimizer`, made (zeroed or at their initial value) on first use. */
  private slotsFor(optimizer: Optimizer, mem: KernelMemory): SlotState {
    if (this.state !== undefined) {
      if (this.state.optimizer !== optimizer) {
        throw new ValueError(
          `Layer "${this.host.name}" is already trained by another optimizer (${this.state.optimizer.className}); use one optimizer per layer.`,
        );
      }
      return this.state;
    }
    const count = this.host.inputDim * this.host.outputDim;
    const ptrs = optimizer.slots.map((slot) => {
      const ptr = mem.persistent(count * 4, `${optimizer.className}'s ${slot.name} slot`);
      if (slot.initial !== 0) mem.kernel.fillF32(ptr, count, slot.initial);
      return ptr;
    });
    this.host.forgetLookups();
    this.state = { optimizer, ptrs, iterations: 0 };
    return this.state;
  }

  apply(gradient: SparseGradient, optimizer: Optimizer): void {
    const host = this.host;
    const mem = host.live();
    if (!host.trainable) throw new ValueError(`Layer "${host.name}" is not trainable (trainable: false); its table cannot be updated.`);
    const lora = host.lora();
    if (lora !== null) return this.applyLora(gradient as LoraGradient, optimizer, mem, lora);
    const frozen = host.frozenTable();
    if (frozen !== null) throw new ValueError(`Layer "${host.name}" has ${frozen}, which optimizers do not update; enableLora(rank) fine-tunes it through adapters.`);
    const u = this.checkGradient(gradient);
    const reg = host.embeddingsRegularizer;
    if (reg !== null && !isSumsRegularizer(reg) && !(reg instanceof OrthogonalRegularizer)) {
      throw new ValueError(`An optimizer step cannot differentiate the embeddings regularizer ${reg.className}; use L1, L2, L1L2 or OrthogonalRegularizer.`);
    }
    const state = this.slotsFor(optimizer, mem);
    const { inputDim: rows, outputDim: dim } = host;
    const lazy = optimizer.mode === "lazy";
    const cap = nextPowerOfTwo(2 * u);
    const orthogonal = reg instanceof OrthogonalRegularizer ? reg : null;
    const extraRows = orthogonal === null ? 0 : lazy ? u : rows;
    const orthoScratch = orthogonal === null ? 0 : orthogonal.mode === "rows" ? rows * 8 : dim * dim * 12 + dim * 16;
    const take = carve(mem.scratch(carvedSize(STEP_ARGS_BYTES, u * 4, u * dim * 4, cap * 8, u * 4, u * dim * 4, extraRows * dim * 4, orthoScratch)));
    const args = take(STEP_ARGS_BYTES);
    const inIds = take(u * 4), inValues = take(u * dim * 4), hash = take(cap * 8), ids = take(u * 4), grads = take(u * dim * 4);
    const extra = extraRows > 0 ? take(extraRows * dim * 4) : 0;
    const work = orthoScratch > 0 ? take(orthoScratch) : 0;
    const k = mem.kernel;
    new Int32Array(k.memory.buffer, inIds, u).set(gradient.indices);
    new Float32Array(k.memory.buffer, inValues, u * dim).set(gradient.values);
    // Merges duplicate ids (a hand-made gradient may repeat rows) and builds the row → slot hash.
    const distinct = k.sparseGradient(inIds, u, dim, inValues, hash, cap, ids, grads, 0, 0);
    if (orthogonal !== null) {
      const list = lazy ? ids : 0;
      const m = lazy ? distinct : rows;
      const coef = orthogonal.pairCoefficient([rows, dim]);
      if (orthogonal.mode === "rows") k.orthogonalRowsGradient(mem.tablePtr, rows, dim, list, m, coef, work, extra);
      else k.orthogonalColumnsGradient(mem.tablePtr, rows, dim, list, m, coef, work, work + dim * dim * 8, extra);
    }
    const [l1, l2] = reg !== null && isSumsRegularizer(reg) ? reg.factors() : [0, 0];
    const t = state.iterations + 1;
    writeStepArgs(k.memory, args, {
      kind: optimizer.kind, lazy, table: mem.tablePtr, rows, dim, slotA: state.ptrs[0] ?? 0, slotB: state.ptrs[1] ?? 0,
      ids, grads, count: distinct, hash, hashCapacity: cap, extra, momentum: 0, epsilon: 0, alpha: 0, beta1: 0, beta2: 0, nesterov: false,
      ...optimizer.stepParameters(t), l1, l2, weightDecay: optimizer.weightDecay ?? 0,
    });
    k.optimizerStep(args);
    state.iterations = t;
    // Keras applies the constraint after every step. A lazy step changed only the listed rows, so a
    // per-row constraint needs only those; axis-0 (per-column) constraints see the whole table.
    const constraint = host.embeddingsConstraint;
    if (constraint !== null) {
      const target = host.tableTarget(mem);
      if (!(lazy && constraint.applyToRows?.(target, ids, distinct))) constraint.applyTo(target);
    }
  }

  private refuseLoraState(): void {
    if (this.host.lora() !== null) {
      throw new ValueError(`Layer "${this.host.name}" has LoRA on; saving and restoring the optimizer state of its adapters is not supported.`);
    }
  }

  /** One optimizer step on the adapters: A's rows in the gradient (or all, in dense mode), and all of B. */
  private applyLora(gradient: LoraGradient, optimizer: Optimizer, mem: KernelMemory, lora: LoraAdapters): void {
    const { inputDim, outputDim: dim, name } = this.host;
    const rank = lora.rank;
    const ok = gradient !== null && typeof gradient === "object" && gradient.indices instanceof Int32Array && gradient.values instanceof Float32Array &&
      gradient.loraB !== null && typeof gradient.loraB === "object" && gradient.loraB.data instanceof Float32Array;
    if (!ok) {
      throw new ValueError(
        `Layer "${name}" has LoRA on: its gradient must be { indices: Int32Array, values: Float32Array, loraB: { data: Float32Array } } as backward() returns it. Received: ${show(gradient)}`,
      );
    }
    const u = gradient.indices.length;
    if (gradient.values.length !== u * rank) {
      throw new ValueError(`gradient.values must have indices.length × rank = ${u} × ${rank} = ${u * rank} values (LoRA's lora_embeddings_a rows). Received: ${gradient.values.length}`);
    }
    if (gradient.loraB.data.length !== rank * dim) {
      throw new ValueError(`gradient.loraB.data must have rank × outputDim = ${rank} × ${dim} = ${rank * dim} values. Received: ${gradient.loraB.data.length}`);
    }
    for (let k = 0; k < u; k++) {
      const r = gradient.indices[k]!;
      if (r < 0 || r >= inputDim) throw new RangeError(`gradient.indices[${k}] = ${r} is not in [0, ${inputDim})`);
    }
    if (this.loraState !== undefined && this.loraState.a.optimizer !== optimizer) {
      throw new ValueError(`Layer "${name}" is already trained by another optimizer (${this.loraState.a.optimizer.className}); use one optimizer per layer.`);
    }
    if (this.loraState === undefined) {
      const slots = (count: number, what: string) =>
        optimizer.slots.map((slot) => {
          const ptr = mem.persistent(count * 4, `${optimizer.className}'s ${slot.name} slot for ${what}`);
          if (slot.initial !== 0) mem.kernel.fillF32(ptr, count, slot.initial);
          return ptr;
        });
      const a = { optimizer, ptrs: slots(inputDim * rank, "lora_embeddings_a"), iterations: 0 };
      const b = { optimizer, ptrs: slots(rank * dim, "lora_embeddings_b"), iterations: 0 };
      this.host.forgetLookups();
      this.loraState = { a, b };
    }
    const t = this.loraState.a.iterations + 1;
    const allRows = Int32Array.from({ length: rank }, (_, k) => k);
    this.step(mem, optimizer, t, lora.aPtr, inputDim, rank, this.loraState.a.ptrs, gradient.indices, gradient.values);
    this.step(mem, optimizer, t, lora.bPtr, rank, dim, this.loraState.b.ptrs, allRows, gradient.loraB.data);
    this.loraState.a.iterations = this.loraState.b.iterations = t;
  }

  /** One optimizer step (no regularizer, no constraint) on a rows × dim float32 table at `table`. */
  private step(mem: KernelMemory, optimizer: Optimizer, t: number, table: number, rows: number, dim: number, slots: number[], indices: Int32Array, values: Float32Array): void {
    const u = indices.length;
    const cap = nextPowerOfTwo(2 * u);
    const take = carve(mem.scratch(carvedSize(STEP_ARGS_BYTES, u * 4, u * dim * 4, cap * 8, u * 4, u * dim * 4)));
    const args = take(STEP_ARGS_BYTES);
    const inIds = take(u * 4), inValues = take(u * dim * 4), hash = take(cap * 8), ids = take(u * 4), grads = take(u * dim * 4);
    const k = mem.kernel;
    new Int32Array(k.memory.buffer, inIds, u).set(indices);
    new Float32Array(k.memory.buffer, inValues, u * dim).set(values);
    const distinct = k.sparseGradient(inIds, u, dim, inValues, hash, cap, ids, grads, 0, 0);
    writeStepArgs(k.memory, args, {
      kind: optimizer.kind, lazy: optimizer.mode === "lazy", table, rows, dim, slotA: slots[0] ?? 0, slotB: slots[1] ?? 0,
      ids, grads, count: distinct, hash, hashCapacity: cap, extra: 0, momentum: 0, epsilon: 0, alpha: 0, beta1: 0, beta2: 0, nesterov: false,
      ...optimizer.stepParameters(t), l1: 0, l2: 0, weightDecay: optimizer.weightDecay ?? 0,
    });
    k.optimizerStep(args);
  }

  getState(optimizer: Optimizer): OptimizerState | null {
    const mem = this.host.live();
    this.refuseLoraState();
    if (this.state === undefined || this.state.optimizer !== optimizer) return null;
    const count = this.host.inputDim * this.host.outputDim;
    const slots: Record<string, Float32Array> = {};
    optimizer.slots.forEach((slot, i) => {
      slots[slot.name] = new Float32Array(mem.kernel.memory.buffer, this.state!.ptrs[i]!, count).slice();
    });
    return { className: optimizer.className, iterations: this.state.iterations, slots };
  }

  setState(optimizer: Optimizer, saved: OptimizerState): void {
    const mem = this.host.live();
    this.refuseLoraState();
    const count = this.host.inputDim * this.host.outputDim;
    if (saved === null || typeof saved !== "object" || saved.className !== optimizer.className) {
      throw new ValueError(`This state was saved by ${show((saved as OptimizerState | null)?.className)}, not ${optimizer.className}.`);
    }
    if (!Number.isSafeInteger(saved.iterations) || saved.iterations < 0) {
      throw new ValueError(`state.iterations must be a non-negative integer. Received: ${show(saved.iterations)}`);
    }
    for (const slot of optimizer.slots) {
      const values = saved.slots?.[slot.name];
      if (!(values instanceof Float32Array) || values.length !== count) {
        throw new ValueError(`state.slots.${slot.name} must be a Float32Array of ${count} values (inputDim × outputDim).`);
      }
    }
    const state = this.slotsFor(optimizer, mem);
    optimizer.slots.forEach((slot, i) => new Float32Array(mem.kernel.memory.buffer, state.ptrs[i]!, count).set(saved.slots[slot.name]!));
    state.iterations = saved.iterations;
  }
}
