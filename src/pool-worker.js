// The worker thread of EmbeddingPool (src/embedding-pool.ts), for Node worker_threads and browser Web
// Workers alike. Plain JavaScript with no imports, on purpose: it runs unchanged from src/ (tests under
// tsx, which does not reach worker threads), from dist/ (copied there by scripts/finish-dist.mjs), and
// after a bundler has copied it as an asset without following any imports. It never creates or grows
// memory: it instantiates the shared build of the kernel over the pool's shared memory, whose table
// and whose own index and output regions the pool laid out on the owning thread.
//
// Messages in: { kind: "init", module, memory, table, rows, dim } once, then [id, idx, n, out] jobs: gather
// rows idx[0..n) into `out` (byte offsets in the shared memory), which the owning thread copies out;
// { kind: "gather", id, idx, n, out, chunk, dest, at } jobs: rows idx[0..n) into dest[at ...] (a
// Float32Array on a SharedArrayBuffer), `chunk` rows at a time through the scratch region at `out`;
// { kind: "reverse", id, x, q, start, count, rows, out, cap } jobs: the logits of table rows
// [start, start + count) for the q queries at x, into columns start.. of the q × rows output at out;
// and { kind: "nearest", … } jobs: the scores of rows [start, start + count) and their best k per
// query. Messages out: { kind: "ready" }, { kind: "failed", message } (init), [id] when a job is
// done, [id, message] when it threw.
let kernel;
let memory;
let table = 0;
let tableRows = 0;
let dim = 0;

function handle(message, reply) {
  if (Array.isArray(message)) {
    const [id, idx, n, out] = message;
    try {
      kernel.gatherRows(table, tableRows, dim, idx, n, out);
      reply([id]);
    } catch (error) {
      reply([id, String(error && error.message ? error.message : error)]);
    }
    return;
  }
  if (message && message.kind === "gather") {
    // Rows idx[0..n) into dest[at ...] (a Float32Array on a SharedArrayBuffer), `chunk` rows at a
    // time through this worker's scratch region at `out`, each chunk copied while still cached.
    const { id, idx, n, out, chunk, dest, at } = message;
    try {
      for (let done = 0; done < n; done += chunk) {
        const m = Math.min(chunk, n - done);
        kernel.gatherRows(table, tableRows, dim, idx + done * 4, m, out);
        dest.set(new Float32Array(memory.buffer, out, m * dim), at + done * dim);
      }
      reply([id]);
    } catch (error) {
      reply([id, String(error && error.message ? error.message : error)]);
    }
    return;
  }
  if (message && message.kind === "reverse") {
    // The logits of table rows [start, start + count) for q queries, into columns start.. of the
    // shared q × rows output, soft-capped as the layer's own reverse() caps them.
    const { id, x, q, start, count, rows, out, cap } = message;
    try {
      const first = out + start * 4;
      kernel.matmulNTStrided(x, q, dim, table + start * dim * 4, count, first, rows);
      if (cap !== null) for (let i = 0; i < q; i++) kernel.softCap(first + i * rows * 4, count, cap);
      reply([id]);
    } catch (error) {
      reply([id, String(error && error.message ? error.message : error)]);
    }
    return;
  }
  if (message && message.kind === "nearest") {
    // Scores of table rows [start, start + count) for q queries, then the best k of them per query
    // (row indices relative to start), as the layer's own nearest() scores and selects them.
    const { id, x, q, start, count, metric, norms, scores, skip, skipCount, k, ascending, idx, val } = message;
    try {
      kernel.scoreRows(x, q, table + start * dim * 4, count, dim, metric, norms + start * 4, scores);
      for (let i = 0; i < q; i++) kernel.selectTop(scores + i * count * 4, count, skip, skipCount, k, ascending ? 1 : 0, idx + i * k * 4, val + i * k * 4);
      reply([id]);
    } catch (error) {
      reply([id, String(error && error.message ? error.message : error)]);
    }
    return;
  }
  if (message && message.kind === "init") {
    try {
      memory = message.memory;
      kernel = new WebAssembly.Instance(message.module, { env: { memory } }).exports;
      table = message.table;
      tableRows = message.rows;
      dim = message.dim;
      reply({ kind: "ready" });
    } catch (error) {
      reply({ kind: "failed", message: String(error && error.message ? error.message : error) });
    }
  }
}

// WorkerGlobalScope exists in Web Workers only (Node's worker threads have none).
const isWebWorker = typeof WorkerGlobalScope !== "undefined" && typeof self === "object";
if (isWebWorker) {
  self.onmessage = (event) => handle(event.data, (m) => self.postMessage(m));
} else {
  // A variable specifier keeps bundlers from resolving a Node built-in in a browser build.
  const threads = "node:worker_threads";
  import(/* webpackIgnore: true */ /* @vite-ignore */ threads).then(({ parentPort }) => {
    parentPort.on("message", (message) => handle(message, (m) => parentPort.postMessage(m)));
  });
}
