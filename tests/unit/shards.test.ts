// Tables split into row-range shards (maxShardBytes): every operation on a sharded layer against the
// same layer in one memory, with the same seed and inputs. Equal bit for bit, except the table's
// regularization penalty, whose float64 sums are accumulated shard by shard (equal within 1e-12
// relative). Shard sizes are lowered so that small tables have several shards, a last shard shorter
// than the others, and rows × outputDim not a multiple of 8.
import { unzipSync } from "fflate";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  Adagrad, Adam, AdamW, Constant, Embedding, GlorotUniform, HeNormal, Identity, L1L2, MaxNorm, MinMaxNorm, NonNeg, Ones,
  Orthogonal, OrthogonalRegularizer, RandomNormal, RandomUniform, SGD, TruncatedNormal, UnitNorm, ValueError, VarianceScaling, Zeros,
  writeNpy, writeWordVectors,
  type EmbeddingOptions, type Initializer, type Optimizer, type SparseGradient,
} from "../../src/index.ts";
import { liveMemoryCount } from "../../src/core/memory.ts";
import { assertSameFloats, assertThrowsMessage, fixtureRandom, referenceGather } from "../support/helpers.ts";

/** A shard size of `rows` rows of `dim` float32s. */
const shardBytes = (rows: number, dim: number) => rows * dim * 4;

/** The same options in one memory and split into shards of `shardRows` rows. */
function pair(options: Omit<EmbeddingOptions, "name">, shardRows = 16): [Embedding, Embedding] {
  const one = new Embedding({ ...options, name: "table" });
  const sharded = new Embedding({ ...options, name: "table", maxShardBytes: shardBytes(shardRows, options.outputDim) });
  return [one, sharded];
}

const table = (layer: Embedding) => layer.getWeights()[0]!.data;

function randomIndices(seed: number, n: number, rows: number): number[] {
  const random = fixtureRandom(seed);
  return Array.from({ length: n }, () => Math.floor(random() * rows));
}

function randomRows(seed: number, n: number): Float32Array {
  const random = fixtureRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

const layout = suite("shard layout and the option");

layout("shards hold the largest multiple of 8 rows under maxShardBytes; the last holds the rest", () => {
  for (const [rows, dim, bytes] of [[100, 13, 1000], [100, 13, 13 * 4 * 16], [300, 8, 2048], [65, 3, 96]] as const) {
    const perShard = Math.floor(bytes / (dim * 4) / 8) * 8;
    const layer = new Embedding({ inputDim: rows, outputDim: dim, maxShardBytes: bytes });
    assert.is(layer.shardCount, rows * dim * 4 > bytes ? Math.ceil(rows / perShard) : 1, `${rows} × ${dim} in ${bytes}-byte shards`);
    layer.dispose();
  }
});

layout("a table within maxShardBytes stays in one memory; without the option nothing is split", () => {
  const exact = new Embedding({ inputDim: 64, outputDim: 8, maxShardBytes: 64 * 8 * 4 });
  assert.is(exact.shardCount, 1);
  assert.is(new Embedding({ inputDim: 64, outputDim: 8 }).shardCount, 1);
  assert.is(new Embedding({ inputDim: 64, outputDim: 8, maxShardBytes: null }).shardCount, 1);
});

layout("bad maxShardBytes values are refused, naming the option", () => {
  for (const bad of [0, -1, 1.5, "1000", NaN, Infinity]) {
    assertThrowsMessage(() => new Embedding({ inputDim: 64, outputDim: 8, maxShardBytes: bad as number }), ValueError, /maxShardBytes/);
  }
  assertThrowsMessage(() => new Embedding({ inputDim: 2 ** 20, outputDim: 1100, maxShardBytes: 2 ** 32 }), ValueError,
    "maxShardBytes must be at most 4278190080 (one WebAssembly memory, 4 GiB, less 16 MiB for the kernel's data and working memory). Received: maxShardBytes=4294967296");
  assertThrowsMessage(() => new Embedding({ inputDim: 64, outputDim: 8, maxShardBytes: 255 }), ValueError,
    "maxShardBytes must hold at least 8 rows of 8 float32 values (256 bytes): shards hold a multiple of 8 rows. Received: maxShardBytes=255");
});

layout("maxShardBytes is a storage option: not in either config", () => {
  const [, sharded] = pair({ inputDim: 100, outputDim: 5 });
  assert.not.ok("maxShardBytes" in sharded.getConfig());
  assert.not.ok(Object.keys(sharded.toKerasConfig()).some((k) => /shard/.test(k)));
});

layout("dispose releases every shard's memory", () => {
  const before = liveMemoryCount();
  const layer = new Embedding({ inputDim: 100, outputDim: 4, maxShardBytes: shardBytes(16, 4) });
  assert.is(layer.shardCount, 7);
  assert.is(liveMemoryCount(), before + 8, "the home memory and 7 shards");
  layer.dispose();
  assert.is(liveMemoryCount(), before);
});

const init = suite("initializers: the values of one memory");

const INITIALIZERS: [string, () => Initializer | string][] = [
  ["RandomUniform", () => new RandomUniform({ seed: 11 })],
  ["RandomUniform [0.1, 0.7)", () => new RandomUniform({ minval: 0.1, maxval: 0.7, seed: 3 })],
  ["RandomNormal", () => new RandomNormal({ seed: 12, mean: 1, stddev: 2 })],
  ["TruncatedNormal (rejection: a varying number of draws per group)", () => new TruncatedNormal({ seed: 13 })],
  ["GlorotUniform", () => new GlorotUniform({ seed: 14 })],
  ["HeNormal", () => new HeNormal({ seed: 15 })],
  ["VarianceScaling fan_avg truncated", () => new VarianceScaling({ scale: 2, mode: "fan_avg", distribution: "truncated_normal", seed: 16 })],
  ["Constant", () => new Constant({ value: 0.25 })],
  ["Zeros", () => new Zeros()],
  ["Ones", () => new Ones()],
  ["Identity", () => new Identity({ gain: 3 })],
  ["Orthogonal (through one memory, the table fits)", () => new Orthogonal({ seed: 17 })],
  ["a function", () => ((shape: number[]) => Float32Array.from({ length: shape[0]! * shape[1]! }, (_, i) => i % 7)) as never],
];

for (const [name, make] of INITIALIZERS) {
  init(`${name}: equal bit for bit, several shapes`, () => {
    for (const [rows, dim, shardRows] of [[100, 13, 16], [67, 8, 8], [41, 3, 24], [9, 40, 8]] as const) {
      const [one, sharded] = pair({ inputDim: rows, outputDim: dim, embeddingsInitializer: make() as never }, shardRows);
      assert.ok(sharded.shardCount > 1);
      assertSameFloats(table(sharded), table(one), `${name} ${rows} × ${dim}`);
    }
  });
}

init("paddingIdx zeroes the padding row in whichever shard holds it", () => {
  for (const paddingIdx of [0, 17, 99, -1]) {
    const [one, sharded] = pair({ inputDim: 100, outputDim: 6, paddingIdx, embeddingsInitializer: new RandomNormal({ seed: 5 }) });
    assertSameFloats(table(sharded), table(one), `paddingIdx ${paddingIdx}`);
  }
});

init("fromPretrained takes maxShardBytes; an aborted Embedding.create releases every shard", async () => {
  const data = randomRows(50, 100 * 4);
  const layer = Embedding.fromPretrained({ data, shape: [100, 4] }, { maxShardBytes: shardBytes(16, 4) });
  assert.is(layer.shardCount, 7);
  assertSameFloats(table(layer), data);
  const before = liveMemoryCount();
  const controller = new AbortController();
  const pending = Embedding.create({ inputDim: 4096, outputDim: 600, maxShardBytes: 2 ** 20, embeddingsInitializer: new RandomNormal({ seed: 1 }) }, {
    signal: controller.signal,
    onProgress: (f) => {
      if (f > 0) controller.abort();
    },
  });
  await pending.then(() => assert.unreachable("aborted"), (error: Error) => assert.is(error.name, "AbortError"));
  // Other memories may be collected while create() yields, so the count can only be bounded.
  assert.ok(liveMemoryCount() <= before, `every shard is released (${liveMemoryCount()} live, ${before} before)`);
});

init("Embedding.create fills in steps with the same values", async () => {
  const options = { inputDim: 90, outputDim: 11, name: "table", embeddingsInitializer: new TruncatedNormal({ seed: 9 }) };
  const fractions: number[] = [];
  const sharded = await Embedding.create({ ...options, maxShardBytes: shardBytes(16, 11) }, { onProgress: (f) => fractions.push(f) });
  assertSameFloats(table(sharded), table(new Embedding(options)));
  assert.is(fractions.at(-1), 1);
});

const lookups = suite("lookups, weights, masks, zero-copy buffers");

lookups("call and callInto equal one memory's, and the table's rows (plain TypeScript gather)", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 7, embeddingsInitializer: new RandomUniform({ seed: 1 }) });
  const indices = randomIndices(2, 500, 100);
  const x = { data: Float64Array.from(indices), shape: [25, 20] };
  const got = sharded.call(x);
  assert.equal(got.shape, [25, 20, 7]);
  assertSameFloats(got.data, one.call(x).data);
  assertSameFloats(got.data, referenceGather(table(one), 7, indices));
  const out = new Float32Array(500 * 7);
  sharded.callInto(Int32Array.from(indices), out);
  assertSameFloats(out, got.data);
  assertSameFloats(sharded.call(99).data, table(one).subarray(99 * 7));
});

lookups("wide rows (copied row by row) and narrow rows (staged in bulk) alike; lookups at the same row in several shards' turns", () => {
  for (const dim of [1, 5, 127, 128, 300]) {
    const [one, sharded] = pair({ inputDim: 90, outputDim: dim, embeddingsInitializer: new RandomNormal({ seed: dim }) }, 8);
    const indices = [...randomIndices(dim, 300, 90), 0, 89, 8, 7, 8];
    assertSameFloats(sharded.call(indices).data, referenceGather(table(one), dim, indices), `dim ${dim}`);
  }
});

lookups("an index out of range gives the same error; nothing is written", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 4 });
  const message = (layer: Embedding) => {
    try {
      layer.call([[1, 2], [100, 3]]);
    } catch (error) {
      return (error as Error).message;
    }
    return "";
  };
  assert.ok(message(one).length > 0);
  assert.is(message(sharded), message(one));
});

lookups("indexBuffer / lookupBuffer (zero-copy) run in the home memory with the sharded gather", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 5, embeddingsInitializer: new RandomNormal({ seed: 4 }) });
  const indices = randomIndices(3, 64, 100);
  for (const layer of [one, sharded]) layer.indexBuffer(64).set(indices);
  assertSameFloats(sharded.lookupBuffer([8, 8]), one.lookupBuffer([8, 8]));
  assert.is(sharded.lookupBuffer(64).buffer instanceof ArrayBuffer, true);
});

lookups("computeMask is unchanged (it reads the input only)", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 5, maskZero: true, paddingIdx: 7 });
  const x = [[0, 7, 3], [99, 0, 64]];
  assert.equal(sharded.computeMask(x), one.computeMask(x));
});

lookups("setWeights / the weights option write across shards; getWeights and getRows read them back", () => {
  const data = randomRows(6, 100 * 9);
  const sharded = new Embedding({ inputDim: 100, outputDim: 9, weights: [{ data, shape: [100, 9] }], maxShardBytes: shardBytes(16, 9) });
  assertSameFloats(table(sharded), data);
  const other = randomRows(7, 100 * 9);
  sharded.setWeights([{ data: other, shape: [100, 9] }]);
  assertSameFloats(table(sharded), other);
  assertSameFloats(sharded.getRows(10, 30).data, other.subarray(90, 360), "rows 10..40 (across shard boundaries)");
  assertSameFloats(sharded.call([15, 16, 47, 48]).data, referenceGather(other, 9, [15, 16, 47, 48]));
  assertThrowsMessage(() => sharded.getRows(90, 11), ValueError, /count/);
  // A wrong shape is refused before anything is written.
  assert.throws(() => sharded.setWeights([{ data: new Float32Array(9), shape: [1, 9] }]));
  assertSameFloats(table(sharded), other);
});

lookups("maxNorm renormalizes the referenced rows shard by shard as one memory does", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 6, maxNorm: 0.1, normType: 2, embeddingsInitializer: new RandomNormal({ seed: 8 }) });
  for (const seed of [1, 2, 3]) {
    const x = randomIndices(seed, 40, 100);
    assertSameFloats(sharded.call(x).data, one.call(x).data);
  }
  assertSameFloats(table(sharded), table(one));
});

lookups("activity regularizers see the same output", () => {
  // ("l1l2" is L1L2(0, 0) in Keras 3: non-zero factors, so the penalties are not 0.)
  const [one, sharded] = pair({ inputDim: 100, outputDim: 6, activityRegularizer: new L1L2({ l1: 0.01, l2: 0.02 }), embeddingsInitializer: new RandomNormal({ seed: 8 }) });
  const x = [randomIndices(4, 10, 100), randomIndices(5, 10, 100)];
  assertSameFloats(sharded.call(x).data, one.call(x).data);
  const [a] = sharded.losses, [b] = one.losses;
  // Summed row by row in the same order as the one-memory gather sums while copying: the same float64.
  assert.ok(b! > 0);
  assert.is(a, b);
  // A width that is not a multiple of 4 (each row ends with a scalar tail), and several lookups.
  for (const dim of [5, 6, 7, 10, 39]) {
    // Values spread over 2^-40 .. 2^40, so that float64 sums round and their order shows.
    const spread = randomRows(dim, 100 * dim).map((v, i) => v * 2 ** (((i * 7919) % 81) - 40));
    const [oneD, shardedD] = pair({ inputDim: 100, outputDim: dim, activityRegularizer: new L1L2({ l1: 0.01, l2: 0.001 }), weights: [{ data: spread, shape: [100, dim] }] });
    for (let seed = 6; seed < 16; seed++) {
      const ids = randomIndices(seed, 33, 100);
      shardedD.call(ids);
      oneD.call(ids);
      assert.ok(oneD.losses[0]! > 0);
      assert.equal(shardedD.losses, oneD.losses, `width ${dim}, lookup ${seed}`);
    }
  }
});

const training = suite("training, regularizers, constraints");

function trainBoth(options: Omit<EmbeddingOptions, "name">, optimizer: () => Optimizer, steps = 4, shardRows = 16): [Embedding, Embedding] {
  const layers = pair(options, shardRows);
  const optimizers = [optimizer(), optimizer()];
  for (let step = 0; step < steps; step++) {
    const x = randomIndices(100 + step, 30, options.inputDim);
    // A repeated row: its gradients are summed in the same order in both.
    x[29] = x[0]!;
    const dOut = randomRows(200 + step, 30 * options.outputDim);
    layers.forEach((layer, i) => {
      layer.call(x);
      layer.applyGradients(layer.backward(dOut)! as never, optimizers[i]!);
    });
  }
  return layers;
}

const OPTIMIZERS: [string, () => Optimizer][] = [
  ["SGD", () => new SGD({ learningRate: 0.1 })],
  ["SGD momentum nesterov, dense", () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, mode: "dense" })],
  ["Adagrad lazy", () => new Adagrad({ learningRate: 0.1, mode: "lazy" })],
  ["Adam dense (every row moves)", () => new Adam({ learningRate: 0.01, mode: "dense" })],
  ["Adam lazy", () => new Adam({ learningRate: 0.01, mode: "lazy" })],
  ["AdamW", () => new AdamW({ learningRate: 0.01, weightDecay: 0.1 })],
];

for (const [name, optimizer] of OPTIMIZERS) {
  training(`${name}: tables and optimizer states equal one memory's after several steps`, () => {
    const [one, sharded] = trainBoth({ inputDim: 100, outputDim: 7, embeddingsInitializer: new RandomNormal({ seed: 21 }) }, optimizer);
    assertSameFloats(table(sharded), table(one));
  });
}

training("optimizer state: joined in row order, and restored across shards", () => {
  const opt = [new Adam({ learningRate: 0.01 }), new Adam({ learningRate: 0.01 })];
  const [one, sharded] = pair({ inputDim: 100, outputDim: 7, embeddingsInitializer: new RandomNormal({ seed: 21 }) });
  const x = randomIndices(1, 40, 100);
  const dOut = randomRows(2, 40 * 7);
  [one, sharded].forEach((layer, i) => {
    layer.call(x);
    layer.applyGradients(layer.backward(dOut)! as never, opt[i]!);
  });
  const a = one.getOptimizerState(opt[0]!)!, b = sharded.getOptimizerState(opt[1]!)!;
  assert.is(b.iterations, 1);
  assert.is(b.className, a.className);
  for (const slot of Object.keys(a.slots)) assertSameFloats(b.slots[slot]!, a.slots[slot]!, slot);
  // Restore one memory's state into a fresh sharded layer, then step both: still equal.
  const fresh = new Embedding({ inputDim: 100, outputDim: 7, name: "table", weights: one.getWeights(), maxShardBytes: shardBytes(16, 7) });
  const opt3 = new Adam({ learningRate: 0.01 });
  fresh.setOptimizerState(opt3, a);
  for (const [layer, o] of [[one, opt[0]!], [fresh, opt3]] as const) {
    layer.call(x);
    layer.applyGradients(layer.backward(dOut)! as never, o);
  }
  assertSameFloats(table(fresh), table(one));
  assertThrowsMessage(() => fresh.setOptimizerState(opt3, { ...a, slots: { ...a.slots, momentum: new Float32Array(3) } }), ValueError, /state\.slots\.momentum must be a Float32Array of 700 values/);
});

training("scaleGradByFreq and paddingIdx (backward in the home memory) give the same steps", () => {
  const [one, sharded] = trainBoth({ inputDim: 100, outputDim: 5, scaleGradByFreq: true, paddingIdx: 3, embeddingsInitializer: new RandomNormal({ seed: 2 }) }, () => new SGD({ learningRate: 0.5 }));
  assertSameFloats(table(sharded), table(one));
});

training("an L1L2 regularizer: the same steps (dense and lazy) and the same penalty, bit for bit", () => {
  for (const mode of ["dense", "lazy"] as const) {
    const [one, sharded] = trainBoth({ inputDim: 100, outputDim: 7, embeddingsRegularizer: new L1L2({ l1: 0.01, l2: 0.02 }), embeddingsInitializer: new RandomNormal({ seed: 3 }) },
      () => new Adagrad({ learningRate: 0.1, mode }));
    assertSameFloats(table(sharded), table(one), mode);
    const a = sharded.regularizationLoss(), b = one.regularizationLoss();
    assert.ok(b > 0);
    assert.is(a, b);
    assert.is(sharded.losses.length, 1);
  }
});

const CONSTRAINTS: [string, () => object][] = [
  ["MaxNorm axis 0 (column norms across shards)", () => new MaxNorm({ maxValue: 0.3 })],
  ["UnitNorm axis 0", () => new UnitNorm()],
  ["MinMaxNorm axis 0", () => new MinMaxNorm({ minValue: 0.5, maxValue: 0.8, rate: 0.7 })],
  ["MaxNorm axis 1", () => new MaxNorm({ maxValue: 0.1, axis: 1 })],
  ["UnitNorm axis 1", () => new UnitNorm({ axis: 1 })],
  ["NonNeg", () => new NonNeg()],
];

for (const [name, constraint] of CONSTRAINTS) {
  training(`${name}: applyConstraint and steps (lazy and dense) equal one memory's`, () => {
    const [one, sharded] = pair({ inputDim: 203, outputDim: 9, embeddingsConstraint: constraint() as never, embeddingsInitializer: new RandomNormal({ seed: 30 }) }, 24);
    one.applyConstraint();
    sharded.applyConstraint();
    assertSameFloats(table(sharded), table(one), "applyConstraint");
    for (const mode of ["lazy", "dense"] as const) {
      const [a, b] = trainBoth({ inputDim: 203, outputDim: 9, embeddingsConstraint: constraint() as never, embeddingsInitializer: new RandomNormal({ seed: 31 }) },
        () => new SGD({ learningRate: 0.3, mode }), 3, 24);
      assertSameFloats(table(b), table(a), mode);
    }
  });
}

training("a gradient row out of range is refused before any shard changes", () => {
  const [, sharded] = pair({ inputDim: 100, outputDim: 3 });
  const before = table(sharded);
  assertThrowsMessage(
    () => sharded.applyGradients({ indices: Int32Array.of(1, 99, 100), values: new Float32Array(9).fill(1), shape: [3, 3], denseShape: [100, 3] }, new SGD()),
    RangeError, "gradient.indices[2] = 100 is not in [0, 100)",
  );
  assertSameFloats(table(sharded), before);
});

training("one optimizer per layer, and no steps on a layer that is not trainable, as in one memory", () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 3 });
  const gradient: SparseGradient = { indices: Int32Array.of(1, 70), values: new Float32Array(6).fill(0.5), shape: [2, 3], denseShape: [100, 3] };
  const message = (layer: Embedding, o: Optimizer) => {
    try {
      layer.applyGradients(gradient, o);
    } catch (error) {
      return (error as Error).message;
    }
    return "";
  };
  const [first, second] = [new SGD(), new Adam()];
  assert.is(message(one, first), "");
  assert.is(message(sharded, first), "");
  assert.is(message(sharded, second), message(one, second));
  assert.match(message(sharded, second), /already trained by another optimizer \(SGD\)/);
  const frozen = new Embedding({ inputDim: 100, outputDim: 3, trainable: false, maxShardBytes: shardBytes(16, 3) });
  frozen.call([1, 2]);
  assert.is(frozen.backward(new Float32Array(6)), null);
  assertThrowsMessage(() => frozen.applyGradients(gradient, new SGD()), ValueError, /is not trainable \(trainable: false\)/);
});

const refusals = suite("what needs the whole table in one memory");

refusals("options refused at construction, naming what and why", () => {
  const base = { inputDim: 100, outputDim: 4, maxShardBytes: shardBytes(16, 4) };
  const cases: [Partial<EmbeddingOptions>, RegExp][] = [
    [{ loraRank: 2 }, /cannot have LoRA \(loraRank\)/],
    [{ dtype: "float16" }, /cannot have dtype float16/],
    [{ dtype: "int8_from_float32" }, /cannot have dtype int8_from_float32/],
    [{ tieWeights: false }, /cannot have separate reverse embeddings/],
    [{ embeddingsRegularizer: new OrthogonalRegularizer() }, /cannot have the embeddings regularizer OrthogonalRegularizer/],
    [{ embeddingsRegularizer: () => 0 }, /cannot have the embeddings regularizer Function/],
    [{ embeddingsConstraint: (t: { data: Float32Array }) => t.data }, /cannot have the embeddings constraint Function/],
  ];
  for (const [extra, message] of cases) assertThrowsMessage(() => new Embedding({ ...base, ...extra } as EmbeddingOptions), ValueError, message);
});

refusals("methods refused on a sharded layer", () => {
  const layer = new Embedding({ inputDim: 100, outputDim: 4, maxShardBytes: shardBytes(16, 4) });
  const message = (method: string) => new RegExp(`^${method}\\(\\) needs the whole table in one WebAssembly memory; layer ".*" splits it into 7 shards \\(maxShardBytes\\)\\.$`);
  assertThrowsMessage(() => layer.quantize("int8"), ValueError, message("quantize"));
  assertThrowsMessage(() => layer.enableLora(2), ValueError, message("enableLora"));
  assertThrowsMessage(() => layer.reverse(new Float32Array(4)), ValueError, message("reverse"));
  assertThrowsMessage(() => layer.nearest(3), ValueError, message("nearest"));
});

const savers = suite("savers on small-shard tables");

savers("toKeras, toKerasWeights, toTfjs, the projector TSV, word vectors and npy hold one memory's table", async () => {
  const [one, sharded] = pair({ inputDim: 100, outputDim: 6, embeddingsInitializer: new RandomUniform({ seed: 40 }) });
  // HDF5 files carry their write time: the Keras files are compared by what they hold, read back.
  const archive = unzipSync(await sharded.toKeras());
  assert.equal(archive["config.json"], unzipSync(await one.toKeras())["config.json"]);
  assertSameFloats(table(await Embedding.fromKeras(await sharded.toKeras())), table(one), "toKeras read back");
  const config = JSON.parse(new TextDecoder().decode(archive["config.json"]!));
  assertSameFloats(table(await Embedding.fromKeras({ weights: await sharded.toKerasWeights(), config })), table(one), "toKerasWeights read back");
  const [a, b] = [sharded.toTfjs(), one.toTfjs()];
  assert.equal(new Uint8Array(a.weightData), new Uint8Array(b.weightData));
  assert.equal(a.modelJson, b.modelJson);
  assert.equal(sharded.toProjectorTsv(), one.toProjectorTsv());
  const vocab = Array.from({ length: 100 }, (_, i) => `w${i}`);
  for (const format of ["word2vec", "glove"] as const) {
    const bytes = (layer: Embedding) => [...writeWordVectors(layer, vocab, { format })].flatMap((chunk) => [...chunk]);
    assert.equal(bytes(sharded), bytes(one), format);
  }
  const npy = (layer: Embedding) => writeNpy({ data: table(layer), shape: [100, 6] });
  assert.equal(npy(sharded), npy(one));
});

layout.run();
init.run();
lookups.run();
training.run();
refusals.run();
savers.run();
