// useH5wasm: how a bundled browser app hands the package h5wasm (which the package never imports by
// a name bundlers follow, so apps without Keras files do not carry it).
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, useH5wasm, ValueError } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

test("useH5wasm refuses anything but the h5wasm module; given it, Keras files round-trip", async () => {
  assertThrowsMessage(() => useH5wasm({}), ValueError, /^useH5wasm\(module\) takes the h5wasm module/);
  assertThrowsMessage(() => useH5wasm(null), ValueError, /^useH5wasm\(module\) takes the h5wasm module/);
  useH5wasm(await import("h5wasm"));
  const layer = await Embedding.fromKeras(new Uint8Array(readFileSync(new URL("../fixtures/keras/sequential.keras", import.meta.url))));
  const again = await Embedding.fromKeras(layer.toKeras());
  assert.equal(again.getWeights()[0]!.data, layer.getWeights()[0]!.data);
  assert.equal(again.toKerasConfig(), layer.toKerasConfig());
});

test.run();
