// Training one layer: the backward pass of its last lookup (a sparse gradient), optimizer steps on
// its table in WebAssembly, and the optimizer state kept beside the table. The layer delegates here.
//
// Every call is a transaction. It reads the caller's data once (copied into WebAssembly memory, or
// into JavaScript when the copy must outlive a change of layout), reads the optimizer's and the
// regularizer's parameters once, checks them and the copy, reserves every byte it will use (the
// optimizer's slots as one region, and the scratch of the step and of the constraint), and only
// then changes the table, the slots and the step count. User code that runs after that point (a
// constraint function or a custom Constraint) works on a table that is snapshotted first and
// restored if it throws; built-in constraints cannot fail once their scratch is reserved.
import { MaxNorm, MinMaxNorm, NonNeg, UnitNorm, type Constraint } from "./constraints.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import type { TableHandle } from "./core/memory.ts";
import { readGradient, readUpstream } from "./gradient-input.ts";
import { ownView, typedArrayName } from "./typed-arrays.ts";
import { STEP_ARGS_BYTES, OptimizerKind, writeStepArgs, type KernelExports } from "./core/kernel.ts";
import type { KernelMemory } from "./core/memory.ts";
import { planStep, type Optimizer, type OptimizerState, type StepPlan } from "./optimizers.ts";
import type { LoraGradient, SparseGradient } from "./sparse-gradient.ts";
import type { LoraAdapters } from "./lora.ts";
import { isSumsRegularizer, OrthogonalRegularizer, pairCoefficient, type Regularizer } from "./regularizers.ts";

/** What the trainer needs from its layer. */
export interface TrainingHost {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly trainable: boolean;
  readonly scaleGradByFreq: boolean;
  /** PyTorch's padding_idx: this row gets no gradient (absent or null: none). */
  readonly paddingIdx?: number | null;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  live(): KernelMemory;
  /** The shape of the last lookup whose indices are still in the index region, or null. */
  lastLookup(): readonly number[] | null;
  /** Called after the layout changed (the index region moved): earlier lookups cannot be differentiated. */
  forgetLookups(): void;
  tableTarget(mem: KernelMemory): TableHandle;
  /** Called after every optimizer step (and its constraint) changed the table. */
  tableChanged?(): void;
  /** The LoRA adapters when LoRA is on (then only they train), else null. */
  lora?(): LoraAdapters | null;
  /** Why the table cannot take optimizer steps (a quantized or 16-bit table), or null when it can. */
  frozenTable?(): string | null;
  /** The 16-bit dtype lookups return (a mixed or 16-bit policy), or null for float32 outputs. */
  computeDtype?(): "float16" | "bfloat16" | null;
}

interface SlotState {
  optimizer: Optimizer;
  className: string;
  names: string[];
  ptrs: number[];
  iterations: number;
}

/** A persistent region holding an optimizer's slots, one after the other. */
interface SlotRegion {
  ptr: number;
  bytes: number;
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(16, n)));
const align64 = (bytes: number) => Math.ceil(bytes / 64) * 64;
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const finiteInFloat32 = (v: unknown): v is number => typeof v === "number" && Number.isFinite(Math.fround(v));

/** Hands out consecutive 64-byte-aligned pieces of one scratch block. */
function carve(base: number): (bytes: number) => number {
  let at = base;
  return (bytes) => {
    const p = at;
    at += align64(bytes);
    return p;
  };
}
const carvedSize = (...bytes: number[]) => bytes.reduce((a, b) => a + align64(b), 0);

/** The built-in constraints: their code is ours, and with their scratch reserved they cannot throw. */
const BUILT_IN_CONSTRAINTS: readonly object[] = [MaxNorm.prototype, UnitNorm.prototype, MinMaxNorm.prototype, NonNeg.prototype];
function isBuiltInConstraint(c: Constraint): boolean {
  return BUILT_IN_CONSTRAINTS.includes(Object.getPrototypeOf(c) as object) && !Object.hasOwn(c, "applyTo") && !Object.hasOwn(c, "applyToRows");
}

/** The activity regularizer's part of `backward`, its parameters read once. */
type ActivityPlan =
  | { kind: "none" }
  | { kind: "sums"; l1: number; l2: number; batch: number }
  | { kind: "rows" | "columns"; coef: number };

/** The embeddings regularizer's part of a step, its parameters read once. */
interface PenaltyPlan {
  l1: number;
  l2: number;
  /** OrthogonalRegularizer: its mode and, for a variable of `rows` × `dim`, the coefficient of each pair's |cosine|. */
  orthogonal: { mode: "rows" | "columns"; coef(rows: number, dim: number): number } | null;
}

/** Scratch bytes of the orthogonal penalty's gradient kernels on a rows × dim variable. */
const orthogonalScratchBytes = (mode: "rows" | "columns", rows: number, dim: number): number => (mode === "rows" ? rows * 8 : dim * dim * 12 + dim * 16);

/**
 * Writes the orthogonal penalty's gradient of the rows × dim variable at `table` to `extra`: for the
 * `m` rows listed at `list` (a lazy step), or for every row (`list` 0, `m` = rows).
 */
function orthogonalGradient(k: KernelExports, orthogonal: NonNullable<PenaltyPlan["orthogonal"]>, table: number, rows: number, dim: number, list: number, m: number, work: number, extra: number): void {
  const coef = orthogonal.coef(rows, dim);
  if (orthogonal.mode === "rows") k.orthogonalRowsGradient(table, rows, dim, list, m, coef, work, extra);
  else k.orthogonalColumnsGradient(table, rows, dim, list, m, coef, work, work + dim * dim * 8, extra);
}

/** One adapter's part of a LoRA step: the variable, its slots and its gradient rows. */
interface AdapterStep {
  table: number;
  rows: number;
  dim: number;
  slots: number[];
  indices: Int32Array;
  values: Float32Array;
}

/** Scratch bytes `adapterStep` takes for `step`. */
function adapterStepBytes(plan: StepPlan, penalty: PenaltyPlan, step: AdapterStep): number {
  const u = step.indices.length;
  const orthogonal = penalty.orthogonal;
  const extraRows = orthogonal === null ? 0 : plan.lazy ? u : step.rows;
  const work = orthogonal === null ? 0 : orthogonalScratchBytes(orthogonal.mode, step.rows, step.dim);
  return carvedSize(STEP_ARGS_BYTES, u * 4, u * step.dim * 4, nextPowerOfTwo(2 * u) * 8, u * 4, u * step.dim * 4, extraRows * step.dim * 4, work);
}

/** Contents of the index and output regions, kept while a first step may still be rolled back. */
interface SavedLookupRegions {
  indices: Int32Array;
  output: Float32Array;
}

/** Copies of the table and slots, taken before user code that may throw runs on them. */
interface Snapshot {
  table: Float32Array;
  slots: Float32Array[];
}

export class Trainer {
  private state: SlotState | undefined;
  /** A slot region left by a first step that was rolled back, reused by the next first step. */
  private spare: SlotRegion | undefined;

  /** The adapters' optimizer slots (LoRA): one state for A, one for B, stepped together. */
  private loraState: { a: { optimizer: Optimizer; ptrs: number[]; iterations: number }; b: { optimizer: Optimizer; ptrs: number[]; iterations: number } } | undefined;

  constructor(private readonly host: TrainingHost) {}

  /** Drops the optimizer state (the layer moved to a new memory, or its trainable variables changed). */
  reset(): void {
    this.state = undefined;
    this.loraState = undefined;
    this.spare = undefined;
  }

  /** What the activity regularizer adds to the upstream gradient, its parameters read and checked once. */
  private activityPlan(shape: readonly number[], n: number): ActivityPlan {
    const reg = this.host.activityRegularizer;
    const dim = this.host.outputDim;
    if (reg === null) return { kind: "none" };
    // Keras divides the penalty by the output's first dimension (divide_no_nan: nothing for an empty batch).
    const batch = shape.length > 0 ? shape[0]! : dim;
    if (batch === 0) return { kind: "none" };
    if (isSumsRegularizer(reg)) {
      const [l1, l2] = reg.factors();
      if (typeof l1 !== "number" || !Number.isFinite(l1)) invalidArgument("the activity regularizer's l1", "a finite number", l1);
      if (typeof l2 !== "number" || !Number.isFinite(l2)) invalidArgument("the activity regularizer's l2", "a finite number", l2);
      return { kind: "sums", l1, l2, batch };
    }
    if (reg instanceof OrthogonalRegularizer) {
      const mode = reg.mode;
      if (mode !== "rows" && mode !== "columns") invalidArgument("the activity regularizer's mode", '"rows" or "columns"', mode);
      // The output is (n, dim) (its rank was checked by the lookup); the penalty's exact gradient.
      const coef = reg.pairCoefficient([n, dim]) / batch;
      return { kind: mode, coef };
    }
    throw new ValueError(`backward() cannot differentiate the activity regularizer ${reg.className}; use L1, L2, L1L2 or OrthogonalRegularizer.`);
  }

  backward(dOutput: unknown): SparseGradient | LoraGradient | null {
    return this.differentiate(dOutput);
  }

  private differentiate(dOutput: unknown): SparseGradient | LoraGradient | null {
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
    const n = product(shape);
    const size = n * dim;
    let upstream = readUpstream(dOutput, [...shape, dim]);
    // Reading dOutput may have run the caller's getters: they must not have replaced the lookup or disposed the layer.
    if (host.lastLookup() !== shape || host.live() !== mem) {
      throw new ValueError("backward(): the layer was used while dOutput was being read (by a getter of dOutput); the lookup to differentiate changed.");
    }
    if (!host.trainable) return null;
    const lora = host.lora?.() ?? null;
    // Keras' quantized variables are not trainable: without adapters nothing has a gradient.
    if (lora === null && host.frozenTable?.()?.startsWith("quantized")) return null;
    const activity = this.activityPlan(shape, n);
    // A view of this layer's own memory would be detached when the scratch below grows it.
    if (upstream.buffer === mem.memory.buffer) upstream = upstream.slice();
    const cap = nextPowerOfTwo(2 * n);
    const activityBytes =
      activity.kind === "rows" ? [n * 8, size * 4] : activity.kind === "columns" ? [dim * dim * 8, dim * dim * 4 + dim * 16, size * 4] : [];
    // The upstream gradient is staged in scratch, never in the output region: the lookup's output
    // (which the activity gradient reads, and a lookupBuffer view shows) stays as it was, so
    // backward can be repeated.
    const used = carvedSize(size * 4, cap * 8, n * 4, size * 4, n * 4, ...activityBytes);
    const take = carve(mem.scratch(used));
    const staged = take(size * 4), hash = take(cap * 8), ids = take(n * 4), grads = take(size * 4), counts = take(n * 4);
    const k = mem.kernel;
    const stagedView = new Float32Array(k.memory.buffer, staged, size);
    stagedView.set(upstream);
    // Outputs in a 16-bit compute dtype get their gradient in it: Keras' upstream gradient is a
    // tensor of that dtype (repeated rows then add up in float32, as XLA's scatter does).
    const compute = host.computeDtype?.() ?? null;
    if (compute === "float16") k.narrowToFloat16(staged, size);
    else if (compute === "bfloat16") k.narrowToBfloat16(staged, size);
    if (activity.kind === "sums") {
      const { l1, l2, batch } = activity;
      const y = mem.output();
      // d/dy of l1·|y| + l2·y², divided by the batch (rounded to float32 as the kernel's sum would be).
      for (let i = 0; i < size; i++) stagedView[i]! += Math.fround((l1 * Math.sign(y[i]!) + 2 * l2 * y[i]!) / batch);
    } else if (activity.kind !== "none") {
      let out: number;
      if (activity.kind === "rows") {
        const norms = take(n * 8);
        out = take(size * 4);
        k.orthogonalRowsGradient(mem.outputPtr, n, dim, 0, n, activity.coef, norms, out);
      } else {
        const gram = take(dim * dim * 8), aux = take(dim * dim * 4 + dim * 16);
        out = take(size * 4);
        k.orthogonalColumnsGradient(mem.outputPtr, n, dim, 0, n, activity.coef, gram, aux, out);
      }
      const extra = new Float32Array(k.memory.buffer, out, size);
      for (let i = 0; i < size; i++) stagedView[i]! += extra[i]!;
    }
    const u = k.sparseGradient(mem.indexPtr, n, dim, staged, hash, cap, ids, grads, counts, host.scaleGradByFreq ? 1 : 0);
    if (lora !== null) {
      // With LoRA on only the adapters train: A's rows (those looked up) and all of B.
      const rank = lora.rank;
      const adapters = carve(mem.scratch(used + carvedSize(u * rank * 4, rank * dim * 4)) + used);
      const gradA = adapters(u * rank * 4), gradB = adapters(rank * dim * 4);
      k.loraGradients(ids, u, grads, dim, lora.aPtr, lora.bPtr, rank, lora.factor, gradA, gradB);
      const buf = k.memory.buffer;
      return {
        indices: new Int32Array(buf, ids, u).slice(),
        values: new Float32Array(buf, gradA, u * rank).slice(),
        shape: [u, rank],
        denseShape: [host.inputDim, rank],
        loraB: { data: new Float32Array(buf, gradB, rank * dim).slice(), shape: [rank, dim] },
      };
    }
    const buffer = k.memory.buffer;
    let indices = new Int32Array(buffer, ids, u).slice();
    let values = new Float32Array(buffer, grads, u * dim).slice();
    // PyTorch's padding_idx: the padding row's gradient is zero, so it is left out of the sparse gradient.
    const padding = host.paddingIdx === undefined || host.paddingIdx === null ? -1 : indices.indexOf(host.paddingIdx);
    if (padding >= 0) {
      values.copyWithin(padding * dim, (padding + 1) * dim);
      indices.copyWithin(padding, padding + 1);
      indices = indices.slice(0, u - 1);
      values = values.slice(0, (u - 1) * dim);
    }
    return { indices, values, shape: [indices.length, dim], denseShape: [host.inputDim, dim] };
  }

  /** The embeddings regularizer's gradient parameters, read once and checked for float32. */
  private penaltyPlan(): PenaltyPlan {
    const reg = this.host.embeddingsRegularizer;
    if (reg === null) return { l1: 0, l2: 0, orthogonal: null };
    const float32 = (name: string, value: unknown): number => {
      if (!finiteInFloat32(value)) {
        throw new ValueError(
          `The embeddings regularizer's ${name} must be finite in float32 (at most 3.4e38): an optimizer step applies it to float32 weights. Received: ${name}=${show(value)}`,
        );
      }
      return value;
    };
    if (isSumsRegularizer(reg)) {
      const [l1, l2] = reg.factors();
      float32("l1", l1);
      // The kernel multiplies the weights by 2·l2 in float32.
      float32("l2", l2);
      float32("2 × l2", 2 * l2);
      return { l1, l2, orthogonal: null };
    }
    if (reg instanceof OrthogonalRegularizer) {
      const mode = reg.mode;
      if (mode !== "rows" && mode !== "columns") invalidArgument("the embeddings regularizer's mode", '"rows" or "columns"', mode);
      float32("factor", reg.factor);
      const f = reg.float32Factor;
      return { l1: 0, l2: 0, orthogonal: { mode, coef: (r, d) => pairCoefficient(f, mode === "rows" ? r : d) } };
    }
    throw new ValueError(`An optimizer step cannot differentiate the embeddings regularizer ${reg.className}; use L1, L2, L1L2 or OrthogonalRegularizer.`);
  }

  /** Throws unless `optimizer` may train this layer (one optimizer per layer). */
  private checkOwner(optimizer: Optimizer): void {
    if (this.state !== undefined && this.state.optimizer !== optimizer) {
      throw new ValueError(
        `Layer "${this.host.name}" is already trained by another optimizer (${this.state.className}); use one optimizer per layer.`,
      );
    }
  }

  /**
   * The region for `plan`'s slots on a first step: a spare one left by a rolled-back first step, or
   * one new persistent region for all of them (all or nothing), reserved together with `scratchAfter`.
   */
  private slotRegion(mem: KernelMemory, plan: StepPlan, scratchAfter: number): SlotRegion {
    const bytes = align64(this.host.inputDim * this.host.outputDim * 4) * plan.slots.length;
    if (bytes === 0) return { ptr: 0, bytes: 0 };
    if (this.spare !== undefined && this.spare.bytes >= bytes) return this.spare;
    const what = `${plan.className}'s ${plan.slots.map((s) => s.name).join(" and ")} slot${plan.slots.length > 1 ? "s" : ""}`;
    return { ptr: mem.persistent(bytes, what, scratchAfter), bytes };
  }

  /** Sets every slot of a region just taken to its initial value. */
  private initializeSlots(mem: KernelMemory, plan: StepPlan, ptrs: readonly number[], zeroed: boolean): void {
    const count = this.host.inputDim * this.host.outputDim;
    plan.slots.forEach((slot, i) => {
      if (slot.initial !== 0 || !zeroed) mem.kernel.fillF32(ptrs[i]!, count, slot.initial);
    });
  }

  private slotPointers(region: SlotRegion, slots: number): number[] {
    const stride = align64(this.host.inputDim * this.host.outputDim * 4);
    return Array.from({ length: slots }, (_, i) => region.ptr + i * stride);
  }

  apply(gradient: SparseGradient, optimizer: Optimizer): void {
    this.step(gradient, optimizer);
  }

  private step(gradient: SparseGradient, optimizer: Optimizer): void {
    const host = this.host;
    const mem = host.live();
    if (!host.trainable) throw new ValueError(`Layer "${host.name}" is not trainable (trainable: false); its table cannot be updated.`);
    const lora = host.lora?.() ?? null;
    if (lora !== null) return this.applyLora(gradient as LoraGradient, optimizer, mem, lora);
    const frozen = host.frozenTable?.() ?? null;
    if (frozen !== null) throw new ValueError(`Layer "${host.name}" has ${frozen}, which optimizers do not update; enableLora(rank) fine-tunes it through adapters.`);
    this.checkOwner(optimizer);
    const state = this.state;
    const first = state === undefined;
    const t = (state?.iterations ?? 0) + 1;
    if (!Number.isSafeInteger(t)) throw new ValueError(`Layer "${host.name}" has taken ${t - 1} optimizer steps, the most a step count can hold.`);
    // 1. Read everything the step depends on, once: the optimizer, the gradient, the regularizer.
    const plan = planStep(optimizer, t);
    let source = readGradient(gradient, host.outputDim);
    const penalty = this.penaltyPlan();
    // The reads above may have run caller code (getters): the layer must still be alive.
    if (host.live() !== mem) throw new ValueError(`Layer "${host.name}" changed while applyGradients() read its arguments.`);
    const constraint = host.embeddingsConstraint;
    const userConstraint = constraint !== null && !isBuiltInConstraint(constraint);
    const { inputDim: rows, outputDim: dim } = host;
    const { lazy } = plan;
    const u = source.count;
    const cap = nextPowerOfTwo(2 * u);
    const orthogonal = penalty.orthogonal;
    const extraRows = orthogonal === null ? 0 : lazy ? u : rows;
    const orthoScratch = orthogonal === null ? 0 : orthogonalScratchBytes(orthogonal.mode, rows, dim);
    const stepBytes = carvedSize(STEP_ARGS_BYTES, u * 4, u * dim * 4, cap * 8, u * 4, u * dim * 4, extraRows * dim * 4, orthoScratch);
    // A built-in per-column constraint takes dim × 12 bytes of scratch (constraints.ts): reserved here, so it cannot fail later.
    const scratchBytes = Math.max(stepBytes, constraint !== null && !userConstraint ? dim * 12 : 0);
    // 2. A first step moves the lookup regions and the scratch (the slots go before them), and views
    // of this layer's own memory are detached by growth: then the gradient is copied and checked in
    // JavaScript before anything is reserved.
    const ownMemory = source.indices.buffer === mem.memory.buffer || source.values.buffer === mem.memory.buffer;
    if (first || ownMemory) {
      const indices = new Int32Array(u);
      indices.set(source.indices);
      const values = new Float32Array(u * dim);
      values.set(source.values);
      source = { indices, values, count: u };
      for (let i = 0; i < u; i++) {
        const r = indices[i]!;
        if (r < 0 || r >= rows) throw new RangeError(`gradient.indices[${i}] = ${r} is not in [0, ${rows})`);
      }
    }
    // 3. Reserve: the slots (first step) and the scratch, together.
    const saved = first && userConstraint ? this.saveLookupRegions(mem) : undefined;
    const region = first ? this.slotRegion(mem, plan, scratchBytes) : undefined;
    const fresh = region !== undefined && region !== this.spare;
    // Grows memory only when no new region was reserved with it; a failure then has changed nothing.
    const take = carve(mem.scratch(scratchBytes));
    const k = mem.kernel;
    const args = take(STEP_ARGS_BYTES);
    const inIds = take(u * 4), inValues = take(u * dim * 4), hash = take(cap * 8), ids = take(u * 4), grads = take(u * dim * 4);
    const extra = extraRows > 0 ? take(extraRows * dim * 4) : 0;
    const work = orthoScratch > 0 ? take(orthoScratch) : 0;
    // 4. Copy the caller's data (its only read), and check the copy.
    new Int32Array(k.memory.buffer, inIds, u).set(source.indices);
    new Float32Array(k.memory.buffer, inValues, u * dim).set(source.values);
    const bad = k.firstOutOfRange(inIds, u, rows);
    if (bad < u) {
      if (fresh && region.bytes > 0) this.spare = region;
      throw new RangeError(`gradient.indices[${bad}] = ${new Int32Array(k.memory.buffer, inIds, u)[bad]} is not in [0, ${rows})`);
    }
    // 5. Mutate.
    const ptrs = region !== undefined ? this.slotPointers(region, plan.slots.length) : state!.ptrs;
    if (region !== undefined) this.initializeSlots(mem, plan, ptrs, fresh);
    // The table this trainer steps: the layer's own, or (untied reverse embeddings) another region.
    const tablePtr = host.tableTarget(mem).ptr;
    const snapshot = userConstraint ? this.snapshot(mem, first ? [] : ptrs) : undefined;
    // Merges duplicate ids (a hand-made gradient may repeat rows) and builds the row → slot hash.
    const distinct = k.sparseGradient(inIds, u, dim, inValues, hash, cap, ids, grads, 0, 0);
    if (orthogonal !== null) orthogonalGradient(k, orthogonal, tablePtr, rows, dim, lazy ? ids : 0, lazy ? distinct : rows, work, extra);
    writeStepArgs(k.memory, args, {
      kind: plan.kind, lazy, table: tablePtr, rows, dim, slotA: ptrs[0] ?? 0, slotB: ptrs[1] ?? 0,
      ids, grads, count: distinct, hash, hashCapacity: cap, extra, ...plan.parameters,
      l1: penalty.l1, l2: penalty.l2, weightDecay: plan.weightDecay,
    });
    k.optimizerStep(args);
    host.tableChanged?.();
    // Keras applies the constraint after every step. A lazy step changed only the listed rows, so a
    // per-row constraint needs only those; axis-0 (per-column) constraints see the whole table.
    if (constraint !== null) {
      try {
        const target = host.tableTarget(mem);
        if (!(lazy && constraint.applyToRows?.(target, ids, distinct))) constraint.applyTo(target);
      } catch (error) {
        this.restore(mem, snapshot, first ? [] : ptrs);
        if (first) {
          if (region !== undefined && region.bytes > 0) this.spare = region;
          if (saved !== undefined) this.restoreLookupRegions(mem, saved);
        }
        throw error;
      } finally {
        host.tableChanged?.();
      }
    }
    // 6. Commit.
    if (first) {
      if (region === this.spare) this.spare = undefined;
      this.state = { optimizer, className: plan.className, names: plan.slots.map((s) => s.name), ptrs, iterations: t };
      host.forgetLookups();
    } else {
      state.iterations = t;
    }
  }

  /** Copies of the index and output regions (a first step moves them; a rollback puts them back). */
  private saveLookupRegions(mem: KernelMemory): SavedLookupRegions {
    return { indices: mem.indices().slice(), output: mem.output().slice() };
  }

  private restoreLookupRegions(mem: KernelMemory, saved: SavedLookupRegions): void {
    const indices = mem.indices();
    const output = mem.output();
    indices.set(saved.indices.subarray(0, Math.min(indices.length, saved.indices.length)));
    output.set(saved.output.subarray(0, Math.min(output.length, saved.output.length)));
    const shape = this.host.lastLookup();
    // Only when the slots left less room than the last lookup took (a table close to 4 GiB).
    if (shape !== null && product(shape) > mem.capacity) this.host.forgetLookups();
  }

  private snapshot(mem: KernelMemory, slotPtrs: readonly number[]): Snapshot {
    const count = this.host.inputDim * this.host.outputDim;
    const buffer = mem.kernel.memory.buffer;
    const table = new Float32Array(buffer, this.host.tableTarget(mem).ptr, count);
    return { table: table.slice(), slots: slotPtrs.map((p) => new Float32Array(buffer, p, count).slice()) };
  }

  private restore(mem: KernelMemory, snapshot: Snapshot | undefined, slotPtrs: readonly number[]): void {
    if (snapshot === undefined) return;
    const count = this.host.inputDim * this.host.outputDim;
    new Float32Array(mem.kernel.memory.buffer, this.host.tableTarget(mem).ptr, count).set(snapshot.table);
    slotPtrs.forEach((p, i) => new Float32Array(mem.kernel.memory.buffer, p, count).set(snapshot.slots[i]!));
  }

  private refuseLoraState(): void {
    if (this.host.lora?.()) {
      throw new ValueError(`Layer "${this.host.name}" has LoRA on; saving and restoring the optimizer state of its adapters is not supported.`);
    }
  }

  /**
   * One optimizer step on the adapters: A's rows in the gradient (or all, in dense mode), and all of
   * B. The gradient is read once and checked before anything is allocated or written.
   */
  private applyLora(gradient: LoraGradient, optimizer: Optimizer, mem: KernelMemory, lora: LoraAdapters): void {
    const { inputDim, outputDim: dim, name } = this.host;
    const rank = lora.rank;
    const g = gradient as Partial<LoraGradient> | null;
    const indices = g?.indices, values = g?.values, loraB = g?.loraB?.data;
    if (!(indices instanceof Int32Array) || !(values instanceof Float32Array) || !(loraB instanceof Float32Array)) {
      throw new ValueError(
        `Layer "${name}" has LoRA on: its gradient must be { indices: Int32Array, values: Float32Array, loraB: { data: Float32Array } } as backward() returns it. Received: ${show(gradient)}`,
      );
    }
    const ids = indices.slice(), rowsA = values.slice(), rowsB = loraB.slice();
    const u = ids.length;
    if (rowsA.length !== u * rank) {
      throw new ValueError(`gradient.values must have indices.length × rank = ${u} × ${rank} = ${u * rank} values (LoRA's lora_embeddings_a rows). Received: ${rowsA.length}`);
    }
    if (rowsB.length !== rank * dim) {
      throw new ValueError(`gradient.loraB.data must have rank × outputDim = ${rank} × ${dim} = ${rank * dim} values. Received: ${rowsB.length}`);
    }
    for (let k = 0; k < u; k++) {
      const r = ids[k]!;
      if (r < 0 || r >= inputDim) throw new RangeError(`gradient.indices[${k}] = ${r} is not in [0, ${inputDim})`);
    }
    if (this.loraState !== undefined && this.loraState.a.optimizer !== optimizer) {
      throw new ValueError(`Layer "${name}" is already trained by another optimizer (${this.loraState.a.optimizer.className}); use one optimizer per layer.`);
    }
    const t = (this.loraState?.a.iterations ?? 0) + 1;
    const plan = planStep(optimizer, t);
    // Keras gives both adapters the embeddings regularizer (add_weight in enable_lora).
    const penalty = this.penaltyPlan();
    if (this.host.live() !== mem) throw new ValueError(`Layer "${name}" changed while applyGradients() read its arguments.`);
    if (this.loraState === undefined) {
      // Both adapters' slots in one region: all or nothing.
      const countA = inputDim * rank, countB = rank * dim, n = plan.slots.length;
      const base = mem.persistent((countA + countB) * 4 * n, `${plan.className}'s slots for the LoRA adapters`);
      const a = plan.slots.map((_, i) => base + i * countA * 4);
      const b = plan.slots.map((_, i) => base + n * countA * 4 + i * countB * 4);
      plan.slots.forEach((slot, i) => {
        if (slot.initial !== 0) {
          mem.kernel.fillF32(a[i]!, countA, slot.initial);
          mem.kernel.fillF32(b[i]!, countB, slot.initial);
        }
      });
      this.host.forgetLookups();
      this.loraState = { a: { optimizer, ptrs: a, iterations: 0 }, b: { optimizer, ptrs: b, iterations: 0 } };
    }
    const allRows = Int32Array.from({ length: rank }, (_, k) => k);
    const stepA = { table: lora.aPtr, rows: inputDim, dim: rank, slots: this.loraState.a.ptrs, indices: ids, values: rowsA };
    const stepB = { table: lora.bPtr, rows: rank, dim, slots: this.loraState.b.ptrs, indices: allRows, values: rowsB };
    // The scratch of both steps, reserved before either writes: B's cannot fail after A's is taken.
    mem.scratch(Math.max(adapterStepBytes(plan, penalty, stepA), adapterStepBytes(plan, penalty, stepB)));
    this.adapterStep(mem, plan, penalty, stepA);
    this.adapterStep(mem, plan, penalty, stepB);
    this.loraState.a.iterations = this.loraState.b.iterations = t;
  }

  /** One optimizer step on an adapter (a rows × dim float32 variable), with the regularizer's gradient and no constraint. */
  private adapterStep(mem: KernelMemory, plan: StepPlan, penalty: PenaltyPlan, step: AdapterStep): void {
    const { table, rows, dim, slots, indices, values } = step;
    const u = indices.length;
    const cap = nextPowerOfTwo(2 * u);
    const { orthogonal } = penalty;
    const extraRows = orthogonal === null ? 0 : plan.lazy ? u : rows;
    const take = carve(mem.scratch(adapterStepBytes(plan, penalty, step)));
    const args = take(STEP_ARGS_BYTES);
    const inIds = take(u * 4), inValues = take(u * dim * 4), hash = take(cap * 8), ids = take(u * 4), grads = take(u * dim * 4);
    const extra = extraRows > 0 ? take(extraRows * dim * 4) : 0;
    const work = orthogonal !== null ? take(orthogonalScratchBytes(orthogonal.mode, rows, dim)) : 0;
    const k = mem.kernel;
    new Int32Array(k.memory.buffer, inIds, u).set(indices);
    new Float32Array(k.memory.buffer, inValues, u * dim).set(values);
    const distinct = k.sparseGradient(inIds, u, dim, inValues, hash, cap, ids, grads, 0, 0);
    if (orthogonal !== null) orthogonalGradient(k, orthogonal, table, rows, dim, plan.lazy ? ids : 0, plan.lazy ? distinct : rows, work, extra);
    writeStepArgs(k.memory, args, {
      kind: plan.kind, lazy: plan.lazy, table, rows, dim, slotA: slots[0] ?? 0, slotB: slots[1] ?? 0,
      ids, grads, count: distinct, hash, hashCapacity: cap, extra, ...plan.parameters, l1: penalty.l1, l2: penalty.l2, weightDecay: plan.weightDecay,
    });
    k.optimizerStep(args);
  }

  getState(optimizer: Optimizer): OptimizerState | null {
    this.refuseLoraState();
    const mem = this.host.live();
    const state = this.state;
    if (state === undefined || state.optimizer !== optimizer) return null;
    const count = this.host.inputDim * this.host.outputDim;
    const slots: Record<string, Float32Array> = {};
    state.names.forEach((name, i) => {
      slots[name] = new Float32Array(mem.kernel.memory.buffer, state.ptrs[i]!, count).slice();
    });
    return { className: state.className, iterations: state.iterations, slots };
  }

  setState(optimizer: Optimizer, saved: OptimizerState): void {
    this.refuseLoraState();
    this.restoreState(optimizer, saved);
  }

  private restoreState(optimizer: Optimizer, saved: OptimizerState): void {
    const host = this.host;
    const mem = host.live();
    const count = host.inputDim * host.outputDim;
    const plan = planStep(optimizer, 1);
    if (saved === null || typeof saved !== "object") invalidArgument("state", "an object { className, iterations, slots } from getOptimizerState", saved);
    const { className, iterations, slots } = saved as { className: unknown; iterations: unknown; slots: unknown };
    if (className !== plan.className) throw new ValueError(`This state was saved by ${show(className)}, not ${plan.className}.`);
    if (typeof iterations !== "number" || !Number.isSafeInteger(iterations) || iterations < 0) {
      throw new ValueError(`state.iterations must be a non-negative integer. Received: ${show(iterations)}`);
    }
    this.checkOwner(optimizer);
    if (slots === null || typeof slots !== "object") invalidArgument("state.slots", "an object of Float32Array slot tables", slots);
    // Each slot is copied once, then the copy is checked: Adagrad's accumulator and Adam's velocity
    // are sums and averages of squares (≥ 0, or √ gives NaN); every slot must be finite.
    const copies = plan.slots.map((slot, i) => {
      const values: unknown = (slots as Record<string, unknown>)[slot.name];
      const name = `state.slots.${slot.name}`;
      if (typedArrayName(values) !== "Float32Array") {
        throw new ValueError(`${name} must be a Float32Array of ${count} values (inputDim × outputDim). Received: ${show(values)}`);
      }
      const view = ownView(name, values, "Float32Array");
      if (view.length !== count) throw new ValueError(`${name} must be a Float32Array of ${count} values (inputDim × outputDim). Received: ${view.length} values`);
      const copy = new Float32Array(count);
      copy.set(view);
      const squares = (plan.kind === OptimizerKind.ADAGRAD && i === 0) || (plan.kind === OptimizerKind.ADAM && i === 1);
      for (let j = 0; j < count; j++) {
        const v = copy[j]!;
        if (!Number.isFinite(v) || (squares && v < 0)) {
          throw new ValueError(`${name}[${j}] = ${v} is not a valid ${slot.name}: expected a finite number${squares ? " ≥ 0" : ""}.`);
        }
      }
      return copy;
    });
    const region = this.state === undefined ? this.slotRegion(mem, plan, 0) : undefined;
    const ptrs = region !== undefined ? this.slotPointers(region, plan.slots.length) : this.state!.ptrs;
    copies.forEach((copy, i) => new Float32Array(mem.kernel.memory.buffer, ptrs[i]!, count).set(copy));
    if (this.state === undefined) {
      if (region === this.spare) this.spare = undefined;
      this.state = { optimizer, className: plan.className, names: plan.slots.map((s) => s.name), ptrs, iterations };
      host.forgetLookups();
    } else {
      this.state.iterations = iterations;
    }
  }
}
