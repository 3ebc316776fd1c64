// Writing word vectors in the formats loadWordVectors reads, as a sequence of byte chunks so that
// a large table never becomes one string. Text values are the shortest decimals that read back to
// the same float32, so a write-then-load round trip is bit-exact.
import type { Embedding } from "../embedding.ts";
import { ValueError, invalidArgument } from "../errors.ts";
import { float32Text } from "./float-text.ts";
import { LITTLE_ENDIAN_HOST, swapBytes } from "./npy-dtype.ts";
import type { Vocabulary } from "./vocabulary.ts";
import type { WordVectorFormat } from "./word-vectors.ts";

/** A table to write: an Embedding layer, or row-major `{ data, shape: [rows, dim] }`. */
export type VectorTable = Embedding | { data: Float32Array; shape: readonly number[] };

const CHUNK_CHARS = 1 << 20;

function tableOf(table: VectorTable): { data: Float32Array; rows: number; dim: number } {
  const t = "getWeights" in table ? table.getWeights()[0]! : table;
  if (!(t.data instanceof Float32Array) || t.shape.length !== 2 || t.data.length !== t.shape[0]! * t.shape[1]!) {
    invalidArgument("table", "an Embedding or { data: Float32Array, shape: [rows, dim] }", table);
  }
  return { data: t.data, rows: t.shape[0]!, dim: t.shape[1]! };
}

/**
 * Writes `table` with the tokens of `vocab` (one per row; a padding row, whose token is the
 * vocabulary's padding token, is left out since it is not a word) as `format`. Yields the file's
 * bytes chunk by chunk. Tokens must be non-empty and, for these whitespace-separated formats,
 * contain no whitespace (binary word2vec: no space).
 */
export function* writeWordVectors(table: VectorTable, vocab: Vocabulary | readonly string[], options: { format: WordVectorFormat }): Generator<Uint8Array> {
  const { data, rows, dim } = tableOf(table);
  const tokens = Array.isArray(vocab) ? (vocab as readonly string[]) : (vocab as Vocabulary).tokens;
  const padding = Array.isArray(vocab) ? null : (vocab as Vocabulary).paddingToken;
  const format = options?.format;
  if (!["word2vec", "word2vec-text", "glove", "fasttext"].includes(format)) invalidArgument("format", '"word2vec", "word2vec-text", "glove" or "fasttext"', format);
  if (tokens.length !== rows) throw new ValueError(`vocab has ${tokens.length} tokens, but the table has ${rows} rows: they must match.`);
  const skip = padding !== null && rows > 0 && tokens[0] === padding ? 1 : 0;
  const forbidden = format === "word2vec" ? /[ \n]/ : /\s/;
  for (let r = skip; r < rows; r++) {
    const token = tokens[r]!;
    if (token.length === 0 || forbidden.test(token)) {
      throw new ValueError(`Token ${r} ${JSON.stringify(token)} cannot be written as ${format}: tokens must be non-empty and contain no ${format === "word2vec" ? "space or newline" : "whitespace"}.`);
    }
  }
  const encoder = new TextEncoder();
  const header = format === "glove" ? "" : `${rows - skip} ${dim}\n`;
  if (format === "word2vec") {
    yield encoder.encode(header);
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let r = skip; r < rows; r++) {
      const token = encoder.encode(tokens[r]! + " ");
      const record = new Uint8Array(token.length + dim * 4 + 1);
      record.set(token);
      const values = new Uint8Array(data.buffer, data.byteOffset + r * dim * 4, dim * 4);
      record.set(values, token.length);
      if (!LITTLE_ENDIAN_HOST) swapBytes(record.subarray(token.length, token.length + dim * 4), 4);
      record[record.length - 1] = 10;
      parts.push(record);
      size += record.length;
      if (size >= CHUNK_CHARS) {
        yield concat(parts, size);
        parts.length = 0;
        size = 0;
      }
    }
    if (size > 0) yield concat(parts, size);
    return;
  }
  let text = header;
  const row = new Array<string>(dim);
  for (let r = skip; r < rows; r++) {
    for (let d = 0; d < dim; d++) row[d] = float32Text(data[r * dim + d]!);
    text += `${tokens[r]} ${row.join(" ")}\n`;
    if (text.length >= CHUNK_CHARS) {
      yield encoder.encode(text);
      text = "";
    }
  }
  if (text.length > 0) yield encoder.encode(text);
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
