// EmbeddingPool: lookups split across worker threads that all read ONE table in a shared WebAssembly
// memory. The owning thread checks the input with the layer's own code, then hands each worker runs
// of positions (its own index and output regions in the shared memory); the workers copy rows with
// the same kernel function the layer uses, so results are the layer's, bit for bit.
import { Embedding } from "./embedding.ts";
import { ValueError, invalidArgument } from "./errors.ts";
import { uninitializedFloat32 } from "./core/fresh.ts";
import { setElements, viewBuffer } from "./typed-arrays.ts";
import { sharedKernelModule } from "./core/kernel.ts";
import type { KernelMemory } from "./core/memory.ts";
import type { LookupInput, NestedNumbers } from "./input.ts";
import type { EmbeddingOptions, Tensor } from "./options.ts";
import type { PoolLink, PoolRegion } from "./pool/link.ts";
import { checkCrossOriginIsolated, checkPoolOptions, type EmbeddingPoolOptions } from "./pool/options.ts";
import { mergeTop } from "./pool/merge-top.ts";
import { splitRows, type RowRange } from "./pool/row-split.ts";
import { MAX_SCORE_FLOATS, type NearestOptions, type Neighbours } from "./nearest.ts";
import { GATHER_CHUNK_BYTES } from "./core/gather-chunks.ts";
import { defaultThreadCount, startThread, type Thread } from "./pool/threads.ts";

export type { EmbeddingPoolOptions } from "./pool/options.ts";

/** Output bytes one worker job writes at most: large enough that a job's cost dwarfs its message, small next to the table. */
const JOB_OUTPUT_BYTES = 1 << 19;
/**
 * Jobs a worker holds at once, each in its own pair of regions: while it copies one, the next is
 * already posted, so it never waits for the owning thread between jobs.
 */
const SLOTS_PER_WORKER = 2;
/** Positions below which a batch is not split further: a job's message costs about as much as copying this many rows. */
const MIN_JOB_ROWS = 64;

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** The default worker script, beside this module (or beside dist/index.cjs in the CommonJS bundle). */
function defaultWorkerUrl(): URL {
  // The CommonJS bundle (dist/index.cjs) defines import.meta.url as its own file's URL (scripts/finish-dist.mjs).
  try {
    return new URL("./pool-worker.js", import.meta.url);
  } catch (cause) {
    throw new Error("EmbeddingPool could not locate its worker script (this build has no import.meta.url): pass workerUrl.", { cause });
  }
}

/** Byte offsets of one job's int32 index slots and float32 output rows (`jobRows` of each) in the shared memory. */
interface Slot {
  idx: number;
  out: number;
}

/** A worker and its free slots. */
interface PoolWorker {
  thread: Thread;
  free: Slot[];
  /** Jobs posted and not yet answered. */
  pending: number;
}

/** One call in progress, cut into slot-sized jobs: the calling thread copies each job's rows to `target`. */
interface CallState {
  indices: Int32Array;
  target: Float32Array;
  /** Jobs not yet answered (posted or waiting). */
  remaining: number;
  error: Error | null;
  resolve(): void;
  reject(error: Error): void;
  /** Settles (never rejects) when the call has. */
  settled: Promise<void>;
}

/** A run of a call's positions: [start, start + count). */
interface Job {
  call: CallState;
  start: number;
  count: number;
}

/** One call made of one job per worker (`reverse`, `nearest`, a direct `callInto`) in progress. */
interface RowCall {
  remaining: number;
  error: Error | null;
  resolve(): void;
  reject(error: Error): void;
  /** Settles (never rejects) when the call has. */
  settled: Promise<void>;
}

interface PostedRowJob {
  call: RowCall;
  worker: PoolWorker;
}

interface PostedJob extends Job {
  worker: PoolWorker;
  slot: Slot;
}

/**
 * Lookups of one {@link Embedding} split across worker threads (Node `worker_threads`, browser Web
 * Workers) that share the layer's table: the pool moves the table into a shared WebAssembly memory
 * once, and every worker instantiates the shared build of the kernel over that same memory, so the
 * table is held once however many workers read it. Results equal the layer's own `call` and
 * `callInto`, bit for bit.
 *
 * Training stays single-writer: optimizer steps, `setWeights`, constraints and other changes to the
 * table run on the owning thread through `pool.layer`, between pool lookups. From the moment `call`
 * or `callInto` is invoked until its promise settles, the layer refuses those writes with a
 * ValueError, so no lookup ever reads a half-updated table.
 *
 * Browsers give SharedArrayBuffer only to cross-origin isolated pages (COOP/COEP headers, see
 * docs/browser.md); elsewhere `create` throws saying so.
 *
 * @example
 * const pool = await EmbeddingPool.create(layer, { workers: 2 });
 * const { data, shape } = await pool.call(batch);
 * await pool.dispose();
 */
export class EmbeddingPool {
  /** The layer whose table the pool reads; train it on the owning thread, between pool lookups. */
  readonly layer: Embedding;
  /** Number of worker threads. */
  readonly workers: number;
  private readonly link: PoolLink;
  private readonly memory: KernelMemory;
  private readonly threads: PoolWorker[];
  /** Positions one job covers at most (each worker's regions hold this many). */
  private readonly jobRows: number;
  /** Whether `dispose()` also disposes the layer (the pool built it from options). */
  private readonly ownsLayer: boolean;
  /** Jobs posted to a worker, by id. */
  private readonly posted = new Map<number, PostedJob>();
  /** Jobs waiting for a free slot, oldest call first. */
  private readonly waiting: Job[] = [];
  private readonly calls = new Set<CallState>();
  /** One-job-per-worker jobs posted to a worker, by id (the same id sequence as lookup jobs). */
  private readonly rowJobs = new Map<number, PostedRowJob>();
  private readonly rowCalls = new Set<RowCall>();
  private nextJob = 0;
  private failure: Error | null = null;
  private disposed: Promise<void> | null = null;

  /** The job slots' region in the layer's memory. */
  private readonly region: PoolRegion;

  private constructor(layer: Embedding, link: PoolLink, memory: KernelMemory, threads: PoolWorker[], jobRows: number, ownsLayer: boolean, region: PoolRegion) {
    this.region = region;
    this.layer = layer;
    this.link = link;
    this.memory = memory;
    this.threads = threads;
    this.workers = threads.length;
    this.jobRows = jobRows;
    this.ownsLayer = ownsLayer;
  }

  /**
   * Starts a pool of `options.workers` threads over `layerOrOptions`: an existing float32
   * {@link Embedding} (its table moves, once, to a shared memory, and the layer keeps working on it),
   * or the options of a new one, which the pool builds and disposes with itself. Refused for
   * quantized, 16-bit and LoRA layers and for layers with `maxNorm` (whose lookups write the table).
   * Also reserves, in the layer's memory, each worker's two index and output regions (about 512 KiB
   * each; a disposed pool's regions are reused).
   */
  static async create(layerOrOptions: Embedding | EmbeddingOptions, options: EmbeddingPoolOptions = {}): Promise<EmbeddingPool> {
    const checked = checkPoolOptions(options);
    checkCrossOriginIsolated();
    if (layerOrOptions === null || typeof layerOrOptions !== "object") {
      invalidArgument("layerOrOptions", "an Embedding layer or the options of a new one", layerOrOptions);
    }
    const workers = checked.workers ?? (await defaultThreadCount());
    const url = checked.workerUrl ?? defaultWorkerUrl();
    const ownsLayer = !(layerOrOptions instanceof Embedding);
    const layer = layerOrOptions instanceof Embedding ? layerOrOptions : await Embedding.create(layerOrOptions);
    const started: PoolWorker[] = [];
    let reserved: [PoolLink, KernelMemory, PoolRegion] | undefined;
    try {
      const link = layer.poolLink();
      const module = await sharedKernelModule();
      const memory = link.share(module);
      const dim = layer.outputDim;
      const jobRows = Math.max(1, Math.floor(JOB_OUTPUT_BYTES / (dim * 4)));
      const outOffset = align64(jobRows * 4);
      const slotBytes = outOffset + align64(jobRows * dim * 4);
      const workerBytes = SLOTS_PER_WORKER * slotBytes;
      const region = link.reserve(workers * workerBytes, `${workers} EmbeddingPool workers' index and output regions`);
      const base = region.ptr;
      reserved = [link, memory, region];
      let pool: EmbeddingPool | undefined;
      const ready: Promise<void>[] = [];
      for (let w = 0; w < workers; w++) {
        let settle!: { resolve(): void; reject(error: Error): void };
        ready.push(new Promise<void>((resolve, reject) => (settle = { resolve, reject })));
        const thread = await startThread(url, {
          message: (data) => {
            if (Array.isArray(data)) pool?.answered(data[0] as number, data[1] as string | undefined);
            else if ((data as { kind?: string }).kind === "ready") settle.resolve();
            else settle.reject(new Error(`an EmbeddingPool worker could not instantiate the shared kernel: ${(data as { message?: string }).message}`));
          },
          failure: (error) => {
            settle.reject(new Error(`an EmbeddingPool worker failed to start (${url.href}): ${error.message}`, { cause: error }));
            pool?.failed(w, error);
          },
        });
        const free = Array.from({ length: SLOTS_PER_WORKER }, (_, i) => {
          const idx = base + w * workerBytes + i * slotBytes;
          return { idx, out: idx + outOffset };
        });
        started.push({ thread, free, pending: 0 });
        thread.post({ kind: "init", module, memory: memory.memory, table: memory.tablePtr, rows: memory.rows, dim });
      }
      await Promise.all(ready);
      for (const worker of started) worker.thread.keepAlive(false);
      pool = new EmbeddingPool(layer, link, memory, started, jobRows, ownsLayer, region);
      return pool;
    } catch (error) {
      await Promise.all(started.map((worker) => worker.thread.terminate()));
      if (reserved !== undefined) reserved[0].release(reserved[1], reserved[2]);
      if (ownsLayer) layer.dispose();
      throw error;
    }
  }

  /** True after `dispose()` was called. */
  get isDisposed(): boolean {
    return this.disposed !== null;
  }

  /**
   * Looks up `x` as {@link Embedding.call} does (same input forms, same checks and errors, made on
   * the calling thread before any worker runs), split across the workers. Resolves to a fresh
   * `{ data: Float32Array, shape: [...x.shape, outputDim] }`. The calling thread copies each worker's
   * rows into the result; {@link EmbeddingPool.callInto} with an `out` on a SharedArrayBuffer lets the
   * workers write it themselves. Pool lookups do not count as the layer's last lookup (`backward`
   * differentiates the layer's own `call`s) and add no activity losses.
   */
  async call(x: LookupInput): Promise<Tensor<Float32Array>> {
    const { shape, indices } = this.begin("call", x);
    try {
      const data = uninitializedFloat32(indices.length * this.layer.outputDim);
      await this.run(indices, data);
      return { data, shape };
    } finally {
      this.link.giveBack();
    }
  }

  /**
   * As {@link EmbeddingPool.call}, writing into `out` (length: `x`'s size × outputDim), checked as
   * {@link Embedding.callInto} checks it; resolves to `{ data: out, shape }`. When `out` is a view of
   * a SharedArrayBuffer the workers copy their rows into it directly, so that copy runs in parallel
   * too; otherwise the calling thread copies them. After a rejected call (a worker failed) `out`'s
   * contents are unspecified.
   */
  async callInto(x: LookupInput, out: Float32Array): Promise<Tensor<Float32Array>> {
    const { shape, indices } = this.begin("callInto", x, out);
    try {
      const direct = typeof SharedArrayBuffer !== "undefined" && viewBuffer(out) instanceof SharedArrayBuffer;
      if (direct) await this.runDirect(indices, out);
      else await this.run(indices, out);
      return { data: out, shape };
    } finally {
      this.link.giveBack();
    }
  }

  /**
   * Rows `indices` into `out` (a view of a SharedArrayBuffer) with one job per worker: each takes a
   * contiguous run of the positions, gathers it chunk by chunk into a scratch region of its own and
   * copies every chunk into `out` while it is still in its cache. One message each way per worker,
   * whatever the batch's size: the call's indices and the scratch regions are held in the layer's
   * memory for the call (given back afterwards for the next call that fits).
   */
  private async runDirect(indices: Int32Array, out: Float32Array): Promise<void> {
    const n = indices.length;
    if (n === 0) return;
    if (this.failure !== null) throw this.unusable();
    const dim = this.layer.outputDim;
    const ranges = splitRows(n, Math.min(this.workers, Math.ceil(n / MIN_JOB_ROWS)));
    const chunk = Math.max(1, Math.min(ranges[0]!.count, Math.floor(GATHER_CHUNK_BYTES / (dim * 4))));
    const idxBytes = align64(n * 4), scratchBytes = align64(chunk * dim * 4);
    const region = this.link.reserve(idxBytes + ranges.length * scratchBytes, "an EmbeddingPool callInto() call's indices and row chunks");
    const ptr = region.ptr;
    try {
      new Int32Array(this.memory.memory.buffer, ptr, n).set(indices);
      await this.runRows(ranges, (range, w) => ({
        kind: "gather", idx: ptr + range.start * 4, n: range.count, out: ptr + idxBytes + w * scratchBytes, chunk, dest: out, at: range.start * dim,
      }));
    } finally {
      this.link.release(this.memory, region);
    }
  }

  /**
   * The layer's tied reverse projection, {@link Embedding.reverse} (logits `x · tableᵀ`, soft-capped
   * when the layer has `logitSoftCap`), with the table's rows split across the workers: each worker
   * computes the logits of its own rows for every query, straight into one shared output. Same input
   * forms and errors as the layer's `reverse` (checked on the calling thread before any worker runs);
   * resolves to a fresh `{ data, shape: [..., inputDim] }` equal to `layer.reverse(x)` bit for bit.
   * Unlike the layer's `reverse`, it records nothing for `reverseBackward`. While it runs the layer
   * refuses table writes, as during pool lookups. Each call holds a region of the layer's memory for
   * its queries and logits (given back afterwards for the next call that fits in it). Throws a
   * ValueError on a layer with separate reverse embeddings (`tieWeights: false`).
   */
  async reverse(x: Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] }): Promise<Tensor<Float32Array>> {
    this.checkUsable("reverse");
    const { data, shape } = this.link.stageReverse(x);
    const dim = this.layer.outputDim;
    const rows = this.layer.inputDim;
    const q = data.length / dim;
    const outShape = [...shape.slice(0, -1), rows];
    if (q === 0) return { data: new Float32Array(0), shape: outShape };
    const xBytes = align64(q * dim * 4);
    const region = this.link.reserve(xBytes + q * rows * 4, "an EmbeddingPool reverse() call's queries and logits");
    const ptr = region.ptr;
    this.link.lend();
    try {
      new Float32Array(this.memory.memory.buffer, ptr, q * dim).set(data);
      const out = ptr + xBytes, cap = this.layer.logitSoftCap;
      await this.runRows(splitRows(rows, this.workers), (range) => ({ kind: "reverse", x: ptr, q, start: range.start, count: range.count, rows, out, cap }));
      return { data: new Float32Array(this.memory.memory.buffer, ptr + xBytes, q * rows).slice(), shape: outShape };
    } finally {
      this.link.release(this.memory, region);
      this.link.giveBack();
    }
  }

  /**
   * The layer's {@link Embedding.nearest} (same query forms, options, errors and result, ties to the
   * lower row) with the table's rows split across the workers: each worker scores its own rows and
   * selects their best k with the layer's kernel functions, and the calling thread merges those
   * lists. Checked on the calling thread before any worker runs; table writes are refused while it
   * runs. A `k` above 256, which the layer answers by sorting every score, runs as the layer's own
   * `nearest` on the calling thread.
   */
  async nearest(query: number | Float32Array | Float64Array | NestedNumbers | { data: ArrayLike<number>; shape: readonly number[] }, options?: NearestOptions): Promise<Neighbours> {
    this.checkUsable("nearest");
    const staged = this.link.stageNearest(query, options);
    if (!staged.inKernel) return this.layer.nearest(query, options);
    const { data, q, k, metric, ascending, single, skipped, rowNorms } = staged;
    const rows = this.layer.inputDim, dim = this.layer.outputDim;
    const indices = new Int32Array(q * k);
    const scores = new Float32Array(q * k);
    const shape = single ? [k] : [q, k];
    if (q === 0) return { indices, scores, shape };
    const ranges = splitRows(rows, this.workers);
    // Each range's excluded rows, relative to its start, and how many of its rows can be returned.
    const skips = ranges.map(({ start, count }) => skipped.filter((r) => r >= start && r < start + count).map((r) => r - start));
    const kept = ranges.map((range, w) => Math.min(k, range.count - skips[w]!.length));
    const chunk = Math.max(1, Math.min(q, Math.floor(MAX_SCORE_FLOATS / rows)));
    // Layout: queries, row norms, then per range its scores, skip list and top-k lists.
    let bytes = 0;
    const carve = (size: number) => ((bytes += align64(size)), bytes - align64(size));
    const xAt = carve(chunk * dim * 4), normsAt = carve(rows * 4);
    const parts = ranges.map((range, w) => ({
      scores: carve(chunk * range.count * 4), skip: carve(skips[w]!.length * 4), idx: carve(chunk * k * 4), val: carve(chunk * k * 4),
    }));
    const region = this.link.reserve(bytes, "an EmbeddingPool nearest() call's queries, scores and neighbours");
    const ptr = region.ptr;
    this.link.lend();
    try {
      const buffer = () => this.memory.memory.buffer;
      if (rowNorms !== undefined) new Float32Array(buffer(), ptr + normsAt, rows).set(rowNorms);
      parts.forEach((part, w) => new Int32Array(buffer(), ptr + part.skip, skips[w]!.length).set(skips[w]!));
      for (let first = 0; first < q; first += chunk) {
        const m = Math.min(chunk, q - first);
        new Float32Array(buffer(), ptr + xAt, m * dim).set(data.subarray(first * dim, (first + m) * dim));
        await this.runRows(ranges, (range, w) => {
          const part = parts[w]!;
          return {
            kind: "nearest", x: ptr + xAt, q: m, start: range.start, count: range.count, metric, norms: ptr + normsAt,
            scores: ptr + part.scores, skip: ptr + part.skip, skipCount: skips[w]!.length, k, ascending, idx: ptr + part.idx, val: ptr + part.val,
          };
        });
        for (let i = 0; i < m; i++) {
          const lists = parts.map((part, w) => {
            const at = i * k * 4;
            const idx = new Int32Array(buffer(), ptr + part.idx + at, kept[w]!).slice();
            for (let j = 0; j < idx.length; j++) idx[j]! += ranges[w]!.start;
            return { idx, val: new Float32Array(buffer(), ptr + part.val + at, kept[w]!) };
          });
          const o = (first + i) * k;
          mergeTop(lists, k, ascending, indices.subarray(o, o + k), scores.subarray(o, o + k));
        }
      }
      return { indices, scores, shape };
    } finally {
      this.link.release(this.memory, region);
      this.link.giveBack();
    }
  }

  /** Posts one job per row range, range w to worker w: the message `job(range, w)` with its id added. */
  private runRows(ranges: RowRange[], job: (range: RowRange, w: number) => Record<string, unknown>): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.unusable());
    const call = { remaining: ranges.length, error: null } as RowCall;
    const done = new Promise<void>((resolve, reject) => Object.assign(call, { resolve, reject }));
    call.settled = done.then(() => undefined, () => undefined);
    this.rowCalls.add(call);
    ranges.forEach((range, w) => {
      const worker = this.threads[w]!;
      const id = this.nextJob++;
      this.rowJobs.set(id, { call, worker });
      if (worker.pending++ === 0) worker.thread.keepAlive(true);
      worker.thread.post({ ...job(range, w), id });
    });
    return done;
  }

  /** Refuses a disposed or failed pool, and a layer whose memory the workers no longer see. */
  private checkUsable(method: string): void {
    if (this.disposed !== null) throw new Error(`EmbeddingPool.${method}(): this pool has been disposed.`);
    if (this.failure !== null) throw this.unusable();
    const mem = this.link.memory(method);
    if (mem !== this.memory) {
      throw new ValueError(
        `EmbeddingPool.${method}(): layer "${this.layer.name}" moved its table to a new memory (quantize() or mergeLora()) after the pool ` +
          `was made, so the pool's workers no longer see it. Dispose this pool and create a new one.`,
      );
    }
  }

  /** Checks the pool, the layer and the input on the calling thread; on success the layer refuses table writes until `giveBack`. */
  private begin(method: "call" | "callInto", x: LookupInput, out?: Float32Array): { shape: number[]; indices: Int32Array } {
    this.checkUsable(method);
    const staged = this.link.stage(method, x, out);
    this.link.lend();
    return staged;
  }

  private unusable(): Error {
    return new Error(
      `This EmbeddingPool cannot be used any more: a worker failed (${this.failure!.message}). The layer is unaffected; ` +
        `dispose() the pool and create a new one.`,
      { cause: this.failure },
    );
  }

  /**
   * Rows `indices` into `target`. The call is cut into jobs that join the queue behind earlier
   * calls' jobs; each worker takes the next job whenever one of its slots is free, so calls made
   * without awaiting keep every worker busy.
   */
  private run(indices: Int32Array, target: Float32Array): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.unusable());
    const n = indices.length;
    if (n === 0) return Promise.resolve();
    // About two jobs per worker, so each has its next job posted while it copies one.
    const size = Math.min(this.jobRows, Math.max(MIN_JOB_ROWS, Math.ceil(n / (SLOTS_PER_WORKER * this.workers))));
    const call = { indices, target, remaining: Math.ceil(n / size), error: null } as CallState;
    const done = new Promise<void>((resolve, reject) => Object.assign(call, { resolve, reject }));
    call.settled = done.then(() => undefined, () => undefined);
    this.calls.add(call);
    for (let start = 0; start < n; start += size) this.waiting.push({ call, start, count: Math.min(size, n - start) });
    this.dispatch();
    return done;
  }

  /** Posts waiting jobs to free slots, the least busy worker first. */
  private dispatch(): void {
    while (this.waiting.length > 0 && this.failure === null) {
      let worker: PoolWorker | undefined;
      for (const candidate of this.threads) if (candidate.free.length > 0 && (worker === undefined || candidate.pending < worker.pending)) worker = candidate;
      if (worker === undefined) return;
      const job = this.waiting.shift()!;
      const { call, start, count } = job;
      if (call.error !== null) {
        this.finishJob(call);
        continue;
      }
      const slot = worker.free.pop()!;
      new Int32Array(this.memory.memory.buffer, slot.idx, count).set(call.indices.subarray(start, start + count));
      const id = this.nextJob++;
      this.posted.set(id, { ...job, worker, slot });
      if (worker.pending++ === 0) worker.thread.keepAlive(true);
      worker.thread.post([id, slot.idx, count, slot.out]);
    }
  }

  /** A worker's answer: `message` undefined when the job is done, else what the kernel threw. */
  private answered(id: number, message: string | undefined): void {
    const rowJob = this.rowJobs.get(id);
    if (rowJob !== undefined) {
      this.rowJobs.delete(id);
      const { call, worker } = rowJob;
      if (message !== undefined) call.error ??= new Error(`an EmbeddingPool worker's job failed: ${message}`);
      if (--worker.pending === 0) worker.thread.keepAlive(false);
      if (--call.remaining === 0) {
        this.rowCalls.delete(call);
        if (call.error !== null) call.reject(call.error);
        else call.resolve();
      }
      return;
    }
    const job = this.posted.get(id);
    if (job === undefined) return;
    this.posted.delete(id);
    const { call, worker, slot } = job;
    if (message !== undefined) call.error ??= new Error(`an EmbeddingPool worker's lookup failed: ${message}`);
    else if (call.error === null) {
      const dim = this.layer.outputDim;
      setElements(call.target, new Float32Array(this.memory.memory.buffer, slot.out, job.count * dim), job.start * dim);
    }
    worker.free.push(slot);
    if (--worker.pending === 0) worker.thread.keepAlive(false);
    this.finishJob(call);
    this.dispatch();
  }

  /** Counts one of `call`'s jobs as finished; the last one settles the call. */
  private finishJob(call: CallState): void {
    if (--call.remaining > 0) return;
    this.calls.delete(call);
    if (call.error !== null) call.reject(call.error);
    else call.resolve();
  }

  /** A worker died: every worker stops (so none still reads the table), then every pending call rejects. */
  private failed(w: number, error: Error): void {
    if (this.failure !== null || this.disposed !== null) return;
    this.failure = new Error(`worker ${w} of ${this.workers} stopped: ${error.message}`, { cause: error });
    void Promise.all(this.threads.map((worker) => worker.thread.terminate().catch(() => undefined))).then(() => this.rejectAll(this.unusable()));
  }

  /** Rejects every call in progress (the workers are stopped). */
  private rejectAll(error: Error): void {
    this.posted.clear();
    this.rowJobs.clear();
    this.waiting.length = 0;
    for (const call of this.calls) call.reject(error);
    this.calls.clear();
    for (const call of this.rowCalls) call.reject(error);
    this.rowCalls.clear();
  }

  /** @internal Tests only: stops worker `w` the way a crash would (the pool is not told). */
  crashWorkerForTests(w: number): Promise<void> {
    return this.threads[w]!.thread.crash();
  }

  /**
   * Stops the workers once the calls already made have finished; calls made afterwards are
   * refused. A layer the pool built from options is disposed too; a layer passed in stays usable
   * (its table stays in the shared memory, with the workers' regions). Idempotent.
   */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      // The calls already made finish (or fail) first.
      await Promise.all([...this.calls, ...this.rowCalls].map((call) => call.settled));
      await Promise.all(this.threads.map((worker) => worker.thread.terminate().catch(() => undefined)));
      this.rejectAll(new Error("this EmbeddingPool was disposed"));
      // No worker runs any more: the next pool on this layer may reuse the job slots.
      this.link.release(this.memory, this.region);
      if (this.ownsLayer && !this.layer.isDisposed) this.layer.dispose();
    })();
    return this.disposed;
  }
}

// `await using pool = await EmbeddingPool.create(…)` (TypeScript 5.2+), where the engine has the symbol.
const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
if (typeof asyncDispose === "symbol") {
  Object.defineProperty(EmbeddingPool.prototype, asyncDispose, {
    value(this: EmbeddingPool) {
      return this.dispose();
    },
    writable: true,
    configurable: true,
  });
}

// Declared here so that embedding-pool.d.ts carries it for consumers on TypeScript versions or libs
// without `Symbol.asyncDispose`; TypeScript 5.2+ merges it with its own.
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}
/** `await using pool = …` disposes the pool at the end of the block. */
export interface EmbeddingPool {
  [Symbol.asyncDispose](): Promise<void>;
}
