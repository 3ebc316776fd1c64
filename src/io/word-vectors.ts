// Loading pretrained word vectors (word2vec binary and text, GloVe, fastText .vec) into an
// Embedding layer and its Vocabulary, streamed from any ByteSource.
import type { Embedding } from "../embedding.ts";
import { ValueError, invalidArgument } from "../errors.ts";
import { ChunkReader } from "./chunk-reader.ts";
import { layerFromTable, type TableLayerOptions } from "./layer-from-table.ts";
import { checkLoadOptions, openSource, type ByteSource, type LoadOptions } from "./source.ts";
import { Vocabulary } from "./vocabulary.ts";
import { parseBinaryVectors } from "./word-vectors-binary.ts";
import { parseTextVectors, readHeader, type ParsedVectors } from "./word-vectors-text.ts";

/** The word-vector file formats. */
export type WordVectorFormat = "word2vec" | "word2vec-text" | "glove" | "fasttext";

const FORMATS: readonly WordVectorFormat[] = ["word2vec", "word2vec-text", "glove", "fasttext"];

/** Options of {@link loadWordVectors}. */
export interface WordVectorOptions extends LoadOptions {
  /**
   * The file format: `'word2vec'` (binary: "N D" header, then token, space and D little-endian
   * float32 per record), `'word2vec-text'` and `'fasttext'` (.vec: "N D" header, then one
   * "token v1 … vD" line per vector) or `'glove'` (no header; the dimension is the first line's).
   */
  format: WordVectorFormat;
  /** Keep only the first `limit` vectors of the file (reading stops there). Default: all. */
  limit?: number;
  /**
   * Reserve row 0 as padding (zeros; its token is `""`, as Keras' TextVectorization names it) and
   * shift every file row by one; the layer gets `maskZero: true`. Default false.
   */
  maskZero?: boolean;
  /**
   * Out-of-vocabulary row for `vocab.id(unknown)`: `true` names it `"[UNK]"` (Keras' name), a
   * string names it. When the file has that token, its row is the OOV row; otherwise a row is
   * appended after the file's rows, holding the mean of the file's vectors (see `oovVector`).
   * Default false: unknown tokens make `vocab.id` throw.
   */
  oov?: boolean | string;
  /**
   * Values of an appended OOV row: `'mean'` (default; the average of all vectors read, computed in
   * float64 and rounded to float32: a neutral vector that keeps cosine similarity defined) or `'zeros'`.
   */
  oovVector?: "mean" | "zeros";
  /** Layer name (default: the layer's usual `embedding`, `embedding_1`, …). */
  name?: string;
  /** Whether the layer is trainable (default true). */
  trainable?: boolean;
}

/** A loaded embedding layer and the vocabulary that maps tokens to its rows. */
export interface WordVectors {
  layer: Embedding;
  vocab: Vocabulary;
}

const OPTION_NAMES = ["format", "limit", "maskZero", "oov", "oovVector", "name", "trainable", "onProgress", "signal"];

function readOptions(options: WordVectorOptions): Required<Pick<WordVectorOptions, "format" | "limit" | "maskZero" | "oovVector">> & { oovToken: string | null } {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object with a format", options);
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new ValueError(`Unrecognized option passed to loadWordVectors: ${JSON.stringify(key)}. Expected only: ${OPTION_NAMES.join(", ")}`);
  }
  checkLoadOptions(options);
  const { format, limit, maskZero, oov, oovVector } = options;
  if (!FORMATS.includes(format)) invalidArgument("format", `one of ${FORMATS.map((f) => JSON.stringify(f)).join(", ")}`, format);
  if (limit !== undefined && (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit <= 0)) invalidArgument("limit", "a positive integer", limit);
  if (maskZero !== undefined && typeof maskZero !== "boolean") invalidArgument("maskZero", "a boolean", maskZero);
  if (oov !== undefined && typeof oov !== "boolean" && (typeof oov !== "string" || oov.length === 0)) invalidArgument("oov", "a boolean or a non-empty token", oov);
  if (oovVector !== undefined && oovVector !== "mean" && oovVector !== "zeros") invalidArgument("oovVector", '"mean" or "zeros"', oovVector);
  return {
    format,
    limit: limit ?? Number.MAX_SAFE_INTEGER,
    maskZero: maskZero ?? false,
    oovVector: oovVector ?? "mean",
    oovToken: oov === true ? "[UNK]" : typeof oov === "string" ? oov : null,
  };
}

/** Writes the mean of rows [from, to) into row `to` (float64 sums, one rounding to float32). */
function fillMeanRow(table: Float32Array, dim: number, from: number, to: number): void {
  const sums = new Float64Array(dim);
  for (let r = from; r < to; r++) for (let d = 0, at = r * dim; d < dim; d++) sums[d] = sums[d]! + table[at + d]!;
  const count = Math.max(1, to - from);
  for (let d = 0; d < dim; d++) table[to * dim + d] = sums[d]! / count;
}

/**
 * Loads pretrained word vectors into an `Embedding` layer and a {@link Vocabulary}.
 *
 * The file is streamed: it is parsed chunk by chunk straight into one float32 table (sized from the
 * header when there is one; grown and trimmed for GloVe), and never decoded into one string.
 * Values are exactly `Math.fround(Number(text))` for the text formats and bit-exact for binary.
 * Malformed input throws a `ValueError` naming the line (text) or byte offset (binary); aborting
 * `signal` rejects with an `AbortError`.
 *
 * @example
 * const { layer, vocab } = await loadWordVectors("glove.6B.100d.txt", { format: "glove", limit: 50000, maskZero: true, oov: true });
 * const vectors = layer.call(vocab.encode(["the", "cat"]));
 */
export async function loadWordVectors(source: ByteSource, options: WordVectorOptions): Promise<WordVectors> {
  const o = readOptions(options);
  const stream = await openSource(source, "source", options.signal);
  const reader = new ChunkReader(stream, options.onProgress, options.signal);
  const what = stream.name;
  const parse = { limit: o.limit, reserved: o.maskZero ? 1 : 0, what };
  let result: WordVectors;
  try {
    await reader.fill();
    let parsed: ParsedVectors;
    if (o.format === "glove") parsed = await parseTextVectors(reader, null, parse);
    else {
      const header = await readHeader(reader, what);
      parsed = o.format === "word2vec" ? await parseBinaryVectors(reader, header, parse) : await parseTextVectors(reader, header, parse);
    }
    result = toLayer(parsed, o, options);
  } catch (error) {
    // Close the source (a file stays open when reading stopped early) and report no completion.
    await reader.cancel();
    throw error;
  }
  await reader.finish();
  return result;
}

/** The layer and vocabulary of parsed vectors: padding row first, OOV row last when asked for. */
function toLayer(parsed: ParsedVectors, o: ReturnType<typeof readOptions>, options: WordVectorOptions): WordVectors {
  const { builder, tokens } = parsed;
  if (tokens.length === 0) throw new ValueError(`${builder.what}: the file holds no vectors.`);
  const dim = builder.dim;
  const reserved = o.maskZero ? 1 : 0;
  const appendOov = o.oovToken !== null && !parsed.index.has(o.oovToken);
  const fileRows = builder.rows;
  const table = builder.finish(appendOov ? 1 : 0);
  if (appendOov && o.oovVector === "mean") fillMeanRow(table, dim, reserved, fileRows);
  const allTokens = o.maskZero ? ["", ...tokens] : tokens;
  if (appendOov) allTokens.push(o.oovToken!);
  const vocab = new Vocabulary(allTokens, { paddingToken: o.maskZero ? "" : null, oovToken: o.oovToken });
  const layerOptions: TableLayerOptions = { maskZero: o.maskZero };
  if (options.name !== undefined) layerOptions.name = options.name;
  if (options.trainable !== undefined) layerOptions.trainable = options.trainable;
  return { layer: layerFromTable(table, allTokens.length, dim, layerOptions), vocab };
}
