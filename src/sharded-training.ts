// Optimizer steps on a table split into row-range shards (src/core/shards.ts). Each shard has a
// Trainer of its own, stepping its rows with its own optimizer slots in its own memory; a step
// partitions the sparse gradient by shard and steps every shard (also those the gradient does not
// reach: dense optimizers update every row, and every shard counts the step). The constraint runs
// after all shards stepped, across them (axis-0 column norms need every shard's rows). Lookups and
// `backward` run in the layer's home memory, unchanged.
import type { Constraint } from "./constraints.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { tableHandle } from "./core/memory.ts";
import type { ShardedTable } from "./core/shards.ts";
import { readGradient } from "./gradient-input.ts";
import { planStep, type Optimizer, type OptimizerState } from "./optimizers.ts";
import type { Regularizer } from "./regularizers.ts";
import type { SparseGradient } from "./sparse-gradient.ts";
import { Trainer } from "./training.ts";
import { typedArrayName, ownView } from "./typed-arrays.ts";

/** What the sharded trainer needs from its layer. */
export interface ShardedTrainingHost {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly trainable: boolean;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  /** Throws when the layer was disposed. */
  live(): void;
  /** Called when a first step is taken: earlier lookups cannot be differentiated (as with one memory). */
  forgetLookups(): void;
  tableChanged(): void;
}

export class ShardedTrainer {
  private readonly trainers: Trainer[];
  /** The optimizer that took the first step, or undefined before it. */
  private owner: Optimizer | undefined;

  constructor(private readonly host: ShardedTrainingHost, private readonly table: ShardedTable) {
    this.trainers = table.shards.map(
      (shard, s) =>
        new Trainer({
          name: host.name,
          inputDim: shard.rows,
          outputDim: host.outputDim,
          trainable: host.trainable,
          scaleGradByFreq: false,
          embeddingsRegularizer: host.embeddingsRegularizer,
          activityRegularizer: null,
          // Applied across all shards once every shard has stepped.
          embeddingsConstraint: null,
          live: () => {
            host.live();
            return table.shards[s]!;
          },
          lastLookup: () => null,
          forgetLookups: () => host.forgetLookups(),
          tableTarget: (mem) => tableHandle(mem, [mem.rows, host.outputDim]),
        }),
    );
  }

  /** Drops every shard's optimizer state. */
  reset(): void {
    for (const trainer of this.trainers) trainer.reset();
    this.owner = undefined;
  }

  /**
   * One optimizer step: the gradient is read and checked whole before any shard changes; then each
   * shard steps its rows (local ids, the gradient's order kept, so repeated rows sum in the same
   * order as in one memory), and the constraint is applied as one memory would apply it.
   */
  apply(gradient: SparseGradient, optimizer: Optimizer): void {
    const { host, table } = this;
    if (!host.trainable) throw new ValueError(`Layer "${host.name}" is not trainable (trainable: false); its table cannot be updated.`);
    if (this.owner !== undefined && this.owner !== optimizer) {
      throw new ValueError(`Layer "${host.name}" is already trained by another optimizer (${this.owner.className}); use one optimizer per layer.`);
    }
    const dim = host.outputDim;
    const source = readGradient(gradient, dim);
    const lazy = planStep(optimizer, 1).lazy;
    const u = source.count;
    const ids = source.indices.slice();
    const values = source.values.slice();
    for (let i = 0; i < u; i++) {
      const r = ids[i]!;
      if (r < 0 || r >= host.inputDim) throw new RangeError(`gradient.indices[${i}] = ${r} is not in [0, ${host.inputDim})`);
    }
    // Partition: positions of each shard, in the gradient's order.
    const per = table.rowsPerShard;
    const counts = new Int32Array(table.shards.length);
    for (let i = 0; i < u; i++) counts[Math.floor(ids[i]! / per)]!++;
    const parts = table.shards.map((_, s) => ({ indices: new Int32Array(counts[s]!), values: new Float32Array(counts[s]! * dim), rows: new Set<number>() }));
    const filled = new Int32Array(table.shards.length);
    for (let i = 0; i < u; i++) {
      const s = Math.floor(ids[i]! / per);
      const part = parts[s]!;
      const at = filled[s]!++;
      const local = ids[i]! - s * per;
      part.indices[at] = local;
      part.rows.add(local);
      part.values.set(values.subarray(i * dim, (i + 1) * dim), at * dim);
    }
    this.trainers.forEach((trainer, s) => {
      const part = parts[s]!;
      const rows = table.shards[s]!.rows;
      trainer.apply({ indices: part.indices, values: part.values, shape: [part.indices.length, dim], denseShape: [rows, dim] }, optimizer);
    });
    this.owner = optimizer;
    host.tableChanged();
    const constraint = host.embeddingsConstraint;
    if (constraint === null) return;
    // As one memory: a lazy step constrains only the rows it changed when the constraint acts row by
    // row; otherwise (a dense step, an axis-0 constraint) the whole table.
    let rowWise = lazy;
    if (lazy) {
      table.shards.forEach((shard, s) => {
        const list = [...parts[s]!.rows];
        if (!rowWise) return;
        const handle = table.handle(s);
        const at = handle.scratch(list.length * 4);
        new Int32Array(shard.memory.buffer, at, list.length).set(list);
        if (!constraint.applyToRows?.(handle, at, list.length)) rowWise = false;
      });
    }
    if (!rowWise) constraint.applyToShards!(table.handles());
    host.tableChanged();
  }

  /** The optimizer's state: every shard's slots joined in row order, or null before its first step. */
  getState(optimizer: Optimizer): OptimizerState | null {
    const states = this.trainers.map((trainer) => trainer.getState(optimizer));
    const first = states[0];
    if (first === null || first === undefined) return null;
    const count = this.host.inputDim * this.host.outputDim;
    const slots: Record<string, Float32Array> = {};
    for (const name of Object.keys(first.slots)) {
      const joined = new Float32Array(count);
      states.forEach((state, s) => joined.set(state!.slots[name]!, this.table.start(s) * this.host.outputDim));
      slots[name] = joined;
    }
    return { className: first.className, iterations: first.iterations, slots };
  }

  /**
   * Restores a state saved by `getState` (or by a layer in one memory: the same form). Sizes are
   * checked whole first; when a shard refuses its part (a value that is not a valid slot value),
   * the shards already restored get their earlier state back.
   */
  setState(optimizer: Optimizer, saved: OptimizerState): void {
    const count = this.host.inputDim * this.host.outputDim;
    if (saved === null || typeof saved !== "object") invalidArgument("state", "an object { className, iterations, slots } from getOptimizerState", saved);
    const { className, iterations, slots } = saved as { className: unknown; iterations: unknown; slots: unknown };
    if (slots === null || typeof slots !== "object") invalidArgument("state.slots", "an object of Float32Array slot tables", slots);
    const plan = planStep(optimizer, 1);
    const whole: Record<string, Float32Array> = {};
    for (const slot of plan.slots) {
      const name = `state.slots.${slot.name}`;
      const values: unknown = (slots as Record<string, unknown>)[slot.name];
      if (typedArrayName(values) !== "Float32Array") throw new ValueError(`${name} must be a Float32Array of ${count} values (inputDim × outputDim). Received: ${show(values)}`);
      const view = ownView(name, values, "Float32Array");
      if (view.length !== count) throw new ValueError(`${name} must be a Float32Array of ${count} values (inputDim × outputDim). Received: ${view.length} values`);
      whole[slot.name] = view.slice();
    }
    const before = this.trainers.map((trainer) => trainer.getState(optimizer));
    const dim = this.host.outputDim;
    let done = 0;
    try {
      for (; done < this.trainers.length; done++) {
        const start = this.table.start(done) * dim;
        const end = start + this.table.shards[done]!.rows * dim;
        const part: Record<string, Float32Array> = {};
        for (const name of Object.keys(whole)) part[name] = whole[name]!.subarray(start, end);
        this.trainers[done]!.setState(optimizer, { className: className as string, iterations: iterations as number, slots: part });
      }
    } catch (error) {
      for (let s = 0; s < done; s++) {
        const earlier = before[s];
        if (earlier === null || earlier === undefined) this.trainers[s]!.reset();
        else this.trainers[s]!.setState(optimizer, earlier);
      }
      throw error;
    }
    this.owner = optimizer;
  }
}
