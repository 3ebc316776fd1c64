// Keras `Orthogonal(gain=1.0, seed=None)`: the Q factor of a normal matrix's QR decomposition, sign
// corrected, transposed when rows < cols, times gain. The QR runs in WASM (assembly/orthogonal.ts).
import { ValueError } from "../errors.ts";
import { checkKeys, type Config } from "../serialization.ts";
import { RANDOM_STATE_BYTES, RandomKind } from "../core/kernel.ts";
import { numberArg, SeededInitializer, type TableHandle } from "./initializer.ts";

/**
 * An orthogonal matrix: columns orthonormal (times gain) when rows ≥ cols, rows orthonormal when
 * rows < cols. The normal matrix behind it is drawn from the seed as N(0, 1) float32 values filling
 * a max(rows, cols) × min(rows, cols) matrix column by column; Q is computed in float64 by Householder QR.
 */
/** Multiply-adds per step of `fillInSteps`: about 5 to 10 ms of work. */
const STEP_WORK = 1 << 23;

export class Orthogonal extends SeededInitializer {
  readonly className = "Orthogonal";
  readonly gain: number;

  constructor(args: { gain?: number; seed?: number | null } = {}) {
    const a = checkKeys("Orthogonal", args, ["gain", "seed"]);
    super(a.seed);
    this.gain = numberArg("gain", a.gain, 1);
  }

  fill(target: TableHandle): void {
    const steps = this.fillInSteps(target);
    while (!steps.next().done);
  }

  /**
   * The fill in steps of about STEP_WORK multiply-adds: the Householder QR column by column, then Q
   * column by column, then the write-out. The same kernel work as one pass, so the same values.
   */
  *fillInSteps(target: TableHandle): Generator<number, void, undefined> {
    const { shape, kernel, ptr } = target;
    if (shape.length < 2) {
      throw new ValueError(
        `The tensor to initialize must be at least two-dimensional. Received: shape=[${shape.join(", ")}] of rank ${shape.length}.`,
      );
    }
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1]!;
    if (rows === 0 || cols === 0) return;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    // float64 matrix, then the QR's work area (16n bytes), which first holds the generator state.
    const matrix = target.scratch(8 * m * n + Math.max(16 * n, RANDOM_STATE_BYTES));
    const work = matrix + 8 * m * n;
    const [lo, hi] = this.seedWords();
    const state = kernel.seedRandomState(work, lo, hi);
    // The normals are drawn into the table region, widened into the float64 scratch, and the
    // orthogonal result written back over them.
    kernel.fillRandom(ptr, m * n, state, RandomKind.NORMAL, 0, 1, 0);
    kernel.widenToF64(ptr, m * n, matrix);
    // Column k of either phase touches about (n - k) · (m - k) values.
    const cost = (k: number) => (n - k) * (m - k);
    let total = m * n;
    for (let k = 0; k < n; k++) total += 2 * cost(k);
    let done = m * n;
    yield done / total;
    for (let k = 0; k < n; ) {
      let k1 = k;
      for (let w = 0; k1 < n && w < STEP_WORK; k1++) w += cost(k1);
      kernel.orthogonalFactor(matrix, rows, cols, work, k, k1);
      for (; k < k1; k++) done += cost(k);
      yield Math.min(done / total, 0.99);
    }
    for (let j = n; j > 0; ) {
      let j0 = j;
      for (let w = 0; j0 > 0 && w < STEP_WORK; j0--) w += cost(j0 - 1);
      kernel.orthogonalFormQ(matrix, rows, cols, work, j, j0);
      for (; j > j0; j--) done += cost(j - 1);
      yield Math.min(done / total, 0.99);
    }
    kernel.orthogonalWrite(matrix, rows, cols, work, ptr, this.gain);
  }

  getConfig(): Config {
    return { seed: this.seed, gain: this.gain };
  }
}
