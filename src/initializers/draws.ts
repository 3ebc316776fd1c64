// Seeded draws from the kernel's generator (assembly/random.ts): a distribution and its parameters,
// written either in place into a table (a layer's initializer) or into a fresh array (`apply`).
import { RANDOM_STATE_BYTES } from "../core/kernel.ts";
import { uninitializedFloat32 } from "../core/fresh.ts";
import { checkShape } from "../shapes.ts";
import { standaloneTable } from "../core/memory.ts";
import { count, SeededInitializer, type TableHandle } from "./initializer.ts";

/** One of the kernel's distributions (RandomKind) with its three parameters (see assembly/random.ts). */
export interface RandomDraw {
  readonly kind: number;
  readonly p0: number;
  readonly p1: number;
  readonly p2: number;
}

/**
 * Floats generated per piece by `apply`: 128 KiB, so each piece is written and read back while it
 * is still in the cache. A multiple of 8, so the pieces continue the generator exactly (a table
 * filled in pieces equals one filled at once).
 */
const APPLY_PIECE = 32768;

/** Floats drawn per step of `fillInSteps`: a few milliseconds of work, a multiple of 8. */
const STEP_PIECE = 1 << 21;

/** Fills `target`'s table with `draw` from `seed`, in place. */
export function fillDraw(target: TableHandle, seed: readonly [number, number], draw: RandomDraw): void {
  const state = target.kernel.seedRandomState(target.scratch(RANDOM_STATE_BYTES), seed[0], seed[1]);
  target.kernel.fillRandom(target.ptr, count(target.shape), state, draw.kind, draw.p0, draw.p1, draw.p2);
}

/**
 * A fresh Float32Array of `shape` holding exactly what `fillDraw` would write. Generated piece by
 * piece in a small memory and copied out, so a large table costs one allocation (the result) rather
 * than a second, table-sized WebAssembly memory and a copy out of it.
 */
export function applyDraw(shape: readonly number[], seed: readonly [number, number], draw: RandomDraw): Float32Array {
  const n = count(checkShape(shape));
  const out = uninitializedFloat32(n); // every element is written below
  if (n === 0) return out;
  const piece = standaloneTable([Math.min(n, APPLY_PIECE)]);
  const state = piece.kernel.seedRandomState(piece.scratch(RANDOM_STATE_BYTES), seed[0], seed[1]);
  const buffer = piece.view(); // taken after scratch, which may have grown the memory
  for (let done = 0; done < n; done += APPLY_PIECE) {
    const len = Math.min(APPLY_PIECE, n - done);
    piece.kernel.fillRandom(piece.ptr, len, state, draw.kind, draw.p0, draw.p1, draw.p2);
    out.set(len === buffer.length ? buffer : buffer.subarray(0, len), done);
  }
  return out;
}

/** A seeded initializer whose values are one kernel draw: the random ones and VarianceScaling's family. */
export abstract class DrawnInitializer extends SeededInitializer {
  /** The distribution drawn for a table of `shape` (VarianceScaling's depends on the fans); validates it. */
  protected abstract draw(shape: readonly number[]): RandomDraw;

  fill(target: TableHandle): void {
    fillDraw(target, this.seedWords(), this.draw(target.shape));
  }

  /** The same values as `fill`, drawn a piece at a time (the generator continues exactly across pieces). */
  *fillInSteps(target: TableHandle): Generator<number, void, undefined> {
    const draw = this.draw(target.shape);
    const [lo, hi] = this.seedWords();
    const state = target.kernel.seedRandomState(target.scratch(RANDOM_STATE_BYTES), lo, hi);
    const n = count(target.shape);
    for (let done = 0; done < n; ) {
      const len = Math.min(STEP_PIECE, n - done);
      target.kernel.fillRandom(target.ptr + done * 4, len, state, draw.kind, draw.p0, draw.p1, draw.p2);
      done += len;
      yield done / n;
    }
  }

  /**
   * The values `fill` writes into a table of `shape`, written into its row-range `pieces` (in row
   * order, each in a memory of its own, every piece but the last a multiple of 8 values): the
   * generator's state is carried from one piece's memory to the next, and a fill continued across
   * pieces of multiples of 8 values equals one fill (assembly/random.ts).
   */
  *fillPiecesInSteps(pieces: readonly TableHandle[], shape: readonly number[]): Generator<number, void, undefined> {
    const draw = this.draw(shape);
    const [lo, hi] = this.seedWords();
    const n = count(shape);
    let previous: { kernel: TableHandle["kernel"]; state: number } | undefined;
    let done = 0;
    for (const piece of pieces) {
      const state = piece.scratch(RANDOM_STATE_BYTES);
      if (previous === undefined) piece.kernel.seedRandomState(state, lo, hi);
      else new Uint8Array(piece.kernel.memory.buffer, state, RANDOM_STATE_BYTES).set(new Uint8Array(previous.kernel.memory.buffer, previous.state, RANDOM_STATE_BYTES));
      const length = count(piece.shape);
      for (let at = 0; at < length; ) {
        const len = Math.min(STEP_PIECE, length - at);
        piece.kernel.fillRandom(piece.ptr + at * 4, len, state, draw.kind, draw.p0, draw.p1, draw.p2);
        at += len;
        done += len;
        yield done / n;
      }
      previous = { kernel: piece.kernel, state };
    }
  }

  override apply(shape: readonly number[]): Float32Array {
    return applyDraw(shape, this.seedWords(), this.draw(checkShape(shape)));
  }
}
