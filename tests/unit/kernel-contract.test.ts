// The contract between src/core/kernel.ts and the compiled kernel: the KernelExports declaration,
// the parameter counts init() checks, the constants, and the optimizer step's argument layout.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, init, ValueError } from "../../src/index.ts";
import {
  KERNEL_CONSTANTS, KERNEL_FUNCTIONS, SHARED_MAXIMUM_PAGES, STEP_ARGS_BYTES, STEP_LAYOUT, checkKernelModule, kernelModule, sharedKernelModule,
} from "../../src/core/kernel.ts";

/** Method name → parameter count of `interface KernelExports`, read from the source with the TypeScript parser. */
function declaredMethods(): Map<string, number> {
  const path = new URL("../../src/core/kernel.ts", import.meta.url);
  const source = ts.createSourceFile("kernel.ts", readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
  const methods = new Map<string, number>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === "KernelExports") {
      for (const member of node.members) {
        if (ts.isMethodSignature(member)) methods.set((member.name as ts.Identifier).text, member.parameters.length);
      }
    }
  });
  return methods;
}

test("KernelExports declares exactly the functions init() checks, with the same parameter counts", () => {
  const declared = declaredMethods();
  assert.ok(declared.size >= 20, `found ${declared.size} methods`);
  assert.equal(Object.fromEntries([...declared].sort()), Object.fromEntries(Object.entries(KERNEL_FUNCTIONS).sort()));
});

test("the compiled kernel exports exactly the declared functions, constants and nothing else", () => {
  const module = kernelModule();
  const exports = WebAssembly.Module.exports(module);
  const expected = [...Object.keys(KERNEL_FUNCTIONS), ...Object.keys(KERNEL_CONSTANTS), "memory"].sort();
  assert.equal(exports.map((e) => e.name).sort(), expected);
  const instance = new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  for (const [name, arity] of Object.entries(KERNEL_FUNCTIONS)) {
    assert.is((instance.exports[name] as (...a: unknown[]) => unknown).length, arity, `${name} parameter count`);
  }
  for (const [name, value] of Object.entries(KERNEL_CONSTANTS)) assert.is((instance.exports[name] as WebAssembly.Global).value, value, name);
  checkKernelModule(module);
});

test("the shared kernel (EmbeddingPool) exports the same functions and constants, and imports a shared memory of at most 4 GiB", async () => {
  const shared = await sharedKernelModule();
  const names = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).map((e) => `${e.kind} ${e.name}`).sort();
  assert.equal(names(shared), names(kernelModule()));
  checkKernelModule(shared, true);
  // Its memory import is shared: an unshared memory, or one whose maximum exceeds the declared one, is refused.
  assert.throws(() => new WebAssembly.Instance(shared, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }));
  assert.throws(() => new WebAssembly.Instance(shared, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65537, shared: true }) } }));
  assert.is(SHARED_MAXIMUM_PAGES, 65536);
  // The same kernel code: the bytes differ only in the memory import's limits (a few bytes).
  const a = readFileSync(new URL("../../build/kernel.wasm", import.meta.url));
  const b = readFileSync(new URL("../../build/kernel-shared.wasm", import.meta.url));
  assert.ok(Math.abs(a.length - b.length) <= 8, `${a.length} and ${b.length} bytes`);
  // Both compute the same rows over their memories.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const k = new WebAssembly.Instance(shared, { env: { memory } }).exports as unknown as { gatherRows(t: number, r: number, d: number, i: number, n: number, o: number): number };
  const view = new Float32Array(memory.buffer);
  view.set([1, 2, 3, 4, 5, 6], 4096);
  new Int32Array(memory.buffer).set([2, 0], 8192);
  k.gatherRows(4096 * 4, 3, 2, 8192 * 4, 2, 12288 * 4);
  assert.equal([...view.subarray(12288, 12292)], [5, 6, 1, 2]);
});

test("the step argument block: fields 4 bytes apart, none overlapping, all inside STEP_ARGS_BYTES", () => {
  const offsets = Object.values(STEP_LAYOUT).map(([offset]) => offset).sort((a, b) => a - b);
  assert.equal(offsets, offsets.map((_, i) => i * 4));
  assert.is(STEP_ARGS_BYTES, offsets.length * 4);
  assert.is(KERNEL_CONSTANTS["STEP_LEARNING_RATE"], STEP_LAYOUT.learningRate[0]);
  assert.is(KERNEL_CONSTANTS["STEP_WEIGHT_DECAY"], STEP_LAYOUT.weightDecay[0]);
});

const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

test("init() refuses a module that is not the kernel, naming what is missing, and keeps the working kernel", async () => {
  const before = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[1, 2], [3, 4], [5, 6]]] });
  for (const source of [EMPTY_MODULE, new WebAssembly.Module(EMPTY_MODULE)]) {
    let error: unknown;
    try {
      await init(source);
    } catch (e) {
      error = e;
    }
    assert.instance(error, ValueError);
    assert.match((error as Error).message, /not the kernel of this version of embedding-wasm/);
    assert.match((error as Error).message, /no function heapBase/);
  }
  const after = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[1, 2], [3, 4], [5, 6]]] });
  assert.equal([...after.call([2, 0]).data], [5, 6, 1, 2]);
  assert.equal([...before.call([1]).data], [3, 4]);
});

test("init() accepts the real kernel as bytes and as a module", async () => {
  const bytes = readFileSync(new URL("../../build/kernel.wasm", import.meta.url));
  await init(new Uint8Array(bytes));
  await init(kernelModule());
  const layer = new Embedding({ inputDim: 2, outputDim: 1, weights: [[[7], [8]]] });
  assert.equal([...layer.call([1, 0]).data], [8, 7]);
});

test.run();
