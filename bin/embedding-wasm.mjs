#!/usr/bin/env node
// embedding-wasm command line: converts embedding tables between word-vector formats, .npy and the
// Embedding Projector's TSV files. Uses the built package (run `npm run build` first).
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { Embedding, Vocabulary, loadWordVectors, readNpy, toProjectorTsv, writeNpy, writeWordVectors } from "../dist/index.js";

const FORMATS = ["word2vec", "word2vec-text", "glove", "fasttext", "npy", "tsv"];
const USAGE = `Usage: embedding-wasm convert <in> <out> [options]

Converts an embedding table between formats, chosen by file extension or by flag:
  word2vec       .bin   word2vec binary ("N D" header, token + little-endian float32 per record)
  word2vec-text         word2vec text ("N D" header, "token v1 ... vD" lines)
  glove          .txt   GloVe text (no header); a .txt input with an "N D" first line is word2vec-text
  fasttext       .vec   fastText .vec text (like word2vec text)
  npy            .npy   the table alone, a 2-D float array (tokens in --vocab, one per line)
  tsv            .tsv   Embedding Projector files: vectors in <out>, tokens in --metadata
                        (default: <out without .tsv>.metadata.tsv)

Options:
  --format, --from <format>   input format (default: from the extension of <in>)
  --to <format>               output format (default: from the extension of <out>)
  --limit <N>                 keep the first N vectors
  --vocab <file>              tokens file, one per line, for .npy input or output
  --metadata <file>           Projector metadata file, for .tsv input or output
  -h, --help                  this help

Exit status: 0 done, 1 the conversion failed (the output is left untouched), 2 usage error.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") flags.help = true;
    else if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s);
      if (!["format", "from", "to", "limit", "vocab", "metadata"].includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name === "format" ? "from" : name] = value;
    } else positional.push(arg);
  }
  return { positional, flags };
}

const BY_EXTENSION = { ".bin": "word2vec", ".txt": "glove", ".vec": "fasttext", ".npy": "npy", ".tsv": "tsv" };

function formatOf(path, flag, side) {
  if (flag !== undefined) {
    if (!FORMATS.includes(flag)) throw new UsageError(`unknown ${side} format ${JSON.stringify(flag)}; expected one of ${FORMATS.join(", ")}`);
    return flag;
  }
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) throw new UsageError(`cannot tell the ${side} format of ${JSON.stringify(path)} from its extension; give --${side === "input" ? "from" : "to"}`);
  return format;
}

/** A .txt file whose first line is "N D" is word2vec text, otherwise GloVe. */
async function sniffText(path) {
  const handle = await open(path, "r");
  try {
    const head = new Uint8Array(256);
    const { bytesRead } = await handle.read(head, 0, 256, 0);
    const firstLine = new TextDecoder().decode(head.subarray(0, bytesRead)).split("\n")[0];
    return /^\s*\d+\s+\d+\s*$/.test(firstLine) ? "word2vec-text" : "glove";
  } finally {
    await handle.close();
  }
}

const readLines = async (path) => (await readFile(path, "utf8")).split(/\r?\n/).filter((line, i, all) => line !== "" || i < all.length - 1);
const metadataPath = (path) => join(dirname(path), `${basename(path, extname(path))}.metadata.tsv`);

function progressBar(label) {
  if (!process.stderr.isTTY) return { update() {}, end() {} };
  let shown = -1;
  return {
    update(fraction) {
      const percent = Math.floor(fraction * 100);
      if (percent === shown) return;
      shown = percent;
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(percent).padStart(3)}%`);
    },
    end() {
      process.stderr.write("\n");
    },
  };
}

/** Reads the input as { table: Float32Array, rows, dim, tokens: string[] | null }. */
async function readInput(path, format, flags, limit) {
  if (!existsSync(path)) throw new Error(`input file ${JSON.stringify(path)} does not exist`);
  if (format === "npy") {
    const array = readNpy(new Uint8Array(await readFile(path)));
    if (array.shape.length !== 2 || !["float16", "float32", "float64"].includes(array.dtype)) {
      throw new Error(`${path}: expected a 2-D float array, found dtype ${array.dtype} of shape (${array.shape.join(", ")})`);
    }
    let [rows, dim] = array.shape;
    let table = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
    if (limit !== undefined && limit < rows) (rows = limit), (table = table.slice(0, rows * dim));
    let tokens = flags.vocab === undefined ? null : await readLines(flags.vocab);
    if (tokens !== null && tokens.length < rows) throw new Error(`${flags.vocab} has ${tokens.length} tokens, but ${path} has ${rows} rows`);
    if (tokens !== null) tokens = tokens.slice(0, rows);
    return { table, rows, dim, tokens };
  }
  if (format === "tsv") {
    const lines = await readLines(path);
    const rows = Math.min(lines.length, limit ?? Infinity);
    const dim = rows === 0 ? 0 : lines[0].split("\t").length;
    const table = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const fields = lines[r].split("\t");
      if (fields.length !== dim) throw new Error(`${path}: line ${r + 1} has ${fields.length} values, line 1 has ${dim}`);
      for (let d = 0; d < dim; d++) {
        const value = Number(fields[d]);
        if (fields[d].trim() === "" || (Number.isNaN(value) && !/^\s*[+-]?nan\s*$/i.test(fields[d]))) throw new Error(`${path}: line ${r + 1}, value ${d + 1} ${JSON.stringify(fields[d])} is not a number`);
        table[r * dim + d] = /^\s*[+-]?inf(inity)?\s*$/i.test(fields[d]) ? (fields[d].includes("-") ? -Infinity : Infinity) : value;
      }
    }
    const meta = flags.metadata ?? metadataPath(path);
    const tokens = existsSync(meta) ? (await readLines(meta)).slice(0, rows) : null;
    if (tokens !== null && tokens.length !== rows) throw new Error(`${meta} has ${tokens.length} labels, but ${path} has ${rows} rows`);
    return { table, rows, dim, tokens };
  }
  const bar = progressBar(`reading ${basename(path)}`);
  const options = { format, onProgress: (f) => bar.update(f) };
  if (limit !== undefined) options.limit = limit;
  const { layer, vocab } = await loadWordVectors(path, options);
  bar.end();
  const { data, shape } = layer.getWeights()[0];
  layer.dispose?.();
  return { table: data, rows: shape[0], dim: shape[1], tokens: [...vocab.tokens] };
}

async function writeOutput(path, format, flags, input) {
  const { table, rows, dim, tokens } = input;
  const partial = `${path}.partial-${process.pid}`;
  const extra = [];
  try {
    if (format === "npy") {
      await writeFile(partial, writeNpy({ data: table, shape: [rows, dim] }));
      if (flags.vocab !== undefined) {
        if (tokens === null) throw new Error("--vocab was given for the output, but the input has no tokens");
        extra.push([flags.vocab, tokens.join("\n") + "\n"]);
      }
    } else if (format === "tsv") {
      const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: { data: table, shape: [rows, dim] } });
      const { vectors, metadata } = toProjectorTsv(layer, tokens === null ? undefined : new Vocabulary(tokens));
      layer.dispose?.();
      await writeFile(partial, vectors);
      if (tokens !== null) extra.push([flags.metadata ?? metadataPath(path), metadata]);
    } else {
      if (tokens === null) throw new Error(`${format} output needs a token per row: give --vocab (for .npy input) or --metadata (for .tsv input)`);
      const handle = await open(partial, "w");
      const bar = progressBar(`writing ${basename(path)}`);
      try {
        let written = 0;
        for (const chunk of writeWordVectors({ data: table, shape: [rows, dim] }, tokens, { format })) {
          await handle.write(chunk);
          written += chunk.length;
          bar.update(Math.min(1, written / Math.max(1, table.byteLength * (format === "word2vec" ? 1 : 2.5))));
        }
        bar.update(1);
      } finally {
        bar.end();
        await handle.close();
      }
    }
    for (const [extraPath, text] of extra) await writeFile(`${extraPath}.partial-${process.pid}`, text);
    await rename(partial, path);
    for (const [extraPath] of extra) await rename(`${extraPath}.partial-${process.pid}`, extraPath);
  } catch (error) {
    await rm(partial, { force: true });
    for (const [extraPath] of extra) await rm(`${extraPath}.partial-${process.pid}`, { force: true });
    throw error;
  }
}

async function main(argv) {
  const { positional, flags } = parseArgs(argv);
  if (flags.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const [command, input, output, ...rest] = positional;
  if (command !== "convert") throw new UsageError(command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`);
  if (input === undefined || output === undefined) throw new UsageError("convert needs <in> and <out>");
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  let limit;
  if (flags.limit !== undefined) {
    limit = Number(flags.limit);
    if (!/^\d+$/.test(flags.limit) || !Number.isSafeInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(flags.limit)}`);
  }
  let from = formatOf(input, flags.from, "input");
  const to = formatOf(output, flags.to, "output");
  if (flags.from === undefined && from === "glove" && existsSync(input)) from = await sniffText(input);
  const table = await readInput(input, from, flags, limit);
  await writeOutput(output, to, flags, table);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`embedding-wasm: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`embedding-wasm: error: ${error.message}\n`);
    process.exit(1);
  },
);
