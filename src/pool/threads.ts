// One worker thread, the same way in Node (worker_threads) and in browsers (Web Workers): start it
// from a script URL, post messages, hear its replies and the one failure that ends it (an uncaught
// error, an exit, a message it could not read), and stop it.

/** A started worker thread. */
export interface Thread {
  post(message: unknown): void;
  /** Stops the thread; `failure` is not called for a stop asked for here. */
  terminate(): Promise<void>;
  /** Referenced (keeps a Node process alive) while `alive`; no effect in browsers. */
  keepAlive(alive: boolean): void;
  /** Tests only: stops the thread the way a crash would (`failure` is called). */
  crash(): Promise<void>;
}

/** Logical processors: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers, else 2. */
export async function defaultThreadCount(): Promise<number> {
  const processors = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof processors === "number" && processors > 0) return processors;
  if (isNode()) {
    const specifier = "node:os";
    const os = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { availableParallelism?(): number; cpus(): unknown[] };
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  return 2;
}

function isNode(): boolean {
  return (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
}

export interface ThreadEvents {
  message(data: unknown): void;
  /** The thread died or can no longer be used; called at most once. */
  failure(error: Error): void;
}

/** Node's worker_threads, where there is one (a variable specifier keeps bundlers out of it). */
async function nodeWorkerClass(): Promise<(new (url: URL) => NodeWorkerLike) | undefined> {
  if (!isNode()) return undefined;
  const specifier = "node:worker_threads";
  const threads = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { Worker: new (url: URL) => NodeWorkerLike };
  return threads.Worker;
}

interface NodeWorkerLike {
  postMessage(message: unknown): void;
  on(event: "message", listener: (data: unknown) => void): void;
  on(event: "error" | "messageerror", listener: (error: Error) => void): void;
  on(event: "exit", listener: (code: number) => void): void;
  terminate(): Promise<number>;
  unref(): void;
  ref(): void;
}

/**
 * Terminates a Node worker. A worker stopped in the middle of a job may not keep the process alive
 * until its exit is reported (seen with Node 20 after `unref()`, even with `ref()` called again), so a
 * timer does, and a process awaiting this never exits first.
 */
async function stopKeepingAlive(worker: NodeWorkerLike): Promise<void> {
  const alive = setInterval(() => {}, 1 << 30);
  try {
    worker.ref();
    await worker.terminate();
  } finally {
    clearInterval(alive);
  }
}

/** Starts the worker script at `url` (an ES module in browsers). */
export async function startThread(url: URL, events: ThreadEvents): Promise<Thread> {
  let failed = false;
  let stopping = false;
  const fail = (error: Error) => {
    if (failed || stopping) return;
    failed = true;
    events.failure(error);
  };
  const NodeWorker = await nodeWorkerClass();
  if (NodeWorker !== undefined) {
    const worker = new NodeWorker(url);
    worker.on("message", (data) => events.message(data));
    worker.on("error", (error) => fail(error));
    worker.on("messageerror", (error) => fail(error));
    worker.on("exit", (code) => fail(new Error(`the worker thread exited (exit code ${code})`)));
    return {
      post: (message) => worker.postMessage(message),
      terminate: async () => {
        stopping = true;
        await stopKeepingAlive(worker);
      },
      // An idle pool must not keep a Node process alive: the thread is referenced only while a call waits on it.
      keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
      // Its "exit" event reports the stop as a failure.
      crash: () => stopKeepingAlive(worker),
    };
  }
  if (typeof Worker === "undefined") throw new Error("EmbeddingPool needs worker threads: this JavaScript environment has neither Node's worker_threads nor Web Workers.");
  const worker = new Worker(url, { type: "module", name: "embedding-wasm pool" });
  worker.onmessage = (event) => events.message(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new Error(event.message || `the worker script ${url.href} could not be loaded or threw`));
  };
  worker.onmessageerror = () => fail(new Error("the worker thread received a message it could not read"));
  return {
    post: (message) => worker.postMessage(message),
    terminate: async () => {
      stopping = true;
      worker.terminate();
    },
    keepAlive: () => {},
    crash: async () => {
      worker.terminate();
      fail(new Error("the worker thread was stopped"));
    },
  };
}
