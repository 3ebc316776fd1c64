/**
 * The kernel boundary: the module is compiled once per process and instantiated once per memory
 * (src/core/memory.ts), here and nowhere else, through `@assemblyscript/loader`. This file also holds
 * what the host and the kernel must agree on: the exports' signatures, the kernel's constants, and
 * the layout of the optimizer step's argument block; tests/kernel-contract.test.ts checks them
 * against the compiled module. The bytes are inlined (src/kernel-bytes.ts, made
 * by scripts/embed-wasm.mjs from build/kernel.wasm), so the package loads in Node, browsers and
 * bundlers with no asset handling; `init()` accepts a precompiled module for hosts that forbid
 * compiling from bytes.
 */
import * as loader from "@assemblyscript/loader";
import { ValueError } from "../errors.ts";
import { KERNEL_WASM_BASE64 } from "./kernel-bytes.ts";

/** The kernel's exports (assembly/index.ts). Pointers are byte offsets; sizes are element counts. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  gatherRows(table: number, rows: number, dim: number, idx: number, n: number, out: number): number;
  firstOutOfRange(idx: number, n: number, rows: number): number;
  f64ToIndices(src: number, n: number, dst: number): number;
  f32ToIndices(src: number, n: number, dst: number): number;
  i64ToIndices(src: number, n: number, dst: number): number;
  /** Writes the generator state of a 64-bit seed (RANDOM_STATE_BYTES at `state`). */
  seedRandomState(state: number, seedLo: number, seedHi: number): number;
  /** kind: RandomKind; parameters per kind as in assembly/random.ts. Advances the state at `state`. */
  fillRandom(out: number, n: number, state: number, kind: number, p0: number, p1: number, p2: number): number;
  widenToF64(src: number, n: number, dst: number): number;
  orthogonalFill(matrix: number, rows: number, cols: number, work: number, out: number, gain: number): number;
  /** Householder steps for columns [k0, k1) of orthogonalFill's QR (the pieces orthogonalFill runs in one go). */
  orthogonalFactor(matrix: number, rows: number, cols: number, work: number, k0: number, k1: number): void;
  /** Forms columns [j0, j1) of Q, last first, after every factor step. */
  orthogonalFormQ(matrix: number, rows: number, cols: number, work: number, j1: number, j0: number): void;
  /** Writes gain · Q (sign-corrected, transposed when rows < cols) into the table. */
  orthogonalWrite(matrix: number, rows: number, cols: number, work: number, out: number, gain: number): number;
  constrainRows(table: number, rows: number, cols: number, lo: number, hi: number, rate: number, divide: number): number;
  columnSumSquares(table: number, rows: number, cols: number, sums: number, partials: number): number;
  /** columnSumSquares adding to the float64 sums already at `sums` (row ranges of a sharded table, in order). */
  addColumnSumSquares(table: number, rows: number, cols: number, sums: number, partials: number): number;
  constrainColumns(table: number, rows: number, cols: number, sums: number, factors: number, lo: number, hi: number, rate: number, divide: number): number;
  clampNonNegative(table: number, n: number): number;
  renormRows(table: number, cols: number, idx: number, n: number, maxNorm: number, p: number, seen: number): number;
  /** abs, squares: 1 to compute that sum (the other is written as 0). */
  absAndSquareSums(p: number, n: number, out: number, abs: number, squares: number): number;
  absAndSquareSumsPart(p: number, n: number, state: number, abs: number, squares: number, last: number): number;
  gatherRowsWithSums(table: number, dim: number, idx: number, n: number, out: number, stats: number): number;
  outputRowSums(rows: number, dim: number, n: number, stats: number): number;
  rowPairAbsCosineSum(table: number, rows: number, cols: number, inv: number): number;
  columnPairAbsCosineSum(table: number, rows: number, cols: number, gram: number): number;
  constrainListedRows(table: number, cols: number, list: number, m: number, lo: number, hi: number, rate: number, divide: number): number;
  clampListedRows(table: number, cols: number, list: number, m: number): number;
  sparseGradient(idx: number, n: number, dim: number, dOut: number, hash: number, cap: number, ids: number, grads: number, counts: number, byFrequency: number): number;
  /** One optimizer step; its arguments are a block at `args` written by `writeStepArgs`. */
  optimizerStep(args: number): void;
  fillF32(p: number, n: number, value: number): number;
  orthogonalRowsGradient(table: number, rows: number, cols: number, list: number, m: number, coef: number, norms: number, out: number): number;
  orthogonalColumnsGradient(table: number, rows: number, cols: number, list: number, m: number, coef: number, gram: number, aux: number, out: number): number;
  /** mode: BagMode; weights and argmax 0 for none; padding -1 for none. */
  bagReduce(table: number, rows: number, dim: number, idx: number, bounds: number, bags: number, weights: number, mode: number, padding: number, out: number, argmax: number): number;
  /** Returns the number of gradient rows written (non-padding positions). */
  bagGradientRows(idx: number, bounds: number, bags: number, weights: number, mode: number, padding: number, dim: number, dOut: number, argmax: number, ids: number, rows: number): number;
  /** out (m x n) = a (m x k) · bᵀ (b: n x k). */
  matmulNT(a: number, m: number, k: number, b: number, n: number, out: number): number;
  /** matmulNT with out[i, j] at out + (i · outStride + j) · 4: a column range of a wider output. */
  matmulNTStrided(a: number, m: number, k: number, b: number, n: number, out: number, outStride: number): number;
  /** out (m x n) = a (m x k) · b (k x n). */
  matmulNN(a: number, m: number, k: number, b: number, n: number, out: number): number;
  /** out (m x n) = aᵀ · b (a: k x m, b: k x n). */
  matmulTN(a: number, k: number, m: number, b: number, n: number, out: number): number;
  softCap(p: number, n: number, cap: number): number;
  softCapBackward(g: number, capped: number, n: number, cap: number): number;
  rowNormsF32(table: number, rows: number, dim: number, out: number): number;
  /** metric: Metric. */
  scoreRows(queries: number, q: number, table: number, rows: number, dim: number, metric: number, rowNorms: number, out: number): number;
  /**
   * The best k of n scores (highest first, lowest with ascending = 1), passing over the skipCount
   * sorted row indices at skip: indices to idx, scores to val. Returns how many were kept.
   */
  selectTop(scores: number, n: number, skip: number, skipCount: number, k: number, ascending: number, idx: number, val: number): number;
  /**
   * int8 table (dim bytes a row), float32 scale per row: out = f32(q) · f32(1 / scale). `rows` (the
   * table's row count) only sizes the table: tables small enough to stay cached skip the read-ahead.
   */
  gatherInt8(table: number, scales: number, rows: number, dim: number, idx: number, n: number, out: number): number;
  /** Packed int4 table (ceil(dim / 2) bytes a row), float32 scale per row: out = f32(q) · f32(1 / scale). */
  gatherInt4(table: number, scales: number, rows: number, dim: number, idx: number, n: number, out: number, reciprocals: number): number;
  /** Packed int4 table, float32 step and int8 zero point per (row, group of `block` columns): out = (q − zero) · step. */
  gatherInt4Grouped(table: number, steps: number, zeros: number, rows: number, dim: number, block: number, groups: number, idx: number, n: number, out: number): number;
  /** float16 table (2 bytes a value) widened to float32; `rows` as for gatherInt8. */
  gatherFloat16(table: number, rows: number, dim: number, idx: number, n: number, out: number): number;
  gatherBfloat16(table: number, rows: number, dim: number, idx: number, n: number, out: number): number;
  /** n float32s at `src` rounded to float16 / bfloat16 (nearest even) at `dst`. */
  roundToFloat16(src: number, n: number, dst: number): number;
  roundToBfloat16(src: number, n: number, dst: number): number;
  /** Rounds n float32s at `p` in place to the nearest float16 / bfloat16 value (mixed policies' outputs). */
  narrowToFloat16(p: number, n: number): number;
  narrowToBfloat16(p: number, n: number): number;
  /** Adds factor · (A[idx[i]] @ B) to each gathered row of `out`. */
  addLoraRows(a: number, b: number, rank: number, dim: number, idx: number, n: number, factor: number, out: number): number;
  addLoraRowsRounded(a: number, b: number, rank: number, dim: number, idx: number, n: number, factor: number, out: number, bfloat: number): number;
  /** W ← W + factor · (A @ B) over a whole float32 table. */
  mergeLoraTable(table: number, rows: number, dim: number, a: number, b: number, rank: number, factor: number): number;
  /** The adapters' gradients (u × rank rows of A, dense rank × dim of B) from the table's sparse gradient. */
  loraGradients(ids: number, u: number, grads: number, dim: number, a: number, b: number, rank: number, factor: number, gradA: number, gradB: number): number;
}

/** Reductions of `bagReduce` (the kernel's BAG_* constants). */
export const BagMode = { sum: 0, mean: 1, max: 2 } as const;

/** Scores of `scoreRows` (the kernel's METRIC_* constants). */
export const Metric = { dot: 0, cosine: 1, euclidean: 2 } as const;

/** Distributions of `fillRandom` (the kernel's RANDOM_* constants). */
export const RandomKind = { UNIFORM: 0, NORMAL: 1, TRUNCATED_NORMAL: 2, SYMMETRIC_UNIFORM: 3 } as const;

/** Bytes of the generator state block (the kernel's RANDOM_STATE_BYTES). */
export const RANDOM_STATE_BYTES = 128;

/** Update rules of `optimizerStep` (the kernel's OPTIMIZER_* constants). */
export const OptimizerKind = { SGD: 0, ADAGRAD: 1, ADAM: 2 } as const;

/** The arguments of one optimizer step, by name. Pointers are byte offsets; 0 means "none". */
export interface StepArgs {
  kind: number;
  lazy: boolean;
  table: number;
  rows: number;
  dim: number;
  /** SGD's velocity, Adagrad's accumulator, Adam's first moment. */
  slotA: number;
  /** Adam's second moment. */
  slotB: number;
  ids: number;
  grads: number;
  count: number;
  hash: number;
  hashCapacity: number;
  extra: number;
  nesterov: boolean;
  learningRate: number;
  momentum: number;
  epsilon: number;
  /** Adam's bias-corrected step size for this step. */
  alpha: number;
  beta1: number;
  beta2: number;
  l1: number;
  l2: number;
  weightDecay: number;
}

/** Byte offset of each field in the step's argument block (the kernel's STEP_* constants), and its type. */
export const STEP_LAYOUT: { readonly [K in keyof StepArgs]: readonly [offset: number, type: "u32" | "f32"] } = {
  kind: [0, "u32"], lazy: [4, "u32"], table: [8, "u32"], rows: [12, "u32"], dim: [16, "u32"], slotA: [20, "u32"], slotB: [24, "u32"],
  ids: [28, "u32"], grads: [32, "u32"], count: [36, "u32"], hash: [40, "u32"], hashCapacity: [44, "u32"], extra: [48, "u32"],
  nesterov: [52, "u32"], learningRate: [56, "f32"], momentum: [60, "f32"], epsilon: [64, "f32"], alpha: [68, "f32"], beta1: [72, "f32"],
  beta2: [76, "f32"], l1: [80, "f32"], l2: [84, "f32"], weightDecay: [88, "f32"],
};
/** Bytes of the step's argument block (the kernel's STEP_ARGS_BYTES). */
export const STEP_ARGS_BYTES = 92;

/** Writes `args` at `ptr` (STEP_ARGS_BYTES of scratch) for `optimizerStep(ptr)`. */
export function writeStepArgs(memory: WebAssembly.Memory, ptr: number, args: StepArgs): void {
  const view = new DataView(memory.buffer, ptr, STEP_ARGS_BYTES);
  for (const key of Object.keys(STEP_LAYOUT) as (keyof StepArgs)[]) {
    const [offset, type] = STEP_LAYOUT[key];
    const value = args[key];
    if (type === "f32") view.setFloat32(offset, value as number, true);
    else view.setUint32(offset, typeof value === "boolean" ? (value ? 1 : 0) : (value as number), true);
  }
}

/**
 * Every export the host calls, with its parameter count: what `init()` checks a supplied module
 * against, and what the contract test checks `KernelExports` and the compiled kernel against.
 */
export const KERNEL_FUNCTIONS: { readonly [K in Exclude<keyof KernelExports, "memory">]: number } = {
  heapBase: 0, gatherRows: 6, firstOutOfRange: 3, f64ToIndices: 3, f32ToIndices: 3, i64ToIndices: 3, seedRandomState: 3, fillRandom: 7,
  widenToF64: 3, orthogonalFill: 6, orthogonalFactor: 6, orthogonalFormQ: 6, orthogonalWrite: 6, constrainRows: 7, columnSumSquares: 5, addColumnSumSquares: 5, constrainColumns: 9, clampNonNegative: 2, renormRows: 7,
  absAndSquareSums: 5, absAndSquareSumsPart: 6, gatherRowsWithSums: 6, outputRowSums: 4, rowPairAbsCosineSum: 4, columnPairAbsCosineSum: 4, constrainListedRows: 8,
  clampListedRows: 4, sparseGradient: 10, optimizerStep: 1, fillF32: 3, orthogonalRowsGradient: 8, orthogonalColumnsGradient: 9,
  bagReduce: 11, bagGradientRows: 11, matmulNT: 6, matmulNTStrided: 7, matmulNN: 6, matmulTN: 6, softCap: 3, softCapBackward: 4, rowNormsF32: 4, scoreRows: 8, selectTop: 8,
  gatherInt8: 7, gatherInt4: 8, gatherInt4Grouped: 10, gatherFloat16: 6, gatherBfloat16: 6, roundToFloat16: 3, roundToBfloat16: 3, narrowToFloat16: 2, narrowToBfloat16: 2, addLoraRows: 8, addLoraRowsRounded: 9, mergeLoraTable: 7, loraGradients: 10,
};

/** The kernel's exported constants and the values the host uses for them. */
export const KERNEL_CONSTANTS: Readonly<Record<string, number>> = {
  RANDOM_STATE_BYTES,
  RANDOM_UNIFORM: RandomKind.UNIFORM,
  RANDOM_NORMAL: RandomKind.NORMAL,
  RANDOM_TRUNCATED_NORMAL: RandomKind.TRUNCATED_NORMAL,
  RANDOM_SYMMETRIC_UNIFORM: RandomKind.SYMMETRIC_UNIFORM,
  OPTIMIZER_SGD: OptimizerKind.SGD,
  OPTIMIZER_ADAGRAD: OptimizerKind.ADAGRAD,
  OPTIMIZER_ADAM: OptimizerKind.ADAM,
  STEP_ARGS_BYTES,
  BAG_SUM: BagMode.sum,
  BAG_MEAN: BagMode.mean,
  BAG_MAX: BagMode.max,
  METRIC_DOT: Metric.dot,
  METRIC_COSINE: Metric.cosine,
  METRIC_EUCLIDEAN: Metric.euclidean,
  ...Object.fromEntries(
    Object.entries(STEP_LAYOUT).map(([key, [offset]]) => [`STEP_${key.replace(/([A-Z])/g, "_$1").toUpperCase().replace("BETA1", "BETA_1").replace("BETA2", "BETA_2")}`, offset]),
  ),
};

/** What `init()` accepts: a compiled module, the .wasm bytes, or a fetch `Response` (or its promise). */
export type KernelSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;

let compiled: WebAssembly.Module | undefined;

/**
 * Pages a shared kernel memory may grow to: the maximum the shared build declares (asconfig.json's
 * "shared" target), 4 GiB. An imported shared memory must declare a maximum no larger.
 */
export const SHARED_MAXIMUM_PAGES = 65536;

let compiledShared: Promise<WebAssembly.Module> | undefined;

/**
 * The kernel built from the same source over a shared memory (build/kernel-shared.wasm), which
 * EmbeddingPool's workers run. Its bytes are a separate generated module, loaded on first use only,
 * so programs that never make a pool do not parse them.
 */
export function sharedKernelModule(): Promise<WebAssembly.Module> {
  compiledShared ??= (async () => {
    const { SHARED_KERNEL_WASM_BASE64 } = await import("./shared-kernel-bytes.ts");
    try {
      return await WebAssembly.compile(decodeBase64(SHARED_KERNEL_WASM_BASE64));
    } catch (cause) {
      throw explainCompileFailure(cause);
    }
  })();
  // A failed compile is not cached: the next pool tries again.
  compiledShared.catch(() => (compiledShared = undefined));
  return compiledShared;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function explainCompileFailure(cause: unknown): Error {
  if (typeof WebAssembly === "undefined") {
    return new Error("embedding-wasm needs WebAssembly, which this JavaScript engine does not provide");
  }
  const message = String((cause as Error)?.message ?? cause);
  if (/Content.Security/i.test(message)) {
    return new Error(
      "embedding-wasm could not compile its kernel: the page's Content-Security-Policy forbids WebAssembly. " +
        `Allow it with script-src 'wasm-unsafe-eval'. (${message})`,
      { cause },
    );
  }
  return new Error(
    `embedding-wasm could not compile its kernel (it needs WebAssembly SIMD, available in Node >= 16.4, ` +
      `Chrome 91, Firefox 89, Safari 16.4): ${String((cause as Error)?.message ?? cause)}`,
    { cause },
  );
}

/** The compiled kernel, compiling the inlined bytes synchronously on first use. */
export function kernelModule(): WebAssembly.Module {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(decodeBase64(KERNEL_WASM_BASE64));
    } catch (cause) {
      throw explainCompileFailure(cause);
    }
  }
  return compiled;
}

/**
 * Prepares the kernel asynchronously. Optional: `new Embedding()` compiles the inlined bytes
 * synchronously when nothing was prepared. Pass `source` to use a precompiled `WebAssembly.Module`
 * (hosts that forbid compiling from bytes, such as some edge runtimes), the `.wasm` bytes, or a
 * `Response` from `fetch` (streamed when served as application/wasm). Layers made afterwards use it.
 */
export async function init(source?: KernelSource): Promise<void> {
  if (source === undefined) {
    if (compiled !== undefined) return;
    source = decodeBase64(KERNEL_WASM_BASE64);
  }
  source = await source;
  // A Response may be consumed by a failed streaming compile (wrong MIME type): keep a copy.
  const fallback = typeof Response !== "undefined" && source instanceof Response ? source.clone() : undefined;
  const imports = { env: { memory: new WebAssembly.Memory({ initial: 1 }) } };
  let candidate: WebAssembly.Module;
  try {
    candidate = source instanceof WebAssembly.Module ? source : (await loader.instantiate(source, imports)).module;
  } catch (cause) {
    if (fallback === undefined) throw explainCompileFailure(cause);
    try {
      candidate = (await loader.instantiate(await fallback.arrayBuffer(), imports)).module;
    } catch (again) {
      throw explainCompileFailure(again);
    }
  }
  // A module that is not this package's kernel is refused, and the working kernel stays in use.
  checkKernelModule(candidate);
  compiled = candidate;
  heapBase = undefined;
}

/**
 * Throws a ValueError naming what is missing or different when `module` is not a kernel this
 * version of the package can drive: its imports, every function (with its parameter count) and
 * every constant are compared with KERNEL_FUNCTIONS and KERNEL_CONSTANTS.
 */
export function checkKernelModule(module: WebAssembly.Module, shared = false): void {
  const problems: string[] = [];
  const kinds = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind as string]));
  const imports = WebAssembly.Module.imports(module);
  const importsOk = imports.length === 1 && imports[0]!.module === "env" && imports[0]!.name === "memory" && imports[0]!.kind === "memory";
  if (!importsOk) problems.push(`it must import only env.memory, but imports ${JSON.stringify(imports.map((i) => `${i.module}.${i.name}`))}`);
  for (const name of Object.keys(KERNEL_FUNCTIONS)) if (kinds.get(name) !== "function") problems.push(`no function ${name}`);
  for (const name of Object.keys(KERNEL_CONSTANTS)) if (kinds.get(name) !== "global") problems.push(`no constant ${name}`);
  if (problems.length === 0) {
    let exports: Record<string, unknown>;
    try {
      const memory = shared ? new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 1 });
      exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    } catch (cause) {
      throw new ValueError(`init() was given a module that is not the embedding-wasm kernel: it cannot be instantiated (${(cause as Error).message}).`, { cause });
    }
    for (const [name, arity] of Object.entries(KERNEL_FUNCTIONS)) {
      const length = (exports[name] as (...args: unknown[]) => unknown).length;
      if (length !== arity) problems.push(`${name} takes ${length} arguments, not ${arity}`);
    }
    for (const [name, expected] of Object.entries(KERNEL_CONSTANTS)) {
      const value = (exports[name] as WebAssembly.Global).value;
      if (value !== expected) problems.push(`${name} is ${value}, not ${expected}`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join("; ") + (problems.length > 5 ? `; and ${problems.length - 5} more` : "");
    throw new ValueError(
      `init() was given a module that is not the kernel of this version of embedding-wasm (${shown}). ` +
        `Pass build/kernel.wasm from the same package version (import "embedding-wasm/kernel.wasm"), or call init() without arguments.`,
    );
  }
}

let heapBase: number | undefined;

/**
 * The first byte the kernel's static data (e.g. the tables of its software `pow`) leaves free,
 * rounded up to 64: where a memory's own layout may begin. Read once from a probe instance.
 */
export function kernelDataEnd(): number {
  if (heapBase === undefined) {
    const probe = instantiateKernel(new WebAssembly.Memory({ initial: 1 }));
    heapBase = Math.ceil(probe.heapBase() / 64) * 64;
  }
  return heapBase;
}

/**
 * A kernel instance bound to `memory` (one per layer; the compiled module is shared). `module`: the
 * shared build for a shared memory (KernelMemory.share), else the release kernel.
 */
export function instantiateKernel(memory: WebAssembly.Memory, module: WebAssembly.Module = kernelModule()): KernelExports {
  const { exports } = loader.instantiateSync(module, { env: { memory } });
  return exports as unknown as KernelExports;
}
