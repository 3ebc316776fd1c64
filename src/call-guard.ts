// One public call at a time per layer: a call made from inside a callback the layer is running (a
// user initializer, regularizer, constraint or input getter) is refused, so no callback can see or
// change a half-done state. Shared by the layers that keep their table in a KernelMemory.
import { ValueError } from "./errors.ts";

export class CallGuard {
  /** The public call running now, or null. */
  private running: string | null = null;

  /** `kind`: the layer class, for messages; `name`: the layer's name. */
  constructor(private readonly kind: string, private readonly name: string) {}

  /** Runs `body` with the live memory as the layer's only running call. */
  run<M, T>(method: string, live: () => M, body: (mem: M) => T): T {
    const mem = this.check(method, live);
    this.running = method;
    try {
      return body(mem);
    } finally {
      this.running = null;
    }
  }

  /** The live memory, after refusing a call made while another call of the layer is running. */
  check<M>(method: string, live: () => M): M {
    const mem = live();
    if (this.running !== null) {
      throw new ValueError(
        `${method}() was called on ${this.kind} layer "${this.name}" while its ${this.running}() was still running, from a callback ` +
          `(an initializer, regularizer, constraint or input getter) that the layer called. A layer cannot be used from its own callbacks: ` +
          `compute what the callback needs from its arguments, or use another layer.`,
      );
    }
    return mem;
  }
}
