// Bundler entry (esbuild, Vite, webpack): the worker is created the way all three understand.
import { runChecks } from "./check.js";

runChecks({
  makeWorker: () => new Worker(new URL("./worker.js", import.meta.url), { type: "module" }),
  wasmUrl: "./kernel.wasm",
});
