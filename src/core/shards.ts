/**
 * Row-range shards: a float32 table too large for one WebAssembly memory (or larger than the
 * layer's `maxShardBytes`) split into consecutive row ranges, each in a KernelMemory of its own
 * (created here, as memory.ts' ownership rule asks) with its own kernel instance.
 *
 * Every shard but the last holds `rowsPerShard` rows, a multiple of SHARD_ROW_MULTIPLE (8). That
 * multiple is what keeps sharded results equal to one memory's bit for bit:
 * - the seeded generator (assembly/random.ts) writes groups of 8 values, and a fill continued
 *   across pieces whose lengths are multiples of 8 equals one fill, so the shards are filled one
 *   after the other with the generator state carried from shard to shard;
 * - the column norms of axis-0 constraints sum blocks of 8 rows (assembly/constraints.ts), so
 *   the per-shard passes add the same blocks into the same float64 sums, in the same order.
 * The layer's lookups run in its own ("home") memory, which holds the indices and the output and
 * no table; only the gather reaches into the shards.
 */
import { ValueError } from "../errors.ts";
import { uninitializedFloat32 } from "./fresh.ts";
import { KernelMemory, MAX_MEMORY_BYTES, tableHandle, type TableHandle } from "./memory.ts";

const alignUp = (bytes: number) => Math.ceil(bytes / 64) * 64;

/**
 * From this many columns on, the gather copies row by row (one copy of each row); below, the
 * per-row cost of a copy call outweighs the staged gather's two extra bulk copies.
 */
const ROW_BY_ROW_MIN_DIM = 128;

/** Rows per shard are a multiple of this (see the module comment). */
export const SHARD_ROW_MULTIPLE = 8;

/** The most elements a Float32Array may hold in this engine (getWeights of a sharded table returns one). */
const MAX_ARRAY_ELEMENTS = (() => {
  const max = (globalThis as { Buffer?: { constants?: { MAX_LENGTH?: number } } }).Buffer?.constants?.MAX_LENGTH;
  return Math.floor((typeof max === "number" ? max : 2 ** 31 - 1) / 4);
})();

/** The largest `maxShardBytes`: one memory (4 GiB) less 16 MiB for the kernel's data and a step's working memory. */
export const MAX_SHARD_BYTES = MAX_MEMORY_BYTES - 2 ** 24;

/** Rows a shard may hold under `maxShardBytes`: the largest multiple of 8 rows that fits, or an error naming the limits. */
export function rowsPerShard(dim: number, maxShardBytes: number): number {
  if (maxShardBytes > MAX_SHARD_BYTES) {
    throw new ValueError(
      `maxShardBytes must be at most ${MAX_SHARD_BYTES} (one WebAssembly memory, 4 GiB, less 16 MiB for the kernel's data and working memory). ` +
        `Received: maxShardBytes=${maxShardBytes}`,
    );
  }
  const rows = Math.floor(maxShardBytes / (dim * 4 * SHARD_ROW_MULTIPLE)) * SHARD_ROW_MULTIPLE;
  if (rows === 0) {
    throw new ValueError(
      `maxShardBytes must hold at least ${SHARD_ROW_MULTIPLE} rows of ${dim} float32 values (${SHARD_ROW_MULTIPLE * dim * 4} bytes): ` +
        `shards hold a multiple of ${SHARD_ROW_MULTIPLE} rows. Received: maxShardBytes=${maxShardBytes}`,
    );
  }
  return rows;
}

export class ShardedTable {
  readonly rows: number;
  readonly dim: number;
  /** Rows in every shard but the last. */
  readonly rowsPerShard: number;
  readonly shards: readonly KernelMemory[];

  /** A zeroed rows × dim float32 table in shards of at most `rowsPerShard` rows. Nothing stays allocated when a shard cannot be made. */
  constructor(rows: number, dim: number, shardRows: number) {
    this.rows = rows;
    this.dim = dim;
    this.rowsPerShard = shardRows;
    const shards: KernelMemory[] = [];
    try {
      for (let start = 0; start < rows; start += shardRows) {
        shards.push(new KernelMemory(Math.min(shardRows, rows - start), dim, { lookups: false }));
      }
    } catch (error) {
      for (const shard of shards) shard.release();
      throw error;
    }
    this.shards = shards;
  }

  /** First row of shard `s`. */
  start(s: number): number {
    return s * this.rowsPerShard;
  }

  /** Shard `s`'s rows as initializers, constraints and regularizers address a table. */
  handle(s: number): TableHandle {
    const shard = this.shards[s]!;
    return tableHandle(shard, [shard.rows, this.dim]);
  }

  /** Every shard's handle, in row order. */
  handles(): TableHandle[] {
    return this.shards.map((_, s) => this.handle(s));
  }

  /**
   * out[i, :] = row idx[i] for the n int32 indices at `idx` of `home` (checked to be in range), into
   * `home`'s memory at `out`, using `home`'s scratch past `scratchUsed` bytes. In bulk, by kernels:
   * each shard gathers its rows (in position order) in its own memory, they are copied in one block
   * per shard into a staging table in `home`, and `home`'s kernel gathers the staged rows into the
   * output in position order.
   */
  gather(home: KernelMemory, idx: number, n: number, out: number, scratchUsed: number): void {
    if (this.dim >= ROW_BY_ROW_MIN_DIM) return this.gatherRowByRow(home, idx, n, out);
    const dim = this.dim;
    const per = this.rowsPerShard;
    const ids = new Int32Array(home.memory.buffer, idx, n).slice();
    // Counting sort of the positions by shard: `locals` holds each shard's local rows in position
    // order, shard after shard; `staged[i]` is where position i's row lands in the staging table.
    const starts = new Int32Array(this.shards.length + 1);
    for (let i = 0; i < n; i++) starts[Math.floor(ids[i]! / per) + 1]!++;
    for (let s = 0; s < this.shards.length; s++) starts[s + 1]! += starts[s]!;
    const next = starts.slice(0, this.shards.length);
    const locals = new Int32Array(n);
    const staged = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.floor(ids[i]! / per);
      const at = next[s]!++;
      locals[at] = ids[i]! - s * per;
      staged[i] = at;
    }
    const stagingBytes = alignUp(n * dim * 4);
    const base = home.scratch(scratchUsed + stagingBytes + n * 4) + scratchUsed;
    const [staging, order] = [base, base + stagingBytes];
    this.shards.forEach((shard, s) => {
      const m = starts[s + 1]! - starts[s]!;
      if (m === 0) return;
      const listBytes = alignUp(m * 4);
      const at = shard.scratch(listBytes + m * dim * 4);
      new Int32Array(shard.memory.buffer, at, m).set(locals.subarray(starts[s]!, starts[s + 1]!));
      shard.kernel.gatherRows(shard.tablePtr, shard.rows, dim, at, m, at + listBytes);
      new Float32Array(home.memory.buffer, staging + starts[s]! * dim * 4, m * dim).set(new Float32Array(shard.memory.buffer, at + listBytes, m * dim));
    });
    new Int32Array(home.memory.buffer, order, n).set(staged);
    home.kernel.gatherRows(staging, n, dim, order, n, out);
  }

  /** The gather for wide rows: each row copied from its shard's memory straight into the output. */
  private gatherRowByRow(home: KernelMemory, idx: number, n: number, out: number): void {
    const dim = this.dim;
    const per = this.rowsPerShard;
    const buffer = home.memory.buffer;
    const ids = new Int32Array(buffer, idx, n);
    const output = new Float32Array(buffer, out, n * dim);
    const tables = this.shards.map((shard) => shard.table());
    for (let i = 0; i < n; i++) {
      const row = ids[i]!;
      const s = Math.floor(row / per);
      const from = (row - s * per) * dim;
      output.set(tables[s]!.subarray(from, from + dim), i * dim);
    }
  }

  /** Each shard's bitmap of rows already rescaled in a lookup (maxNorm), made by `addSeenBitmaps`. */
  private seen: number[] = [];

  /** Makes each shard's maxNorm bitmap (all zero between lookups, as the renorm kernel leaves it). */
  addSeenBitmaps(): void {
    this.seen = this.shards.map((shard) => shard.persistent(Math.ceil(shard.rows / 8), "the maxNorm bitmap"));
  }

  /**
   * PyTorch's max_norm renorm of the rows referenced by the n indices at `idx` of `home`, shard by
   * shard (each shard's distinct rows rescaled once, as in one memory). Returns the rows rescaled.
   */
  renorm(home: KernelMemory, idx: number, n: number, maxNorm: number, p: number): number {
    const ids = new Int32Array(home.memory.buffer, idx, n).slice();
    const per = this.rowsPerShard;
    const lists: number[][] = this.shards.map(() => []);
    for (let i = 0; i < n; i++) lists[Math.floor(ids[i]! / per)]!.push(ids[i]! - Math.floor(ids[i]! / per) * per);
    let rescaled = 0;
    this.shards.forEach((shard, s) => {
      const list = lists[s]!;
      if (list.length === 0) return;
      const at = shard.scratch(list.length * 4);
      new Int32Array(shard.memory.buffer, at, list.length).set(list);
      rescaled += shard.kernel.renormRows(shard.tablePtr, this.dim, at, list.length, maxNorm, p, this.seen[s]!);
    });
    return rescaled;
  }

  /** Writes `rows` (n rows of dim values) back to the table rows listed by the n indices at `idx` of `home`. */
  writeRowsAt(home: KernelMemory, idx: number, n: number, rows: Float32Array): void {
    const ids = new Int32Array(home.memory.buffer, idx, n);
    for (let i = 0; i < n; i++) {
      const s = Math.floor(ids[i]! / this.rowsPerShard);
      const local = ids[i]! - this.start(s);
      this.shards[s]!.table().set(rows.subarray(i * this.dim, (i + 1) * this.dim), local * this.dim);
    }
  }

  /** A fresh copy of the whole table, row-major; refused when one Float32Array cannot hold it. */
  read(what: string): Float32Array {
    const n = this.rows * this.dim;
    if (n > MAX_ARRAY_ELEMENTS) {
      throw new RangeError(
        `${what} needs the whole ${this.rows} × ${this.dim} table in one Float32Array (${n} elements), more than this engine's ` +
          `largest typed array (${MAX_ARRAY_ELEMENTS} float32 elements). Read it in row ranges with getRows(start, count) instead.`,
      );
    }
    const out = uninitializedFloat32(n);
    this.shards.forEach((shard, s) => out.set(shard.table(), this.start(s) * this.dim));
    return out;
  }

  /** A fresh copy of rows [start, start + count) (checked by the caller). */
  readRows(start: number, count: number): Float32Array {
    const dim = this.dim;
    const out = uninitializedFloat32(count * dim);
    for (let done = 0; done < count; ) {
      const row = start + done;
      const s = Math.floor(row / this.rowsPerShard);
      const local = row - this.start(s);
      const take = Math.min(count - done, this.shards[s]!.rows - local);
      out.set(this.shards[s]!.table().subarray(local * dim, (local + take) * dim), done * dim);
      done += take;
    }
    return out;
  }

  /** Writes a whole rows × dim table (already checked for its length) into the shards. */
  write(data: ArrayLike<number>): void {
    const dim = this.dim;
    this.shards.forEach((shard, s) => {
      const begin = this.start(s) * dim;
      const end = begin + shard.rows * dim;
      const table = shard.table();
      if (ArrayBuffer.isView(data)) table.set((data as unknown as Float32Array).subarray(begin, end));
      else for (let i = begin; i < end; i++) table[i - begin] = data[i]!;
    });
  }

  /** Sets row `row` to zeros. */
  zeroRow(row: number): void {
    const s = Math.floor(row / this.rowsPerShard);
    const local = row - this.start(s);
    this.shards[s]!.table().fill(0, local * this.dim, (local + 1) * this.dim);
  }

  /** Bytes of WebAssembly memory the shards hold. */
  get byteLength(): number {
    return this.shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  }

  /** Marks every shard's memory as no longer used (dispose). */
  release(): void {
    for (const shard of this.shards) shard.release();
  }
}
