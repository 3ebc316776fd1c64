// Keras' ReversibleEmbedding (Keras core since 3.12, the same layer as Keras Hub's) in .keras files
// written by real Keras 3.15.1 (scripts/fixtures/make_reversible_fixtures.py): fromKeras finds it in
// a functional model, reads its table (and, untied, its reverse embeddings) bit for bit, and the
// layer's lookups and reverse logits equal Keras'.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { unzipSync } from "fflate";
import { Embedding } from "../../src/index.ts";
import { readHdf5 } from "../../src/io/hdf5.ts";
import { assertClose } from "../support/helpers.ts";
import { referenceLogits } from "../support/reference-logits.ts";
import { assertSameBits, float32s, int32s, type FixtureArray } from "../support/keras-quantized-fixtures.ts";

const FOLDER = join(import.meta.dirname, "..", "fixtures", "keras", "reversible");

interface Case {
  layer_config: Record<string, unknown>;
  weights: { name: string; value: FixtureArray }[];
  ids: FixtureArray;
  lookup: FixtureArray;
  model_output: FixtureArray;
  x: FixtureArray;
  reverse: FixtureArray;
}

const reversible = suite("fromKeras: Keras' ReversibleEmbedding");
for (const name of ["tied", "untied", "capped"]) {
  reversible(`${name}: variables bit for bit, lookups equal, reverse logits equal Keras' within float32 rounding`, async () => {
    const c: Case = JSON.parse(readFileSync(join(FOLDER, `${name}.json`), "utf8"));
    const layer = await Embedding.fromKeras(join(FOLDER, `${name}.keras`));
    const config = c.layer_config as { input_dim: number; output_dim: number; tie_weights?: boolean; logit_soft_cap?: number | null };
    const tied = config.tie_weights !== false;
    const cap = config.logit_soft_cap ?? null;
    assert.is(layer.tieWeights, tied);
    assert.is(layer.logitSoftCap, cap);
    const weights = layer.getWeights();
    assert.is(weights.length, c.weights.length);
    weights.forEach((w, i) => assertSameBits(w.data, c.weights[i]!.value, c.weights[i]!.name));
    const ids = int32s(c.ids);
    assertSameBits(layer.call({ data: ids, shape: c.ids.shape }).data, c.lookup, "lookup");
    const x = float32s(c.x);
    const logits = layer.reverse({ data: x, shape: c.x.shape }).data;
    const rows = config.input_dim, dim = config.output_dim;
    const w = float32s(c.weights[tied ? 0 : 1]!.value);
    assertClose(logits, referenceLogits(x, x.length / dim, dim, rows, w, tied, cap), 1e-5, 1e-5);
    assertClose(logits, float32s(c.reverse), 1e-5, 1e-5);
    // The model: lookup, then reverse, against Keras' model output.
    const hidden = layer.call({ data: ids, shape: c.ids.shape });
    assertClose(layer.reverse(hidden).data, float32s(c.model_output), 1e-5, 1e-5);
    layer.dispose();
  });
}

reversible("written back: a ReversibleEmbedding in config.json, its variables where Keras puts them, read back equal", async () => {
  for (const name of ["untied", "capped", "tied"]) {
    const layer = await Embedding.fromKeras(join(FOLDER, `${name}.keras`));
    const archive = layer.toKeras();
    const config = JSON.parse(new TextDecoder().decode(unzipSync(archive)["config.json"]));
    const saved = config.config.layers[1];
    // A tied layer without a cap is a plain Embedding; the others need Keras' ReversibleEmbedding.
    assert.is(saved.class_name, name === "tied" ? "Embedding" : "ReversibleEmbedding");
    const keys = await readHdf5(unzipSync(archive)["model.weights.h5"]!, "file", (file) => file.keys(`layers/${name === "tied" ? "embedding" : "reversible_embedding"}/vars`));
    assert.equal(keys, name === "untied" ? ["0", "1"] : ["0"]);
    const back = await Embedding.fromKeras(archive);
    assert.is(back.tieWeights, layer.tieWeights);
    assert.is(back.logitSoftCap, layer.logitSoftCap);
    const before = layer.getWeights(), after = back.getWeights();
    assert.is(after.length, before.length);
    after.forEach((w, i) => assert.equal(new Uint32Array(w.data.buffer), new Uint32Array(before[i]!.data.buffer)));
    for (const l of [layer, back]) l.dispose();
  }
});

reversible.run();
