// Vocabulary: ids and tokens, OOV and padding, encode, JSON round trip, and its errors.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ValueError, Vocabulary } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

const test = suite("Vocabulary");

test("ids are row numbers; token(id) inverts id(token)", () => {
  const v = new Vocabulary(["the", "cat", "日本"]);
  assert.is(v.size, 3);
  assert.equal([...v.tokens], ["the", "cat", "日本"]);
  assert.equal([v.id("the"), v.id("cat"), v.id("日本")], [0, 1, 2]);
  assert.equal([v.token(0), v.token(2)], ["the", "日本"]);
  assert.ok(v.has("cat"));
  assert.not.ok(v.has("dog"));
  assert.is(v.oovId, -1);
  assert.is(v.paddingToken, null);
});

test("without an OOV row, unknown tokens throw naming the token (and its position in encode)", () => {
  const v = new Vocabulary(["a", "b"]);
  assertThrowsMessage(() => v.id("zebra"), ValueError, 'Unknown token "zebra": it is not in the vocabulary of 2 tokens, which has no out-of-vocabulary row.');
  assertThrowsMessage(() => v.encode(["a", "zebra"]), ValueError, 'Unknown token "zebra" at tokens[1]: the vocabulary has no out-of-vocabulary row.');
  assertThrowsMessage(() => v.encode(["a", 3 as never]), ValueError, "tokens[1] must be a string. Received: 3 (of type number)");
});

test("with OOV and padding rows", () => {
  const v = new Vocabulary(["", "a", "b", "[UNK]"], { paddingToken: "", oovToken: "[UNK]" });
  assert.is(v.id("zzz"), 3);
  assert.is(v.oovId, 3);
  assert.is(v.id(""), 0);
  assert.not.ok(v.has("zzz"));
  const ids = v.encode(["b", "zzz", "a", ""]);
  assert.instance(ids, Int32Array);
  assert.equal(Array.from(ids), [2, 3, 1, 0]);
});

test("toJSON / fromJSON round trip (object and text)", () => {
  const v = new Vocabulary(["", "x", "<unk>"], { paddingToken: "", oovToken: "<unk>" });
  const json = v.toJSON();
  assert.equal(json, { tokens: ["", "x", "<unk>"], paddingToken: "", oovToken: "<unk>" });
  for (const back of [Vocabulary.fromJSON(json), Vocabulary.fromJSON(JSON.stringify(v))]) {
    assert.equal(back.toJSON(), json);
    assert.is(back.id("nope"), 2);
  }
});

test("bad tokens and options are refused", () => {
  assertThrowsMessage(() => new Vocabulary(["a", "b", "a"]), ValueError, 'tokens[2] "a" repeats tokens[0]: tokens must be distinct.');
  assertThrowsMessage(() => new Vocabulary(["a", 1 as never]), ValueError, "tokens[1] must be a string. Received: 1 (of type number)");
  assertThrowsMessage(() => new Vocabulary("abc" as never), ValueError, 'tokens must be an array of strings. Received: tokens="abc" (of type string)');
  assertThrowsMessage(() => new Vocabulary(["a", ""], { paddingToken: "" }), ValueError, 'paddingToken must be the token of row 0 ("a"). Received: paddingToken=""');
  assertThrowsMessage(() => new Vocabulary(["a"], { oovToken: "[UNK]" }), ValueError, 'oovToken must be one of the tokens. Received: oovToken="[UNK]"');
  assertThrowsMessage(() => new Vocabulary(["a"], { paddingToken: "a", oovToken: "a" }), ValueError, 'oovToken and paddingToken must differ. Received: both "a"');
  assertThrowsMessage(() => new Vocabulary(["a"]).token(1), ValueError, "id must be an integer in [0, 1). Received: id=1 (of type number)");
  assertThrowsMessage(() => Vocabulary.fromJSON({ tokens: ["a"], paddingToken: 3 } as never), ValueError, "json.paddingToken must be a string or null. Received: 3");
  assertThrowsMessage(() => Vocabulary.fromJSON({} as never), ValueError, /json must be an object \{ tokens, paddingToken, oovToken \}/);
});

test("tokens are frozen: the vocabulary cannot be changed through them", () => {
  const v = new Vocabulary(["a", "b"]);
  assert.throws(() => (v.tokens as string[]).push("c"));
  assert.is(v.size, 2);
});

test.run();
