// One public call at a time per layer: a call made from inside a callback the layer is running (a
// user initializer, regularizer, constraint or input getter) is refused, so no callback can see or
// change a half-done state. Shared by the layers that keep their table in a KernelMemory.
import { ValueError } from "./errors.ts";

export class CallGuard {
  /** The public call running now, or null. */
  private running: string | null = null;

  /** Pool lookups (EmbeddingPool) reading the table from other threads now. */
  private lent = 0;

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

  /**
   * Marks `method` as the layer's only running call, refusing it when another is running: `run`
   * without its closures, for the lookups called in hot loops. Pair with `leave()` in a `finally`.
   */
  enter(method: string): void {
    if (this.running !== null) throw this.reentered(method);
    this.running = method;
  }

  /** Ends the call `enter` began. */
  leave(): void {
    this.running = null;
  }

  /** One more pool lookup reads the table (EmbeddingPool), until `giveBack()`. */
  lend(): void {
    this.lent++;
  }

  giveBack(): void {
    this.lent--;
  }

  /**
   * Refuses `method`, which changes the table or moves the layer's memory, while pool lookups read
   * the table from other threads: the table has one writer, the owning thread, between lookups.
   */
  checkNotLent(method: string): void {
    if (this.lent > 0) {
      throw new ValueError(
        `${method}() was called on ${this.kind} layer "${this.name}" while ${this.lent} EmbeddingPool lookup${this.lent === 1 ? "" : "s"} ` +
          `read its table from worker threads. Training steps and other changes to the table run on the owning thread between pool ` +
          `lookups, never during them: await the pool's pending call() / callInto() promises first.`,
      );
    }
  }

  /** The live memory, after refusing a call made while another call of the layer is running. */
  check<M>(method: string, live: () => M): M {
    const mem = live();
    if (this.running !== null) throw this.reentered(method);
    return mem;
  }

  private reentered(method: string): ValueError {
    return new ValueError(
      `${method}() was called on ${this.kind} layer "${this.name}" while its ${this.running}() was still running, from a callback ` +
        `(an initializer, regularizer, constraint or input getter) that the layer called. A layer cannot be used from its own callbacks: ` +
        `compute what the callback needs from its arguments, or use another layer.`,
    );
  }
}
