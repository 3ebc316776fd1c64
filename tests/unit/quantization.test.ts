// int8 and int4 quantization against real Keras 3.15.1 (tests/fixtures/quantized, made by
// scripts/fixtures/make_quantized_fixtures.py): quantize() gives Keras' variables bit for bit, and
// lookups give Keras' (JAX) outputs bit for bit; configs, weights and errors as Keras has them.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";
import { assertSameBits, bitsOf, fixtureCases, float32s, int32s, tensorOf, widenedBits, type FixtureArray } from "../support/keras-quantized-fixtures.ts";
import { packInt4, unpackInt4, roundHalfEven } from "../../src/quantizers.ts";

interface QuantizedCase {
  case: string;
  mode: "int8" | "int4";
  block_size: number | null | "default";
  table: FixtureArray;
  config: Record<string, unknown>;
  dtype_policy: string;
  weights: { name: string; value: FixtureArray }[];
  lookup: { indices: FixtureArray; output: FixtureArray };
}

const cases = [...fixtureCases<QuantizedCase[]>("int8"), ...fixtureCases<QuantizedCase[]>("int4")];
const errors = fixtureCases<Record<string, string>>("errors");

/** A float32 layer with the fixture's table, configured as Keras' was (name, default initializer). */
function floatLayer(c: QuantizedCase): Embedding {
  const [rows, dim] = c.table.shape as [number, number];
  return new Embedding({ inputDim: rows, outputDim: dim, name: c.case, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
}

function quantizeAsKeras(layer: Embedding, c: QuantizedCase): void {
  if (c.block_size === "default") layer.quantize(c.mode);
  else layer.quantize(c.mode, { blockSize: c.block_size });
}

function lookup(layer: Embedding, c: QuantizedCase): Float32Array {
  return layer.call({ data: int32s(c.lookup.indices), shape: c.lookup.indices.shape }).data;
}

for (const c of cases) {
  test(`${c.case}: quantize() makes Keras' variables bit for bit, in get_weights() order, names and dtypes`, () => {
    const layer = floatLayer(c);
    quantizeAsKeras(layer, c);
    const weights = layer.getWeights<Float32Array | Int8Array>();
    assert.equal(weights.map((w) => w.name), c.weights.map((w) => w.name));
    weights.forEach((w, i) => {
      const expected = c.weights[i]!.value;
      assert.is(w.dtype, expected.dtype, `${w.name} dtype`);
      assert.ok(expected.dtype === "int8" ? w.data instanceof Int8Array : w.data instanceof Float32Array, `${w.name} array type`);
      assert.equal(w.shape, expected.shape, `${w.name} shape`);
      assertSameBits(w.data, expected, `${c.case} ${w.name}`);
    });
  });

  test(`${c.case}: lookups equal Keras' bit for bit`, () => {
    const layer = floatLayer(c);
    quantizeAsKeras(layer, c);
    assertSameBits(lookup(layer, c), c.lookup.output, `${c.case} lookup`);
  });

  test(`${c.case}: toKerasConfig() is Keras' get_config(), and fromConfig + setWeights(Keras' variables) gives Keras' lookups`, () => {
    const layer = floatLayer(c);
    quantizeAsKeras(layer, c);
    assert.equal(layer.toKerasConfig(), c.config);
    assert.is(layer.dtypePolicy, c.dtype_policy);
    const loaded = Embedding.fromConfig({ class_name: "Embedding", config: c.config });
    assert.is(loaded.dtypePolicy, c.dtype_policy);
    assert.equal(loaded.toKerasConfig(), c.config);
    loaded.setWeights(c.weights.map((w) => tensorOf(w.value) as { data: Float32Array | Int8Array; shape: number[] }));
    assertSameBits(lookup(loaded, c), c.lookup.output, `${c.case} lookup after loading`);
    // The TF.js-style config round-trips too.
    assert.equal(Embedding.fromConfig(loaded.getConfig()).toKerasConfig(), c.config);
  });
}

// Quantized from a mixed policy: the same float32 variables as from float32, lookups dequantized in
// the policy's 16-bit compute dtype (Keras' outputs are float16 / bfloat16; the layer returns them
// widened to float32 exactly).
interface MixedCase extends QuantizedCase {
  policy: "mixed_float16" | "mixed_bfloat16" | "float16" | "bfloat16";
}
const mixedCases = fixtureCases<MixedCase[]>("mixed");
// Quantized from float16 / bfloat16 tables: NumPy's arithmetic on the 16-bit variable (float16
// rounds every step; bfloat16 promotes to float32 where a Python float meets it), scales stored in
// the 16-bit dtype, lookups dequantized in it.
const sixteenBitCases = fixtureCases<MixedCase[]>("sixteen_bit");

for (const c of [...mixedCases, ...sixteenBitCases]) {
  const mixedLayer = () => {
    const [rows, dim] = c.table.shape as [number, number];
    return new Embedding({ inputDim: rows, outputDim: dim, name: c.case, dtype: c.policy, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
  };
  test(`${c.case}: quantize() under ${c.policy} makes Keras' variables, and lookups equal Keras' ${c.lookup.output.dtype} outputs bit for bit`, () => {
    const layer = mixedLayer();
    quantizeAsKeras(layer, c);
    layer.getWeights<Float32Array | Int8Array>().forEach((w, i) => assertSameBits(w.data, c.weights[i]!.value, `${c.case} ${w.name}`));
    assert.is(c.lookup.output.dtype, c.policy.endsWith("bfloat16") ? "bfloat16" : "float16");
    assert.equal(bitsOf(lookup(layer, c)), widenedBits(c.lookup.output), `${c.case} lookup`);
    assert.is(layer.computeDtype, c.lookup.output.dtype);
  });

  test(`${c.case}: config as Keras writes it (dtype ${c.dtype_policy}); fromConfig + setWeights(Keras' variables) gives Keras' lookups`, () => {
    const layer = mixedLayer();
    quantizeAsKeras(layer, c);
    assert.equal(layer.toKerasConfig(), c.config);
    assert.is(layer.dtypePolicy, c.dtype_policy);
    const loaded = Embedding.fromConfig({ class_name: "Embedding", config: c.config });
    assert.is(loaded.dtypePolicy, c.dtype_policy);
    loaded.setWeights(c.weights.map((w) => tensorOf(w.value) as { data: Float32Array | Int8Array; shape: number[] }));
    assert.equal(bitsOf(lookup(loaded, c)), widenedBits(c.lookup.output), `${c.case} lookup after loading`);
    assert.equal(Embedding.fromConfig(loaded.getConfig()).toKerasConfig(), c.config);
  });
}

test("a table quantized from a mixed policy saves to a .keras file and loads back with its policy and lookups", async () => {
  for (const c of mixedCases.filter((x) => x.case === "int8_mixed_bf16" || x.case === "int4_mixed_f16_block4")) {
    const [rows, dim] = c.table.shape as [number, number];
    const layer = new Embedding({ inputDim: rows, outputDim: dim, name: c.case, dtype: c.policy, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });
    quantizeAsKeras(layer, c);
    const again = await Embedding.fromKeras(layer.toKeras({ inputShape: [null] }));
    assert.is(again.dtypePolicy, c.dtype_policy);
    assert.equal(bitsOf(lookup(again, c)), widenedBits(c.lookup.output), c.case);
  }
});

test("int8 under mixed_float16 or float16 is refused with Keras' message, from quantize() and from a config's policy", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, dtype: "mixed_float16" });
  assertThrowsMessage(() => layer.quantize("int8"), ValueError, errors["quantize_int8_mixed_float16"]!);
  assert.is(layer.dtypePolicy, "mixed_float16");
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "int8_from_mixed_float16" }), ValueError, errors["quantize_int8_mixed_float16"]!);
  // And under float16 storage.
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "float16" }).quantize("int8"), ValueError, errors["quantize_int8_mixed_float16"]!);
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "int8_from_float16" }), ValueError, errors["quantize_int8_mixed_float16"]!);
});

test("memoryBytes: a quantized layer holds the quantized table and scales, not the float32 table", () => {
  const rows = 20000, dim = 64;
  const float = new Embedding({ inputDim: rows, outputDim: dim });
  const int8 = new Embedding({ inputDim: rows, outputDim: dim });
  int8.quantize("int8");
  const int4 = new Embedding({ inputDim: rows, outputDim: dim });
  int4.quantize("int4", { blockSize: null });
  const f32Table = rows * dim * 4;
  // Table bytes plus scales plus at most a few pages of lookup regions and kernel data.
  const slack = 4 * 65536 + 256 * dim * 4 * 2;
  assert.ok(float.memoryBytes >= f32Table, `float ${float.memoryBytes}`);
  assert.ok(int8.memoryBytes <= rows * dim + rows * 4 + slack, `int8 ${int8.memoryBytes}`);
  assert.ok(int4.memoryBytes <= (rows * dim) / 2 + rows * 4 + slack, `int4 ${int4.memoryBytes}`);
  assert.ok(int8.memoryBytes < float.memoryBytes / 3 && int4.memoryBytes < float.memoryBytes / 6);
});

test("quantized lookups equal a plain TypeScript dequantization of the layer's own variables (random tables, widths around the SIMD steps)", () => {
  const random = fixtureRandom(7);
  for (const dim of [1, 3, 4, 15, 16, 17, 31, 33, 64, 100]) {
    for (const [mode, blockSize] of [["int8", undefined], ["int4", null], ["int4", 5], ["int4", 16], ["int4", 128]] as const) {
      const rows = 9;
      const table = Float32Array.from({ length: rows * dim }, () => (random() - 0.5) * 8);
      const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
      layer.quantize(mode, mode === "int4" ? { blockSize } : {});
      const w = layer.getWeights<Float32Array | Int8Array>();
      const q = mode === "int8" ? (w[0]!.data as Int8Array) : unpackInt4(w[0]!.data as Int8Array, rows, dim);
      const scale = w[1]!.data as Float32Array;
      const ids = [8, 0, 3, 3, 7];
      const out = layer.call(ids).data;
      const expected = new Float32Array(ids.length * dim);
      ids.forEach((r, i) => {
        for (let j = 0; j < dim; j++) {
          const v = q[r * dim + j]!;
          // One scale per row: Keras (XLA) multiplies by its reciprocal, or with one column divides by it.
          if (w.length === 2) expected[i * dim + j] = dim === 1 ? Math.fround(v / scale[r]!) : Math.fround(v * Math.fround(1 / scale[r]!));
          else {
            const groups = w[1]!.shape[1]!;
            const g = Math.floor(j / (blockSize as number));
            const zero = (w[2]!.data as Int8Array)[r * groups + g]!;
            expected[i * dim + j] = Math.fround((v - zero) * scale[r * groups + g]!);
          }
        }
      });
      assert.equal(Array.from(out), Array.from(expected), `${mode} block ${blockSize} dim ${dim}`);
    }
  }
});

test("one column: int8 and per-row int4 lookups divide by the scale as Keras (XLA) does; two columns multiply by its reciprocal", () => {
  const { cases } = JSON.parse(readFileSync(new URL("../fixtures/quantized/width-one.json", import.meta.url), "utf8")) as {
    cases: { mode: "int8" | "int4"; table: FixtureArray; weights: FixtureArray[]; indices: FixtureArray; output: FixtureArray }[];
  };
  for (const c of cases) {
    const layer = new Embedding({ inputDim: c.table.shape[0]!, outputDim: c.table.shape[1]!, weights: [{ data: float32s(c.table), shape: c.table.shape }] });
    layer.quantize(c.mode, c.mode === "int4" ? { blockSize: -1 } : {});
    layer.getWeights<Float32Array | Int8Array>().forEach((w, i) => assertSameBits(w.data, c.weights[i]!, `${c.mode} × ${c.table.shape[1]}: variable ${i}`));
    assertSameBits(layer.call({ data: int32s(c.indices), shape: c.indices.shape }).data, c.output, `${c.mode} × ${c.table.shape[1]}: lookup`);
  }
});

test("pack/unpack int4 as Keras: low nibble first, two's complement, odd widths padded with 0", () => {
  const q = Int8Array.from([-8, 7, -1, 0, 3]);
  const packed = packInt4(q, 1, 5);
  assert.equal(Array.from(packed), [0x78, 0x0f, 0x03]);
  assert.equal(Array.from(unpackInt4(packed, 1, 5)), Array.from(q));
  assert.equal([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, -3]);
});

test("errors: Keras' text for quantizing twice; bad modes, block sizes and combinations named", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, name: "embedding_2" });
  layer.quantize("int8");
  assertThrowsMessage(() => layer.quantize("int8"), ValueError, errors["quantize_twice"]!);
  const fresh = new Embedding({ inputDim: 4, outputDim: 3 });
  assertThrowsMessage(() => fresh.quantize("int2" as "int8"), ValueError, /mode.*"int8" or "int4".*int2/s);
  assertThrowsMessage(() => fresh.quantize("int4", { blockSize: 0 }), ValueError, /blockSize must be a positive integer.*Received: blockSize=0/);
  assertThrowsMessage(() => fresh.quantize("int8", { blockSize: 4 }), ValueError, /blockSize/);
  assert.is(fresh.quantizationMode, null, "a refused quantize() changes nothing");
  const renorm = new Embedding({ inputDim: 4, outputDim: 3, maxNorm: 1 });
  assertThrowsMessage(() => renorm.quantize("int8"), ValueError, /maxNorm/);
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "int8_from_float64" }), ValueError, /dtype must be.*int8_from_float64/s);
  assertThrowsMessage(
    () => Embedding.fromConfig({ input_dim: 4, output_dim: 3, dtype: "int4/8_from_float32", quantization_config: { class_name: "Int4QuantizationConfig", config: { block_size: 4 } } }),
    ValueError, /quantizationBlockSize=4 does not match dtype "int4\/8_from_float32"/,
  );
});

test("a quantized layer is frozen: backward gives null, optimizers refuse; setWeights checks everything before writing", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 4 });
  layer.quantize("int8");
  layer.call([1, 2]);
  assert.is(layer.backward(new Float32Array(8)), null);
  const before = layer.getWeights<Int8Array | Float32Array>();
  const good = before.map((w) => ({ data: w.data, shape: w.shape }));
  assertThrowsMessage(() => layer.setWeights([good[0]!]), ValueError, /expecting 2 weights \(embeddings, embeddings_scale\)/);
  assertThrowsMessage(() => layer.setWeights([good[0]!, { data: new Float32Array(4), shape: [4] }]), ValueError, /embeddings_scale has shape \[5\]/);
  assertThrowsMessage(() => layer.setWeights([{ data: Array(20).fill(300), shape: [5, 4] }, good[1]!]), ValueError, /int8.*Received: 300/);
  assert.equal(layer.getWeights<Int8Array | Float32Array>().map((w) => Array.from(w.data)), before.map((w) => Array.from(w.data)));
});



test("reverse() and nearest() refuse a quantized table (they read float32 rows) instead of reading its bytes", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: "ones" });
  layer.quantize("int8");
  assertThrowsMessage(() => layer.nearest(0), ValueError, /nearest\(\) works on float32 tables; layer "[^"]+" stores its table as int8_from_float32/);
  assertThrowsMessage(() => layer.reverse([1, 2, 3]), ValueError, /reverse\(\) works on float32 tables/);
  const lora = new Embedding({ inputDim: 4, outputDim: 3, loraRank: 2 });
  assertThrowsMessage(() => lora.nearest(0), ValueError, /nearest\(\) reads the table alone; layer "[^"]+" has LoRA on: mergeLora\(\) first\./);
});

test("the TF.js writer refuses a quantized table instead of writing its bytes as float32 (Keras files hold it as stored)", async () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: "ones" });
  layer.quantize("int8");
  for (const write of [() => layer.toTfjs()]) {
    let message = "";
    try {
      write();
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /works on float32 tables; layer "[^"]+" stores its table as int8_from_float32/);
  }
});

test.run();
