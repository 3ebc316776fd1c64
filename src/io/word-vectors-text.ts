// The text word-vector formats, parsed line by line from a stream of chunks straight into one
// float32 table: word2vec text and fastText .vec ("N D" header, then "token v1 … vD" lines) and
// GloVe (no header: the dimension is the first line's value count, the row count is known at the end).
import { ValueError } from "../errors.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import { NOT_A_NUMBER, TOO_MANY, isNumberField, parseFields, stopped } from "./decimal-fields.ts";
import { TableBuilder, initialRows } from "./table-builder.ts";
import { decodeToken, previewBytes } from "./token-text.ts";

/** What the word-vector parsers produce. */
export interface ParsedVectors {
  builder: TableBuilder;
  tokens: string[];
  index: Map<string, number>;
}

export interface ParseOptions {
  /** Keep at most this many vectors. */
  limit: number;
  /** Leading zero rows to reserve (1 for a padding row). */
  reserved: number;
  /** Name of the source, for errors. */
  what: string;
}

/** Lines longer than this are refused rather than buffered (a 300-value line is about 3 KB). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The largest dimension a header may declare (word vectors have hundreds; this bounds what a lying header allocates). */
const MAX_DIM = 1 << 20;

/** Reads the "N D" header line of word2vec text, word2vec binary and fastText files. */
export async function readHeader(reader: ChunkReader, what: string): Promise<{ count: number; dim: number; bytes: number }> {
  let nl = reader.buf.indexOf(10, reader.pos);
  while (nl < 0 && reader.end - reader.pos < 256 && (await reader.fill())) nl = reader.buf.indexOf(10, reader.pos);
  const start = reader.pos;
  if (nl < 0) {
    if (!reader.done || reader.end === start) throw new ValueError(`${what}: line 1 should be the header "<count> <dimension>", but ${reader.end === start ? "the file is empty" : "no line ends within its first 256 bytes"}.`);
    nl = reader.end;
  }
  const text = String.fromCharCode.apply(null, reader.buf.subarray(start, nl) as unknown as number[]).trim();
  const match = /^(\d{1,15})[ \t]+(\d{1,9})$/.exec(text);
  if (match === null || Number(match[2]) === 0) {
    throw new ValueError(`${what}: line 1 should be the header "<count> <dimension>" (two integers, dimension > 0). Received: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const dim = Number(match[2]);
  if (dim > MAX_DIM) throw new ValueError(`${what}: line 1 declares vectors of ${dim} values, more than the ${MAX_DIM} this loader accepts.`);
  reader.pos = Math.min(nl + 1, reader.end);
  return { count: Number(match[1]), dim, bytes: reader.pos - start };
}

/**
 * Recovers a line whose token contains spaces (GloVe 840B has a few, such as ". . ."): the last `dim`
 * fields are the values and the fields before them the token, accepted only when the field just
 * before the values is not itself a number (otherwise the line simply has too many values).
 */
function spacedToken(bytes: Uint8Array, start: number, end: number, dim: number): string | undefined {
  const text = decodeToken(bytes, start, end);
  if (text === undefined) return undefined;
  const fields = text.split(/[ \t]+/).filter((f) => f.length > 0);
  if (fields.length <= dim + 1 || isNumberField(fields[fields.length - dim - 1]!)) return undefined;
  if (!fields.slice(fields.length - dim).every(isNumberField)) return undefined;
  return fields.slice(0, fields.length - dim).join(" ");
}

function lineError(what: string, line: number, message: string): ValueError {
  return new ValueError(`${what}: line ${line}: ${message}`);
}

/**
 * Parses the vector lines of a text file. `header` is the parsed header (word2vec text, fastText)
 * or null (GloVe: the dimension comes from the first line).
 */
export async function parseTextVectors(reader: ChunkReader, header: { count: number; dim: number } | null, options: ParseOptions): Promise<ParsedVectors> {
  const { what, limit, reserved } = options;
  const tokens: string[] = [];
  const index = new Map<string, number>();
  let line = header === null ? 0 : 1;
  let dim = header === null ? 0 : header.dim;
  let builder: TableBuilder | undefined;
  const wanted = header === null ? limit : Math.min(header.count, limit);
  if (header !== null) {
    const size = reader.stream.size;
    // Each line needs at least a token byte and a separator and a digit per value: a header that
    // claims more than the file can hold is refused before the table is allocated.
    if (size !== undefined && header.count * (1 + 2 * dim) > size) {
      throw new ValueError(`${what}: the header declares ${header.count} vectors of ${dim} values, which need at least ${header.count * (1 + 2 * dim)} bytes, but the file has ${size}.`);
    }
    builder = new TableBuilder(dim, reserved + (size === undefined ? initialRows(wanted, dim) : wanted), reserved, what);
  }
  let lineStart = reader.pos;
  for (;;) {
    if (tokens.length >= wanted) break;
    let buf = reader.buf;
    lineStart = reader.pos;
    let nl = buf.indexOf(10, lineStart);
    if (nl < 0) {
      if (reader.end - lineStart > MAX_LINE_BYTES) throw lineError(what, line + 1, `is longer than ${MAX_LINE_BYTES} bytes.`);
      if (await reader.fill()) continue;
      if (reader.pos === reader.end) break;
      buf = reader.buf;
      nl = reader.end;
    }
    line++;
    reader.pos = Math.min(nl + 1, reader.end);
    let end = nl;
    if (end > lineStart && buf[end - 1] === 13) end--;
    let tokenEnd = lineStart;
    let c = 0;
    while (tokenEnd < end && (c = buf[tokenEnd]!) !== 32 && c !== 9) tokenEnd++;
    if (tokenEnd === lineStart) {
      if (end !== lineStart) throw lineError(what, line, "starts with a space: the token is missing.");
      // Blank lines are allowed only at the end of the file.
      try {
        await expectOnlyWhitespace(reader, what, "a blank line");
      } catch (cause) {
        if (cause instanceof ValueError) throw lineError(what, line, "is empty.");
        throw cause;
      }
      break;
    }
    if (builder === undefined) {
      // GloVe: the first line fixes the dimension; the row count is estimated from its length.
      const probe = new Float32Array(((end - tokenEnd) >> 1) + 1);
      const n = parseFields(buf, tokenEnd, end, probe, 0, probe.length);
      if (n <= 0) throw lineError(what, line, n === 0 ? "has a token and no values." : `value ${stopped.field + 1} ${previewBytes(buf, stopped.start, stopped.end)} is not a number.`);
      dim = n;
      const size = reader.stream.size;
      const estimate = size === undefined ? 1024 : Math.ceil((size / (nl + 1 - lineStart)) * 1.05) + 16;
      builder = new TableBuilder(dim, reserved + Math.min(estimate, limit), reserved, what);
    }
    const at = builder.nextRow();
    let token: string | undefined;
    const n = parseFields(buf, tokenEnd, end, builder.data, at, dim);
    if (n === dim) token = decodeToken(buf, lineStart, tokenEnd);
    else {
      token = n === NOT_A_NUMBER || n === TOO_MANY ? spacedToken(buf, lineStart, end, dim) : undefined;
      if (token === undefined) {
        if (n === NOT_A_NUMBER) throw lineError(what, line, `value ${stopped.field + 1} ${previewBytes(buf, stopped.start, stopped.end)} is not a number.`);
        if (n === TOO_MANY) throw lineError(what, line, `has more than the ${dim} values ${header === null ? "of line 1" : "the header declares"}.`);
        throw lineError(what, line, `has ${n} values, expected ${dim}${header === null ? " (as line 1)" : " (as the header declares)"}.`);
      }
      // Skip the token's fields, then read the values into the row.
      let p = lineStart;
      for (let fields = token.split(" ").length; fields > 0; fields--) {
        while (p < end && ((c = buf[p]!) === 32 || c === 9)) p++;
        while (p < end && (c = buf[p]!) !== 32 && c !== 9) p++;
      }
      parseFields(buf, p, end, builder.data, at, dim);
    }
    if (token === undefined) throw lineError(what, line, "the token is not valid UTF-8.");
    const before = index.get(token);
    if (before !== undefined) throw lineError(what, line, `the token ${JSON.stringify(token)} repeats line ${before + (header === null ? 1 : 2)}.`);
    index.set(token, tokens.length);
    tokens.push(token);
    builder.rows++;
  }
  if (header !== null && tokens.length < wanted) {
    throw new ValueError(`${what}: the header declares ${header.count} vectors, but the file ends after ${tokens.length} (line ${line}): truncated?`);
  }
  if (header !== null && tokens.length === header.count && tokens.length < limit) {
    // Anything after the declared vectors other than blank lines is an error.
    await expectOnlyWhitespace(reader, what, `the ${header.count} vectors the header declares (line ${line + 1})`);
  }
  if (builder === undefined) throw new ValueError(`${what}: the file holds no vectors.`);
  return { builder, tokens, index };
}

/** Reads to the end, throwing when a byte other than whitespace remains. */
export async function expectOnlyWhitespace(reader: ChunkReader, what: string, after: string): Promise<void> {
  for (;;) {
    const buf = reader.buf;
    for (let i = reader.pos; i < reader.end; i++) {
      const c = buf[i]!;
      if (c !== 10 && c !== 13 && c !== 32 && c !== 9) {
        throw new ValueError(`${what}: unexpected data at byte offset ${reader.offset(i)} after ${after}: ${previewBytes(buf, i, reader.end)}.`);
      }
    }
    reader.pos = reader.end;
    if (!(await reader.fill())) return;
  }
}
