// No bundler: the page's import map resolves "embedding-wasm" and "@assemblyscript/loader" to the
// installed files. (Module workers do not see a page's import map, so the worker checks run in the
// bundler builds.)
import { runChecks } from "./check.js";

runChecks({ wasmUrl: "./node_modules/embedding-wasm/build/kernel.wasm" });
