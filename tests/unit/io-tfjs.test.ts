// TF.js layers models: Embedding.fromTfjs against fixtures saved and read back by @tensorflow/tfjs
// 4.22 (scripts/fixtures/make-tfjs-fixtures.ts; outputs recorded from the TF.js model's predict),
// sharded and quantized weights, toTfjs loaded by tf.loadLayersModel, and hostile inputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { assertRejects } from "../support/helpers.ts";
import * as tf from "@tensorflow/tfjs";
import { Embedding, ValueError, type TfjsModel } from "../../src/index.ts";
import { float16ToFloat32Bits } from "../../src/io/tfjs-weights.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "tfjs");
const modelPath = (name: string) => join(FIXTURES, name, "model.json");
const expectedOf = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name, "expected.json"), "utf8"));
const modelJsonOf = (name: string) => JSON.parse(readFileSync(modelPath(name), "utf8"));
const shardsOf = (name: string): Uint8Array[] =>
  modelJsonOf(name).weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => new Uint8Array(readFileSync(join(FIXTURES, name, p)))));

function assertSameBits(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  const want = new Uint32Array(Float32Array.from(expected).buffer);
  const got = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`${what}[${i}] = ${actual[i]}, TF.js gave ${expected[i]}`);
}

const rejects = assertRejects;

// ---------------------------------------------------------------------------------------------
const load = suite("fromTfjs: models saved by TF.js 4.22");

load("model.json path, sharded over 5 files and 2 manifest groups, table after other weights: lookups equal TF.js", async () => {
  const expected = expectedOf("functional");
  const layer = await Embedding.fromTfjs(modelPath("functional"));
  const out = layer.call(expected.indices);
  assert.equal(out.shape, expected.output_shape);
  assertSameBits(out.data, expected.output, "lookup");
  assert.is(layer.name, "words");
  assert.equal(layer.getConfig().embeddingsInitializer, { className: "RandomNormal", config: { mean: 0, stddev: 2, seed: 3 } });
});

load("file:// URL and { modelJson, weightData } (shard list, one joined buffer)", async () => {
  const expected = expectedOf("functional");
  const shards = shardsOf("functional");
  const joined = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  shards.reduce((at, s) => (joined.set(s, at), at + s.length), 0);
  const sources = [
    pathToFileURL(modelPath("functional")),
    { modelJson: modelJsonOf("functional"), weightData: shards },
    { modelJson: modelJsonOf("functional"), weightData: joined.buffer },
  ];
  for (const source of sources) {
    const layer = await Embedding.fromTfjs(source);
    assertSameBits(layer.call(expected.indices).data, expected.output, "lookup");
  }
});

for (const dtype of ["uint8", "uint16", "float16"]) {
  load(`${dtype}-quantized table: dequantized as TF.js does, bit for bit`, async () => {
    const expected = expectedOf(dtype);
    assert.is(modelJsonOf(dtype).weightsManifest[0].weights[0].quantization.dtype, dtype);
    const layer = await Embedding.fromTfjs(modelPath(dtype));
    assertSameBits(layer.call(expected.indices).data, expected.output, "lookup");
    assert.is(layer.inputLength, 2);
  });
}

load("float16 decoding equals tfjs-core's decoder for all 65536 codes (NaN payloads included)", async () => {
  const codes = new Uint16Array(65536).map((_, i) => i);
  const decoded = tf.io.decodeWeights(codes.buffer, [{ name: "w", shape: [65536], dtype: "float32", quantization: { dtype: "float16" } }]);
  const reference = new Uint32Array(((await decoded["w"]!.data()) as Float32Array).buffer);
  for (let code = 0; code < 65536; code++) {
    if (float16ToFloat32Bits(code) !== reference[code]) assert.unreachable(`code 0x${code.toString(16)}: 0x${float16ToFloat32Bits(code).toString(16)}, tfjs 0x${reference[code]!.toString(16)}`);
  }
});

load("onProgress rises monotonically to exactly 1; an aborted signal rejects with AbortError", async () => {
  const seen: number[] = [];
  await Embedding.fromTfjs(modelPath("functional"), { onProgress: (f) => seen.push(f) });
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress went from ${seen[i - 1]} to ${seen[i]}`);
  assert.is(seen.at(-1), 1);
  assert.ok(seen.length >= 3, `progress reported ${seen.length} times`);
  const controller = new AbortController();
  controller.abort();
  const error = await rejects(Embedding.fromTfjs(modelPath("functional"), { signal: controller.signal }), DOMException, /abort/i);
  assert.is(error.name, "AbortError");
});

// ---------------------------------------------------------------------------------------------
const save = suite("toTfjs");

save("tf.loadLayersModel loads it and predicts our lookups bit for bit", async () => {
  const data = new Float32Array(7 * 3).map((_, i) => Math.sin(i + 1) * 10);
  const layer = new Embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputLength: 4, name: "to_tfjs", weights: { data, shape: [7, 3] } });
  const { modelJson, weightSpecs, weightData } = layer.toTfjs();
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  const indices = [[0, 1, 2, 3], [6, 5, 4, 0]];
  const predicted = (await (model.predict(tf.tensor2d(indices, undefined, "int32")) as tf.Tensor).data()) as Float32Array;
  assertSameBits(layer.call(indices).data, predicted, "lookup");
  const tfLayer = model.getLayer("to_tfjs") as unknown as { getConfig(): Record<string, unknown> };
  assert.is(tfLayer.getConfig()["maskZero"], true);
  assert.is(tfLayer.getConfig()["inputDim"], 7);
});

save("fromTfjs reads toTfjs back: same table and config", async () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 2, name: "round_trip", embeddingsInitializer: { className: "RandomNormal", config: { seed: 9 } } });
  const back = await Embedding.fromTfjs(layer.toTfjs());
  assert.equal(back.getWeights()[0]!.data, layer.getWeights()[0]!.data);
  assert.equal(back.getConfig(), layer.getConfig());
});

save("inputShape: default from inputLength, or given (checked), written as batch_input_shape", async () => {
  const layerConfig = (model: TfjsModel) =>
    (model.modelJson.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0]!.config;
  const fixed = new Embedding({ inputDim: 3, outputDim: 2, inputLength: 5 });
  assert.equal(layerConfig(fixed.toTfjs())["batch_input_shape"], [null, 5]);
  assert.equal(layerConfig(fixed.toTfjs({ inputShape: [5] }))["batch_input_shape"], [null, 5]);
  const free = new Embedding({ inputDim: 3, outputDim: 2 });
  assert.equal(layerConfig(free.toTfjs())["batch_input_shape"], [null, null]);
  await rejects((async () => free.toTfjs({ inputShape: [-1] }))(), ValueError, /inputShape must be a non-empty array of positive integers or nulls.*inputShape=\[-1\]/);
});

save("maxNorm, which TF.js lacks, cannot be saved", async () => {
  await rejects((async () => new Embedding({ inputDim: 3, outputDim: 2, maxNorm: 2 }).toTfjs())(), ValueError, /max_norm=2, which TF\.js' Embedding does not have/);
});

// ---------------------------------------------------------------------------------------------
const hostile = suite("fromTfjs: hostile models");

const withSpec = (name: string, edit: (spec: Record<string, unknown>) => void) => {
  const modelJson = modelJsonOf(name);
  edit(modelJson.weightsManifest.at(-1).weights.at(-1));
  return modelJson;
};

hostile("weight data too short (a shard missing from the list)", async () => {
  const shards = shardsOf("functional");
  await rejects(Embedding.fromTfjs({ modelJson: modelJsonOf("functional"), weightData: shards.slice(0, 3) }), ValueError, /weight data is too short: weight "words\/embeddings" needs bytes 36 to 276/);
});

/** Writes `modelJson` as model.json in a fresh temporary folder and returns its path. */
function writeTemporaryModel(modelJson: unknown): string {
  const folder = mkdtempSync(join(tmpdir(), "embedding-wasm-tfjs-"));
  writeFileSync(join(folder, "model.json"), JSON.stringify(modelJson));
  return join(folder, "model.json");
}

hostile("a shard path leaving model.json's folder, or absolute, or a URL", async () => {
  for (const path of ["../secret.bin", "/etc/passwd", "https://example.com/x.bin", "a/../../b.bin", "C:\\x.bin"]) {
    const modelJson = modelJsonOf("uint8");
    modelJson.weightsManifest[0].paths = [path];
    const file = writeTemporaryModel(modelJson);
    try {
      await rejects(Embedding.fromTfjs(file), ValueError, /Weight shard path .* must be relative to model\.json and stay in its folder/);
    } finally {
      rmSync(dirname(file), { recursive: true });
    }
  }
});

hostile("a missing shard file", async () => {
  const modelJson = modelJsonOf("uint8");
  modelJson.weightsManifest[0].paths = ["missing-shard.bin"];
  const file = writeTemporaryModel(modelJson);
  try {
    await rejects(Embedding.fromTfjs(file), ValueError, /Could not read weight shard "missing-shard\.bin"/);
  } finally {
    rmSync(dirname(file), { recursive: true });
  }
});

hostile("the table spec has the wrong shape or dtype, or quantization without scale/min or of an unknown dtype", async () => {
  const weightData = shardsOf("uint8");
  const cases: [(s: Record<string, unknown>) => void, RegExp][] = [
    [(s) => (s["shape"] = [9, 5]), /has shape \[9, 5\], but the layer config gives \[9, 4\]/],
    [(s) => (s["dtype"] = "int32"), /has dtype "int32"; an Embedding table must be float32/],
    [(s) => (s["quantization"] = { dtype: "uint8", scale: 0.1 }), /quantized to uint8 but its quantization has no finite scale and min/],
    [(s) => (s["quantization"] = { dtype: "int4" }), /quantization must be \{ dtype: "uint8" \| "uint16" \| "float16"/],
    [(s) => (s["shape"] = [1e9, 1e9]), /has shape \[1000000000, 1000000000\], but the layer config gives \[9, 4\]/],
  ];
  for (const [edit, message] of cases) await rejects(Embedding.fromTfjs({ modelJson: withSpec("uint8", edit), weightData }), ValueError, message);
});

hostile("no weight for the layer, or a huge table beyond maxBytes", async () => {
  const weightData = shardsOf("uint8");
  await rejects(Embedding.fromTfjs({ modelJson: withSpec("uint8", (s) => (s["name"] = "other/kernel")), weightData }), ValueError, /no weight "emb\/embeddings" for Embedding layer "emb"\. Weights: "other\/kernel"/);
  await rejects(Embedding.fromTfjs(modelPath("functional"), { maxBytes: 100 }), ValueError, /more than maxBytes=100/);
});

hostile("a huge weight declared before the table is refused by maxBytes without reading it", async () => {
  const modelJson = modelJsonOf("functional");
  modelJson.weightsManifest[0].weights[0].shape = [1e6, 1e6];
  await rejects(Embedding.fromTfjs({ modelJson, weightData: shardsOf("functional") }), ValueError, /take \d+ bytes, more than maxBytes=4294967296/);
});

hostile("aborting between shards rejects with AbortError", async () => {
  const controller = new AbortController();
  const error = await rejects(Embedding.fromTfjs(modelPath("functional"), { signal: controller.signal, onProgress: () => controller.abort() }), DOMException, /abort/i);
  assert.is(error.name, "AbortError");
});

hostile("a model.json that is not JSON, or lacks a topology or manifest", async () => {
  await rejects(Embedding.fromTfjs({ modelJson: { weightsManifest: [] }, weightData: [] }), ValueError, /modelJson has no modelTopology/);
  await rejects(Embedding.fromTfjs({ modelJson: { modelTopology: {} }, weightData: [] }), ValueError, /must have a weightsManifest list/);
  await rejects(Embedding.fromTfjs(join(FIXTURES, "uint8", "group-shard1.bin")), ValueError, /is not valid UTF-8 JSON/);
  await rejects(Embedding.fromTfjs({ modelJson: modelJsonOf("uint8"), weightData: "bytes" as never }), ValueError, /source\.weightData must be an ArrayBuffer or Uint8Array/);
  await rejects(Embedding.fromTfjs(7 as never), ValueError, /source must be the URL or path of a model\.json, or \{ modelJson, weightData \}/);
});

load.run();
save.run();
hostile.run();
