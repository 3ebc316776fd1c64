// The published entry (dist/, through the package's own "exports" map) and the async init paths.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import * as published from "embedding-wasm";
import { Embedding, init } from "../../src/index.ts";

const pkg = suite("published entry");

pkg("the package name resolves through its exports map to dist/ with a working layer", () => {
  assert.type(published.Embedding, "function");
  const layer = new published.Embedding({ inputDim: 3, outputDim: 2, weights: [[0, 0], [2, 2], [3, 3]] });
  assert.equal(Array.from(layer.call([2, 1, 0]).data), [3, 3, 2, 2, 0, 0]);
  assert.equal(layer.call([[2]]).shape, [1, 1, 2]);
});

pkg("declarations are shipped beside the JavaScript", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.is(manifest.exports["."].import.types, "./dist/index.d.ts");
  assert.is(manifest.exports["."].require.types, "./dist/index.d.cts");
  const dts = readFileSync(new URL("../../dist/index.d.ts", import.meta.url), "utf8");
  assert.match(dts, /Embedding/);
});

pkg("EmbeddingPool finds its worker script from the ESM entry (import.meta.url) and the CommonJS entry (dist/index.cjs)", async () => {
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)("embedding-wasm") as typeof published;
  assert.ok(readFileSync(new URL("../../dist/pool-worker.js", import.meta.url), "utf8").includes("gatherRows"));
  for (const entry of [published, cjs]) {
    const layer = new entry.Embedding({ inputDim: 3, outputDim: 2, weights: [[0, 0], [2, 2], [3, 3]] });
    const pool = await entry.EmbeddingPool.create(layer, { workers: 2 });
    assert.equal(Array.from((await pool.call([2, 1, 0, 2])).data), [3, 3, 2, 2, 0, 0, 3, 3]);
    await pool.dispose();
  }
});

const initSuite = suite("init()");
const wasm = readFileSync(new URL("../../build/kernel.wasm", import.meta.url));

initSuite("accepts nothing, bytes, a precompiled WebAssembly.Module, and Responses", async () => {
  await init();
  await init(new Uint8Array(wasm));
  await init(new WebAssembly.Module(wasm));
  await init(new Response(new Uint8Array(wasm), { headers: { "content-type": "application/wasm" } }));
  // Served with the wrong MIME type, streaming compile fails; init falls back to the bytes.
  await init(Promise.resolve(new Response(new Uint8Array(wasm), { headers: { "content-type": "application/octet-stream" } })));
  const layer = new Embedding({ inputDim: 4, outputDim: 3, weights: [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]] });
  assert.equal(Array.from(layer.call([3]).data), [4, 4, 4]);
});

initSuite("rejects bytes that are not the kernel, with a clear message", async () => {
  let message = "";
  try {
    await init(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]));
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^embedding-wasm could not compile its kernel \(it needs WebAssembly SIMD/);
  // A failed init leaves the previous module in place.
  assert.equal(Array.from(new Embedding({ inputDim: 2, outputDim: 1, weights: [[5], [6]] }).call([1]).data), [6]);
});

pkg.run();
initSuite.run();
