// loadWordVectors on the word-vector fixtures (tests/fixtures/vectors, written by a plain-Python
// generator in the layouts word2vec's C tool, gensim, GloVe and fastText produce): each file gives
// the expected float32 table bit for bit, and each broken file the error its defect calls for.
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ValueError, loadWordVectors, readNpy, type WordVectorFormat } from "../../src/index.ts";

const dir = new URL("../fixtures/vectors/", import.meta.url);
const path = (name: string) => decodeURIComponent(new URL(name, dir).pathname);
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as {
  tokens: string[];
  dim: number;
  table: { shape: number[]; hex: string };
  files: Record<string, string>;
};
const FORMAT: Record<string, WordVectorFormat> = {
  "w2v-c-tool.bin": "word2vec", "w2v-no-newline.bin": "word2vec", "w2v-c-tool.txt": "word2vec-text", "glove.txt": "glove", "fasttext.vec": "fasttext",
};
const hexOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

const files = suite("word-vector fixtures");

files("the fixture list names every format", () => {
  assert.equal(Object.keys(expected.files).sort(), Object.keys(FORMAT).sort());
  assert.is(hexOf(readNpy(new Uint8Array(readFileSync(path("expected.npy")))).data as Float32Array), expected.table.hex);
});

for (const [name, format] of Object.entries(FORMAT)) {
  files(`${name} (${format}): table bit for bit, tokens in order (NFC and NFD kept apart)`, async () => {
    const { layer, vocab } = await loadWordVectors(path(name), { format });
    const { data, shape } = layer.getWeights()[0]!;
    assert.equal(shape, expected.table.shape);
    assert.is(hexOf(data), expected.table.hex);
    assert.equal([...vocab.tokens], expected.tokens);
    assert.is.not(vocab.id("café"), vocab.id("cafe\u0301"));
  });
}

const broken = suite("broken word-vector fixtures");

async function failure(name: string, format: WordVectorFormat): Promise<string> {
  try {
    await loadWordVectors(path(name), { format });
  } catch (e) {
    assert.instance(e, ValueError, `${name}: ${(e as Error).message}`);
    return (e as Error).message.slice(path(name).length + 2);
  }
  assert.unreachable(`${name} loaded without an error`);
  return "";
}

broken("truncated binary: names the byte offset and the vector", async () => {
  assert.is(await failure("broken-truncated.bin", "word2vec"), "the header declares 50 vectors of 7 values, which need at least 1500 bytes, but the file has 635.");
  const bytes = new Uint8Array(readFileSync(path("broken-truncated.bin")));
  // From a stream of unknown length the same file fails where it ends (vector 20 is token index 19).
  const stream = new Response(new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }));
  await loadWordVectors(stream, { format: "word2vec" }).then(
    () => assert.unreachable("loaded"),
    (e: Error) => assert.is(e.message, "source (Response): the file ends at byte offset 635 inside vector 20 of the 50 the header declares: truncated?"),
  );
});

broken("header counts too large and too small", async () => {
  assert.is(await failure("broken-header-count-too-large.txt", "word2vec-text"), "the header declares 51 vectors, but the file ends after 50 (line 51): truncated?");
  const extra = await failure("broken-header-count-too-small.txt", "word2vec-text");
  assert.ok(extra.startsWith(`unexpected data at byte offset 3564 after the 49 vectors the header declares (line 51): "${expected.tokens[49]} -0.185700`), extra);
});

broken("short line, duplicate token, non-numeric value, wrong header dimension: the line is named", async () => {
  assert.is(await failure("broken-short-line.txt", "word2vec-text"), "line 13: has 6 values, expected 7 (as the header declares).");
  assert.is(await failure("broken-duplicate-token.txt", "glove"), 'line 31: the token "the" repeats line 2.');
  assert.is(await failure("broken-non-numeric.txt", "glove"), 'line 5: value 2 "0.12x4" is not a number.');
  assert.is(await failure("broken-header-dim-too-large.vec", "fasttext"), "line 2: has 7 values, expected 8 (as the header declares).");
});

files.run();
broken.run();
