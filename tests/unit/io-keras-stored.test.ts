// Keras files of quantized (int8, int4), float16 / bfloat16 and LoRA Embedding layers, written by
// real Keras 3.15.1 on JAX (scripts/fixtures/make_keras_fixtures.py): Embedding.fromKeras reads
// them, from the .keras archive and from .weights.h5 + the model's config, into the variables and
// lookups Keras holds after `keras.saving.load_model` (recorded beside each file), bit for bit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertClose, assertRejects } from "../support/helpers.ts";
import { assertSameBits, hexOf, int32s, tensorOf, type FixtureArray } from "../support/keras-quantized-fixtures.ts";
import { fromBfloat16Bits, fromFloat16Bits } from "../../src/half.ts";
import { readHdf5 } from "../../src/io/hdf5.ts";

const KERAS = join(import.meta.dirname, "..", "fixtures", "keras");

interface Recorded {
  layer_config: Record<string, unknown>;
  weights: { name: string; dtype: string; value: FixtureArray }[];
  lookups: { indices: FixtureArray; output: FixtureArray }[];
}
interface Case extends Recorded {
  case: string;
  /** (LoRA) Whether A @ B is exact in float32 whatever the summation order (dyadic adapters). */
  exact_adapters?: boolean;
  layer_name: string;
  files: { keras: string; weights_h5: string; model_json: string };
  after_load?: Recorded;
}

const CASES: [string, string][] = [
  ["quantized", "int8"], ["quantized", "int4_default"], ["quantized", "int4_per_channel"], ["quantized", "int4_block3"], ["quantized", "int4_block4"],
  ["dtype", "float16"], ["dtype", "bfloat16"], ["dtype", "mixed_float16"], ["dtype", "mixed_bfloat16"],
  ["lora", "lora_ctor"], ["lora", "lora_enable_default"], ["lora", "lora_enable_alpha"], ["lora", "lora_exact_alpha"], ["lora", "lora_exact_thirds"], ["lora", "lora_int8"],
  ["lora", "lora_mixed_float16"], ["lora", "lora_mixed_bfloat16"], ["lora", "lora_float16"], ["lora", "lora_bfloat16"],
];

const caseOf = (folder: string, name: string): Case => JSON.parse(readFileSync(join(KERAS, folder, `${name}.json`), "utf8"));

/** A Keras lookup output as float32 (16-bit outputs widened exactly, as the layer returns them). */
function widened(a: FixtureArray): FixtureArray {
  if (a.dtype !== "float16" && a.dtype !== "bfloat16") return a;
  const bytes = Buffer.from(a.hex, "hex");
  const bits = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const widen = a.dtype === "float16" ? fromFloat16Bits : fromBfloat16Bits;
  const values = Float32Array.from(bits, (b) => widen(b));
  return { dtype: "float32", shape: a.shape, hex: Buffer.from(values.buffer).toString("hex") };
}

/** Asserts `layer` holds what Keras holds after loading the case's file. */
function assertAsKerasLoaded(layer: Embedding, c: Case, source: string): void {
  const expected = c.after_load ?? c;
  const got = layer.getWeights<Float32Array | Int8Array | Uint16Array>();
  assert.equal(got.map((w) => w.name ?? "embeddings"), expected.weights.map((w) => w.name), `${source}: variable names`);
  got.forEach((w, i) => assertSameBits(w.data, expected.weights[i]!.value, `${source}: ${expected.weights[i]!.name}`));
  for (const { indices, output } of expected.lookups) {
    const ids = int32s(indices);
    assertSameBits(layer.call({ data: ids, shape: indices.shape }).data, widened(output), `${source}: lookup`);
  }
  const config = layer.toKerasConfig() as { config?: Record<string, unknown> } & Record<string, unknown>;
  const own = (config.config ?? config) as Record<string, unknown>;
  for (const key of ["dtype", "lora_rank", "lora_alpha", "quantization_config", "input_dim", "output_dim"]) {
    if (key in expected.layer_config) assert.equal(own[key], expected.layer_config[key], `${source}: config ${key}`);
  }
}

const stored = suite("fromKeras: quantized, 16-bit and LoRA layers saved by Keras 3.15.1");
for (const [folder, name] of CASES) {
  stored(`${folder}/${name}: the .keras archive and .weights.h5 + config load as Keras loads them`, async () => {
    const c = caseOf(folder, name);
    const archive = await Embedding.fromKeras(join(KERAS, folder, c.files.keras));
    assertAsKerasLoaded(archive, c, ".keras");
    const split = await Embedding.fromKeras({ weights: join(KERAS, folder, c.files.weights_h5), config: join(KERAS, folder, c.files.model_json) });
    assertAsKerasLoaded(split, c, ".weights.h5");
    archive.dispose();
    split.dispose();
  });
}

stored("a variable with the wrong dtype for the config is refused, naming both", async () => {
  // The int8 file's weights under the float16 model's config: the table is int8, the config says float16.
  const q = caseOf("quantized", "int8");
  const half = JSON.parse(readFileSync(join(KERAS, "dtype", "float16.model.json"), "utf8"));
  const model = JSON.parse(readFileSync(join(KERAS, "quantized", q.files.model_json), "utf8"));
  const layerOf = (m: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }) => m.config.layers.find((l) => l.class_name === "Embedding")!;
  // Same shape (13 × 5) and name, float16 policy.
  layerOf(model).config["dtype"] = layerOf(half).config["dtype"];
  await assertRejects(
    Embedding.fromKeras({ weights: join(KERAS, "quantized", q.files.weights_h5), config: model }),
    ValueError,
    /the table "layers\/embedding\/vars\/0" has HDF5 dtype "<b"; the layer's config says float16 \("<e"\)/,
  );
  // The float16 file under an int8 config: the scale variable is missing.
  const int8Model = JSON.parse(readFileSync(join(KERAS, "quantized", q.files.model_json), "utf8"));
  layerOf(int8Model).config["name"] = layerOf(half).config["name"];
  await assertRejects(
    Embedding.fromKeras({ weights: join(KERAS, "dtype", "float16.weights.h5"), config: int8Model }),
    ValueError,
    /has HDF5 dtype "<e"; the layer's config says int8/,
  );
});

const saved = suite("toKeras / toKerasWeights: quantized and 16-bit layers written as Keras writes them");
/** Every HDF5 dataset under `vars` of the weights file: path, dtype string and the bfloat16 mark. */
async function layout(bytes: Uint8Array): Promise<string[]> {
  return readHdf5(bytes, "file", (file) =>
    file.keys("layers/embedding/vars").sort().map((key) => {
      const path = `layers/embedding/vars/${key}`;
      const { shape, dtype } = file.describe(path);
      return `${key}: ${dtype} [${shape.join(", ")}] ${file.stringAttribute(path, "dtype") ?? ""}`;
    }),
  );
}
for (const [folder, name] of CASES.filter(([folder]) => folder !== "lora")) {
  saved(`${folder}/${name}: written back, the file holds Keras' layout and reads back bit for bit`, async () => {
    const c = caseOf(folder, name);
    const layer = await Embedding.fromKeras(join(KERAS, folder, c.files.keras));
    const weights = layer.toKerasWeights();
    // The same datasets, dtypes and shapes as the file Keras wrote for this layer.
    assert.equal(await layout(weights), await layout(new Uint8Array(readFileSync(join(KERAS, folder, c.files.weights_h5)))));
    const fromArchive = await Embedding.fromKeras(layer.toKeras({ inputShape: [null] }));
    const fromWeights = await Embedding.fromKeras({ weights, config: join(KERAS, folder, c.files.model_json) });
    for (const [copy, source] of [[fromArchive, "toKeras"], [fromWeights, "toKerasWeights"]] as const) assertAsKerasLoaded(copy, c, source);
    for (const l of [layer, fromArchive, fromWeights]) l.dispose();
  });
}

/**
 * Asserts `layer` holds what Keras holds after loading a LoRA case saved with random adapters:
 * XLA's CPU matmul sums A @ B in its own order, with fused multiply-adds, so the merged table is
 * Keras' within about one rounding of its dtype.
 */
function assertMergedAsKerasLoaded(layer: Embedding, c: Case, source: string): void {
  const loaded = c.after_load!;
  const got = layer.getWeights<Float32Array | Uint16Array>();
  assert.equal(got.map((w) => w.name), loaded.weights.map((w) => w.name), `${source}: variable names`);
  got.forEach((w, i) => {
    const { value } = loaded.weights[i]!;
    const widen = (data: Float32Array | Uint16Array) => (data instanceof Float32Array ? data : Float32Array.from(data, value.dtype === "bfloat16" ? fromBfloat16Bits : fromFloat16Bits));
    const unit = value.dtype === "float32" ? 2 ** -23 : value.dtype === "float16" ? 2 ** -10 : 2 ** -7;
    assertClose(widen(w.data), widen(tensorOf(value).data as Float32Array | Uint16Array), 1e-6, 2 * unit);
  });
  assert.equal(layer.loraRank, loaded.layer_config["lora_rank"]);
}

for (const [, name] of CASES.filter(([folder]) => folder === "lora")) {
  saved(`lora/${name}: a layer with LoRA on saves what Keras saves (the adapters merged into the table), and loads back as Keras loads the file`, async () => {
    const c = caseOf("lora", name);
    // The layer as Keras held it before saving: the config without LoRA, then enable_lora(rank, lora_alpha) (a
    // config's LoRA would be rebuilt with alpha = rank, as Keras' from_config does).
    const { lora_rank: rank, lora_alpha: alpha, ...plain } = c.layer_config as { lora_rank: number; lora_alpha: number };
    const layer = Embedding.fromConfig(plain);
    layer.enableLora(rank, { alpha });
    layer.setWeights(c.weights.map((w) => tensorOf(w.value) as { data: Float32Array | Int8Array | Uint16Array; shape: number[] }));
    const before = layer.getWeights<Float32Array | Int8Array | Uint16Array>().map((w) => hexOf(w.data));
    const fromArchive = await Embedding.fromKeras(layer.toKeras({ inputShape: [null] }));
    const fromWeights = await Embedding.fromKeras({ weights: layer.toKerasWeights(), config: join(KERAS, "lora", c.files.model_json) });
    assert.equal(layer.getWeights<Float32Array | Int8Array | Uint16Array>().map((w) => hexOf(w.data)), before, "saving leaves the layer as it was");
    assert.is(layer.loraRank, c.layer_config["lora_rank"]);
    for (const [copy, source] of [[fromArchive, "toKeras"], [fromWeights, "toKerasWeights"]] as const) {
      if (c.exact_adapters === false) assertMergedAsKerasLoaded(copy, c, source);
      else assertAsKerasLoaded(copy, c, source);
    }
    for (const l of [layer, fromArchive, fromWeights]) l.dispose();
  });
}

stored.run();
saved.run();
