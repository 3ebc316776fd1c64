// Exact nearest neighbours over an embedding table (gensim's most_similar, in the layer): every row
// is scored against the query in the kernel (scoreRows), then the best k are selected in the kernel
// (selectTop; a sort here for a large k), ties going to the lower index. Row norms (for cosine) are
// cached and dropped whenever the table changes.
import { Metric } from "./core/kernel.ts";
import type { KernelMemory } from "./core/memory.ts";
import { ValueError, invalidArgument, show } from "./errors.ts";
import { flatten } from "./input.ts";
import { privateCopy, setElements, typedArrayName } from "./typed-arrays.ts";
import { readElements } from "./caller-data.ts";

/** A similarity or distance for {@link NearestOptions.metric}. */
export type NearestMetric = "cosine" | "dot" | "euclidean";

/** Options of `Embedding.nearest`. */
export interface NearestOptions {
  /** How many neighbours per query (a positive integer; default 10, gensim's topn). */
  k?: number;
  /**
   * `'cosine'` (default; 0 for a zero vector), `'dot'` (both highest first) or `'euclidean'` (the
   * distance, lowest first).
   */
  metric?: NearestMetric;
  /** Row indices never returned (e.g. the words of an analogy). A row-index query also excludes its own row. */
  exclude?: number | readonly number[] | Int32Array;
}

/** The k best rows per query, best first: row `indices[i * k + j]` with score `scores[i * k + j]`. */
export interface Neighbours {
  indices: Int32Array;
  scores: Float32Array;
  /** `[k]` for one query (a row index or one vector), `[queries, k]` for a batch. */
  shape: number[];
}

/** The table's row norms, computed once and kept until the table changes. */
export class RowNorms {
  private norms: Float32Array | undefined;

  /** Drops the cached norms: called by every path that changes the table. */
  invalidate(): void {
    this.norms = undefined;
  }

  /** The cached norms, computing them (in scratch, then copied out) when the table changed. */
  get(mem: KernelMemory): Float32Array {
    if (this.norms === undefined) {
      const out = mem.scratch(mem.rows * 4);
      mem.kernel.rowNormsF32(mem.tablePtr, mem.rows, mem.dim, out);
      this.norms = new Float32Array(mem.memory.buffer, out, mem.rows).slice();
    }
    return this.norms;
  }
}

/** Above this k, top-k selection sorts the candidates (here) instead of inserting into a sorted list (the kernel's). */
const SORT_ABOVE_K = 256;

/** Scores per chunk of queries kept below this many floats of scratch (64 MiB); EmbeddingPool.nearest chunks the same way. */
export const MAX_SCORE_FLOATS = 16 * 1024 * 1024;

/** A nearest-neighbour search checked: its float32 queries and everything the scoring and selection need. */
export interface StagedNearest {
  /** The queries, q × dim. */
  data: Float32Array;
  q: number;
  k: number;
  metric: (typeof Metric)[NearestMetric];
  /** Lowest score first (euclidean). */
  ascending: boolean;
  /** One query (a row index or one vector): result shape [k]. */
  single: boolean;
  /** 1 for each row never returned. */
  excluded: Uint8Array;
  /** The excluded rows, ascending. */
  skipped: number[];
  /** The table's row norms, for cosine. */
  rowNorms: Float32Array | undefined;
  /** Whether the kernel selects the top k (else a sort here, for a large k). */
  inKernel: boolean;
}

/**
 * Scales each dim-long vector of `data` to unit length, in place: the kernel's cosine is then the
 * dot product over the row's norm alone, which cannot overflow where the query's product with the
 * row would. The norm is taken in float64 from exact squares (any finite float32 vector has one);
 * a zero vector stays zero (its cosine is 0) and a NaN stays NaN.
 */
function toUnitLength(data: Float32Array, dim: number): void {
  for (let at = 0; at < data.length; at += dim) {
    let sum = 0;
    for (let i = at; i < at + dim; i++) sum += data[i]! * data[i]!;
    const norm = Math.sqrt(sum);
    if (norm === 0) continue;
    for (let i = at; i < at + dim; i++) data[i] = data[i]! / norm;
  }
}

/** Checks a search as `Embedding.nearest` does (its errors, before anything runs) and stages it. */
export function stageNearest(mem: KernelMemory, norms: RowNorms, query: unknown, options: NearestOptions | undefined): StagedNearest {
  const rows = mem.rows, dim = mem.dim;
  if (options !== undefined && (options === null || typeof options !== "object")) invalidArgument("options", "an object { k?, metric?, exclude? }", options);
  const k = options?.k ?? 10;
  if (typeof k !== "number" || !Number.isSafeInteger(k) || k <= 0) invalidArgument("k", "a positive integer", k);
  const metricName = options?.metric ?? "cosine";
  if (metricName !== "cosine" && metricName !== "dot" && metricName !== "euclidean") invalidArgument("metric", '"cosine", "dot" or "euclidean"', metricName);
  const excluded = new Uint8Array(rows);
  let excludedCount = 0;
  const excludeRow = (r: number, what: string) => {
    if (!Number.isSafeInteger(r) || r < 0 || r >= rows) throw new RangeError(`${what} = ${show(r)} is not a row index in [0, ${rows})`);
    if (excluded[r] === 0) excludedCount++;
    excluded[r] = 1;
  };
  const exclude = options?.exclude;
  if (exclude !== undefined) {
    if (typeof exclude === "number") excludeRow(exclude, "exclude");
    else {
      // Read once, by the engine's length for an Int32Array (a subclass cannot report another).
      const rowsList: ArrayLike<unknown> | undefined = Array.isArray(exclude)
        ? readElements("exclude", exclude)
        : typedArrayName(exclude) === "Int32Array" ? privateCopy("exclude", exclude, "Int32Array") as Int32Array : undefined;
      if (rowsList === undefined) invalidArgument("exclude", "a row index or an array of row indices", exclude);
      for (let i = 0; i < rowsList.length; i++) excludeRow(rowsList[i] as number, `exclude[${i}]`);
    }
  }
  // The queries: a row index (its row, excluded from its own answer), one vector, or a batch.
  let data: Float32Array;
  let single: boolean;
  if (typeof query === "string") {
    throw new ValueError(
      `query must be a row index, a vector of ${dim} values or a batch [queries, ${dim}]. Received: the string ${JSON.stringify(query.slice(0, 80))}: ` +
        `look a word up in its Vocabulary first (vocab.id(word), see examples/word-vectors.mjs).`,
    );
  }
  if (typeof query === "number") {
    excludeRow(query, "query");
    data = mem.table().slice(query * dim, (query + 1) * dim);
    single = true;
  } else {
    const flat = flatten(query, undefined, "query");
    if (flat.kind === "BigInt64Array" || flat.kind === "BigUint64Array") invalidArgument("query", "a row index, a vector or a batch of vectors", query);
    const rank = flat.shape.length;
    if ((rank !== 1 && rank !== 2) || flat.shape[rank - 1] !== dim) {
      throw new ValueError(`query must be a row index, a vector of ${dim} values or a batch [queries, ${dim}]. Received: shape [${flat.shape.join(", ")}]`);
    }
    // Copied now, through the engine's accessors (never a subclass's length or iterator): scratch
    // taken later may grow memory, which would detach a view of the layer's own memory.
    const copy = new Float32Array(flat.size);
    setElements(copy, flat.data as ArrayLike<number>);
    data = copy;
    single = rank === 1;
  }
  if (k > rows - excludedCount) {
    throw new ValueError(`k must be at most the number of rows that can be returned, ${rows - excludedCount} (${rows} rows, ${excludedCount} excluded). Received: k=${k}`);
  }
  const q = data.length / dim;
  const metric = Metric[metricName];
  if (metric === Metric.cosine) toUnitLength(data, dim);
  const rowNorms = metric === Metric.cosine ? norms.get(mem) : undefined;
  const skipped: number[] = [];
  for (let r = 0; excludedCount > 0 && r < rows; r++) if (excluded[r] === 1) skipped.push(r);
  return { data, q, k, metric, ascending: metric === Metric.euclidean, single, excluded, skipped, rowNorms, inKernel: k <= SORT_ABOVE_K };
}

/** The k best rows of the table for each query; see `Embedding.nearest`. */
export function nearest(mem: KernelMemory, norms: RowNorms, query: unknown, options: NearestOptions | undefined): Neighbours {
  const rows = mem.rows, dim = mem.dim;
  const { data, q, k, metric, ascending, single, excluded, skipped, rowNorms, inKernel } = stageNearest(mem, norms, query, options);
  const chunk = Math.max(1, Math.min(q, Math.floor(MAX_SCORE_FLOATS / rows)));
  const align = (b: number) => Math.ceil(b / 64) * 64;
  // One scratch block for every chunk, reserved before the first kernel runs.
  const sizes = [chunk * dim * 4, rows * 4, chunk * rows * 4, inKernel ? skipped.length * 4 : 0, inKernel ? k * 4 : 0, inKernel ? k * 4 : 0];
  let at = mem.scratch(sizes.reduce((a, b) => a + align(b), 0));
  const [queries, normsPtr, scores, skipPtr, idxPtr, valPtr] = sizes.map((size) => {
    const p = at;
    at += align(size);
    return p;
  }) as [number, number, number, number, number, number];
  const buffer = mem.memory.buffer;
  if (rowNorms !== undefined) new Float32Array(buffer, normsPtr, rows).set(rowNorms);
  if (inKernel) new Int32Array(buffer, skipPtr, skipped.length).set(skipped);
  const indices = new Int32Array(q * k);
  const values = new Float32Array(q * k);
  for (let start = 0; start < q; start += chunk) {
    const m = Math.min(chunk, q - start);
    const view = new Float32Array(buffer, queries, m * dim);
    for (let i = 0; i < m * dim; i++) view[i] = data[start * dim + i]!;
    mem.kernel.scoreRows(queries, m, mem.tablePtr, rows, dim, metric, normsPtr, scores);
    for (let i = 0; i < m; i++) {
      const first = (start + i) * k;
      if (inKernel) {
        mem.kernel.selectTop(scores + i * rows * 4, rows, skipPtr, skipped.length, k, ascending ? 1 : 0, idxPtr, valPtr);
        indices.set(new Int32Array(buffer, idxPtr, k), first);
        values.set(new Float32Array(buffer, valPtr, k), first);
      } else {
        const s = new Float32Array(buffer, scores + i * rows * 4, rows);
        sortTop(s, excluded, k, ascending, indices.subarray(first, first + k), values.subarray(first, first + k));
      }
    }
  }
  return { indices, scores: values, shape: single ? [k] : [q, k] };
}

/**
 * The k best entries of `scores` (highest first, or lowest with `ascending`) not marked in
 * `excluded`, into idx and val, by one sort of the candidates (for a k too large for the kernel's
 * insertion): NaN ranks last, ties go to the lower index.
 */
function sortTop(scores: Float32Array, excluded: Uint8Array, k: number, ascending: boolean, idx: Int32Array, val: Float32Array): void {
  // NaN is worse than every number.
  const better = ascending
    ? (a: number, b: number) => a < b || (b !== b && a === a)
    : (a: number, b: number) => a > b || (b !== b && a === a);
  const order: number[] = [];
  for (let r = 0; r < scores.length; r++) if (excluded[r] !== 1) order.push(r);
  order.sort((a, b) => (better(scores[a]!, scores[b]!) ? -1 : better(scores[b]!, scores[a]!) ? 1 : a - b));
  for (let j = 0; j < k; j++) {
    idx[j] = order[j]!;
    val[j] = scores[order[j]!]!;
  }
}
