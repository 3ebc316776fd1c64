// Reading and writing numpy's .npy format (format versions 1.0, 2.0 and 3.0; see numpy's
// `numpy/lib/format.py` documentation): the magic "\x93NUMPY", a version, a header length, a
// Python-literal header {'descr', 'fortran_order', 'shape'} and the raw array bytes.
import { ValueError, show, typeName } from "../errors.ts";
import { LITTLE_ENDIAN_HOST, dtypeOf, halfToFloat32, readDescr, swapBytes, type NpyData, type NpyDtype } from "./npy-dtype.ts";
import { parseHeaderLiteral } from "./npy-header.ts";

export type { NpyData, NpyDtype } from "./npy-dtype.ts";

/** An array read from an .npy file: row-major (C order) data, its shape and numpy dtype. */
export interface NpyArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

/** What `writeNpy` takes: a typed array and its shape; `dtype: 'bool'` writes a Uint8Array as bool. */
export interface NpyInput {
  data: NpyData | readonly number[];
  shape: readonly number[];
  dtype?: NpyDtype;
}

/** The first bytes of every .npy file: "\x93NUMPY". */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** numpy refuses headers longer than this by default (`max_header_size`), and so does this reader. */
export const MAX_NPY_HEADER_BYTES = 10000;
/** numpy aligns the data to 64 bytes (`ARRAY_ALIGN`). */
const ALIGN = 64;

function checkBytes(bytes: unknown, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${what} must be a Uint8Array. Received: ${show(bytes)} (of type ${typeName(bytes)})`);
}

/** C-order copy of Fortran-order `data` of `shape` (the first index varies fastest in Fortran order). */
function fortranToC<T extends NpyData>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  if (rank < 2 || data.length === 0) {
    out.set(data as never);
    return out;
  }
  const fStride = new Array<number>(rank);
  for (let k = 0, s = 1; k < rank; k++) {
    fStride[k] = s;
    s *= shape[k]!;
  }
  const counter = new Array<number>(rank).fill(0);
  let from = 0;
  const source = data as unknown as { [i: number]: number | bigint };
  const target = out as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < data.length; i++) {
    target[i] = source[from]!;
    // Advance the C-order counter (last index fastest), moving `from` by the Fortran strides.
    for (let k = rank - 1; k >= 0; k--) {
      if (++counter[k]! < shape[k]!) {
        from += fStride[k]!;
        break;
      }
      from -= fStride[k]! * (shape[k]! - 1);
      counter[k] = 0;
    }
  }
  return out;
}

/** What an .npy header says: the dtype, the order, the shape, and where the data starts. */
export interface NpyHeader {
  dtype: ReturnType<typeof readDescr>;
  /** The `descr` string as written (e.g. '<f4'). */
  descr: string;
  fortran: boolean;
  shape: number[];
  /** Values in the array (the product of the shape). */
  count: number;
  /** Byte offset of the data: the magic, version, header length and header come first. */
  dataStart: number;
}

/**
 * Reads the header at the start of `bytes` (which need hold only the header, not the data).
 * Throws a `ValueError` naming the byte offset or field at fault.
 */
export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) {
    const seen = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new ValueError(`Not an .npy file: bytes 0-5 must be 93 4e 55 4d 50 59 ("\\x93NUMPY"). Received: ${seen || "(empty)"}${bytes.length < 10 ? ` (only ${bytes.length} bytes)` : ""}.`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw new ValueError(`.npy format version ${major}.${minor} (bytes 6-7) is not supported: expected 1.0, 2.0 or 3.0.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new ValueError(`.npy file truncated: it ends at byte offset ${bytes.length}, inside the header length (bytes 8-${7 + lengthBytes}).`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) throw new ValueError(`.npy header length (bytes 8-${7 + lengthBytes}) is ${headerLength}, more than the ${MAX_NPY_HEADER_BYTES} bytes accepted.`);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new ValueError(`.npy file truncated: the header declares ${headerLength} bytes from byte offset ${headerStart}, but the file ends at byte offset ${bytes.length}.`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
    } catch {
      throw new ValueError(`.npy header (byte offset ${headerStart}) is not valid UTF-8, as format 3.0 requires.`);
    }
  } else text = String.fromCharCode.apply(null, headerBytes as unknown as number[]);
  const header = parseHeaderLiteral(text.trimEnd(), headerStart);
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new ValueError(`.npy header (byte offset ${headerStart}) must be a dict. Received: ${JSON.stringify(text.slice(0, 120))}`);
  const keys = Object.keys(header).sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw new ValueError(`.npy header (byte offset ${headerStart}) must have exactly the keys 'descr', 'fortran_order' and 'shape'. Received: ${keys.map((k) => `'${k}'`).join(", ")}`);
  }
  const dtype = readDescr(header.descr);
  const fortran = header.fortran_order;
  if (typeof fortran !== "boolean") throw new ValueError(`.npy header field 'fortran_order' must be True or False. Received: ${JSON.stringify(fortran)}`);
  const shape = header.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`.npy header field 'shape' must be a tuple of non-negative integers. Received: ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  let count = 1;
  for (const d of dims) count *= d;
  return { dtype, descr: header.descr as string, fortran, shape: [...dims], count, dataStart };
}

/** Checks that exactly the data the header declares follows it: `present` bytes do. */
export function checkNpyDataLength(header: NpyHeader, present: number): void {
  const needed = header.count * header.dtype.itemsize;
  if (!Number.isSafeInteger(needed) || needed !== present) {
    throw new ValueError(
      `.npy header field 'shape' (${header.shape.join(", ")}) of ${JSON.stringify(header.descr)} needs ${Number.isSafeInteger(needed) ? needed : "more than 2^53"} bytes of data, but ${present} bytes follow the header (data starts at byte offset ${header.dataStart})${needed > present ? ": truncated?" : "."}`,
    );
  }
}

/**
 * Reads an .npy file. Accepts format versions 1.0, 2.0 and 3.0, both byte orders, C and Fortran
 * order (Fortran data is transposed into C order), and the dtypes float16/32/64, int8/16/32/64,
 * uint8/16/32/64 and bool (int64/uint64 as BigInt64Array/BigUint64Array, bool as 0/1 bytes,
 * float16 as the exactly equal float32 values). Object arrays and structured dtypes are refused.
 *
 * No copy is made when none is needed: when the data is in C order, in the machine's byte order
 * (little-endian on every common platform), not bool or float16, and starts at a multiple of its
 * item size in memory (numpy aligns it to 64 bytes in the file), `data` is a view of `bytes`, which
 * then must not be reused for something else while `data` is in use (`data.slice()` copies it).
 * Otherwise `data` is a fresh array.
 *
 * Throws a `ValueError` naming the byte offset or header field at fault: wrong magic, unknown
 * version, truncated header or data, a malformed header, or a shape whose size disagrees with the
 * bytes present (checked before anything is allocated).
 */
export function readNpy(bytes: Uint8Array): NpyArray {
  checkBytes(bytes, "bytes");
  const header = readNpyHeader(bytes);
  const { dtype, fortran, count, dataStart } = header;
  checkNpyDataLength(header, bytes.length - dataStart);
  const at = bytes.byteOffset + dataStart;
  let data: NpyData;
  if (dtype.littleEndian === LITTLE_ENDIAN_HOST && !fortran && dtype.name !== "bool" && dtype.name !== "float16" && at % dtype.itemsize === 0) {
    data = new dtype.make(bytes.buffer as ArrayBuffer, at, count);
  } else {
    const copy = bytes.slice(dataStart, bytes.length);
    if (dtype.littleEndian !== LITTLE_ENDIAN_HOST) swapBytes(copy, dtype.itemsize);
    data = new dtype.make(copy.buffer, 0, count);
    if (dtype.name === "bool") for (let i = 0; i < count; i++) copy[i] = copy[i] === 0 ? 0 : 1;
    if (dtype.name === "float16") data = halfToFloat32(data as Uint16Array);
    if (fortran) data = fortranToC(data, header.shape);
  }
  return { data, shape: header.shape, dtype: dtype.name };
}

/**
 * Writes an .npy file (format 1.0, or 2.0 when the header needs it) that numpy's `np.load` reads:
 * the dtype is the typed array's (a plain number array is written as float32), little-endian,
 * C order. `dtype: 'bool'` writes a Uint8Array as a bool array.
 */
export function writeNpy(array: NpyInput): Uint8Array {
  if (array === null || typeof array !== "object") throw new ValueError(`array must be { data, shape }. Received: ${show(array)} (of type ${typeName(array)})`);
  const { shape, dtype: wanted } = array;
  if (wanted !== undefined && wanted !== "bool") {
    throw new ValueError(`array.dtype may only be 'bool' (other dtypes follow from the typed array). Received: ${show(wanted)}`);
  }
  const data = Array.isArray(array.data) ? Float32Array.from(array.data as number[]) : array.data;
  const kind = dtypeOf(data, wanted === "bool");
  if (kind === undefined) {
    throw new ValueError(
      `array.data must be a Float32Array, Float64Array, Int8/16/32Array, BigInt64Array, Uint8/16/32Array, BigUint64Array or a number array${wanted === "bool" ? " (a Uint8Array for dtype 'bool')" : ""}. Received: ${show(array.data)} (of type ${typeName(array.data)})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`array.shape must be an array of non-negative integers. Received: ${show(shape)}`);
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  if (count !== (data as NpyData).length) throw new ValueError(`array.shape [${shape.join(", ")}] holds ${count} values, but array.data has ${(data as NpyData).length}.`);
  const order = kind.info.itemsize === 1 ? "|" : "<";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${order}${kind.code}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let prelude = 10;
  let total = Math.ceil((prelude + dict.length + 1) / ALIGN) * ALIGN;
  if (total - prelude > 0xffff) {
    prelude = 12;
    total = Math.ceil((prelude + dict.length + 1) / ALIGN) * ALIGN;
  }
  const source = data as NpyData;
  const out = new Uint8Array(total + source.byteLength);
  out.set(NPY_MAGIC);
  out[6] = prelude === 10 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (prelude === 10) view.setUint16(8, total - prelude, true);
  else view.setUint32(8, total - prelude, true);
  const header = dict.padEnd(total - prelude - 1, " ") + "\n";
  for (let i = 0; i < header.length; i++) out[prelude + i] = header.charCodeAt(i);
  const body = out.subarray(total);
  body.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  if (!LITTLE_ENDIAN_HOST) swapBytes(body, kind.info.itemsize);
  if (kind.code === "b1") for (let i = 0; i < body.length; i++) body[i] = body[i] === 0 ? 0 : 1;
  return out;
}
