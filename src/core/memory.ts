/**
 * Memory ownership: the rule every other module follows.
 *
 * - Each layer, and each table worked on outside a layer (an initializer's `apply`, a constraint or
 *   regularizer used on its own), owns one `WebAssembly.Memory`, created here, and one kernel
 *   instance importing it (the compiled module is shared). Layers therefore never compete for one
 *   4 GiB address space, and dropping a KernelMemory hands its memory back to the garbage collector.
 * - Only this module creates, grows or lays out memory (an architecture test checks it). Kernels receive pointers from here and never
 *   allocate. Layout, in bytes, each region 64-byte aligned:
 *
 *       [0, heapBase)          kernel static data (the software pow's tables)
 *       stats                  64 bytes: small kernel results (e.g. the activity penalty's sums)
 *       table                  rows * rowBytes, fixed for the layer's life: dim float32s a row, or as
 *                              stored (float16 / bfloat16: dim * 2 bytes; int8: dim; packed int4:
 *                              ceil(dim / 2)), so a quantized layer holds no float32 table at all
 *       persistent regions     allocated by `persistent()` and kept for the layer's life: the
 *                              quantization scales and zero points, the LoRA adapters, the maxNorm
 *                              bitmap, the backward pass's row map, optimizer slots. Zeroed when made.
 *       index region           capacity * 8 bytes: float64 / int64 input is staged here and converted
 *                              in place to int32 indices at the same start
 *       output region          capacity * dim float32
 *       scratch                transient working memory past the output region (`scratch()`)
 *
 * - The index and output regions are transient: they grow together when a lookup needs more than
 *   `capacity` positions, and move up when a persistent region is added. Both grow memory, which
 *   detaches `memory.buffer`; every typed view handed out here is re-derived when the buffer or the
 *   layout changed, and no caller may keep one across a call that can grow (`reserve`, `scratch`,
 *   `persistent`). Scratch contents do not outlive the call that asked for them.
 * - With `guardBytes` > 0 (tests only, see src/testing.ts) every region is preceded and followed by
 *   a band of sentinel bytes that `brokenGuards()` checks.
 */
import { ValueError } from "../errors.ts";
import { instantiateKernel, kernelDataEnd, SHARED_MAXIMUM_PAGES, type KernelExports } from "./kernel.ts";

const PAGE_BYTES = 65536;
/** wasm32 memories hold at most 65536 pages (4 GiB). */
export const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;
const ALIGN = 64;
/** Bytes per lookup position in the index region (room for a float64 / int64 before conversion). */
const INDEX_SLOT_BYTES = 8;
/** Positions the transient regions start with, so small lookups never grow memory. */
const INITIAL_CAPACITY = 256;
/** The byte guard bands hold. */
export const GUARD_BYTE = 0xa5;

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

let defaultGuardBytes = 0;
/** @internal Guard bands for layers created from now on (tests only). */
export function setDefaultGuardBytes(bytes: number): void {
  defaultGuardBytes = alignUp(bytes);
}

/** Memories created and not yet disposed or collected: named in the error when address space runs out. */
let liveMemories = 0;
/** @internal Memories made by this package that are alive (not disposed, not collected). */
export const liveMemoryCount = () => liveMemories;
const collected = typeof FinalizationRegistry === "undefined" ? undefined : new FinalizationRegistry<{ counted: boolean }>((held) => {
  if (held.counted) liveMemories--;
});

/**
 * A new memory of `pages` pages. Engines reserve address space for each memory (about 10 GiB on
 * 64-bit V8, for bounds-check-free access), so a process runs out of it after some thousands of live
 * memories even when they are small: that failure gets its own message.
 */
function createMemory(pages: number, what: string): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: pages });
  } catch (cause) {
    const message = (cause as Error).message;
    throw new RangeError(
      `Could not create a WebAssembly memory of ${pages * PAGE_BYTES} bytes (${formatBytes(pages * PAGE_BYTES)}) for ${what}: ${message}. ` +
        `${liveMemories} layers and tables made by embedding-wasm are alive in this process, and every WebAssembly memory ` +
        `reserves about 10 GiB of address space (on 64-bit engines), so thousands of live layers exhaust the address space ` +
        `even when little memory is in use. Call dispose() on layers you no longer use, or use a smaller table.`,
      { cause },
    );
  }
}

/** How a table's rows are stored: the name used in messages, and the bytes one row takes. */
export interface RowStorage {
  readonly name: string;
  readonly rowBytes: number;
}

export class KernelMemory {
  /** Replaced only by `share()`, which moves every byte to a shared memory at the same offsets. */
  memory: WebAssembly.Memory;
  kernel: KernelExports;
  readonly rows: number;
  readonly dim: number;
  readonly statsPtr: number;
  readonly tablePtr: number;
  /** How the table's rows are stored (float32 unless the layer said otherwise). */
  readonly storage: RowStorage;
  /** Start of the index region (moves when a persistent region is added). */
  indexPtr = 0;
  /** Positions the transient regions hold now. */
  capacity = 0;
  outputPtr = 0;
  private readonly guard: number;
  /** End of the table and persistent regions. */
  private persistentEnd: number;
  /** [start, length] of every persistent region, for guard checks. */
  private readonly regions: [string, number, number][] = [];
  private readonly liveToken = { counted: true };

  /** Whole-memory views (see `heap()`), or undefined once the buffer changed. */
  private heapViews: Heap | undefined;
  /** Whether `heapViews` are views of a SharedArrayBuffer. */
  private heapShared = false;

  /** `checkPositions`, bound: what `flatten` takes as its size check, made once rather than per lookup. */
  readonly checkSize = (n: number): void => this.checkPositions(n);

  // Views, valid while `viewBuffer === memory.buffer`; dropped whenever the layout changes.
  private viewBuffer: ArrayBuffer | undefined;
  private tableView!: Float32Array;
  private indexView!: Int32Array;
  private outputView!: Float32Array;

  /**
   * A memory holding a `rows × dim` table, float32 or stored as `options.storage` says. `capacity`:
   * lookup positions to start with; `lookups: false` for a table worked on outside a layer (no
   * index or output region).
   */
  constructor(rows: number, dim: number, options: { capacity?: number; lookups?: boolean; storage?: RowStorage } = {}) {
    const guard = defaultGuardBytes;
    const storage = options.storage ?? { name: "float32", rowBytes: dim * 4 };
    const tableBytes = rows * storage.rowBytes;
    const statsPtr = kernelDataEnd() + guard;
    const tablePtr = statsPtr + ALIGN + guard;
    const tableEnd = alignUp(tablePtr + tableBytes);
    const minCapacity = options.lookups === false ? 0 : 1;
    const oneLookup = this.transientBytes(dim, minCapacity, guard);
    if (tableEnd + oneLookup > MAX_MEMORY_BYTES) {
      throw new ValueError(
        `An embedding table of inputDim × outputDim = ${rows} × ${dim} ${storage.name} values needs ${tableBytes} bytes ` +
          `(${formatBytes(tableBytes)}), more than one WebAssembly memory can hold: ${MAX_MEMORY_BYTES} bytes (4 GiB), ` +
          `less ${tablePtr} bytes for the kernel's data and ${oneLookup} bytes for one lookup.` +
          (options.lookups === false ? "" : " The maxShardBytes option splits a float32 table over several memories."),
      );
    }
    const fitting = this.fittingPositions(tableEnd, dim, guard);
    const capacity = minCapacity === 0 ? 0 : Math.max(1, Math.min(options.capacity ?? INITIAL_CAPACITY, fitting));
    const pages = Math.ceil((tableEnd + this.transientBytes(dim, capacity, guard)) / PAGE_BYTES);
    this.memory = createMemory(pages, `a table of ${rows} × ${dim}`);
    liveMemories++;
    collected?.register(this, this.liveToken, this.liveToken);
    this.kernel = instantiateKernel(this.memory);
    if (this.kernel.heapBase() > statsPtr) throw new Error("kernel static data overlaps the table: rebuild the kernel");
    this.rows = rows;
    this.dim = dim;
    this.storage = storage;
    this.guard = guard;
    this.statsPtr = statsPtr;
    this.tablePtr = tablePtr;
    this.persistentEnd = tableEnd;
    this.regions.push(["stats", statsPtr, ALIGN], ["table", tablePtr, tableBytes]);
    this.layOut(capacity);
  }

  /** Bytes the index and output regions (and their guards) take for `capacity` positions. */
  private transientBytes(dim: number, capacity: number, guard: number): number {
    return guard + alignUp(capacity * INDEX_SLOT_BYTES) + guard + alignUp(capacity * dim * 4) + guard;
  }

  private fittingPositions(start: number, dim: number, guard: number): number {
    return Math.floor((MAX_MEMORY_BYTES - start - 3 * guard - 2 * ALIGN) / (INDEX_SLOT_BYTES + dim * 4));
  }

  /** End of the transient regions: where scratch starts. */
  private get transientEnd(): number {
    return this.persistentEnd + this.transientBytes(this.dim, this.capacity, this.guard);
  }

  /**
   * Places the transient regions for `capacity` positions after the persistent ones. Views handed
   * out before point at the old places; the buffer is renewed (grow, or grow(0)) so that they are
   * detached, reading as empty, rather than silently showing stale memory.
   */
  private layOut(capacity: number, keepOutput = false): void {
    const indexPtr = this.persistentEnd + this.guard;
    const outputPtr = alignUp(indexPtr + capacity * INDEX_SLOT_BYTES) + this.guard;
    const before = this.memory.buffer;
    // Grow first: when it fails, nothing here has changed.
    this.ensureBytes(this.persistentEnd + this.transientBytes(this.dim, capacity, this.guard), "the lookup regions");
    if (keepOutput && this.capacity > 0) {
      // The index region stays where it is; the last lookup's output moves with its region.
      const kept = Math.min(this.capacity, capacity) * this.dim * 4;
      new Uint8Array(this.memory.buffer).copyWithin(outputPtr, this.outputPtr, this.outputPtr + kept);
    }
    this.capacity = capacity;
    this.indexPtr = indexPtr;
    this.outputPtr = outputPtr;
    this.viewBuffer = undefined;
    if (this.memory.buffer === before) this.detachViews();
    if (this.guard > 0) this.fillGuards();
  }

  /** True once `share()` has moved this memory to a shared one. */
  get shared(): boolean {
    return typeof SharedArrayBuffer !== "undefined" && this.memory.buffer instanceof SharedArrayBuffer;
  }

  /**
   * Moves everything to a new shared memory (maximum 4 GiB, the shared kernel's declared maximum)
   * holding the same bytes at the same offsets, bound to a new instance of `module`, the shared
   * build of the kernel: every pointer stays valid, and worker threads can instantiate the same
   * module over it (EmbeddingPool). Growing a shared memory never detaches its buffer (the old
   * SharedArrayBuffer object keeps its old length, and `memory.buffer` is a new, longer one), so
   * views are refreshed exactly as before: whenever `memory.buffer` is not the buffer they were
   * made from. Views handed out before the move are detached with the old memory.
   */
  share(module: WebAssembly.Module): void {
    if (this.shared) return;
    const old = this.memory;
    const bytes = old.buffer.byteLength;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: bytes / PAGE_BYTES, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    } catch (cause) {
      throw new RangeError(
        `Could not create a shared WebAssembly memory of ${bytes} bytes (${formatBytes(bytes)}) for a table of ${this.rows} × ${this.dim}: ${(cause as Error).message}`,
        { cause },
      );
    }
    new Uint8Array(memory.buffer).set(new Uint8Array(old.buffer));
    const kernel = instantiateKernel(memory, module);
    this.memory = memory;
    this.kernel = kernel;
    this.viewBuffer = undefined;
    this.heapViews = undefined;
    old.grow(0);
  }

  /** Marks the memory as no longer used (dispose): it stops counting as live, and its views are detached. */
  release(): void {
    if (this.liveToken.counted) {
      this.liveToken.counted = false;
      liveMemories--;
      collected?.unregister(this.liveToken);
    }
    this.detachViews();
  }

  /** Detaches every view of this memory (they read as length 0 from now on). */
  detachViews(): void {
    this.memory.grow(0);
    this.viewBuffer = undefined;
    this.heapViews = undefined;
  }

  /** Grows memory to at least `end` bytes. */
  private ensureBytes(end: number, what: string): void {
    const have = this.heap().buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      this.heapViews = undefined;
    } catch (cause) {
      throw new RangeError(
        `Could not grow this layer's WebAssembly memory to ${end} bytes (${formatBytes(end)}) for ${what}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /**
   * Makes room for a lookup of `n` positions, growing memory when needed (which detaches every view
   * taken before). Throws, before anything is written, when `n` positions cannot fit.
   */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    this.checkPositions(n);
    // Double, so a sequence of growing batches grows memory O(log n) times.
    this.layOut(Math.min(this.fittingPositions(this.persistentEnd, this.dim, this.guard), Math.max(n, this.capacity * 2)), true);
  }

  /** Throws, before anything is allocated, when a lookup of `n` positions can never fit. */
  checkPositions(n: number): void {
    const fitting = this.fittingPositions(this.persistentEnd, this.dim, this.guard);
    if (n > fitting) {
      throw new RangeError(
        `A lookup of ${n} indices needs ${n * (INDEX_SLOT_BYTES + this.dim * 4)} bytes of scratch memory ` +
          `(${this.dim} float32 outputs and one 8-byte index slot each), but this layer's WebAssembly memory has room for ` +
          `${fitting} positions beside its ${this.rows} × ${this.dim} table (4 GiB limit). Split the batch.`,
      );
    }
  }

  /**
   * A zeroed region of `bytes` kept for the layer's life, placed after the table and earlier
   * persistent regions; the transient regions move up (their contents are not kept). Throws before
   * changing anything when it cannot fit, together with `scratchAfter` bytes of scratch behind the
   * moved transient regions (what the caller's next `scratch()` will ask for), so that a call needing
   * both gets both or neither.
   */
  persistent(bytes: number, name: string, scratchAfter = 0): number {
    const ptr = this.persistentEnd + this.guard;
    const end = alignUp(ptr + bytes) + this.guard;
    const minCapacity = this.capacity === 0 ? 0 : 1;
    if (end + this.transientBytes(this.dim, minCapacity, this.guard) + scratchAfter > MAX_MEMORY_BYTES) {
      throw new RangeError(
        `This layer needs ${bytes} more bytes (${formatBytes(bytes)}) for ${name}` +
          (scratchAfter > 0 ? ` and ${scratchAfter} bytes of scratch memory` : "") +
          ` beside its ${this.rows} × ${this.dim} table, more than its WebAssembly memory (4 GiB) can hold. Nothing was allocated.`,
      );
    }
    const fitting = this.fittingPositions(end + scratchAfter, this.dim, this.guard);
    const capacity = minCapacity === 0 ? 0 : Math.max(1, Math.min(this.capacity, fitting));
    // Everything the new layout needs is grown before any field changes, so a failure leaves the
    // memory's layout (and every region in it) as it was.
    this.ensureBytes(end + this.transientBytes(this.dim, capacity, this.guard) + scratchAfter, name);
    new Uint8Array(this.memory.buffer, ptr, end - ptr).fill(0);
    this.persistentEnd = end;
    this.regions.push([name, ptr, bytes]);
    this.layOut(capacity);
    return ptr;
  }

  /**
   * Transient working memory of at least `bytes` past the output region, for kernels that need it
   * (the Orthogonal initializer's QR, column norms, penalties, the backward pass). It never moves
   * the table or the lookup regions, so the last output stays intact. Growth detaches views.
   */
  scratch(bytes: number): number {
    const start = this.transientEnd;
    const end = start + bytes;
    if (end > MAX_MEMORY_BYTES) {
      throw new RangeError(
        `This layer needs ${bytes} bytes of scratch memory beside its ${this.rows} × ${this.dim} table, but one ` +
          `WebAssembly memory (4 GiB) has ${Math.max(0, MAX_MEMORY_BYTES - start)} bytes left.`,
      );
    }
    this.ensureBytes(end, "scratch");
    return start;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    if (this.viewBuffer === buffer) return;
    this.viewBuffer = buffer;
    this.tableView = new Float32Array(buffer, this.tablePtr, this.storage.rowBytes === this.dim * 4 ? this.rows * this.dim : 0);
    this.indexView = new Int32Array(buffer, this.indexPtr, this.capacity);
    this.outputView = new Float32Array(buffer, this.outputPtr, this.capacity * this.dim);
  }

  /**
   * Views of the whole memory by element type, made once per buffer (a lookup makes no views of its
   * own for staging and moving indices, and reads no `memory.buffer`): dropped wherever this class
   * grows, detaches or replaces the memory, and remade when anything else grew it. Index them by
   * byte offset >>> log2(element size). Valid until the next call that can grow.
   */
  heap(): Heap {
    const heap = this.heapViews;
    // Memory grown by anything else (a callback that was handed the kernel) is caught here: growth
    // detaches an unshared buffer, whose views then read as empty, and gives a shared memory a new
    // buffer object (compared only then: reading `memory.buffer` is the cost these views avoid).
    if (heap !== undefined && heap.u8.length !== 0 && (!this.heapShared || heap.buffer === this.memory.buffer)) return heap;
    const buffer = this.memory.buffer;
    this.heapShared = typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer;
    return (this.heapViews = {
      buffer,
      u8: new Uint8Array(buffer),
      i32: new Int32Array(buffer),
      f32: new Float32Array(buffer),
      f64: new Float64Array(buffer),
      i64: new BigInt64Array(buffer),
    });
  }

  /** The float32 table, row-major (rows × dim). Valid until the next call that can grow. */
  table(): Float32Array {
    if (this.storage.name !== "float32") throw new Error(`this table is stored as ${this.storage.name}, not float32`);
    this.refreshViews();
    return this.tableView;
  }

  /** The table's bytes as stored (rows × rowBytes), whatever the storage. Valid until the next call that can grow. */
  tableBytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.tablePtr, this.rows * this.storage.rowBytes);
  }

  /** The int32 index slots (`capacity` of them). Valid until the next call that can grow. */
  indices(): Int32Array {
    this.refreshViews();
    return this.indexView;
  }

  /** The output region (`capacity * dim` floats). Valid until the next call that can grow. */
  output(): Float32Array {
    this.refreshViews();
    return this.outputView;
  }

  /** Bytes of WebAssembly memory this layer holds. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** [name, start, length] of every guard band (empty without guards). */
  private guardBands(): [string, number, number][] {
    if (this.guard === 0) return [];
    const bands: [string, number, number][] = [];
    // An "after" band starts at the region's last byte + 1, so it also covers alignment padding.
    const around = (name: string, start: number, length: number) => {
      const end = start + length;
      bands.push([`before ${name}`, start - this.guard, this.guard], [`after ${name}`, end, alignUp(end) + this.guard - end]);
    };
    for (const [name, start, length] of this.regions) around(name, start, length);
    around("index region", this.indexPtr, this.capacity * INDEX_SLOT_BYTES);
    around("output region", this.outputPtr, this.capacity * this.dim * 4);
    return bands;
  }

  private fillGuards(): void {
    for (const [, start, length] of this.guardBands()) new Uint8Array(this.memory.buffer, start, length).fill(GUARD_BYTE);
  }

  /** @internal The guard bands whose bytes changed (tests only; empty when all are intact or there are none). */
  brokenGuards(): string[] {
    return this.guardBands()
      .filter(([, start, length]) => !new Uint8Array(this.memory.buffer, start, length).every((b) => b === GUARD_BYTE))
      .map(([name]) => name);
  }
}

/** Views of a whole memory by element type (`KernelMemory.heap()`). */
export interface Heap {
  readonly buffer: ArrayBufferLike;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
}

/**
 * A float32 table of `shape` at byte offset `ptr` of `kernel.memory`: what initializers fill and
 * constraints and regularizers work on, inside a layer or on their own.
 */
export interface TableHandle {
  readonly kernel: KernelExports;
  readonly ptr: number;
  readonly shape: readonly number[];
  /** A scratch region of at least `bytes`, disjoint from the table. May grow memory (views go stale). */
  scratch(bytes: number): number;
}

/** The handle of `memory`'s table, seen with `shape` (whose product is rows × dim). */
export function tableHandle(memory: KernelMemory, shape: readonly number[]): TableHandle {
  return { kernel: memory.kernel, ptr: memory.tablePtr, shape, scratch: (bytes) => memory.scratch(bytes) };
}

/** A table of `shape` in a memory of its own (zeros, or a copy of `data`), for work outside a layer. */
export function standaloneTable(shape: readonly number[], data?: ArrayLike<number>): TableHandle & { view(): Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n * 4 > MAX_MEMORY_BYTES) throw new RangeError(`A table of shape [${shape.join(", ")}] does not fit in one WebAssembly memory (4 GiB).`);
  const memory = new KernelMemory(1, n, { lookups: false });
  if (data !== undefined) memory.table().set(data);
  return { ...tableHandle(memory, shape), view: () => memory.table() };
}
