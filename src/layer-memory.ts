/**
 * Memory ownership: the rule every other module follows.
 *
 * - Each layer owns one `WebAssembly.Memory`, created here, and one kernel instance importing it
 *   (the compiled module is shared). Layers therefore never compete for one 4 GiB address space,
 *   and `release()` hands a layer's memory back to the garbage collector.
 * - Only this module creates, grows or lays out memory. Kernels receive pointers from here and never
 *   allocate. Layout, in bytes:
 *
 *       [0, heapBase)          kernel static data (the software pow's tables)
 *       stats                  64 bytes: small kernel results (the activity penalty's sums)
 *       table                  rows * dim float32, 64-byte aligned, fixed for the layer's life
 *       seen bitmap            ceil(rows / 8) bytes, only with PyTorch-style maxNorm: kept all zero
 *                              between lookups by the renorm kernel
 *       index region           capacity * 8 bytes: float64 / int64 input is staged here and converted
 *                              in place to int32 indices at the same start
 *       output region          capacity * dim float32
 *       scratch                transient working memory past the output region (`scratch()`)
 *
 * - The index and output regions grow together when a lookup needs more than `capacity` positions.
 *   Growth detaches `memory.buffer`; every typed view handed out by this module is re-derived when
 *   the buffer changed, and no caller may keep one across a call that can grow (`reserve`,
 *   `scratch`). Scratch contents do not outlive the call that asked for them.
 */
import { ValueError } from "./errors.ts";
import { instantiateKernel, kernelDataEnd, type KernelExports } from "./wasm.ts";

const PAGE_BYTES = 65536;
/** wasm32 memories hold at most 65536 pages (4 GiB). */
export const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;
const ALIGN = 64;
/** Bytes per lookup position in the index region (room for a float64 / int64 before conversion). */
const INDEX_SLOT_BYTES = 8;
/** Positions the scratch regions start with, so small lookups never grow memory. */
const INITIAL_CAPACITY = 256;

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

export class LayerMemory {
  readonly memory: WebAssembly.Memory;
  readonly kernel: KernelExports;
  readonly rows: number;
  readonly dim: number;
  readonly statsPtr: number;
  readonly tablePtr: number;
  /** The renorm kernel's bitmap, or -1 when the layer has no maxNorm. */
  readonly seenPtr: number;
  readonly indexPtr: number;
  /** Positions the scratch regions hold now. */
  capacity = 0;
  outputPtr = 0;

  // Views, valid while `viewBuffer === memory.buffer` and the capacity is unchanged.
  private viewBuffer: ArrayBuffer | undefined;
  private tableView!: Float32Array;
  private indexView!: Int32Array;
  private outputView!: Float32Array;

  constructor(rows: number, dim: number, options: { seenBitmap?: boolean; capacity?: number } = {}) {
    const tableBytes = rows * dim * 4;
    const statsPtr = kernelDataEnd();
    const tablePtr = statsPtr + ALIGN;
    const seenPtr = options.seenBitmap ? alignUp(tablePtr + tableBytes) : -1;
    const indexPtr = alignUp(options.seenBitmap ? seenPtr + Math.ceil(rows / 8) : tablePtr + tableBytes);
    const capacity = options.capacity ?? INITIAL_CAPACITY;
    const oneLookup = alignUp(INDEX_SLOT_BYTES) + dim * 4;
    if (indexPtr + oneLookup > MAX_MEMORY_BYTES) {
      throw new ValueError(
        `An embedding table of inputDim × outputDim = ${rows} × ${dim} float32 values needs ${tableBytes} bytes ` +
          `(${formatBytes(tableBytes)}), more than one WebAssembly memory can hold: ${MAX_MEMORY_BYTES} bytes (4 GiB), ` +
          `less ${indexPtr - tableBytes} bytes for the kernel's data${options.seenBitmap ? " and the maxNorm bitmap" : ""} and ${oneLookup} bytes for one lookup.`,
      );
    }
    const fitting = Math.floor((MAX_MEMORY_BYTES - indexPtr - ALIGN) / (INDEX_SLOT_BYTES + dim * 4));
    const startCapacity = Math.max(1, Math.min(capacity, fitting));
    const bytes = this.layoutEnd(indexPtr, dim, startCapacity);
    const pages = Math.ceil(bytes / PAGE_BYTES);
    try {
      this.memory = new WebAssembly.Memory({ initial: pages });
    } catch (cause) {
      throw new RangeError(
        `Could not allocate ${pages * PAGE_BYTES} bytes (${formatBytes(pages * PAGE_BYTES)}) of WebAssembly memory ` +
          `for an embedding table of ${rows} × ${dim}: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.kernel = instantiateKernel(this.memory);
    if (this.kernel.heapBase() > statsPtr) throw new Error("kernel static data overlaps the table: rebuild the kernel");
    this.rows = rows;
    this.dim = dim;
    this.statsPtr = statsPtr;
    this.tablePtr = tablePtr;
    this.seenPtr = seenPtr;
    this.indexPtr = indexPtr;
    this.setCapacity(startCapacity);
  }

  private layoutEnd(indexPtr: number, dim: number, capacity: number): number {
    return alignUp(indexPtr + capacity * INDEX_SLOT_BYTES) + capacity * dim * 4;
  }

  private setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.outputPtr = alignUp(this.indexPtr + capacity * INDEX_SLOT_BYTES);
    this.viewBuffer = undefined;
  }

  /**
   * Makes room for a lookup of `n` positions, growing memory when needed (which detaches every view
   * taken before). Throws, before anything is written, when `n` positions cannot fit.
   */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    const perPosition = INDEX_SLOT_BYTES + this.dim * 4;
    const fitting = Math.floor((MAX_MEMORY_BYTES - this.indexPtr - ALIGN) / perPosition);
    if (n > fitting) {
      throw new RangeError(
        `A lookup of ${n} indices needs ${n * perPosition} bytes of scratch memory (${this.dim} float32 outputs and ` +
          `one 8-byte index slot each), but this layer's WebAssembly memory has room for ${fitting} positions ` +
          `beside its ${this.rows} × ${this.dim} table (4 GiB limit). Split the batch.`,
      );
    }
    // Double, so a sequence of growing batches grows memory O(log n) times.
    const capacity = Math.min(fitting, Math.max(n, this.capacity * 2));
    const needed = this.layoutEnd(this.indexPtr, this.dim, capacity);
    const have = this.memory.buffer.byteLength;
    if (needed > have) {
      try {
        this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
      } catch (cause) {
        throw new RangeError(
          `Could not grow this layer's WebAssembly memory to ${needed} bytes (${formatBytes(needed)}) for a lookup of ` +
            `${n} indices: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    this.setCapacity(capacity);
  }

  /**
   * Transient working memory of at least `bytes` past the output region, for kernels that need it
   * (the Orthogonal initializer's QR, column norms, penalties). It never moves the table or the
   * lookup regions, so the last output stays intact. Growth detaches views.
   */
  scratch(bytes: number): number {
    const start = alignUp(this.layoutEnd(this.indexPtr, this.dim, this.capacity));
    const end = start + bytes;
    if (end > MAX_MEMORY_BYTES) {
      throw new RangeError(
        `This layer needs ${bytes} bytes of scratch memory beside its ${this.rows} × ${this.dim} table, but one ` +
          `WebAssembly memory (4 GiB) has ${Math.max(0, MAX_MEMORY_BYTES - start)} bytes left.`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (cause) {
        throw new RangeError(`Could not grow this layer's WebAssembly memory by ${end - have} bytes of scratch: ${(cause as Error).message}`, { cause });
      }
    }
    return start;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    if (this.viewBuffer === buffer) return;
    this.viewBuffer = buffer;
    this.tableView = new Float32Array(buffer, this.tablePtr, this.rows * this.dim);
    this.indexView = new Int32Array(buffer, this.indexPtr, this.capacity);
    this.outputView = new Float32Array(buffer, this.outputPtr, this.capacity * this.dim);
  }

  /** The table, row-major (rows × dim). Valid until the next `reserve`. */
  table(): Float32Array {
    this.refreshViews();
    return this.tableView;
  }

  /** The int32 index slots (`capacity` of them). Valid until the next `reserve`. */
  indices(): Int32Array {
    this.refreshViews();
    return this.indexView;
  }

  /** The output region (`capacity * dim` floats). Valid until the next `reserve`. */
  output(): Float32Array {
    this.refreshViews();
    return this.outputView;
  }

  /** A view of the index region as another element type, for staging input before conversion. */
  staging<T extends ArrayBufferView>(Type: new (buffer: ArrayBuffer, offset: number, length: number) => T, n: number): T {
    return new Type(this.memory.buffer, this.indexPtr, n);
  }

  /** Bytes of WebAssembly memory this layer holds. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
