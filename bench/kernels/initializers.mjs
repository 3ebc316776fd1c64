// Suite "init": filling a table with an initializer, in floats per second, against
// TF.js' `tf.initializers.*` (tfjs-layers) on the cpu and wasm backends and against the plainest
// fill there is, Float32Array.prototype.fill over as many floats.
//
// Ours is measured two ways:
//   fill   the initializer writes into a layer's existing table in WebAssembly memory: what
//          `new Embedding({ embeddingsInitializer })` spends after allocating the table. The layer
//          hands its table to the initializer through the documented Initializer protocol
//          (`fill(target)`); a wrapper keeps that target so each timed call refills the same table.
//   apply  `initializer.apply(shape)` → a fresh Float32Array: a memory of its own is allocated,
//          filled, and copied out. Like TF.js, which returns a fresh tensor: the peer ratios use it.
import { quietly, tfjsPeer } from "../shared/tfjs-loader.mjs";
import { moments, orthogonalityError, short } from "./checks.mjs";

const SEED = 1234;
const TRUNCATED_SPREAD = 0.87962566103423978; // std of N(0, 1) truncated to ±2

/** The initializers, with Keras' defaults, and what their values must look like. */
const KINDS = {
  uniform: {
    ours: (E) => new E.RandomUniform({ minval: -0.05, maxval: 0.05, seed: SEED }),
    tfjs: (tfl) => tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: SEED }),
    expect: () => ({ lo: -0.05, hi: 0.05, mean: 0, std: 0.1 / Math.sqrt(12) }),
  },
  normal: {
    ours: (E) => new E.RandomNormal({ mean: 0, stddev: 0.05, seed: SEED }),
    tfjs: (tfl) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.05, seed: SEED }),
    expect: () => ({ lo: -0.35, hi: 0.35, mean: 0, std: 0.05 }), // ±7σ: never reached in 1e9 draws
  },
  truncated: {
    ours: (E) => new E.TruncatedNormal({ mean: 0, stddev: 0.05, seed: SEED }),
    tfjs: (tfl) => tfl.initializers.truncatedNormal({ mean: 0, stddev: 0.05, seed: SEED }),
    expect: () => ({ lo: -0.1, hi: 0.1, mean: 0, std: 0.05 * TRUNCATED_SPREAD }),
  },
  glorot_uniform: {
    ours: (E) => new E.GlorotUniform({ seed: SEED }),
    tfjs: (tfl) => tfl.initializers.glorotUniform({ seed: SEED }),
    expect: ([rows, cols]) => {
      const limit = Math.sqrt(6 / (rows + cols)); // fan_in = rows, fan_out = cols for a 2-D table
      return { lo: -limit, hi: limit, mean: 0, std: limit / Math.sqrt(3) };
    },
  },
  orthogonal: {
    ours: (E) => new E.Orthogonal({ gain: 1, seed: SEED }),
    tfjs: (tfl) => tfl.initializers.orthogonal({ gain: 1, seed: SEED }),
    orthogonal: true,
  },
};

const FULL = [
  ...["uniform", "normal", "truncated", "glorot_uniform"].map((kind) => ({ kind, shape: [1000000, 128] })),
  { kind: "orthogonal", shape: [1024, 256] },
  { kind: "orthogonal", shape: [4096, 256] },
];
/** --quick: three of the initializers on smaller tables (TF.js needs ~4 s per 128M normal draws). */
const QUICK = [
  ...["uniform", "truncated"].map((kind) => ({ kind, shape: [20000, 128] })),
  { kind: "orthogonal", shape: [128, 32] },
];

const named = (c) => ({ ...c, name: `${c.kind} ${c.shape.join("x")}`, floats: c.shape[0] * c.shape[1] });

const fill = {
  name: "fill",
  group: "ours",
  async prepare(c) {
    const E = await import("embedding-wasm");
    const init = KINDS[c.kind].ours(E);
    let target;
    // The documented Initializer protocol: the layer calls fill(target) with its table.
    const keeper = { className: init.className, fill: (t) => init.fill((target = t)), apply: (s) => init.apply(s), getConfig: () => init.getConfig() };
    const start = performance.now();
    const layer = new E.Embedding({ inputDim: c.shape[0], outputDim: c.shape[1], embeddingsInitializer: keeper });
    return {
      setup: { "new Embedding (allocates and fills the table)": performance.now() - start },
      // Float32Array.fill again, timed in this process, interleaved (bench/README.md, "Paired bounds").
      paired: { fill: fillBound.prepare(c) },
      step: () => init.fill(target),
      output: () => layer.getWeights()[0].data,
      dispose: () => layer.dispose(),
    };
  },
};

const apply = {
  name: "apply",
  group: "ours",
  async prepare(c) {
    const E = await import("embedding-wasm");
    const init = KINDS[c.kind].ours(E);
    let last;
    return { setup: {}, step: () => (last = init.apply(c.shape)), output: () => last, dispose: () => {} };
  },
};

function tfjs(backend) {
  return tfjsPeer(backend, ({ tf, tfl }, c) => {
    const init = KINDS[c.kind].tfjs(tfl);
    const before = tf.memory().numTensors;
    let last;
    return {
      setup: {},
      // apply → a tensor in the backend; dataSync() gets its values (on cpu, the tensor's own array).
      step: () => {
        const t = quietly(() => init.apply(c.shape, "float32"));
        last = t.dataSync();
        t.dispose();
      },
      output: () => last,
      dispose: () => {
        const leaked = tf.memory().numTensors - before;
        if (leaked) throw new Error(`leaked ${leaked} tensors`);
      },
    };
  });
}

const fillBound = {
  name: "Float32Array.fill",
  group: "bound",
  async prepare(c) {
    const values = new Float32Array(c.floats);
    let v = 0.5;
    return { setup: {}, step: () => values.fill((v = -v)), output: () => values, dispose: () => {} };
  },
};

/** What any fresh result costs: a new Float32Array (first-touch page faults on every page) filled with one value. */
const freshFillBound = {
  name: "fresh Float32Array.fill",
  group: "bound",
  async prepare(c) {
    let last;
    return { setup: {}, step: () => (last = new Float32Array(c.floats).fill(0.5)), output: () => last, dispose: () => {} };
  },
};

/** Values within the distribution's bounds, mean and std within 1% (of std); orthogonal: QᵀQ ≈ I. */
function check(c, data, output, contender) {
  if (!(output instanceof Float32Array) || output.length !== c.floats) return { problem: `output is not ${c.floats} float32 values` };
  if (contender.group === "bound") return output[0] === output[c.floats - 1] ? {} : { problem: "fill left values behind" };
  const kind = KINDS[c.kind];
  if (kind.orthogonal) {
    const error = orthogonalityError(output, c.shape[0], c.shape[1]);
    const detail = `max |QᵀQ − I| = ${short(error)}`;
    return error <= 1e-4 ? { detail } : { problem: detail + " (> 1e-4)" };
  }
  const e = kind.expect(c.shape);
  const m = moments(output);
  const detail = `range [${short(m.min)}, ${short(m.max)}], mean ${short(m.mean)}, std ${short(m.std)} (expected ${short(e.std)})`;
  // The bounds are float32 numbers (−0.05 is −0.0500000007 in float32): 1e-6 of slack.
  const slack = 1e-6 * Math.max(Math.abs(e.lo), Math.abs(e.hi));
  if (!(m.min >= e.lo - slack && m.max <= e.hi + slack)) return { problem: `${detail}: outside [${short(e.lo)}, ${short(e.hi)}]` };
  if (Math.abs(m.mean - e.mean) > 0.01 * e.std || Math.abs(m.std / e.std - 1) > 0.01) return { problem: `${detail}: moments off by more than 1%` };
  return { detail };
}

export const initializersSuite = {
  name: "init",
  title: "Initializers",
  throughput: { label: "Mfloats/s", per: (c) => c.floats / 1e6 },
  cases: (quick) => (quick ? QUICK : FULL).map(named),
  makeData: () => ({}),
  contenders: [fill, apply, tfjs("cpu"), tfjs("wasm"), fillBound, freshFillBound],
  check,
  peers: ["tfjs-cpu", "tfjs-wasm"],
  bounds: [
    { key: "fill", label: "Float32Array.fill", contenders: ["Float32Array.fill"] },
    { key: "fresh", label: "fresh Float32Array + fill", contenders: ["fresh Float32Array.fill"] },
  ],
  targets(suite, { resultOf, ratio, boundRatio, pairedRatio, target }) {
    const c = suite.cases.find((x) => x.kind === "uniform");
    if (!c) return [];
    const viaApply = ratio(c, "apply", "tfjs-cpu");
    const viaFill = ratio(c, "fill", "tfjs-cpu");
    const ofFill = pairedRatio(c, "fill", "fill") ?? boundRatio(c, "fill", "fill");
    const fillApart = boundRatio(c, "fill", "fill");
    const applyOfFill = boundRatio(c, "apply", "fill");
    const applyOfFresh = boundRatio(c, "apply", "fresh");
    const freshVsTfjs = ratio(c, "fresh Float32Array.fill", "tfjs-cpu");
    return [
      // The layer's initializer writes straight into its table (the target allows "apply(shape) → Float32Array
      // (or writes straight into the layer's table in WASM memory)"): that in-place fill is the path
      // measured against TF.js; apply's fresh 512 MB result is shown beside it, with its floor.
      target(`init: ${c.name}: \`fill\` (in place, a layer's own initialization) ≥ 20× faster than TF.js cpu`, viaFill, (x) => x >= 20, "×",
        [viaApply && `apply (a fresh array, as TF.js returns) ${viaApply.text}`, applyOfFresh && `apply ${applyOfFresh.text} the time of a fresh Float32Array + fill, itself only ${freshVsTfjs?.text ?? "?"} faster than TF.js cpu (first-touch page faults on every 4 KiB page of a fresh 512 MB array)`].filter(Boolean).join("; "),
        "the generator (see the next row)"),
      target(`init: ${c.name}: \`fill\` within 2× of Float32Array.fill of as many floats`, ofFill, (x) => x <= 2, "× the fill's time",
        [fillApart && `${fillApart.text} the fill timed in its own process`, applyOfFill && `apply ${applyOfFill.text} the fill's time`].filter(Boolean).join("; "),
        "the generator: xoshiro128+ in 8 SIMD streams and a multiply-add per value is more work per 16 bytes than a store, and it is compute-bound where the fill is bound by memory bandwidth"),
    ];
  },
};
