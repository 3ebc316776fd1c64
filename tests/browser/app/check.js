// The checks a page runs against the installed package (imported by name, as a user would):
// a seeded lookup compared with a reference gather computed here from the layer's own table, the
// mask, the zero-copy path, SHA-256 hashes of seeded tables (the Node side compares them with its
// own), a lookup in a module worker, and init() with a precompiled WebAssembly.Module in a worker
// where compiling from bytes is forbidden. The result lands in globalThis.__result.
import { Embedding } from "embedding-wasm";
import { LOOKUP, seededHashes, sha256 } from "./specs.js";

function referenceGather(table, dim, indices) {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    for (let d = 0; d < dim; d++) out[i * dim + d] = table[indices[i] * dim + d];
  }
  return out;
}

function sameFloats(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Sends `message` to a fresh worker made by `makeWorker`; resolves with its reply. */
function ask(makeWorker, message, transfer = []) {
  return new Promise((resolve, reject) => {
    const worker = makeWorker();
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error("the worker did not answer within 20 s"));
    }, 20_000);
    worker.onmessage = (event) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`worker error: ${event.message || "failed to load the worker script"}`));
    };
    worker.postMessage(message, transfer);
  });
}

export async function runChecks({ makeWorker, wasmUrl } = {}) {
  const result = { errors: [], userAgent: navigator.userAgent };
  const step = async (name, fn) => {
    try {
      result[name] = await fn();
    } catch (e) {
      result.errors.push(`${name}: ${e && e.stack ? e.stack : e}`);
    }
  };

  let main;
  await step("lookup", async () => {
    const layer = new Embedding(LOOKUP.options);
    const flat = LOOKUP.indices.flat();
    const y = layer.call(LOOKUP.indices);
    const table = layer.getWeights()[0].data;
    const expected = referenceGather(table, layer.outputDim, flat);
    const mask = layer.computeMask(LOOKUP.indices);
    main = y.data;
    return {
      shape: y.shape,
      equalsReference: sameFloats(y.data, expected),
      maskShape: mask.shape,
      mask: Array.from(mask.data),
      maskExpected: flat.map((v) => (v !== 0 ? 1 : 0)),
      firstValues: Array.from(y.data.subarray(0, 4)),
      hash: await sha256(y.data),
    };
  });

  await step("zeroCopy", async () => {
    const layer = new Embedding(LOOKUP.options);
    const flat = Int32Array.from(LOOKUP.indices.flat());
    layer.indexBuffer(flat.length).set(flat);
    const out = layer.lookupBuffer([LOOKUP.indices.length, LOOKUP.indices[0].length]);
    return { equalsCall: sameFloats(out, main) };
  });

  await step("hashes", () => seededHashes(Embedding));

  if (makeWorker) {
    await step("worker", async () => {
      const reply = await ask(makeWorker, { kind: "lookup" });
      if (reply.error) throw new Error(`in the worker: ${reply.error}`);
      return { equalsMain: sameFloats(reply.data, main), shape: reply.shape, mask: reply.mask, hashes: reply.hashes };
    });
    if (wasmUrl) {
      await step("precompiled", async () => {
        const module = await WebAssembly.compileStreaming(fetch(wasmUrl));
        const reply = await ask(makeWorker, { kind: "precompiled", module });
        if (reply.error) throw new Error(`in the worker: ${reply.error}`);
        return { equalsMain: sameFloats(reply.data, main), refusedBeforeInit: reply.refusedBeforeInit, initFromBytesRefused: reply.initFromBytesRefused };
      });
    }
  }

  globalThis.__result = result;
  const status = document.getElementById("status");
  if (status) status.textContent = result.errors.length ? `errors:\n${result.errors.join("\n")}` : "done";
  return result;
}
