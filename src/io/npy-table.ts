// Loading a 2-D .npy array as a layer's table without intermediate copies. The header is read
// first; the layer's table is made at its shape; then, when the data is little-endian float32 in C
// order (what `np.save` writes for a float32 table), the file's bytes go straight into the table:
// a Node file is read into it with positioned reads, a stream's chunks are copied into it as they
// arrive, in-memory bytes are copied once. Any other dtype or order is read whole and converted
// through `readNpy`, as Keras' `set_weights` casts to float32.
import { ValueError } from "../errors.ts";
import { startLoad } from "./layer-file.ts";
import { MAX_NPY_HEADER_BYTES, NPY_MAGIC, checkNpyDataLength, readNpy, readNpyHeader, type NpyHeader } from "./npy.ts";
import { LITTLE_ENDIAN_HOST } from "./npy-dtype.ts";
import { openLocalFile, openSource, readFileInto, throwIfAborted, type ByteSource, type LoadOptions } from "./source.ts";

/** Options of `Embedding.fromNpy` that concern the file. */
export interface NpyLoadOptions extends LoadOptions {
  /** Largest table accepted, in bytes of float32. Default 2^32 (4 GiB). */
  maxBytes?: number;
}

/**
 * Makes the destination once the header has given the shape: returns a function giving the table
 * (rows × dim float32, zeros) as it is now (it is called again for each piece written, so a view
 * re-derived after a memory change is fine).
 */
export type TableDestination = (rows: number, dim: number) => () => Float32Array;

/** Bytes read from a file or stream before the header is parsed (numpy headers are under 10,000 bytes). */
const HEAD_BYTES = 16384;

const tableBytes = (table: Float32Array) => new Uint8Array(table.buffer, table.byteOffset, table.byteLength);

/** True when the data's bytes are the table's bytes: float32 in the machine's byte order, C order. */
const isDirect = (header: NpyHeader) => header.dtype.name === "float32" && header.dtype.littleEndian === LITTLE_ENDIAN_HOST && !header.fortran;

/** The table's [rows, dim] from the header, refused unless 2-D with both sizes positive and within `maxBytes`. */
function tableShape(header: NpyHeader, maxBytes: number, what: string): [number, number] {
  const { shape, dtype } = header;
  if (shape.length !== 2 || shape[0] === 0 || shape[1] === 0) {
    throw new ValueError(`${what} holds an array of shape (${shape.join(", ")}${shape.length === 1 ? "," : ""}); a table must be 2-D, (rows, dim), with rows and dim > 0.`);
  }
  if (dtype.name === "bool" || dtype.name === "int64" || dtype.name === "uint64") {
    throw new ValueError(`${what} holds ${dtype.name} values; a table is read from float16, float32, float64 or 8 to 32-bit integers (convert it with numpy's astype("float32")).`);
  }
  const bytes = header.count * 4;
  if (bytes > maxBytes) throw new ValueError(`${what} declares a ${shape[0]} x ${shape[1]} table (${bytes} bytes of float32), more than maxBytes=${maxBytes}.`);
  return [shape[0]!, shape[1]!];
}

/** Converts a whole .npy file (any dtype or order accepted above) into the destination. */
function convertInto(bytes: Uint8Array, destination: TableDestination, maxBytes: number, what: string): void {
  const [rows, dim] = tableShape(readNpyHeader(bytes), maxBytes, what);
  const { data } = readNpy(bytes);
  destination(rows, dim)().set(data as ArrayLike<number>);
}

/**
 * Reads the .npy table in `source` into the destination `destination` makes, reporting progress
 * and honouring `signal` (when it throws, the caller frees the destination).
 */
export async function loadNpyTable(source: ByteSource, options: NpyLoadOptions, destination: TableDestination): Promise<void> {
  const { maxBytes, signal, progress } = startLoad(options);
  throwIfAborted(signal);
  const what = "The .npy file";
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    const header = readNpyHeader(bytes);
    checkNpyDataLength(header, bytes.length - header.dataStart);
    if (!isDirect(header)) convertInto(bytes, destination, maxBytes, what);
    else {
      const [rows, dim] = tableShape(header, maxBytes, what);
      tableBytes(destination(rows, dim)()).set(bytes.subarray(header.dataStart));
    }
    progress.done();
    return;
  }
  const file = await openLocalFile(source);
  if (file !== undefined) {
    try {
      // A header, then exactly the data it declares: checked against the file's size before the table is made.
      const head = new Uint8Array(Math.min(file.size, HEAD_BYTES));
      await readFileInto(file, () => head, 0, signal, () => {});
      const header = readNpyHeader(head);
      checkNpyDataLength(header, file.size - header.dataStart);
      const [rows, dim] = tableShape(header, maxBytes, what);
      const report = (f: number) => progress.report(f);
      if (!isDirect(header)) {
        const whole = new Uint8Array(file.size);
        await readFileInto(file, () => whole, 0, signal, report);
        convertInto(whole, destination, maxBytes, what);
      } else {
        const table = destination(rows, dim);
        await readFileInto(file, () => tableBytes(table()), header.dataStart, signal, report);
      }
      throwIfAborted(signal);
      progress.done();
      return;
    } finally {
      await file.close();
    }
  }
  await streamInto(source, maxBytes, signal, progress, destination, what);
}

/** Blob, Response, URL: the header from the first chunks, then each chunk copied into the table as it arrives. */
async function streamInto(
  source: ByteSource, maxBytes: number, signal: AbortSignal | undefined, progress: { report(f: number): void; done(): void },
  destination: TableDestination, what: string,
): Promise<void> {
  const stream = await openSource(source, "source", signal);
  // float64 files hold twice the bytes of the float32 table they make.
  const limit = 2 * maxBytes + HEAD_BYTES;
  if (stream.size !== undefined && stream.size > limit) throw new ValueError(`${stream.name} is ${stream.size} bytes, more than a table of maxBytes=${maxBytes} needs.`);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let header: NpyHeader | undefined;
  let table: (() => Float32Array) | undefined;
  let dataBytes = 0;
  let written = 0;
  let received = 0;
  const join = () => {
    const all = new Uint8Array(pendingBytes);
    let at = 0;
    for (const part of pending) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  };
  for await (const chunk of stream.chunks) {
    throwIfAborted(signal);
    received += chunk.length;
    // Without a declared size, the header's tells how far along the stream is.
    const expected = stream.size ?? (header === undefined ? undefined : header.dataStart + header.count * header.dtype.itemsize);
    if (expected) progress.report(received / expected);
    if (table !== undefined) {
      if (written + chunk.length > dataBytes) throw new ValueError(`${stream.name} holds more than the ${header!.dataStart + dataBytes} bytes its header declares.`);
      tableBytes(table()).set(chunk, written);
      written += chunk.length;
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes > limit) throw new ValueError(`${stream.name} holds more than the bytes a table of maxBytes=${maxBytes} needs.`);
    if (header === undefined) {
      const head = join();
      pending = [head];
      header = headerIfComplete(head);
      if (header === undefined) continue;
      const [rows, dim] = tableShape(header, maxBytes, what);
      dataBytes = rows * dim * 4;
      if (stream.size !== undefined) checkNpyDataLength(header, stream.size - header.dataStart);
      if (!isDirect(header)) continue; // read whole, converted at the end
      table = destination(rows, dim);
      const rest = head.subarray(header.dataStart);
      if (rest.length > dataBytes) throw new ValueError(`${stream.name} holds more than the ${header.dataStart + dataBytes} bytes its header declares.`);
      tableBytes(table()).set(rest);
      written = rest.length;
      pending = [];
      pendingBytes = 0;
    }
  }
  throwIfAborted(signal);
  if (header === undefined) {
    readNpyHeader(join()); // throws the precise error (too short, wrong magic, truncated header)
    throw new ValueError(`${stream.name} ended inside its .npy header.`);
  }
  if (table === undefined) convertInto(join(), destination, maxBytes, what);
  else checkNpyDataLength(header, written);
  progress.done();
}

/** The header when `head` holds all of it; undefined while more bytes are needed. */
function headerIfComplete(head: Uint8Array): NpyHeader | undefined {
  if (head.length < 12) return undefined; // the end of the stream decides
  const major = head[6]!;
  const start = major === 1 ? 10 : 12;
  const length = major === 1 ? head[8]! | (head[9]! << 8) : (head[8]! | (head[9]! << 8) | (head[10]! << 16) | (head[11]! << 24)) >>> 0;
  const malformed = NPY_MAGIC.some((b, i) => head[i] !== b) || major < 1 || major > 3 || head[7] !== 0 || length > MAX_NPY_HEADER_BYTES;
  // Complete, or refused at once by the parser (which names the fault).
  return malformed || head.length >= start + length ? readNpyHeader(head) : undefined;
}
