// Long-running use in a child process started with --expose-gc, so that memory can be measured
// after full collections: 100,000 lookups of mixed sizes and forms, 2,000 layers created and
// disposed (and 2,000 dropped without dispose), 20,000 refused lookups. Prints one JSON report
// that tests/robustness/leaks.test.ts asserts on. Usage:
//   node --expose-gc --import tsx tests/support/workers/leak-probe.ts [scale]
import { Embedding } from "../../../src/index.ts";
import { layerMemory } from "../../../src/testing.ts";
import { fixtureRandom, referenceGather } from "../helpers.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const scale = Number(process.argv[2] ?? 1);

/** Full collections, with turns of the event loop in between so WeakRefs and finalizers settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function usage() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}
type Usage = ReturnType<typeof usage>;

const rnd = fixtureRandom(7);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

// ---------------------------------------------------------------------------------------------
// 100,000 lookups of mixed sizes on three layers

/** A lookup size: mostly small, some medium, a few up to 8,192 positions. */
function size(): number {
  const u = rnd();
  return u < 0.8 ? int(1, 64) : u < 0.97 ? int(65, 1024) : int(1025, 8192);
}

async function calls() {
  const layers = [
    new Embedding({ inputDim: 1000, outputDim: 16 }),
    new Embedding({ inputDim: 50_000, outputDim: 64 }),
    new Embedding({ inputDim: 10, outputDim: 48, maxNorm: 1, activityRegularizer: "l2" }),
  ];
  const total = Math.round(100_000 * scale);
  const warmup = Math.round(10_000 * scale);
  let checked = 0;
  let refused = 0;
  const one = (k: number) => {
    const layer = layers[k % 3]!;
    const n = size();
    const kind = rnd();
    const data = Int32Array.from({ length: n }, () => int(0, layer.inputDim - 1));
    if (kind < 0.03) {
      data[n - 1] = layer.inputDim;
      try {
        layer.call(data);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        refused++;
      }
    } else if (kind < 0.3) {
      const y = layer.call(data);
      if (k % 1000 === 0 && layer.maxNorm === null) {
        const expected = referenceGather(layer.getWeights()[0]!.data, layer.outputDim, data);
        if (!y.data.every((v, i) => v === expected[i])) throw new Error(`wrong rows at call ${k}`);
        checked++;
      }
    } else if (kind < 0.45) {
      layer.call({ data: Float64Array.from(data), shape: [n] });
    } else if (kind < 0.5) {
      layer.call({ data: BigInt64Array.from(data, (v) => BigInt(v)), shape: [n] });
    } else if (kind < 0.6 && n <= 64) {
      layer.call(Array.from(data));
    } else if (kind < 0.8) {
      layer.callInto(data, new Float32Array(n * layer.outputDim));
    } else {
      layer.indexBuffer(n).set(data);
      layer.lookupBuffer(n);
    }
  };
  // The largest lookup first, so the lookup regions reach their final size during the warm-up.
  for (const layer of layers) layer.call(new Int32Array(8192));
  const t0 = performance.now();
  for (let k = 0; k < warmup; k++) one(k);
  await settle();
  const base = usage();
  const baseBytes = layers.map((l) => l.memoryBytes);
  for (let k = warmup; k < total; k++) one(k);
  await settle();
  const end = usage();
  return {
    calls: total,
    checked,
    refused,
    ms: performance.now() - t0,
    base,
    end,
    baseBytes,
    endBytes: layers.map((l) => l.memoryBytes),
    tables: layers.map((l) => l.inputDim * l.outputDim * 4),
    outputDims: layers.map((l) => l.outputDim),
  };
}

// ---------------------------------------------------------------------------------------------
// 2,000 layers created, used and disposed (kept referenced), and 2,000 dropped without dispose

function randomLayer(i: number): Embedding {
  const outputDim = int(1, 64);
  const inputDim = int(1, Math.floor(100_000 / outputDim));
  const extra = [
    {},
    { maxNorm: 1 },
    { embeddingsRegularizer: "l1", activityRegularizer: "l2" } as const,
    { embeddingsInitializer: "glorot_normal", embeddingsConstraint: "unit_norm" } as const,
    { embeddingsInitializer: { className: "Constant", config: { value: 0.5 } }, maskZero: true },
  ][i % 5]!;
  return new Embedding({ inputDim, outputDim, ...extra });
}

function use(layer: Embedding): void {
  layer.call([0, layer.inputDim - 1]);
  const m = int(257, 1200);
  layer.call({ data: new Int32Array(m), shape: [m] });
  const n = int(257, 1200);
  layer.indexBuffer(n).fill(layer.inputDim - 1);
  layer.lookupBuffer(n);
  layer.getWeights();
}

async function layersScenario(dispose: boolean) {
  const count = Math.round(2000 * scale);
  const first = Math.round(200 * scale);
  const kept: Embedding[] = [];
  const memories: WeakRef<WebAssembly.Memory>[] = [];
  let peakBytes = 0;
  let liveBytes = 0;
  const t0 = performance.now();
  let base: Usage | undefined;
  for (let i = 0; i < count; i++) {
    if (i === first) {
      await settle();
      base = usage();
    }
    const layer = randomLayer(i);
    use(layer);
    memories.push(new WeakRef(layerMemory(layer).memory));
    peakBytes = Math.max(peakBytes, layer.memoryBytes);
    liveBytes += layer.memoryBytes;
    if (dispose) {
      layer.dispose();
      kept.push(layer); // the disposed object stays reachable; its memory must not
    }
  }
  await settle();
  const end = usage();
  const alive = memories.filter((w) => w.deref() !== undefined).length;
  return { layers: count, kept: kept.length, ms: performance.now() - t0, base: base!, end, alive, peakBytes, createdBytes: liveBytes };
}

// ---------------------------------------------------------------------------------------------
// 20,000 refused lookups

async function refusals() {
  const layer = new Embedding({ inputDim: 100, outputDim: 32 });
  layer.call(new Int32Array(1000));
  await settle();
  const base = usage();
  const baseBytes = layer.memoryBytes;
  const count = Math.round(20_000 * scale);
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const n = int(1, 600);
    const data = new Int32Array(n).fill(3);
    data[n - 1] = i % 2 === 0 ? 100 : -1;
    try {
      if (i % 3 === 0) layer.call(data);
      else if (i % 3 === 1) layer.callInto({ data, shape: [n, 1, 1] }, new Float32Array(n * 32));
      else layer.call({ data, shape: [n + 1] });
    } catch {
      refused++;
    }
  }
  await settle();
  return { count, refused, base, end: usage(), baseBytes, endBytes: layer.memoryBytes };
}

const report = {
  calls: await calls(),
  disposed: await layersScenario(true),
  dropped: await layersScenario(false),
  refusals: await refusals(),
};
console.log(JSON.stringify(report));
