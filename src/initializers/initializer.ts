// What every initializer is, and the pieces they share: element counts, seeds, and running a
// kernel fill outside a layer.
import { ValueError, show } from "../errors.ts";
import type { Config, Serializable } from "../serialization.ts";
import { standaloneTable, type TableHandle } from "../core/memory.ts";
import { float32Number } from "../validate.ts";
import { freshCopy } from "../core/fresh.ts";

export { count } from "../shapes.ts";
export type { TableHandle };

/** An initializer: fills a table of `shape`, and serializes. */
export interface Initializer extends Serializable {
  /** Fills the table in place, in WebAssembly memory. */
  fill(target: TableHandle): void;
  /**
   * Optional: the same as `fill`, in steps that each do a bounded amount of work, yielding the
   * fraction done after each (for `Embedding.create`, which yields to the event loop between steps).
   */
  fillInSteps?(target: TableHandle): Iterator<number, void, undefined>;
  /** A fresh row-major table of `shape`. */
  apply(shape: readonly number[]): Float32Array;
}

/** `apply` for initializers: fill a table in a memory of its own and copy it out. */
export function applyViaFill(init: Initializer, shape: readonly number[]): Float32Array {
  const target = standaloneTable(shape);
  init.fill(target);
  return freshCopy(target.view());
}

/** A Keras seed as the two 32-bit halves of its 64-bit two's complement. */
export function seedWords(seed: number): [number, number] {
  const s = BigInt.asUintN(64, BigInt(seed));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** Keras' default seed for an unseeded initializer: drawn once, at construction, in [1, 1e9]. */
export function drawSeed(): number {
  return 1 + Math.floor(Math.random() * 1e9);
}

/** The seed argument as Keras checks it (an integer or null), with Keras' message. */
export function checkSeed(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new ValueError(`\`seed\` argument should be an integer. Received: seed=${show(value)}`);
  }
  return value;
}

/** A number argument: finite and within float32's range, with the default when undefined or null. */
export function numberArg(name: string, value: unknown, fallback: number): number {
  return float32Number(name, value, fallback);
}

/** Shared base of the seeded initializers: the seed given (or null) and the one actually used. */
export abstract class SeededInitializer implements Initializer {
  abstract readonly className: string;
  /** The seed given, or null (then one was drawn at construction, as Keras does). */
  readonly seed: number | null;
  protected readonly effectiveSeed: number;

  constructor(seed: unknown) {
    this.seed = checkSeed(seed);
    this.effectiveSeed = this.seed ?? drawSeed();
  }

  abstract fill(target: TableHandle): void;
  abstract getConfig(): Config;

  apply(shape: readonly number[]): Float32Array {
    return applyViaFill(this, shape);
  }

  protected seedWords(): [number, number] {
    return seedWords(this.effectiveSeed);
  }
}

/** `init`'s fill as steps: its own `fillInSteps`, or the whole `fill` as one step. */
export function* fillSteps(init: Initializer, target: TableHandle): Generator<number, void, undefined> {
  if (typeof init.fillInSteps === "function") {
    const steps = init.fillInSteps(target);
    for (let step = steps.next(); !step.done; step = steps.next()) yield step.value;
  } else {
    init.fill(target);
  }
  yield 1;
}
