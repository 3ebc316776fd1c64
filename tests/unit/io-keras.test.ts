// Keras files: Embedding.fromKeras against fixtures written by real Keras 3.15.1
// (scripts/fixtures/make_keras_io_fixtures.py; outputs recorded from model.predict), toKeras /
// toKerasWeights read back, and hostile archives and weight files.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { assertRejects, assertThrowsMessage } from "../support/helpers.ts";
import { unzipSync, zipSync } from "fflate";
import { Embedding, ValueError } from "../../src/index.ts";
import { kerasSequentialConfig } from "../../src/io/keras-write.ts";
import { crc32 } from "../../src/io/zip.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "keras");
const fixture = (name: string) => join(FIXTURES, name);
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture(name)));
const expectedOf = (name: string) => JSON.parse(readFileSync(fixture(`${name}.expected.json`), "utf8"));

/** Asserts `actual` holds exactly the float32 values of `expected` (numbers Keras wrote), bit for bit. */
function assertSameBits(actual: Float32Array, expected: readonly number[], what: string): void {
  const want = new Uint32Array(Float32Array.from(expected).buffer);
  const got = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`${what}[${i}] = ${actual[i]}, Keras gave ${expected[i]}`);
}

const rejects = assertRejects;

/** Splits Keras' functional output [batch, 5, 3] into the 3 "words" positions and the 2 "tags" positions. */
function splitFunctional(output: number[], batch: number): { words: number[]; tags: number[] } {
  const words: number[] = [];
  const tags: number[] = [];
  for (let b = 0; b < batch; b++) {
    const row = output.slice(b * 15, (b + 1) * 15);
    words.push(...row.slice(0, 9));
    tags.push(...row.slice(9));
  }
  return { words, tags };
}

// ---------------------------------------------------------------------------------------------
const load = suite("fromKeras: Keras 3.15.1 files");

load("a Sequential .keras (path): lookups equal Keras' model.predict bit for bit, config carried over", async () => {
  const expected = expectedOf("sequential");
  const layer = await Embedding.fromKeras(fixture("sequential.keras"));
  const out = layer.call(expected.inputs[0]);
  assert.equal(out.shape, expected.output_shape);
  assertSameBits(out.data, expected.output, "lookup");
  assert.is(layer.name, "emb");
  assert.is(layer.maskZero, true);
  assert.equal([layer.inputDim, layer.outputDim], [11, 5]);
  assert.equal(layer.getConfig().embeddingsInitializer, { className: "RandomNormal", config: { mean: 0, stddev: 1, seed: 7 } });
});

load("a .keras archive whose activity regularizer carries Keras' shared_object_id loads, the same layer as from its weights and config", async () => {
  const fromArchive = await Embedding.fromKeras(fixture("plain/l2_regularizer.keras"));
  const fromParts = await Embedding.fromKeras({ weights: fixture("plain/l2_regularizer.weights.h5"), config: JSON.parse(readFileSync(fixture("plain/l2_regularizer.model.json"), "utf8")) });
  assert.equal(fromArchive.getConfig(), fromParts.getConfig());
  assert.ok(fromArchive.activityRegularizer !== null);
  assert.equal(Array.from(fromArchive.getWeights()[0]!.data), Array.from(fromParts.getWeights()[0]!.data));
  fromArchive.dispose();
  fromParts.dispose();
});
load("the same archive as bytes, ArrayBuffer, Blob and Response", async () => {
  const expected = expectedOf("sequential");
  const bytes = bytesOf("sequential.keras");
  for (const source of [bytes, bytes.slice().buffer, new Blob([bytes]), new Response(bytes)]) {
    const layer = await Embedding.fromKeras(source);
    assertSameBits(layer.call(expected.inputs[0]).data, expected.output, `lookup from ${source.constructor.name}`);
  }
});

load("{ weights, config }: .weights.h5 with config.json (path), the parsed model config, the layer's get_config()", async () => {
  const expected = expectedOf("sequential");
  const modelConfig = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  const configs: unknown[] = [
    fixture("sequential.config.json"),
    modelConfig,
    expected.layer_config,
    { class_name: "Embedding", config: expected.layer_config },
  ];
  for (const config of configs) {
    const layer = await Embedding.fromKeras({ weights: fixture("sequential.weights.h5"), config });
    assertSameBits(layer.call(expected.inputs[0]).data, expected.output, "lookup");
    assert.is(layer.name, "emb");
  }
});

load("a functional model with a nested Sequential: each Embedding by name equals its part of model.predict", async () => {
  const expected = expectedOf("functional");
  const { words, tags } = splitFunctional(expected.output, 2);
  const wordsLayer = await Embedding.fromKeras(fixture("functional.keras"), { layer: "words" });
  assertSameBits(wordsLayer.call(expected.inputs[0]).data, words, "words");
  const tagsLayer = await Embedding.fromKeras(fixture("functional.keras"), { layer: "inner/tags" });
  assertSameBits(tagsLayer.call(expected.inputs[1]).data, tags, "tags");
  const bare = await Embedding.fromKeras(fixture("functional.keras"), { layer: "tags" });
  assertSameBits(bare.call(expected.inputs[1]).data, tags, "tags by bare name");
  assert.is(wordsLayer.getConfig().embeddingsInitializer.className, "GlorotUniform");
});

load("several Embedding layers and no options.layer, or an unknown name: errors listing the candidates", async () => {
  await rejects(Embedding.fromKeras(fixture("functional.keras")), ValueError, /holds 2 Embedding layers \("fun\/words", "fun\/inner\/tags"\); pass options\.layer/);
  await rejects(Embedding.fromKeras(fixture("functional.keras"), { layer: "nope" }), ValueError, /no Embedding layer named "nope"\. Embedding layers: "fun\/words", "fun\/inner\/tags"/);
  await rejects(Embedding.fromKeras(fixture("sequential.keras"), { layer: 5 as unknown as string }), ValueError, /options\.layer must be a non-empty string.*layer=5/);
});

load("onProgress rises monotonically and ends at exactly 1", async () => {
  const seen: number[] = [];
  await Embedding.fromKeras(fixture("sequential.keras"), { onProgress: (f) => seen.push(f) });
  assert.ok(seen.length >= 2, `progress reported ${seen.length} times`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress went from ${seen[i - 1]} to ${seen[i]}`);
  assert.is(seen.at(-1), 1);
  assert.is(seen.filter((f) => f === 1).length, 1);
});

load("an aborted signal rejects with AbortError", async () => {
  const controller = new AbortController();
  controller.abort();
  const error = await rejects(Embedding.fromKeras(fixture("sequential.keras"), { signal: controller.signal }), DOMException, /abort/i);
  assert.is(error.name, "AbortError");
});

// ---------------------------------------------------------------------------------------------
const save = suite("toKeras / toKerasWeights");

function sampleLayer(): Embedding {
  const data = new Float32Array(6 * 3).map((_, i) => (i % 2 ? -1 : 1) * (i + 0.5) * 1e-3);
  return new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, name: "saved_emb", weights: { data, shape: [6, 3] } });
}

save("toKeras: an archive of metadata.json, config.json, model.weights.h5 that fromKeras reads back equal", async () => {
  const layer = sampleLayer();
  const archive = layer.toKeras();
  const members = unzipSync(archive);
  assert.equal(Object.keys(members).sort(), ["config.json", "metadata.json", "model.weights.h5"]);
  assert.match(JSON.parse(new TextDecoder().decode(members["metadata.json"]!)).keras_version, /^3\./);
  const back = await Embedding.fromKeras(archive);
  assert.equal(back.getWeights()[0]!.data, layer.getWeights()[0]!.data);
  assert.equal(back.toKerasConfig(), layer.toKerasConfig());
});

save("toKerasWeights: read back with the archive's config.json", async () => {
  const layer = sampleLayer();
  const config = JSON.parse(new TextDecoder().decode(unzipSync(layer.toKeras())["config.json"]!));
  const back = await Embedding.fromKeras({ weights: layer.toKerasWeights(), config });
  assert.equal(back.getWeights()[0]!.data, layer.getWeights()[0]!.data);
});

save("config.json has the shape Keras 3.15.1 writes for the same Sequential (keys at every level)", () => {
  const keras = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  const ours = kerasSequentialConfig(expectedOf("sequential").layer_config, [4], "seq");
  const keysOf = (value: unknown, path = ""): string[] => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([k, v]) => (k === "shared_object_id" ? [] : [`${path}/${k}`, ...keysOf(v, `${path}/${k}`)]));
  };
  const withLayers = (v: typeof keras) => [...keysOf({ ...v, config: { ...v.config, layers: null } }), ...v.config.layers.flatMap((l: unknown, i: number) => keysOf(l, `/layers/${i}`))];
  assert.equal(withLayers(ours).sort(), withLayers(keras).sort());
  assert.equal((ours["config"] as { layers: unknown[] }).layers[0], keras.config.layers[0]);
  assert.equal((ours["config"] as { layers: unknown[] }).layers[1], keras.config.layers[1]);
});

save("odd names: a layer and model named outside ASCII, with quotes and spaces, round-trip as UTF-8", async () => {
  const name = "слова_✓ \"q\" 😀";
  const layer = new Embedding({ inputDim: 3, outputDim: 2, name, weights: { data: [1, 2, 3, 4, 5, 6], shape: [3, 2] } });
  const archive = layer.toKeras({ modelName: "modèle ü" });
  const back = await Embedding.fromKeras(archive, { layer: name });
  assert.is(back.name, name);
  assert.equal(Array.from(back.getWeights()[0]!.data), [1, 2, 3, 4, 5, 6]);
  // The weights file alone, found through the name attribute Keras reads (a bare layer config).
  const alone = await Embedding.fromKeras({ weights: layer.toKerasWeights({ modelName: "modèle ü" }), config: layer.toKerasConfig() });
  assert.is(alone.name, name);
  assert.equal(Array.from(alone.getWeights()[0]!.data), [1, 2, 3, 4, 5, 6]);
});

save("names Keras refuses (a \"/\") or HDF5 cannot hold (a NUL) are refused before anything is written", () => {
  const slash = new Embedding({ inputDim: 2, outputDim: 2, name: "a/b" });
  assertThrowsMessage(() => slash.toKeras(), ValueError, /^The layer's name "a\/b" contains "\/", which Keras refuses in layer and model names: Keras could not load the file\.$/);
  assertThrowsMessage(() => slash.toKerasWeights(), ValueError, /^The layer's name "a\/b" contains "\/"/);
  const nul = new Embedding({ inputDim: 2, outputDim: 2, name: "x\0y" });
  assertThrowsMessage(() => nul.toKeras(), ValueError, /^The layer's name "x\\u0000y" contains a NUL character, which the weights file cannot hold/);
  const layer = sampleLayer();
  assertThrowsMessage(() => layer.toKeras({ modelName: "m/x" }), ValueError, /^modelName "m\/x" contains "\/"/);
  assertThrowsMessage(() => layer.toKerasWeights({ modelName: "m\0" }), ValueError, /^modelName "m\\u0000" contains a NUL character/);
});

save("toKeras / toKerasWeights return bytes synchronously, so a file is one writeFileSync away", () => {
  const layer = sampleLayer();
  const archive = layer.toKeras();
  const weights = layer.toKerasWeights();
  assert.instance(archive, Uint8Array);
  assert.instance(weights, Uint8Array);
  assert.equal(Array.from(weights.subarray(0, 8)), [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(Array.from(archive.subarray(0, 4)), [0x50, 0x4b, 0x03, 0x04]);
});

save("maxNorm or scaleGradByFreq, which Keras lacks, cannot be saved as .keras", async () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, maxNorm: 1 });
  assertThrowsMessage(() => layer.toKeras(), ValueError, /max_norm=1, which Keras' Embedding does not have/);
  assertThrowsMessage(() => layer.toKerasWeights(), ValueError, /max_norm=1/);
});

save("inputShape option: validated, and written as the Input's batch_shape", async () => {
  const layer = sampleLayer();
  const config = JSON.parse(new TextDecoder().decode(unzipSync(layer.toKeras({ inputShape: [7] }))["config.json"]!));
  assert.equal(config.config.layers[0].config.batch_shape, [null, 7]);
  assertThrowsMessage(() => layer.toKeras({ inputShape: [0] }), ValueError, /inputShape must be a non-empty array of positive integers or nulls.*inputShape=\[0\]/);
});

// ---------------------------------------------------------------------------------------------
const hostile = suite("fromKeras: hostile files");

/** A zip archive holding `members` (name → bytes), stored (no compression) so sizes are easy to edit. */
const storedZip = (members: Record<string, Uint8Array>) => zipSync(members, { level: 0 });
const fixtureMembers = () => unzipSync(bytesOf("sequential.keras"));

/** Offset of the central directory entry of `name`. */
function centralEntry(zip: Uint8Array, name: string): number {
  const encoded = new TextEncoder().encode(name);
  for (let at = zip.length - 22; at >= 0; at--) {
    if (zip[at] === 0x50 && zip[at + 1] === 0x4b && zip[at + 2] === 1 && zip[at + 3] === 2) {
      const length = zip[at + 28]! | (zip[at + 29]! << 8);
      if (length === encoded.length && zip.subarray(at + 46, at + 46 + length).every((b, i) => b === encoded[i])) return at;
    }
  }
  throw new Error(`no entry ${name}`);
}
const setU32 = (bytes: Uint8Array, at: number, value: number) => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);

hostile("a truncated archive", async () => {
  const bytes = bytesOf("sequential.keras");
  await rejects(Embedding.fromKeras(bytes.subarray(0, bytes.length - 100)), ValueError, /not a zip archive \(or is truncated\)/);
  await rejects(Embedding.fromKeras(bytes.subarray(0, 10)), ValueError, /not a zip archive: it is only 10 bytes long/);
});

hostile("wrong magic: an HDF5 file or text given as a .keras archive", async () => {
  await rejects(Embedding.fromKeras(bytesOf("sequential.weights.h5")), ValueError, /not a zip archive.*starts with bytes 89 48 44 46/);
  await rejects(Embedding.fromKeras(new TextEncoder().encode("x".repeat(100))), ValueError, /not a zip archive/);
});

hostile("a member whose data is cut short (the central directory points past the end)", async () => {
  const zip = storedZip(fixtureMembers());
  const entry = centralEntry(zip, "model.weights.h5");
  setU32(zip, entry + 20, 10_000_000);
  setU32(zip, entry + 24, 10_000_000);
  await rejects(Embedding.fromKeras(zip), ValueError, /truncated: member "model\.weights\.h5" needs 10000000 bytes/);
});

hostile("lying sizes: a stored member whose declared size differs from its stored size", async () => {
  const zip = storedZip(fixtureMembers());
  setU32(zip, centralEntry(zip, "model.weights.h5") + 24, 50_000);
  await rejects(Embedding.fromKeras(zip), ValueError, /declares 50000 bytes from \d+ stored bytes, which its compression cannot produce/);
});

hostile("lying sizes: a deflated member that inflates to more, or less, than declared", async () => {
  const members = fixtureMembers();
  const real = members["model.weights.h5"]!.length;
  for (const [declared, message] of [[real - 1, /inflates to more than the \d+ bytes its header declares/], [real + 1, /inflates to \d+ bytes, not the \d+ its header declares/]] as const) {
    const zip = zipSync(members, { level: 6 });
    setU32(zip, centralEntry(zip, "model.weights.h5") + 24, declared);
    await rejects(Embedding.fromKeras(zip), ValueError, message);
  }
});

hostile("a huge declared size is refused before anything is allocated", async () => {
  const zip = storedZip(fixtureMembers());
  const entry = centralEntry(zip, "model.weights.h5");
  setU32(zip, entry + 24, 0xfffffff0);
  await rejects(Embedding.fromKeras(zip, { maxBytes: 1 << 20 }), ValueError, /declares 4294967280 bytes, more than the 1048576 bytes accepted/);
  await rejects(Embedding.fromKeras(zip), ValueError, /declares 4294967280 bytes from \d+ stored bytes/);
});

hostile("a zip bomb (64 MiB of zeros in 64 KiB) is refused by the size limit", async () => {
  const members = { ...fixtureMembers(), "model.weights.h5": new Uint8Array(64 << 20) };
  const zip = zipSync(members, { level: 9 });
  assert.ok(zip.length < 1 << 20, `bomb is ${zip.length} bytes`);
  await rejects(Embedding.fromKeras(zip, { maxBytes: 1 << 20 }), ValueError, /declares 67108864 bytes, more than the 1048576 bytes accepted/);
});

hostile("a member that fails its CRC-32", async () => {
  const zip = storedZip(fixtureMembers());
  const entry = centralEntry(zip, "model.weights.h5");
  setU32(zip, entry + 16, (crc32(fixtureMembers()["model.weights.h5"]!) ^ 1) >>> 0);
  await rejects(Embedding.fromKeras(zip), ValueError, /member "model\.weights\.h5" fails its CRC-32 check/);
});

hostile('path-traversal names ("../x", absolute paths) are never read nor written', async () => {
  const members = { ...fixtureMembers(), "../escaped-by-test.txt": new Uint8Array([1]), "/tmp/absolute-by-test.txt": new Uint8Array([2]) };
  const layer = await Embedding.fromKeras(storedZip(members));
  assert.is(layer.name, "emb");
  assert.not.ok(existsSync("../escaped-by-test.txt"));
  assert.not.ok(existsSync("/tmp/absolute-by-test.txt"));
  const renamed = { "../config.json": fixtureMembers()["config.json"]!, "model.weights.h5": fixtureMembers()["model.weights.h5"]! };
  await rejects(Embedding.fromKeras(storedZip(renamed)), ValueError, /has no config\.json member/);
});

hostile("two members with the same name", async () => {
  const zip = storedZip({ "config.json": fixtureMembers()["config.json"]!, "model.weights.h5": fixtureMembers()["model.weights.h5"]!, "config.jsoN": new Uint8Array(1) });
  // Rename the third entry (central directory and local header) to a duplicate "config.json".
  const entry = centralEntry(zip, "config.jsoN");
  zip[entry + 46 + 10] = "n".charCodeAt(0);
  await rejects(Embedding.fromKeras(zip), ValueError, /holds two members named "config\.json"/);
});

hostile("a local header naming a different member than the central directory", async () => {
  const zip = storedZip(fixtureMembers());
  const local = new DataView(zip.buffer).getUint32(centralEntry(zip, "config.json") + 42, true);
  zip[local + 30] = "C".charCodeAt(0);
  await rejects(Embedding.fromKeras(zip), ValueError, /member "config\.json" has a local header naming "Config\.json"/);
});

hostile("encrypted members and unknown compression methods", async () => {
  const zip = storedZip(fixtureMembers());
  const entry = centralEntry(zip, "config.json");
  zip[entry + 8] = 1;
  await rejects(Embedding.fromKeras(zip), ValueError, /member "config\.json" is encrypted/);
  zip[entry + 8] = 0;
  zip[entry + 10] = 12;
  await rejects(Embedding.fromKeras(zip), ValueError, /uses compression method 12; only stored \(0\) and deflate \(8\)/);
});

hostile("missing model.weights.h5, or weights that are not HDF5", async () => {
  const { "model.weights.h5": _, ...rest } = fixtureMembers();
  await rejects(Embedding.fromKeras(storedZip(rest)), ValueError, /has no model\.weights\.h5 member/);
  await rejects(Embedding.fromKeras(storedZip({ ...rest, "model.weights.h5": new TextEncoder().encode("not hdf5") })), ValueError, /is not an HDF5 file: it starts with bytes 6e 6f 74/);
});

hostile("a truncated HDF5 file", async () => {
  const h5 = bytesOf("sequential.weights.h5");
  await rejects(Embedding.fromKeras({ weights: h5.subarray(0, 600), config: fixture("sequential.config.json") }), ValueError, /is truncated: its HDF5 superblock says the file is 11536 bytes long, but it has 600/);
});

hostile("config.json that is not JSON, or not a model", async () => {
  await rejects(Embedding.fromKeras(storedZip({ ...fixtureMembers(), "config.json": new TextEncoder().encode("{oops") })), ValueError, /config\.json is not valid UTF-8 JSON/);
  await rejects(Embedding.fromKeras(storedZip({ ...fixtureMembers(), "config.json": new TextEncoder().encode('{"class_name":"Dense"}') })), ValueError, /must describe a Sequential or functional model.*class_name="Dense"/);
});

hostile("the table dataset has the wrong shape, or the layer is missing from the weights", async () => {
  const config = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  const small = new Embedding({ inputDim: 4, outputDim: 5, name: "emb" });
  await rejects(Embedding.fromKeras({ weights: small.toKerasWeights(), config }), ValueError, /the table "layers\/embedding\/vars\/0" has shape \[4, 5\], but the config gives \[11, 5\]/);
  const other = new Embedding({ inputDim: 11, outputDim: 5, name: "other" });
  await rejects(Embedding.fromKeras({ weights: other.toKerasWeights(), config }), ValueError, /no variables for Embedding layer "emb"/);
});

hostile("the table dataset has the wrong dtype (float64)", async () => {
  const h5 = (await import("h5wasm")).default;
  const { FS } = (await h5.ready) as unknown as { FS: { readFile(p: string): Uint8Array; unlink(p: string): void } };
  const file = new h5.File("/float64-table.h5", "w");
  const vars = file.create_group("layers").create_group("embedding").create_group("vars");
  vars.create_attribute("name", "emb");
  vars.create_dataset({ name: "0", data: new Float64Array(55), shape: [11, 5], dtype: "<d" });
  file.close();
  const bytes = FS.readFile("/float64-table.h5").slice();
  FS.unlink("/float64-table.h5");
  await rejects(Embedding.fromKeras({ weights: bytes, config: fixture("sequential.config.json") }), ValueError, /has HDF5 dtype "<d"; the layer's config says float32 \("<f"\)/);
});

hostile("links are not followed: a table that is a soft link or an external link is refused, as Keras refuses them", async () => {
  const h5 = (await import("h5wasm")).default;
  const { FS } = (await h5.ready) as unknown as { FS: { readFile(p: string): Uint8Array; unlink(p: string): void } };
  for (const kind of ["soft", "external"] as const) {
    const file = new h5.File(`/${kind}-link-table.h5`, "w");
    file.create_dataset({ name: "elsewhere", data: new Float32Array(55), shape: [11, 5], dtype: "<f" });
    const vars = file.create_group("layers").create_group("embedding").create_group("vars");
    vars.create_attribute("name", "emb");
    if (kind === "soft") vars.create_soft_link("/elsewhere", "0");
    else vars.create_external_link("/etc/other.h5", "/elsewhere", "0");
    file.close();
    const bytes = FS.readFile(`/${kind}-link-table.h5`).slice();
    FS.unlink(`/${kind}-link-table.h5`);
    await rejects(Embedding.fromKeras({ weights: bytes, config: fixture("sequential.config.json") }), ValueError, /has no table dataset at "layers\/embedding\/vars\/0"/);
  }
});

hostile("a group that contains itself (hard links) does not make the search by layer name hang", async () => {
  const h5 = (await import("h5wasm")).default;
  const { FS } = (await h5.ready) as unknown as { FS: { readFile(p: string): Uint8Array; unlink(p: string): void } };
  const file = new h5.File("/cyclic-groups.h5", "w");
  const layers = file.create_group("layers");
  const layer = layers.create_group("embedding");
  layer.create_hard_link("/layers", "layers");
  for (const name of ["a", "b", "c", "d", "e", "f", "g", "h"]) layers.create_hard_link("/layers/embedding", name);
  file.close();
  const bytes = FS.readFile("/cyclic-groups.h5").slice();
  FS.unlink("/cyclic-groups.h5");
  const config = expectedOf("sequential").layer_config;
  await rejects(Embedding.fromKeras({ weights: bytes, config }), ValueError, /more than 1000 layers to search for Embedding layer "emb"/);
});

hostile("a zip64 archive is named as unsupported", async () => {
  const zip = storedZip(fixtureMembers());
  const end = zip.length - 22;
  zip[end + 10] = 0xff;
  zip[end + 11] = 0xff;
  await rejects(Embedding.fromKeras(zip), ValueError, /is a zip64 archive, which this reader does not support/);
});

hostile("aborting while reading rejects with AbortError", async () => {
  const controller = new AbortController();
  const bytes = bytesOf("sequential.keras");
  const error = await rejects(
    Embedding.fromKeras(new Blob([bytes]), { signal: controller.signal, onProgress: () => controller.abort() }),
    DOMException,
    /abort/i,
  );
  assert.is(error.name, "AbortError");
});

hostile("a table larger than maxBytes is refused from the config, before the weights are inflated or read", async () => {
  const config = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  config.config.layers[1].config.input_dim = 1_000_000;
  const source = { weights: fixture("sequential.weights.h5"), config };
  await rejects(Embedding.fromKeras(source, { maxBytes: 1 << 20 }), ValueError, /declares a 1000000 x 5 table \(20000000 bytes\), more than maxBytes=1048576/);
  await rejects(Embedding.fromKeras(fixture("sequential.keras"), { maxBytes: 100 }), ValueError, /declares a 11 x 5 table \(220 bytes\), more than maxBytes=100/);
  await rejects(Embedding.fromKeras(fixture("sequential.keras"), { maxBytes: -1 }), ValueError, /maxBytes must be a positive integer.*maxBytes=-1/);
});

hostile("a config saying int8 over a float32 weights file: the variables are checked against the config", async () => {
  const config = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  config.config.layers[1].config.dtype = { module: "keras.dtype_policies", class_name: "QuantizedDTypePolicy", config: { mode: "int8", source_name: "float32" }, registered_name: null };
  await rejects(Embedding.fromKeras({ weights: fixture("sequential.weights.h5"), config }), ValueError, /the table "layers\/embedding\/vars\/0" has HDF5 dtype "<f"; the layer's config says int8/);
  // A quantization_config beside a float32 policy is what Keras itself ignores until quantize(): loaded as float32.
  const plain = JSON.parse(readFileSync(fixture("sequential.config.json"), "utf8"));
  plain.config.layers[1].config.quantization_config = { class_name: "Int8QuantizationConfig", config: {} };
  const layer = await Embedding.fromKeras({ weights: fixture("sequential.weights.h5"), config: plain });
  assert.is(layer.dtypePolicy, "float32");
});

hostile("bad source and option types", async () => {
  await rejects(Embedding.fromKeras(42 as never), ValueError, /source must be a \.keras archive.*source=42/);
  await rejects(Embedding.fromKeras({ weights: 1, config: {} } as never), ValueError, /source\.config must describe|source\.weights must be/);
  await rejects(Embedding.fromKeras(fixture("sequential.keras"), { onProgress: 3 as never }), ValueError, /onProgress must be a function/);
});

load.run();
save.run();
hostile.run();
