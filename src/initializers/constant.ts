// The deterministic initializers of Keras (keras/src/initializers/constant_initializers.py).
import { ValueError } from "../errors.ts";
import { checkKeys, type Config } from "../serialization.ts";
import { checkShape } from "../shapes.ts";
import { applyViaFill, count, numberArg, type TableHandle, type Initializer } from "./initializer.ts";

const tableView = (t: TableHandle) => new Float32Array(t.kernel.memory.buffer, t.ptr, count(t.shape));

/** Every value equal to `value`. Keras `Constant(value=0.0)` (a number; array values are not supported). */
export class Constant implements Initializer {
  readonly className: string = "Constant";
  readonly value: number;
  constructor(args: { value?: number } = {}) {
    const a = checkKeys("Constant", args, ["value"]);
    this.value = numberArg("value", a.value, 0);
  }
  fill(target: TableHandle): void {
    // The SIMD fill of assembly/training.ts; the value is rounded to float32 as Float32Array.fill would.
    target.kernel.fillF32(target.ptr, count(target.shape), this.value);
  }
  apply(shape: readonly number[]): Float32Array {
    // A fresh array filled directly: no WebAssembly memory of its own is needed for one value.
    return new Float32Array(count(checkShape(shape))).fill(this.value);
  }
  getConfig(): Config {
    return { value: this.value };
  }
}

/** All zeros. Keras `Zeros()`. */
export class Zeros extends Constant {
  override readonly className = "Zeros";
  constructor(args: Record<string, never> = {}) {
    checkKeys("Zeros", args, []);
    super({ value: 0 });
  }
  override getConfig(): Config {
    return {};
  }
}

/** All ones. Keras `Ones()`. */
export class Ones extends Constant {
  override readonly className = "Ones";
  constructor(args: Record<string, never> = {}) {
    checkKeys("Ones", args, []);
    super({ value: 1 });
  }
  override getConfig(): Config {
    return {};
  }
}

/**
 * `gain` on the main diagonal, zeros elsewhere; rectangular shapes allowed. Keras
 * `Identity(gain=1.0)`. `getConfig()` keeps `gain`; the Keras config is Keras 3's `{}` for the
 * default gain and keeps any other gain (Keras 3 drops it, losing it on reload, but reads it back).
 */
export class Identity implements Initializer {
  readonly className = "Identity";
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    const a = checkKeys("Identity", args, ["gain"]);
    this.gain = numberArg("gain", a.gain, 1);
  }
  fill(target: TableHandle): void {
    const { shape } = target;
    if (shape.length !== 2) {
      throw new ValueError(
        `Identity matrix initializer can only be used for 2D matrices. Received: shape=[${shape.join(", ")}] of rank ${shape.length}.`,
      );
    }
    const cols = shape[1]!;
    target.kernel.fillF32(target.ptr, count(shape), 0);
    const view = tableView(target);
    for (let i = 0, n = Math.min(shape[0]!, cols); i < n; i++) view[i * cols + i] = this.gain;
  }
  apply(shape: readonly number[]): Float32Array {
    return applyViaFill(this, shape);
  }
  getConfig(): Config {
    return { gain: this.gain };
  }
  /** Keras 3 writes `{}`; a gain other than 1 is written too, since Keras reads it back and would otherwise lose it. */
  getKerasConfig(): Config {
    return this.gain === 1 ? {} : { gain: this.gain };
  }
}
