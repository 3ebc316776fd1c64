// The embeddings regularizer where the table is not a plain float32 variable, against real Keras
// 3.15.1 (tests/fixtures/keras/regularized/, made by scripts/fixtures/make_regularized_fixtures.py):
// with LoRA, Keras regularizes the adapters (losses and two optimizer steps); quantized variables
// carry no regularizer; float16 / bfloat16 tables give their penalty in their dtype; a layer that is
// not trainable has no weight penalties in `losses`; mixed-precision layers' table gradients.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Adam, Embedding, SGD, type EmbeddingOptions, type LoraGradient } from "../../src/index.ts";
import { assertClose } from "../support/helpers.ts";
import { bitsOf, fixtureFile, float32s, int32s, tensorOf, type FixtureArray } from "../support/keras-quantized-fixtures.ts";
import { bfloat16Of, float16Of, widenBfloat16Bits, widenFloat16Bits } from "../../src/half.ts";

interface LoraTrainingCase {
  case: string;
  regularizer: EmbeddingOptions["embeddingsRegularizer"];
  optimizer: "SGD" | "Adam";
  learning_rate: number;
  lora_rank: number;
  lora_alpha: number;
  table: FixtureArray;
  lora_a: FixtureArray;
  lora_b: FixtureArray;
  indices: FixtureArray;
  upstream: FixtureArray;
  losses: FixtureArray[];
  steps: Record<"lora_embeddings_a" | "lora_embeddings_b", FixtureArray>[];
  losses_after: FixtureArray[];
}

const training = fixtureFile<{
  cases: LoraTrainingCase[];
  int8_lora: { weights: { name: string; value: FixtureArray }[]; losses: FixtureArray[] };
  untrainable_losses: FixtureArray[];
}>("keras/regularized/lora_training");

const scalar = (a: FixtureArray): number => float32s(a)[0]!;

function loraLayer(c: LoraTrainingCase): Embedding {
  const [rows, dim] = c.table.shape as [number, number];
  const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsRegularizer: c.regularizer, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
  layer.enableLora(c.lora_rank, { alpha: c.lora_alpha });
  layer.setWeights([
    { data: float32s(c.table), shape: [rows, dim] },
    { data: float32s(c.lora_a), shape: c.lora_a.shape },
    { data: float32s(c.lora_b), shape: c.lora_b.shape },
  ]);
  return layer;
}

const adapters = (layer: Embedding) => {
  const byName = new Map(layer.getWeights<Float32Array>().map((w) => [w.name, w.data]));
  return { a: byName.get("lora_embeddings_a")!, b: byName.get("lora_embeddings_b")! };
};

for (const c of training.cases) {
  test(`LoRA with ${c.case}: losses are the adapters' penalties, and ${c.optimizer} steps add the regularizer's gradient to both adapters, as Keras`, () => {
    const layer = loraLayer(c);
    const table = float32s(c.table);
    assertClose(layer.losses, c.losses.map(scalar), 0, 2e-6);
    assertClose([layer.regularizationLoss()], [c.losses.map(scalar).reduce((x, y) => x + y, 0)], 0, 2e-6);
    const optimizer = c.optimizer === "SGD" ? new SGD({ learningRate: c.learning_rate }) : new Adam({ learningRate: c.learning_rate });
    const indices = { data: int32s(c.indices), shape: c.indices.shape };
    const upstream = { data: float32s(c.upstream), shape: c.upstream.shape };
    for (const expected of c.steps) {
      layer.call(indices);
      layer.applyGradients(layer.backward(upstream) as LoraGradient, optimizer);
      const { a, b } = adapters(layer);
      assertClose(a, float32s(expected.lora_embeddings_a), 1e-6, 1e-5);
      assertClose(b, float32s(expected.lora_embeddings_b), 1e-6, 1e-5);
    }
    assertClose(layer.losses, c.losses_after.map(scalar), 1e-7, 1e-5);
    // The frozen table is not moved by its regularizer.
    assert.equal(Array.from(layer.getWeights<Float32Array>()[0]!.data), Array.from(table));
  });
}

test("a quantized table with LoRA: the int8 variables carry no regularizer, the adapters do (Keras' losses)", () => {
  const { weights, losses } = training.int8_lora;
  const table = weights.find((w) => w.name === "embeddings")!.value;
  const [rows, dim] = table.shape as [number, number];
  const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsRegularizer: { className: "L2", config: { l2: 0.05 } } });
  layer.quantize("int8");
  layer.enableLora(2, { alpha: 3 });
  assert.equal(layer.getWeights().map((w) => w.name), weights.map((w) => w.name));
  layer.setWeights(weights.map((w) => tensorOf(w.value) as { data: Float32Array | Int8Array; shape: number[] }));
  assertClose(layer.losses, losses.map(scalar), 0, 2e-6);
  layer.mergeLora();
  assert.equal(layer.losses, [], "a quantized table without LoRA has no regularized variable");
});

test("a layer that is not trainable has no weight penalties in losses (Keras counts trainable weights); regularizationLoss() still gives the table's", () => {
  assert.equal(training.untrainable_losses, []);
  const data = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
  const layer = new Embedding({ inputDim: 4, outputDim: 3, trainable: false, embeddingsRegularizer: { className: "L2", config: { l2: 0.5 } }, weights: [{ data, shape: [4, 3] }] });
  assert.equal(layer.losses, []);
  const sumSquares = Array.from(data).reduce((s, x) => s + x * x, 0);
  assertClose([layer.regularizationLoss()], [0.5 * sumSquares], 0, 1e-7);
});

interface SixteenBitCase {
  case: string;
  policy: "float16" | "bfloat16" | "mixed_float16";
  regularizer: EmbeddingOptions["embeddingsRegularizer"];
  table: FixtureArray;
  losses: FixtureArray[];
}

const sixteenFile = fixtureFile<{ cases: SixteenBitCase[]; activity: (Omit<SixteenBitCase, "policy"> & { policy: SixteenBitCase["policy"] | "mixed_bfloat16"; indices: FixtureArray })[] }>("keras/regularized/sixteen_bit");
const sixteen = sixteenFile.cases;

/** A 0-d Keras loss of dtype float16 / bfloat16 / float32 as a number. */
function lossValue(a: FixtureArray): number {
  if (a.dtype === "float32") return scalar(a);
  const bits = tensorOf(a).data as Uint16Array;
  return (a.dtype === "float16" ? widenFloat16Bits(bits) : widenBfloat16Bits(bits))[0]!;
}

for (const c of sixteen) {
  const half = c.policy !== "mixed_float16";
  const orthogonal = c.case.includes("Orthogonal");
  // Keras computes on the 16-bit variable, summing in XLA's order; here the exact penalty is rounded
  // once to the dtype: one unit apart for the sums, a few for OrthogonalRegularizer (whose
  // normalization and Gram matrix Keras rounds to 16 bits at every step).
  const units = orthogonal ? 4 : 1;
  test(`${c.case}: the penalty of a ${c.policy} table equals Keras' ${half ? `within ${units} unit(s) of the 16-bit result` : "within float32 rounding"}`, () => {
    const [rows, dim] = c.table.shape as [number, number];
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: c.policy, embeddingsRegularizer: c.regularizer });
    layer.setWeights([tensorOf(c.table) as { data: Uint16Array | Float32Array; shape: number[] }]);
    const expected = lossValue(c.losses[0]!);
    const got = layer.regularizationLoss();
    assert.equal(layer.losses, [got]);
    if (!half) {
      assertClose([got], [expected], 0, 2e-6);
      return;
    }
    const unit = 2 ** (Math.floor(Math.log2(Math.abs(expected))) - (c.policy === "float16" ? 10 : 7));
    assert.ok(Math.abs(got - expected) <= units * unit, `${got} vs Keras ${expected} (one unit = ${unit})`);
    assert.is(c.policy === "float16" ? float16Of(got) : bfloat16Of(got), got, "the penalty is a value of the table's dtype");
  });
}

for (const c of sixteenFile.activity) {
  const orthogonal = c.case.includes("Orthogonal");
  const units = orthogonal ? 4 : 1;
  test(`${c.case}: the activity loss of a lookup is in the compute dtype, Keras' within ${units} unit(s)`, () => {
    const [rows, dim] = c.table.shape as [number, number];
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: c.policy, activityRegularizer: c.regularizer });
    layer.setWeights([tensorOf(c.table) as { data: Uint16Array | Float32Array; shape: number[] }]);
    layer.call({ data: int32s(c.indices), shape: c.indices.shape });
    const [got] = layer.losses;
    const expected = lossValue(c.losses[0]!);
    const sixteenBit = c.losses[0]!.dtype === "float16" ? float16Of : bfloat16Of;
    assert.is(sixteenBit(got!), got, "the loss is a value of the compute dtype");
    const unit = 2 ** (Math.floor(Math.log2(Math.abs(expected))) - (c.losses[0]!.dtype === "float16" ? 10 : 7));
    assert.ok(Math.abs(got! - expected) <= units * unit, `${got} vs Keras ${expected} (one unit = ${unit})`);
  });
}

interface MixedGradientCase {
  case: string;
  policy: "mixed_float16" | "mixed_bfloat16";
  table: FixtureArray;
  indices: FixtureArray;
  upstream: FixtureArray;
  gradient: FixtureArray;
}

for (const c of fixtureFile<{ cases: MixedGradientCase[] }>("keras/regularized/mixed_gradients").cases) {
  test(`${c.policy}: backward() gives Keras' table gradient bit for bit (the upstream gradient in the compute dtype, repeated rows summed in float32)`, () => {
    const [rows, dim] = c.table.shape as [number, number];
    const layer = new Embedding({ inputDim: rows, outputDim: dim, dtype: c.policy, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
    layer.call({ data: int32s(c.indices), shape: c.indices.shape });
    const g = layer.backward({ data: float32s(c.upstream), shape: c.upstream.shape })!;
    const dense = new Float32Array(rows * dim);
    g.indices.forEach((row, i) => dense.set(g.values.subarray(i * dim, (i + 1) * dim), row * dim));
    assert.equal(bitsOf(dense), bitsOf(float32s(c.gradient)));
  });
}

test.run();
