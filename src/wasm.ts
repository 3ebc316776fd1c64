/**
 * The kernel module: compiled once per process and instantiated once per layer memory, here and
 * nowhere else, through `@assemblyscript/loader`. The bytes are inlined (src/kernel-bytes.ts, made
 * by scripts/embed-wasm.mjs from build/kernel.wasm), so the package loads in Node, browsers and
 * bundlers with no asset handling; `init()` accepts a precompiled module for hosts that forbid
 * compiling from bytes.
 */
import * as loader from "@assemblyscript/loader";
import { KERNEL_WASM_BASE64 } from "./kernel-bytes.ts";

/** The kernel's exports (assembly/index.ts). Pointers are byte offsets; sizes are element counts. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  gatherRows(table: number, dim: number, idx: number, n: number, out: number): number;
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
  constrainRows(table: number, rows: number, cols: number, lo: number, hi: number, rate: number, divide: number): number;
  columnSumSquares(table: number, rows: number, cols: number, sums: number, partials: number): number;
  constrainColumns(table: number, rows: number, cols: number, sums: number, factors: number, lo: number, hi: number, rate: number, divide: number): number;
  clampNonNegative(table: number, n: number): number;
  renormRows(table: number, cols: number, idx: number, n: number, maxNorm: number, p: number, seen: number): number;
  /** abs, squares: 1 to compute that sum (the other is written as 0). */
  absAndSquareSums(p: number, n: number, out: number, abs: number, squares: number): number;
  gatherRowsWithSums(table: number, dim: number, idx: number, n: number, out: number, stats: number): number;
  rowPairAbsCosineSum(table: number, rows: number, cols: number, inv: number): number;
  columnPairAbsCosineSum(table: number, rows: number, cols: number, gram: number): number;
  constrainListedRows(table: number, cols: number, list: number, m: number, lo: number, hi: number, rate: number, divide: number): number;
  clampListedRows(table: number, cols: number, list: number, m: number): number;
  sparseGradient(idx: number, n: number, dim: number, dOut: number, hash: number, cap: number, ids: number, grads: number, counts: number, byFrequency: number): number;
  optimizerStep(kind: number, lazy: number, table: number, rows: number, dim: number, a: number, b: number, ids: number, grads: number, u: number,
    hash: number, cap: number, extra: number, h0: number, h1: number, h2: number, h3: number, h4: number, flag: number, l1: number, l2: number, wd: number): void;
  fillF32(p: number, n: number, value: number): number;
  orthogonalRowsGradient(table: number, rows: number, cols: number, list: number, m: number, coef: number, norms: number, out: number): number;
  orthogonalColumnsGradient(table: number, rows: number, cols: number, list: number, m: number, coef: number, gram: number, aux: number, out: number): number;
}

/** Distributions of `fillRandom` (the constants of assembly/random.ts). */
export const RandomKind = { UNIFORM: 0, NORMAL: 1, TRUNCATED_NORMAL: 2, SYMMETRIC_UNIFORM: 3 } as const;

/** Bytes of the generator state block (RANDOM_STATE_BYTES of assembly/random.ts). */
export const RANDOM_STATE_BYTES = 128;

/** What `init()` accepts: a compiled module, the .wasm bytes, or a fetch `Response` (or its promise). */
export type KernelSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;

let compiled: WebAssembly.Module | undefined;

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
  try {
    compiled = (await loader.instantiate(source, imports)).module;
    heapBase = undefined;
  } catch (cause) {
    if (fallback === undefined) throw explainCompileFailure(cause);
    try {
      compiled = (await loader.instantiate(await fallback.arrayBuffer(), imports)).module;
      heapBase = undefined;
    } catch (again) {
      throw explainCompileFailure(again);
    }
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

/** A kernel instance bound to `memory` (one per layer; the compiled module is shared). */
export function instantiateKernel(memory: WebAssembly.Memory): KernelExports {
  const { exports } = loader.instantiateSync(kernelModule(), { env: { memory } });
  return exports as unknown as KernelExports;
}
