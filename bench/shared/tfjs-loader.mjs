// TensorFlow.js 4.22, loaded once per process for every bench that runs a TF.js contender (the
// lookup contenders in lookup/contenders/tfjs.mjs and the kernel suites in kernels/): core,
// layers and the cpu and wasm backends. Nothing of TF.js is imported until a TF.js contender runs.
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { since, onceEver } from "./clock.mjs";

let tf, tfl;

/**
 * tfjs-layers calls a few chained tensor methods (`x.flatten()`, `x.reshape(s)`...: the Orthogonal
 * initializer does). @tensorflow/tfjs, the union package most applications import, adds them to
 * the Tensor prototype; importing core and layers separately, as here, does not. These forward to
 * the op functions, as the union package's versions do.
 */
function addChainedMethods() {
  const proto = tf.Tensor.prototype;
  const methods = {
    flatten() { return tf.reshape(this, [this.size]); },
    reshape(shape) { return tf.reshape(this, shape); },
    stridedSlice(begin, end, strides) { return tf.stridedSlice(this, begin, end, strides); },
    sign() { return tf.sign(this); },
    transpose(perm) { return tf.transpose(this, perm); },
  };
  for (const [name, fn] of Object.entries(methods)) if (proto[name] === undefined) proto[name] = fn;
}

/** { tf, tfl }: tfjs-core (with both backends registered) and tfjs-layers. */
export async function loadTfjs() {
  if (tf === undefined) {
    const start = performance.now();
    tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-cpu");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    tfl = await import("@tensorflow/tfjs-layers");
    // The wasm backend fetches its .wasm files from this folder (trailing separator required).
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + sep);
    addChainedMethods();
    onceEver("import @tensorflow/tfjs-core, -layers, -backend-cpu, -backend-wasm", since(start));
  }
  return { tf, tfl };
}

/**
 * Runs `fn` with console.warn silenced: the cpu backend's first tensor prints a banner suggesting
 * @tensorflow/tfjs-node (native TensorFlow, not a JS/WASM library, so out of scope here), and
 * tfjs-layers' Orthogonal warns about large matrices.
 */
export function quietly(fn) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

/** Switches the global TF.js backend; the first switch to a backend initializes it (timed, once). */
export async function useBackend(backend) {
  const { tf } = await loadTfjs();
  const start = performance.now();
  await tf.setBackend(backend);
  await tf.ready();
  onceEver(`TF.js setBackend("${backend}") first initialization`, since(start));
  return tf;
}

/**
 * A kernel-suite contender for TF.js on `backend`: named `tfjs-<backend>`, it switches to the
 * backend and calls `prepare({ tf, tfl }, c, data)` for the case's prepared step.
 */
export function tfjsPeer(backend, prepare) {
  return {
    name: `tfjs-${backend}`,
    group: "peer",
    async prepare(c, data) {
      await useBackend(backend);
      return prepare(await loadTfjs(), c, data);
    },
  };
}
