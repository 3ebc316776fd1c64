// The word2vec binary format: a text header "N D\n", then N records of "token " followed by D
// little-endian float32 values and an optional "\n" (as word2vec's C tool and gensim write it).
// The values are copied byte for byte into the table, so they are bit-exact (NaN payloads included).
import { ValueError } from "../errors.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import { TableBuilder, initialRows } from "./table-builder.ts";
import { decodeToken, previewBytes } from "./token-text.ts";
import { expectOnlyWhitespace, type ParseOptions, type ParsedVectors } from "./word-vectors-text.ts";

/** Tokens longer than this mean the file is not word2vec binary (or is corrupt). */
const MAX_TOKEN_BYTES = 1 << 16;

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies `dim` little-endian float32 values from `bytes[from …]` into row offset `at` of `table` (`tableBytes` views its bytes). */
function copyValues(bytes: Uint8Array, from: number, table: Float32Array, tableBytes: Uint8Array, at: number, dim: number): void {
  if (littleEndianHost) {
    tableBytes.set(bytes.subarray(from, from + dim * 4), at * 4);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + from, dim * 4);
  for (let i = 0; i < dim; i++) table[at + i] = view.getFloat32(i * 4, true);
}

/** Parses the records after the header. */
export async function parseBinaryVectors(reader: ChunkReader, header: { count: number; dim: number }, options: ParseOptions): Promise<ParsedVectors> {
  const { what, limit, reserved } = options;
  const { count, dim } = header;
  const recordBytes = dim * 4;
  const size = reader.stream.size;
  // A record is at least a token byte, a space and the values: refuse impossible headers before allocating.
  if (size !== undefined && count * (2 + recordBytes) > size) {
    throw new ValueError(`${what}: the header declares ${count} vectors of ${dim} values, which need at least ${count * (2 + recordBytes)} bytes, but the file has ${size}.`);
  }
  const wanted = Math.min(count, limit);
  const builder = new TableBuilder(dim, reserved + (size === undefined ? initialRows(wanted, dim) : wanted), reserved, what);
  const tokens: string[] = [];
  const index = new Map<string, number>();
  // A byte view of the table, renewed when the table grows.
  let viewed = builder.data;
  let tableBytes = new Uint8Array(viewed.buffer, viewed.byteOffset, viewed.byteLength);
  const truncated = (at: number) =>
    new ValueError(`${what}: the file ends at byte offset ${reader.offset(at)} inside vector ${tokens.length + 1} of the ${count} the header declares: truncated?`);
  while (tokens.length < wanted) {
    // Skip the newline that ends the previous record (and any blank line).
    while (reader.pos < reader.end && reader.buf[reader.pos] === 10) reader.pos++;
    if (reader.pos === reader.end && !(await reader.fill())) throw truncated(reader.pos);
    if (reader.buf[reader.pos] === 10) continue;
    let space = reader.buf.indexOf(32, reader.pos);
    while (space < 0) {
      if (reader.end - reader.pos > MAX_TOKEN_BYTES) {
        throw new ValueError(`${what}: no space ends the token that starts at byte offset ${reader.offset(reader.pos)} within ${MAX_TOKEN_BYTES} bytes: not word2vec binary?`);
      }
      if (!(await reader.fill())) throw truncated(reader.end);
      space = reader.buf.indexOf(32, reader.pos);
    }
    while (reader.end < space + 1 + recordBytes) {
      if (!(await reader.fill())) throw truncated(reader.end);
      space = reader.buf.indexOf(32, reader.pos);
    }
    const buf = reader.buf;
    const tokenStart = reader.pos;
    if (space === tokenStart) throw new ValueError(`${what}: vector ${tokens.length + 1} at byte offset ${reader.offset(tokenStart)} has an empty token.`);
    const token = decodeToken(buf, tokenStart, space);
    if (token === undefined) {
      throw new ValueError(`${what}: the token of vector ${tokens.length + 1} at byte offset ${reader.offset(tokenStart)} is not valid UTF-8: ${previewBytes(buf, tokenStart, space)}.`);
    }
    const before = index.get(token);
    if (before !== undefined) {
      throw new ValueError(`${what}: the token ${JSON.stringify(token)} of vector ${tokens.length + 1} at byte offset ${reader.offset(tokenStart)} repeats vector ${before + 1}.`);
    }
    const at = builder.nextRow();
    if (builder.data !== viewed) (viewed = builder.data), (tableBytes = new Uint8Array(viewed.buffer, viewed.byteOffset, viewed.byteLength));
    copyValues(buf, space + 1, viewed, tableBytes, at, dim);
    builder.rows++;
    index.set(token, tokens.length);
    tokens.push(token);
    reader.pos = space + 1 + recordBytes;
  }
  if (tokens.length === count) await expectOnlyWhitespace(reader, what, `the ${count} vectors the header declares`);
  return { builder, tokens, index };
}
