// loadWordVectors: every format parsed bit for bit against values computed independently
// (Math.fround(Number(text)) for text, the float32 bytes written for binary), from every kind of
// source and with chunk boundaries anywhere; limit, maskZero, oov; malformed files naming the line
// or byte offset; progress; abort; write → load round trips; the Projector TSV files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ValueError, Vocabulary, loadWordVectors, toProjectorTsv, writeWordVectors, type WordVectorFormat, type WordVectorOptions } from "../../src/index.ts";
import { fixtureRandom } from "../support/helpers.ts";

const encoder = new TextEncoder();
const tmp = mkdtempSync(join(tmpdir(), "embedding-wasm-io-"));

/** Bits of a float32, so -0, NaN payloads and every value compare exactly. */
const bitsOf = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

function assertBits(actual: Float32Array, expected: ArrayLike<number>, what = "table"): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const a = bitsOf(actual);
  const e = bitsOf(expected);
  for (let i = 0; i < e.length; i++) if (a[i] !== e[i]) assert.unreachable(`${what}[${i}] = ${actual[i]} (0x${a[i]!.toString(16)}), expected ${expected[i]} (0x${e[i]!.toString(16)})`);
}

/** A Response whose body arrives in chunks of `size` bytes: lines and records cross chunk boundaries. */
function chunked(bytes: Uint8Array, size: number): Response {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  return new Response(stream);
}

const table = (l: { getWeights(): { data: Float32Array }[] }) => l.getWeights()[0]!.data;

async function rejects(promise: Promise<unknown>, type: abstract new (...a: never[]) => Error, message: string | RegExp): Promise<void> {
  try {
    await promise;
  } catch (e) {
    assert.instance(e, type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    if (typeof message === "string") assert.is((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected a ${type.name} matching ${String(message)}`);
}

// Spellings the text formats meet in the wild, with the value each must give.
const SPELLINGS = [
  "0.418", "0.24968", "-0.41242", "-1.5e-3", "7", "-0", "0.0", "1e-45", "3.4028235e38", "1e39", "-1e39", "123456789012345678901",
  "0.1000000000000000055511151231257827", ".5", "5.", "+2", "1E+2", "2.5E-10", "nan", "NaN", "inf", "-inf", "Infinity", "-Infinity",
  "0.30000001192092896", "16777217", "1.00000005960464477539", "9007199254740993", "1e-400",
];
function expectedValue(text: string): number {
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  return Math.fround(Number(text));
}

/** `rows` tokens and values (as text and as expected float32) drawn from SPELLINGS and a PRNG. */
function sample(rows: number, dim: number, seed = 1) {
  const random = fixtureRandom(seed);
  const tokens: string[] = [];
  const texts: string[][] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    tokens.push(r % 7 === 3 ? `wörd${r}` : `w${r}`);
    const row: string[] = [];
    for (let d = 0; d < dim; d++) {
      const text = random() < 0.3 ? SPELLINGS[Math.floor(random() * SPELLINGS.length)]! : ((random() - 0.5) * 4).toFixed(1 + Math.floor(random() * 7));
      row.push(text);
      values.push(expectedValue(text));
    }
    texts.push(row);
  }
  return { tokens, texts, values };
}

function textFile(s: ReturnType<typeof sample>, format: "glove" | "word2vec-text" | "fasttext", eol = "\n"): Uint8Array {
  const header = format === "glove" ? "" : `${s.tokens.length} ${s.texts[0]!.length}${eol}`;
  const trailing = format === "fasttext" ? " " : "";
  return encoder.encode(header + s.tokens.map((t, r) => `${t} ${s.texts[r]!.join(" ")}${trailing}${eol}`).join(""));
}

function binaryFile(tokens: string[], values: Float32Array, dim: number, newline = true): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(`${tokens.length} ${dim}\n`)];
  tokens.forEach((t, r) => {
    parts.push(encoder.encode(`${t} `));
    const record = new Uint8Array(dim * 4);
    const view = new DataView(record.buffer);
    for (let d = 0; d < dim; d++) view.setFloat32(d * 4, values[r * dim + d]!, true);
    parts.push(record);
    if (newline) parts.push(encoder.encode("\n"));
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
const formats = suite("loadWordVectors: formats and exact values");

for (const format of ["glove", "word2vec-text", "fasttext"] as const) {
  formats(`${format}: values equal Math.fround(Number(text)) bit for bit, tokens in order`, async () => {
    const s = sample(40, 13, format.length);
    const { layer, vocab } = await loadWordVectors(textFile(s, format), { format });
    assert.equal(layer.getWeights()[0]!.shape, [40, 13]);
    assertBits(table(layer), s.values);
    assert.equal([...vocab.tokens], s.tokens);
    assert.is(vocab.id("wörd3"), 3);
  });
}

formats("CRLF line endings and a missing final newline", async () => {
  const s = sample(5, 4);
  const crlf = textFile(s, "word2vec-text", "\r\n");
  const { layer } = await loadWordVectors(crlf.subarray(0, crlf.length - 2), { format: "word2vec-text" });
  assertBits(table(layer), s.values);
});

formats("word2vec binary: bytes copied exactly (NaN payloads, -0, subnormals), with and without the newline", async () => {
  const random = fixtureRandom(9);
  const dim = 6;
  const bits = new Uint32Array(30 * dim).map(() => Math.floor(random() * 2 ** 32));
  bits[0] = 0x7fc00123; // a NaN with a payload
  bits[1] = 0x80000000; // -0
  bits[2] = 0x00000001; // the smallest subnormal
  const values = new Float32Array(bits.buffer);
  const tokens = Array.from({ length: 30 }, (_, r) => (r === 4 ? "日本語" : `t${r}`));
  for (const newline of [true, false]) {
    const { layer, vocab } = await loadWordVectors(binaryFile(tokens, values, dim, newline), { format: "word2vec" });
    assert.equal(Array.from(new Uint32Array(table(layer).buffer)), Array.from(bits));
    assert.equal([...vocab.tokens], tokens);
  }
});

formats("every chunk size gives the same table (lines and records across chunk boundaries)", async () => {
  const s = sample(12, 5, 3);
  const text = textFile(s, "fasttext");
  const binary = binaryFile(s.tokens, Float32Array.from(s.values), 5);
  for (const size of [1, 2, 3, 7, 64, 1000]) {
    const a = await loadWordVectors(chunked(text, size), { format: "fasttext" });
    assertBits(table(a.layer), s.values, `text, chunks of ${size}`);
    const b = await loadWordVectors(chunked(binary, size), { format: "word2vec" });
    assertBits(table(b.layer), s.values, `binary, chunks of ${size}`);
    assert.equal([...b.vocab.tokens], s.tokens);
  }
});

formats("sources: a file path, a Blob, an ArrayBuffer (and GloVe of unknown length from a stream)", async () => {
  const s = sample(20, 8, 4);
  const bytes = textFile(s, "glove");
  const path = join(tmp, "g.txt");
  writeFileSync(path, bytes);
  for (const source of [path, new Blob([bytes as Uint8Array<ArrayBuffer>]), bytes.slice().buffer, chunked(bytes, 100)]) {
    const { layer } = await loadWordVectors(source, { format: "glove" });
    assertBits(table(layer), s.values);
  }
});

formats("GloVe grows past its estimate (short first line, long later lines)", async () => {
  const lines = ["a 1 2"];
  const values = [1, 2];
  for (let r = 0; r < 3000; r++) {
    lines.push(`tok${r} ${(r / 7).toFixed(12)} -${(r / 3).toFixed(12)}`);
    values.push(Math.fround(Number((r / 7).toFixed(12))), Math.fround(-Number((r / 3).toFixed(12))));
  }
  const bytes = encoder.encode(lines.join("\n") + "\n");
  const { layer, vocab } = await loadWordVectors(bytes, { format: "glove" });
  assert.is(vocab.size, 3001);
  assertBits(table(layer), values);
});

formats("a GloVe 840B-style token with spaces (the field before the values is not a number)", async () => {
  const { layer, vocab } = await loadWordVectors(encoder.encode("a 1 2\n. . . 3 4\nb 5 6\n"), { format: "glove" });
  assert.equal([...vocab.tokens], ["a", ". . .", "b"]);
  assertBits(table(layer), [1, 2, 3, 4, 5, 6]);
});

formats("layer options: name and trainable pass through", async () => {
  const { layer } = await loadWordVectors(encoder.encode("a 1 2\n"), { format: "glove", name: "glove_vectors", trainable: false });
  assert.is(layer.name, "glove_vectors");
  assert.is(layer.trainable, false);
  assert.is(layer.maskZero, false);
});

// ---------------------------------------------------------------------------------------------
const rows = suite("loadWordVectors: limit, maskZero, oov");

const small = () => encoder.encode("3 2\nthe 1 2\ncat 3 4\ndog 5 7\n");

rows("limit keeps the first vectors and stops reading", async () => {
  const { layer, vocab } = await loadWordVectors(encoder.encode("3 2\nthe 1 2\ncat 3 4\nthis line would be an error\n"), { format: "word2vec-text", limit: 2 });
  assert.equal([...vocab.tokens], ["the", "cat"]);
  assertBits(table(layer), [1, 2, 3, 4]);
  const all = await loadWordVectors(small(), { format: "word2vec-text", limit: 10 });
  assert.is(all.vocab.size, 3);
  const b = await loadWordVectors(binaryFile(["x", "y", "z"], new Float32Array([1, 2, 3]), 1), { format: "word2vec", limit: 1 });
  assertBits(table(b.layer), [1]);
});

rows("maskZero reserves a zero row 0 (token \"\") and shifts ids by one", async () => {
  const { layer, vocab } = await loadWordVectors(small(), { format: "word2vec-text", maskZero: true });
  assert.is(layer.maskZero, true);
  assert.is(layer.inputDim, 4);
  assertBits(table(layer), [0, 0, 1, 2, 3, 4, 5, 7]);
  assert.is(vocab.paddingToken, "");
  assert.is(vocab.token(0), "");
  assert.is(vocab.id("the"), 1);
  assert.equal(Array.from(vocab.encode(["dog", "the"])), [3, 1]);
});

rows("oov: true appends \"[UNK]\" holding the mean of the file's vectors (padding excluded)", async () => {
  const { layer, vocab } = await loadWordVectors(small(), { format: "word2vec-text", maskZero: true, oov: true });
  assert.is(layer.inputDim, 5);
  assertBits(table(layer).subarray(8), [Math.fround(9 / 3), Math.fround(13 / 3)]);
  assert.is(vocab.oovToken, "[UNK]");
  assert.is(vocab.id("zebra"), 4);
  assert.is(vocab.has("zebra"), false);
  assert.equal(Array.from(vocab.encode(["cat", "zebra"])), [2, 4]);
});

rows("oov: 'zeros' and a named token; a token the file has is used as is", async () => {
  const z = await loadWordVectors(small(), { format: "word2vec-text", oov: "<unk>", oovVector: "zeros" });
  assertBits(table(z.layer).subarray(6), [0, 0]);
  assert.is(z.vocab.id("???"), 3);
  assert.is(z.vocab.token(3), "<unk>");
  const present = await loadWordVectors(small(), { format: "word2vec-text", oov: "cat" });
  assert.is(present.layer.inputDim, 3);
  assert.is(present.vocab.id("???"), 1);
});

rows("the mean is computed in float64 and rounded once", async () => {
  // float32 sums would lose the 1e-8s; the float64 mean keeps them: (1 + 3e-8 ... ) / 3.
  const bytes = encoder.encode("a 1\nb 1.00000003\nc 1.00000006\n");
  const { layer } = await loadWordVectors(bytes, { format: "glove", oov: true });
  const t = table(layer);
  assertBits(t.subarray(3), [Math.fround((t[0]! + t[1]! + t[2]!) / 3)]);
});

// ---------------------------------------------------------------------------------------------
const errors = suite("loadWordVectors: malformed files");

const load = (text: string, options: Partial<WordVectorOptions> & { format: WordVectorFormat }) => loadWordVectors(encoder.encode(text), options);

errors("headers", async () => {
  await rejects(load("", { format: "word2vec-text" }), ValueError, 'source (bytes): line 1 should be the header "<count> <dimension>", but the file is empty.');
  await rejects(load("the 1 2\n", { format: "fasttext" }), ValueError, 'source (bytes): line 1 should be the header "<count> <dimension>" (two integers, dimension > 0). Received: "the 1 2"');
  await rejects(load("3 0\n", { format: "word2vec-text" }), ValueError, /line 1 should be the header .* Received: "3 0"/);
  await rejects(loadWordVectors(chunked(encoder.encode("1 500000000\nx "), 4), { format: "word2vec" }), ValueError, "source (Response): line 1 declares vectors of 500000000 values, more than the 1048576 this loader accepts.");
  await rejects(load("999999999 300\nthe 1\n", { format: "word2vec-text" }), ValueError, "source (bytes): the header declares 999999999 vectors of 300 values, which need at least 600999999399 bytes, but the file has 20.");
  await rejects(loadWordVectors(encoder.encode("999999999 300\nthe "), { format: "word2vec" }), ValueError, /^source \(bytes\): the header declares 999999999 vectors of 300 values, which need at least 1201999998798 bytes, but the file has 18\.$/);
});

errors("a stream (size unknown) whose header lies is read until it ends, without allocating what the header claims", async () => {
  const lying = encoder.encode("999999999 300\nthe " + Array(300).fill("1").join(" ") + "\n");
  await rejects(loadWordVectors(chunked(lying, 50), { format: "word2vec-text" }), ValueError, "source (Response): the header declares 999999999 vectors, but the file ends after 1 (line 2): truncated?");
});

errors("text lines: non-numeric values, wrong counts, duplicates, blank lines, bad UTF-8", async () => {
  await rejects(load("2 3\nthe 1 2 3\ncat 1 x2 3\n", { format: "word2vec-text" }), ValueError, 'source (bytes): line 3: value 2 "x2" is not a number.');
  await rejects(load("2 3\nthe 1 2 3\ncat 1 2\n", { format: "word2vec-text" }), ValueError, "source (bytes): line 3: has 2 values, expected 3 (as the header declares).");
  await rejects(load("the 1 2 3\ncat 1 2 3 4\n", { format: "glove" }), ValueError, "source (bytes): line 2: has more than the 3 values of line 1.");
  await rejects(load("the 1 2\ncat 1\n", { format: "glove" }), ValueError, "source (bytes): line 2: has 1 values, expected 2 (as line 1).");
  await rejects(load("the 1 2\ncat 1 2\nthe 3 4\n", { format: "glove" }), ValueError, 'source (bytes): line 3: the token "the" repeats line 1.');
  await rejects(load("2 2\nthe 1 2\ncat 1 2\nthe 3 4\n", { format: "fasttext" }), ValueError, /unexpected data at byte offset 20 after the 2 vectors the header declares \(line 4\): "the 3 4\\n"/);
  await rejects(load("the 1 2\n\ncat 1 2\n", { format: "glove" }), ValueError, "source (bytes): line 2: is empty.");
  await rejects(load("the 1 2\n 1 2\n", { format: "glove" }), ValueError, "source (bytes): line 2: starts with a space: the token is missing.");
  await rejects(load("the\n", { format: "glove" }), ValueError, "source (bytes): line 1: has a token and no values.");
  await rejects(load("the 1 2\ncat 1 -\n", { format: "glove" }), ValueError, 'source (bytes): line 2: value 2 "-" is not a number.');
  const badUtf8 = new Uint8Array([...encoder.encode("the 1\n"), 0xff, 0xfe, ...encoder.encode(" 2\n")]);
  await rejects(loadWordVectors(badUtf8, { format: "glove" }), ValueError, "source (bytes): line 2: the token is not valid UTF-8.");
});

errors("files without vectors", async () => {
  await rejects(load("0 3\n", { format: "word2vec-text", maskZero: true }), ValueError, "source (bytes): the file holds no vectors.");
  await rejects(load("", { format: "glove" }), ValueError, "source (bytes): the file holds no vectors.");
  await rejects(load("\n\n", { format: "glove" }), ValueError, "source (bytes): the file holds no vectors.");
  await rejects(loadWordVectors(encoder.encode("0 3\n"), { format: "word2vec" }), ValueError, "source (bytes): the file holds no vectors.");
});

errors("count vs header: truncated and too long", async () => {
  await rejects(load("3 2\nthe 1 2\ncat 3 4\n", { format: "word2vec-text" }), ValueError, "source (bytes): the header declares 3 vectors, but the file ends after 2 (line 3): truncated?");
  await rejects(load("1 2\nthe 1 2\ncat 3 4\n", { format: "word2vec-text" }), ValueError, /^source \(bytes\): unexpected data at byte offset 12 after the 1 vectors the header declares \(line 3\): "cat 3 4\\n"\.$/);
});

errors("trailing blank lines are fine", async () => {
  const { vocab } = await load("1 2\nthe 1 2\n\n\r\n", { format: "fasttext" });
  assert.is(vocab.size, 1);
  const g = await load("the 1 2\n\n\n", { format: "glove" });
  assert.is(g.vocab.size, 1);
});

errors("binary: truncation, duplicates, trailing data, missing space (byte offsets)", async () => {
  const file = binaryFile(["a", "b"], new Float32Array([1, 2, 3, 4]), 2);
  await rejects(loadWordVectors(file.subarray(0, file.length - 3), { format: "word2vec" }), ValueError, "source (bytes): the file ends at byte offset 23 inside vector 2 of the 2 the header declares: truncated?");
  await rejects(loadWordVectors(file.subarray(0, 16), { format: "word2vec" }), ValueError, "source (bytes): the header declares 2 vectors of 2 values, which need at least 20 bytes, but the file has 16.");
  await rejects(loadWordVectors(chunked(file.subarray(0, 16), 5), { format: "word2vec" }), ValueError, "source (Response): the file ends at byte offset 16 inside vector 2 of the 2 the header declares: truncated?");
  const dup = binaryFile(["a", "a"], new Float32Array([1, 2, 3, 4]), 2);
  await rejects(loadWordVectors(dup, { format: "word2vec" }), ValueError, 'source (bytes): the token "a" of vector 2 at byte offset 15 repeats vector 1.');
  const trailing = new Uint8Array([...file, ...encoder.encode("extra")]);
  await rejects(loadWordVectors(trailing, { format: "word2vec" }), ValueError, 'source (bytes): unexpected data at byte offset 26 after the 2 vectors the header declares: "extra".');
  const noSpace = new Uint8Array([...encoder.encode("1 2\n"), ...new Uint8Array(70000).fill(65)]);
  await rejects(loadWordVectors(noSpace, { format: "word2vec" }), ValueError, /no space ends the token that starts at byte offset 4 within 65536 bytes: not word2vec binary\?/);
});

errors("options are checked before reading", async () => {
  const bytes = small();
  await rejects(loadWordVectors(bytes, { format: "gensim" as never }), ValueError, 'format must be one of "word2vec", "word2vec-text", "glove", "fasttext". Received: format="gensim" (of type string)');
  await rejects(loadWordVectors(bytes, { format: "glove", limit: 0 }), ValueError, "limit must be a positive integer. Received: limit=0 (of type number)");
  await rejects(loadWordVectors(bytes, { format: "glove", oov: "" }), ValueError, /oov must be a boolean or a non-empty token/);
  await rejects(loadWordVectors(bytes, { format: "glove", oovVector: "random" as never }), ValueError, /oovVector must be "mean" or "zeros"/);
  await rejects(loadWordVectors(bytes, { format: "glove", maskzero: true } as never), ValueError, /Unrecognized option passed to loadWordVectors: "maskzero"/);
  await rejects(loadWordVectors(42 as never, { format: "glove" }), ValueError, /source must be a Uint8Array, an ArrayBuffer, a Blob/);
});

// ---------------------------------------------------------------------------------------------
const progress = suite("loadWordVectors: progress and abort");

const bigFile = () => {
  const s = sample(3000, 100, 5);
  const path = join(tmp, "big.vec");
  writeFileSync(path, textFile(s, "fasttext"));
  return { path, s };
};

progress("progress is monotone, in [0, 1], and ends at exactly 1 (multi-chunk file)", async () => {
  const { path, s } = bigFile();
  const seen: number[] = [];
  const { layer } = await loadWordVectors(path, { format: "fasttext", onProgress: (f) => seen.push(f) });
  assertBits(table(layer), s.values);
  assert.ok(seen.length >= 3, `${seen.length} reports`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `report ${i} ${seen[i]} after ${seen[i - 1]}`);
  assert.ok(seen[0]! >= 0);
  assert.is(seen[seen.length - 1], 1);
  assert.is(seen.filter((f) => f === 1).length, 1);
});

progress("progress ends at 1 when limit stops early, and for a stream of unknown length", async () => {
  const { path } = bigFile();
  const seen: number[] = [];
  await loadWordVectors(path, { format: "fasttext", limit: 5, onProgress: (f) => seen.push(f) });
  assert.is(seen[seen.length - 1], 1);
  const streamed: number[] = [];
  await loadWordVectors(chunked(small(), 3), { format: "word2vec-text", onProgress: (f) => streamed.push(f) });
  assert.equal(streamed, [1]);
});

progress("abort during the load rejects with AbortError", async () => {
  const { path } = bigFile();
  const controller = new AbortController();
  let reports = 0;
  await rejects(
    loadWordVectors(path, { format: "fasttext", signal: controller.signal, onProgress: () => (reports++, controller.abort()) }),
    DOMException,
    /aborted/,
  );
  assert.is(reports, 1);
  const pre = new AbortController();
  pre.abort();
  try {
    await loadWordVectors(small(), { format: "word2vec-text", signal: pre.signal });
    assert.unreachable("should reject");
  } catch (e) {
    assert.is((e as Error).name, "AbortError");
  }
});

// ---------------------------------------------------------------------------------------------
const write = suite("writeWordVectors → loadWordVectors round trips");

function collect(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts = [...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

for (const format of ["word2vec", "word2vec-text", "glove", "fasttext"] as const) {
  write(`${format}: bit-exact (random float32 bits, NaN aside for text)`, async () => {
    const random = fixtureRandom(format.length + 20);
    const dim = 9;
    const bits = new Uint32Array(25 * dim).map(() => Math.floor(random() * 2 ** 32));
    const values = new Float32Array(bits.buffer);
    if (format !== "word2vec") for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) values[i] = i; // text has one NaN
    values[3] = -0;
    values[4] = Infinity;
    values[5] = 1e-45;
    const tokens = Array.from({ length: 25 }, (_, r) => `tok_${r}é`);
    const bytes = collect(writeWordVectors({ data: values, shape: [25, dim] }, tokens, { format }));
    const { layer, vocab } = await loadWordVectors(bytes, { format });
    assert.equal(Array.from(new Uint32Array(table(layer).slice().buffer)), Array.from(new Uint32Array(values.buffer)));
    assert.equal([...vocab.tokens], tokens);
  });
}

write("from a loaded layer: the padding row is left out, the OOV row kept", async () => {
  const { layer, vocab } = await loadWordVectors(small(), { format: "word2vec-text", maskZero: true, oov: true });
  const text = new TextDecoder().decode(collect(writeWordVectors(layer, vocab, { format: "word2vec-text" })));
  // The mean row: 9/3 = 3 and fround(13/3), whose shortest float32 text is 4.3333335.
  assert.is(text, "4 2\nthe 1 2\ncat 3 4\ndog 5 7\n[UNK] 3 4.3333335\n");
});

write("text values are the shortest decimals that read back to the float32", () => {
  const values = [0.1, 1 / 3, 1e-45, 3e-45, -0, 16777217, 1e21, 3.4028234663852886e38, -2.5, NaN, -Infinity].map(Math.fround);
  const text = new TextDecoder().decode(collect(writeWordVectors({ data: Float32Array.from(values), shape: [1, values.length] }, ["x"], { format: "glove" })));
  assert.is(text, "x 0.1 0.33333334 1e-45 3e-45 -0 16777216 1e+21 3.4028235e+38 -2.5 nan -inf\n");
});

write("tokens that cannot be written are refused before any byte", () => {
  const t = { data: new Float32Array(2), shape: [2, 1] };
  assert.throws(() => [...writeWordVectors(t, ["a b", "c"], { format: "glove" })], /Token 0 "a b" cannot be written as glove: tokens must be non-empty and contain no whitespace\./);
  assert.throws(() => [...writeWordVectors(t, ["a", ""], { format: "word2vec" })], /Token 1 "" cannot be written as word2vec/);
  assert.throws(() => [...writeWordVectors(t, ["a"], { format: "glove" })], /vocab has 1 tokens, but the table has 2 rows/);
});

// ---------------------------------------------------------------------------------------------
const projector = suite("toProjectorTsv");

projector("vectors: one tab-separated row per line reading back to the same float32; metadata: one token per line", async () => {
  const s = sample(15, 6, 8);
  const { layer, vocab } = await loadWordVectors(textFile(s, "glove"), { format: "glove", maskZero: true });
  const { vectors, metadata } = toProjectorTsv(layer, vocab);
  const lines = vectors.split("\n");
  assert.is(lines.length, 17);
  assert.is(lines[16], "");
  const parsed = lines.slice(0, 16).flatMap((line) => line.split("\t").map(expectedValue));
  assertBits(Float32Array.from(parsed), table(layer));
  assert.is(lines[0], "0\t0\t0\t0\t0\t0");
  assert.equal(metadata.split("\n"), ["<pad>", ...s.tokens, ""]);
});

projector("without a vocabulary, metadata is empty; a mismatched vocabulary is refused", async () => {
  const { layer } = await loadWordVectors(small(), { format: "word2vec-text" });
  const { vectors, metadata } = toProjectorTsv(layer);
  assert.is(vectors, "1\t2\n3\t4\n5\t7\n");
  assert.is(metadata, "");
  assert.throws(() => toProjectorTsv(layer, new Vocabulary(["a"])), /vocab has 1 tokens, but the layer has 3 rows \(inputDim\): they must match\./);
});

projector("labels with tabs or newlines stay on one line", async () => {
  const { layer } = await loadWordVectors(small(), { format: "word2vec-text" });
  assert.is(toProjectorTsv(layer, new Vocabulary(["a\tb", "c\nd", "e"])).metadata, "a b\nc d\ne\n");
});

formats.run();
rows.run();
errors.run();
progress.run();
write.run();
projector.run();
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
