// LoRA against real Keras 3.15.1 (tests/fixtures/quantized/lora.json, and
// tests/fixtures/keras/lora/lora_<policy>.json for the 16-bit policies): lookups of float, int8,
// int4, float16, bfloat16 and mixed-precision layers with adapters (bit for bit where A @ B is exact, within float32 rounding otherwise),
// get_weights() order, configs (lora_alpha as Keras writes it), Keras' errors; training moves only
// the adapters; mergeLora folds them in.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, SGD, ValueError, type LoraGradient } from "../../src/index.ts";
import { assertClose, assertThrowsMessage } from "../support/helpers.ts";
import { assertSameBits, bitsOf, fixtureCases, float32s, hexOf, int32s, tensorOf, widenedBits, type FixtureArray } from "../support/keras-quantized-fixtures.ts";
import { bfloat16Of, float16Of } from "../../src/half.ts";
import { readFileSync } from "node:fs";

interface LoraCase {
  case: string;
  rank: number;
  alpha: number | null;
  quantize: "int8" | "int4" | null;
  /** Keras' Int4QuantizationConfig block size ("default": quantize(mode) without a config). */
  block_size?: number | "default";
  exact: boolean;
  policy: "float32" | "mixed_float16" | "mixed_bfloat16" | "float16" | "bfloat16";
  table: FixtureArray;
  lora_a: FixtureArray;
  lora_b: FixtureArray;
  config: Record<string, unknown>;
  weights: { name: string; value: FixtureArray }[];
  lookup: { indices: FixtureArray; output: FixtureArray };
  /** What Keras saves for a quantized LoRA layer: the adapters merged in, requantized. */
  merged?: { name: string; value: FixtureArray }[];
}

const cases = fixtureCases<LoraCase[]>("lora");
const errors = fixtureCases<Record<string, string>>("errors");
const configs = fixtureCases<Record<string, Record<string, unknown>>>("configs");

/** The layer Keras built: the table, quantized when asked, then enable_lora and the fixture's adapters. */
function kerasLayer(c: LoraCase): Embedding {
  const [rows, dim] = c.table.shape as [number, number];
  const layer = new Embedding({ inputDim: rows, outputDim: dim, name: c.case, dtype: c.policy, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
  if (c.quantize !== null) layer.quantize(c.quantize, c.block_size === undefined || c.block_size === "default" ? {} : { blockSize: c.block_size });
  layer.enableLora(c.rank, c.alpha === null ? {} : { alpha: c.alpha });
  const weights = layer.getWeights<Float32Array | Int8Array>().map((w) =>
    w.name === "lora_embeddings_a" ? { data: float32s(c.lora_a), shape: w.shape } : w.name === "lora_embeddings_b" ? { data: float32s(c.lora_b), shape: w.shape } : { data: w.data, shape: w.shape },
  );
  layer.setWeights(weights);
  return layer;
}

for (const c of cases) {
  test(`${c.case}: lookup equals Keras' ${c.exact ? "bit for bit" : "within float32 rounding"}`, () => {
    const layer = kerasLayer(c);
    const out = layer.call({ data: int32s(c.lookup.indices), shape: c.lookup.indices.shape }).data;
    if (c.exact) assertSameBits(out, c.lookup.output, c.case);
    else assertClose(out, float32s(c.lookup.output), 1e-5, 1e-5);
  });

  test(`${c.case}: get_weights() order, shapes and values; toKerasConfig() as Keras' get_config()`, () => {
    const layer = kerasLayer(c);
    const weights = layer.getWeights<Float32Array | Int8Array>();
    assert.equal(weights.map((w) => w.name), c.weights.map((w) => w.name));
    weights.forEach((w, i) => assertSameBits(w.data, c.weights[i]!.value, `${c.case} ${w.name}`));
    assert.equal(layer.toKerasConfig(), c.config);
    assert.is(layer.loraRank, c.rank);
    assert.is(layer.loraAlpha, c.alpha ?? c.rank);
  });
}

test("configs: loraRank in the constructor gives lora_alpha = rank after build, as Keras; enableLora keeps its alpha; fromConfig rebuilds with alpha = rank", () => {
  const built = new Embedding({ inputDim: 5, outputDim: 3, loraRank: 2, loraAlpha: 6 });
  const expected = configs["ctor_after_build"]!;
  const ours = built.toKerasConfig();
  assert.is(ours["lora_rank"], expected["lora_rank"]);
  assert.is(ours["lora_alpha"], expected["lora_alpha"]);
  const enabled = new Embedding({ inputDim: 5, outputDim: 3 });
  enabled.enableLora(3, { alpha: 5 });
  assert.is(enabled.toKerasConfig()["lora_alpha"], configs["enable_after_build"]!["lora_alpha"]);
  const loaded = Embedding.fromConfig(enabled.toKerasConfig());
  assert.is(loaded.loraRank, 3);
  assert.is(loaded.loraAlpha, 3);
});

test("errors: Keras' texts for LoRA with a constraint and LoRA twice; bad rank and alpha named", () => {
  const constrained = new Embedding({ inputDim: 4, outputDim: 3, embeddingsConstraint: "non_neg" });
  assertThrowsMessage(() => constrained.enableLora(2), ValueError, errors["lora_with_constraint"]!);
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, embeddingsConstraint: "non_neg", loraRank: 2 }), ValueError, errors["lora_with_constraint"]!);
  const twice = new Embedding({ inputDim: 4, outputDim: 3, loraRank: 2 });
  assertThrowsMessage(() => twice.enableLora(2), ValueError, errors["lora_twice"]!);
  const layer = new Embedding({ inputDim: 4, outputDim: 3 });
  assertThrowsMessage(() => layer.enableLora(0), ValueError, /rank must be a positive integer.*Received: rank=0/);
  assertThrowsMessage(() => layer.enableLora(2, { alpha: -1 }), ValueError, /alpha must be a finite positive number.*Received: alpha=-1/);
  assert.is(layer.loraRank, null);
  assertThrowsMessage(() => layer.mergeLora(), ValueError, /mergeLora\(\) needs LoRA on/);
});

test("a fresh adapter leaves lookups unchanged (B starts at zero), and A is He-uniform in ±sqrt(6 / inputDim)", () => {
  const layer = new Embedding({ inputDim: 50, outputDim: 8 });
  const before = layer.call([3, 49, 0]).data;
  layer.enableLora(4);
  assert.equal(Array.from(layer.call([3, 49, 0]).data), Array.from(before));
  const [, a, b] = layer.getWeights();
  const limit = Math.sqrt(6 / 50);
  assert.ok(a!.data.every((v) => Math.abs(v) <= limit) && a!.data.some((v) => v !== 0));
  assert.ok(b!.data.every((v) => v === 0));
});

/** The adapters' gradient of loss = Σ dOut · output, in plain TypeScript: dA = f · G Bᵀ, dB = f · Aᵀ G over the looked-up rows. */
function referenceLoraGradient(a: Float32Array, b: Float32Array, rank: number, dim: number, ids: number[], dOut: Float32Array, factor: number) {
  const dA = new Map<number, number[]>();
  const dB = new Array(rank * dim).fill(0);
  ids.forEach((r, i) => {
    const row = dA.get(r) ?? new Array(rank).fill(0);
    for (let k = 0; k < rank; k++) {
      for (let j = 0; j < dim; j++) {
        row[k] += factor * dOut[i * dim + j]! * b[k * dim + j]!;
        dB[k * dim + j] += factor * a[r * rank + k]! * dOut[i * dim + j]!;
      }
    }
    dA.set(r, row);
  });
  return { dA, dB };
}

test("backward with LoRA gives the adapters' gradient; SGD moves only A and B (the table is frozen)", () => {
  const rank = 3, dim = 6;
  const layer = new Embedding({ inputDim: 10, outputDim: dim });
  layer.enableLora(rank, { alpha: 6 });
  const [table0, a0] = layer.getWeights();
  const b0 = Float32Array.from({ length: rank * dim }, (_, i) => ((i % 7) - 3) / 8);
  layer.setWeights([table0!, a0!, { data: b0, shape: [rank, dim] }]);
  const ids = [4, 1, 4, 9];
  layer.call(ids);
  const dOut = Float32Array.from({ length: ids.length * dim }, (_, i) => Math.sin(i));
  const g = layer.backward(dOut) as LoraGradient;
  const ref = referenceLoraGradient(a0!.data, b0, rank, dim, ids, dOut, 2);
  assert.equal(Array.from(g.indices), [4, 1, 9]);
  assert.equal(g.shape, [3, rank]);
  g.indices.forEach((r, t) => assertClose(g.values.subarray(t * rank, (t + 1) * rank), ref.dA.get(r)!, 1e-5, 1e-5));
  assertClose(g.loraB.data, ref.dB, 1e-5, 1e-5);
  layer.applyGradients(g, new SGD({ learningRate: 0.1 }));
  const [table1, a1, b1] = layer.getWeights();
  assert.equal(Array.from(table1!.data), Array.from(table0!.data), "the table is frozen");
  const t = Array.from(g.indices).indexOf(4);
  for (let k = 0; k < rank; k++) assert.is(a1!.data[4 * rank + k], Math.fround(a0!.data[4 * rank + k]! - Math.fround(0.1 * g.values[t * rank + k]!)));
  assert.equal(Array.from(a1!.data.subarray(0, rank)), Array.from(a0!.data.subarray(0, rank)), "rows not looked up keep their values under SGD");
  assertClose(b1!.data, Array.from(b0, (v, i) => v - 0.1 * ref.dB[i]!), 1e-6, 1e-6);
});

test("mergeLora folds the adapters into the table: the lookups stay, LoRA is off, the adapters' memory is released", () => {
  const c = cases.find((x) => x.case === "lora_exact")!;
  const layer = kerasLayer(c);
  const ids = { data: int32s(c.lookup.indices), shape: c.lookup.indices.shape };
  const before = layer.call(ids).data;
  const bytes = layer.memoryBytes;
  layer.mergeLora();
  assert.is(layer.loraRank, null);
  assert.equal(layer.getWeights().length, 1);
  assert.equal(Array.from(layer.call(ids).data), Array.from(before));
  assert.ok(layer.memoryBytes <= bytes);
  assert.is(layer.toKerasConfig()["lora_rank"], undefined);
});

test("mergeLora on an int8 layer re-quantizes the merged table (as Keras when it saves a LoRA layer)", () => {
  const c = cases.find((x) => x.case === "lora_int8")!;
  const layer = kerasLayer(c);
  const ids = { data: int32s(c.lookup.indices), shape: c.lookup.indices.shape };
  const merged = layer.call(ids).data;
  layer.mergeLora();
  assert.is(layer.quantizationMode, "int8");
  // Re-quantizing costs at most half a step of each row: |x| ≤ amax, step = amax / 127.
  const out = layer.call(ids).data;
  const dim = c.table.shape[1]!;
  for (let i = 0; i < out.length; i += dim) {
    const row = merged.subarray(i, i + dim);
    const amax = Math.max(...Array.from(row, Math.abs));
    assertClose(out.subarray(i, i + dim), row, amax / 127 / 2 + 1e-6, 0);
  }
});

for (const c of fixtureCases<LoraCase[]>("lora_merge")) {
  test(`${c.case}: mergeLora() gives the variables Keras saves for a quantized LoRA layer, bit for bit (as Keras loads them into ${c.policy})`, () => {
    const layer = kerasLayer(c);
    layer.mergeLora();
    const got = new Map(layer.getWeights<Float32Array | Int8Array | Uint16Array>().map((w) => [w.name, w]));
    for (const m of c.merged!) {
      const w = got.get(m.name)!;
      if (w.data instanceof Uint16Array) {
        // A 16-bit scale variable holds Keras' float32 merged scale as loading assigns it: rounded to its dtype.
        const want = Float32Array.from(float32s(m.value), c.policy === "float16" ? float16Of : bfloat16Of);
        assert.equal(Array.from(widenedBits({ ...m.value, dtype: c.policy as "float16" | "bfloat16", hex: hexOf(w.data) }), (b) => b), bitsOf(want), `${c.case} ${m.name}`);
      } else {
        assertSameBits(w.data, m.value, `${c.case} ${m.name}`);
      }
    }
  });
}

/** A LoRA layer with a 16-bit policy as Keras saved it (tests/fixtures/keras/lora/lora_<policy>.json): its variables and lookups before saving, and after loading. */
interface SixteenBitCase {
  layer_config: Record<string, unknown>;
  weights: { name: string; value: FixtureArray }[];
  lookups: { indices: FixtureArray; output: FixtureArray }[];
  saved_variables: { value: FixtureArray }[];
  after_load: { lookups: { indices: FixtureArray; output: FixtureArray }[] };
}
const SIXTEEN_BIT = ["mixed_float16", "mixed_bfloat16", "float16", "bfloat16"] as const;
const sixteenBitCase = (policy: string): SixteenBitCase =>
  JSON.parse(readFileSync(new URL(`../fixtures/keras/lora/lora_${policy}.json`, import.meta.url), "utf8"));


function sixteenBitLayer(policy: (typeof SIXTEEN_BIT)[number], c: SixteenBitCase): Embedding {
  const layer = new Embedding({ inputDim: 13, outputDim: 5, dtype: policy, name: String(c.layer_config["name"]) });
  layer.enableLora(3, { alpha: 5 });
  layer.setWeights(c.weights.map((w) => tensorOf(w.value) as { data: Float32Array | Uint16Array; shape: number[] }));
  return layer;
}

for (const c of fixtureCases<LoraCase[]>("mixed_lora")) {
  test(`${c.case}: ${c.quantize} under ${c.policy} with LoRA: lookups equal Keras' ${c.lookup.output.dtype} outputs bit for bit`, () => {
    const layer = kerasLayer(c);
    const out = layer.call({ data: int32s(c.lookup.indices), shape: c.lookup.indices.shape }).data;
    assert.equal(bitsOf(out), widenedBits(c.lookup.output), c.case);
    layer.getWeights<Float32Array | Int8Array>().forEach((w, i) => assertSameBits(w.data, c.weights[i]!.value, `${c.case} ${w.name}`));
    assert.equal(layer.toKerasConfig(), c.config);
  });
}

for (const policy of SIXTEEN_BIT) {
  const how = policy.startsWith("mixed_") ? "every step rounded to the compute dtype (Keras' autocast)" : "the float32 adapters added in float32, then rounded";
  test(`${policy} with LoRA: lookups equal Keras' bit for bit (${how}); weights and config as Keras'`, () => {
    const c = sixteenBitCase(policy);
    const layer = sixteenBitLayer(policy, c);
    for (const { indices, output } of c.lookups) {
      assert.equal(bitsOf(layer.call({ data: int32s(indices), shape: indices.shape }).data), widenedBits(output), `${policy} lookup`);
    }
    layer.getWeights<Float32Array | Uint16Array>().forEach((w, i) => assertSameBits(w.data, c.weights[i]!.value, `${policy} ${w.name}`));
    const config = layer.toKerasConfig();
    for (const key of ["dtype", "lora_rank", "lora_alpha"]) assert.equal(config[key], c.layer_config[key], key);
  });

  test(`${policy} with LoRA: mergeLora gives the lookups Keras gives after saving (merged in the compute dtype) and loading`, () => {
    const c = sixteenBitCase(policy);
    const layer = sixteenBitLayer(policy, c);
    layer.mergeLora();
    if (!policy.startsWith("mixed_")) assertSameBits(layer.getWeights<Uint16Array>()[0]!.data, c.saved_variables[0]!.value, `${policy} merged table`);
    for (const { indices, output } of c.after_load.lookups) {
      assert.equal(bitsOf(layer.call({ data: int32s(indices), shape: indices.shape }).data), widenedBits(output), `${policy} merged lookup`);
    }
  });
}

test("a float16 table with LoRA trains the float32 adapters only; the 16-bit table stays as stored", () => {
  const layer = new Embedding({ inputDim: 6, outputDim: 4, dtype: "float16", embeddingsInitializer: "ones" });
  layer.enableLora(2);
  const [table0, a0] = layer.getWeights<Uint16Array | Float32Array>();
  layer.setWeights([table0!, a0!, { data: Float32Array.from({ length: 8 }, (_, i) => (i - 3) / 8), shape: [2, 4] }]);
  layer.call([1, 5]);
  const g = layer.backward(new Float32Array(8).fill(1)) as LoraGradient;
  assert.equal(Array.from(g.indices), [1, 5]);
  layer.applyGradients(g, new SGD({ learningRate: 0.5 }));
  const [table1, a1, b1] = layer.getWeights<Uint16Array | Float32Array>();
  assert.equal(Array.from(table1!.data), Array.from(table0!.data), "the float16 table is frozen");
  assert.is(table1!.dtype, "float16");
  assert.not.equal(Array.from(a1!.data), Array.from(a0!.data));
  assert.ok(b1!.data.some((v, i) => v !== (i - 3) / 8));
});

test.run();
