// Module worker: the same seeded lookup as the page, made here. With { kind: "precompiled", module }
// it first forbids compiling WebAssembly from bytes (as some hosts do), shows that a layer cannot be
// made then, and that init(module) with the page's precompiled module makes it work.
import { Embedding, init } from "embedding-wasm";
import { LOOKUP, seededHashes } from "./specs.js";

function forbidCompilingFromBytes() {
  const RealModule = WebAssembly.Module;
  const realInstantiate = WebAssembly.instantiate;
  const refuse = () => {
    throw new WebAssembly.CompileError("compiling WebAssembly from bytes is forbidden here");
  };
  WebAssembly.Module = new Proxy(RealModule, { construct: refuse });
  WebAssembly.compile = async () => refuse();
  WebAssembly.compileStreaming = async () => refuse();
  WebAssembly.instantiateStreaming = async () => refuse();
  WebAssembly.instantiate = (source, imports) =>
    source instanceof RealModule ? realInstantiate(source, imports) : Promise.reject(new WebAssembly.CompileError("compiling WebAssembly from bytes is forbidden here"));
}

self.onmessage = async ({ data: message }) => {
  try {
    let refusedBeforeInit, initFromBytesRefused;
    if (message.kind === "precompiled") {
      forbidCompilingFromBytes();
      try {
        new Embedding({ inputDim: 2, outputDim: 2 });
        refusedBeforeInit = false;
      } catch {
        refusedBeforeInit = true;
      }
      try {
        await init();
        initFromBytesRefused = false;
      } catch {
        initFromBytesRefused = true;
      }
      await init(message.module);
    }
    const layer = new Embedding(LOOKUP.options);
    const y = layer.call(LOOKUP.indices);
    const mask = layer.computeMask(LOOKUP.indices);
    const reply = { data: y.data, shape: y.shape, mask: Array.from(mask.data), refusedBeforeInit, initFromBytesRefused };
    if (message.kind === "lookup") reply.hashes = await seededHashes(Embedding);
    self.postMessage(reply, [y.data.buffer]);
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
};
