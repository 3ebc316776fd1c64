// EmbeddingPool.create's options, checked before anything starts, and the one environment check a
// pool needs: SharedArrayBuffers that can be posted to workers (cross-origin isolation in browsers).
import { ValueError, invalidArgument } from "../errors.ts";

/** Options of {@link EmbeddingPool.create}. */
export interface EmbeddingPoolOptions {
  /**
   * Worker threads to start (a positive integer). Default: the machine's logical processors
   * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers), or 2 where unknown.
   */
  workers?: number;
  /**
   * Where the worker script is, for setups that move it: by default `pool-worker.js` beside the
   * package's own module (`new URL("./pool-worker.js", import.meta.url)`, which Node, browsers and
   * bundlers resolve; the CommonJS entry finds it beside `dist/index.cjs`). The script has no imports,
   * so a plain copy of `dist/pool-worker.js` works anywhere.
   */
  workerUrl?: URL | string;
}

const OPTION_NAMES = ["workers", "workerUrl"];

/** Workers per pool at most: far above any real core count, and it bounds the regions reserved. */
const MAX_WORKERS = 256;

/** `options` checked: the worker count (undefined for the default) and the worker script's URL (undefined for the default). */
export function checkPoolOptions(options: unknown): { workers: number | undefined; workerUrl: URL | undefined } {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object such as { workers: 2 }", options);
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new ValueError(`Unrecognized option passed to EmbeddingPool.create: ${JSON.stringify(key)}. Expected only: ${OPTION_NAMES.join(", ")}`);
  }
  const { workers, workerUrl } = options as EmbeddingPoolOptions;
  if (workers !== undefined && (typeof workers !== "number" || !Number.isSafeInteger(workers) || workers <= 0 || workers > MAX_WORKERS)) {
    invalidArgument("workers", `a positive integer ≤ ${MAX_WORKERS}`, workers);
  }
  let url: URL | undefined;
  if (workerUrl !== undefined) {
    if (typeof workerUrl !== "string" && !(workerUrl instanceof URL)) invalidArgument("workerUrl", "a URL or a string", workerUrl);
    try {
      url = workerUrl instanceof URL ? workerUrl : new URL(workerUrl, (globalThis as { location?: { href: string } }).location?.href);
    } catch {
      invalidArgument("workerUrl", "a URL (or an absolute URL string) of the pool's worker script", workerUrl);
    }
  }
  return { workers, workerUrl: url };
}

/** Refuses, with the fix, a browser page whose SharedArrayBuffers cannot be posted to workers. */
export function checkCrossOriginIsolated(): void {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) {
    throw new Error(
      "EmbeddingPool needs SharedArrayBuffer, which browsers give only to cross-origin isolated pages, and this page is not " +
        "(crossOriginIsolated is false). Serve the page with the headers Cross-Origin-Opener-Policy: same-origin and " +
        "Cross-Origin-Embedder-Policy: require-corp (see docs/browser.md), or use the layer's own call() on one thread.",
    );
  }
  if (typeof SharedArrayBuffer === "undefined") throw new Error("EmbeddingPool needs SharedArrayBuffer, which this JavaScript environment does not provide.");
}
