// The two TSV files TensorBoard's Embedding Projector loads: vectors (one row per line, values
// separated by tabs) and metadata (one label per line, a single column, so no header line).
import { ValueError, invalidArgument } from "../errors.ts";
import { float32Text } from "./float-text.ts";
import type { Vocabulary } from "./vocabulary.ts";

/** The Projector's two files as text. */
export interface ProjectorTsv {
  /** One line per row, `outputDim` tab-separated values (shortest text that reads back to the float32). */
  vectors: string;
  /** One token per line in row order (empty when no vocabulary was given). */
  metadata: string;
}

/** A metadata label on one line: tabs and line breaks would split it, so they become spaces. */
function label(token: string): string {
  return token.replace(/[\t\r\n]/g, " ");
}

/**
 * The Embedding Projector TSV files of a layer's table: `vectors` always, `metadata` (one token
 * per row) when `vocab` is given. The padding token `""` is written as `<pad>` so that its line is
 * not blank (the Projector drops nothing, but an empty label is unreadable).
 */
export function toProjectorTsv(layer: { getWeights(): { data: Float32Array; shape: number[] }[] }, vocab?: Vocabulary): ProjectorTsv {
  const [weights] = layer.getWeights();
  const { data, shape } = weights!;
  const [rows, dim] = shape as [number, number];
  if (vocab !== undefined && (vocab === null || typeof vocab !== "object" || !Array.isArray(vocab.tokens))) invalidArgument("vocab", "a Vocabulary", vocab);
  if (vocab !== undefined && vocab.size !== rows) throw new ValueError(`vocab has ${vocab.size} tokens, but the layer has ${rows} rows (inputDim): they must match.`);
  const lines = new Array<string>(rows);
  const row = new Array<string>(dim);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) row[d] = float32Text(data[r * dim + d]!);
    lines[r] = row.join("\t");
  }
  const metadata = vocab === undefined ? "" : vocab.tokens.map((t) => (t === "" && vocab.paddingToken === "" ? "<pad>" : label(t))).join("\n") + "\n";
  return { vectors: lines.join("\n") + (rows > 0 ? "\n" : ""), metadata };
}
