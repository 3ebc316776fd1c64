// The numpy dtypes .npy files may hold here, by their `descr` string ('<f4', '>i8', '|b1', …),
// and the typed array each is read into.
import { ValueError } from "../errors.ts";

/** Names of the supported dtypes (numpy's names). */
export type NpyDtype = "float16" | "float32" | "float64" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "bool";

/** The typed array of each dtype (bool is a Uint8Array of 0 and 1; float16 is read into a Float32Array). */
export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

type ArrayMaker = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => NpyData;

interface DtypeInfo {
  name: NpyDtype;
  itemsize: number;
  make: ArrayMaker;
}

/** numpy's type codes (kind + itemsize) for each dtype. */
export const DTYPES: Record<string, DtypeInfo> = {
  f2: { name: "float16", itemsize: 2, make: Uint16Array },
  f4: { name: "float32", itemsize: 4, make: Float32Array },
  f8: { name: "float64", itemsize: 8, make: Float64Array },
  i1: { name: "int8", itemsize: 1, make: Int8Array },
  i2: { name: "int16", itemsize: 2, make: Int16Array },
  i4: { name: "int32", itemsize: 4, make: Int32Array },
  i8: { name: "int64", itemsize: 8, make: BigInt64Array },
  u1: { name: "uint8", itemsize: 1, make: Uint8Array },
  u2: { name: "uint16", itemsize: 2, make: Uint16Array },
  u4: { name: "uint32", itemsize: 4, make: Uint32Array },
  u8: { name: "uint64", itemsize: 8, make: BigUint64Array },
  b1: { name: "bool", itemsize: 1, make: Uint8Array },
};

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a `descr` string: its dtype and whether its bytes are little-endian. */
export function readDescr(descr: unknown): DtypeInfo & { littleEndian: boolean } {
  if (Array.isArray(descr)) throw new ValueError(`.npy header field 'descr' is a structured dtype (a list of fields); only plain numeric and bool dtypes can be read.`);
  if (typeof descr !== "string") throw new ValueError(`.npy header field 'descr' must be a dtype string such as '<f4'. Received: ${JSON.stringify(descr)}`);
  const match = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (match !== null && match[2] === "O") {
    throw new ValueError(`.npy header field 'descr' is ${JSON.stringify(descr)}: object arrays hold pickled Python objects and are never read (they could run code in Python; here they are refused).`);
  }
  const info = match === null ? undefined : DTYPES[`${match[2]}${match[3]}`];
  if (match === null || info === undefined) {
    throw new ValueError(`.npy header field 'descr' is ${JSON.stringify(descr)}, a dtype this reader does not support. Supported: ${Object.entries(DTYPES).map(([code, d]) => `${d.name} ('<${code}')`).join(", ")}.`);
  }
  const order = match[1]!;
  if (info.itemsize > 1 && (order === "|" || order === "")) throw new ValueError(`.npy header field 'descr' ${JSON.stringify(descr)} gives no byte order for a ${info.itemsize}-byte type.`);
  return { ...info, littleEndian: order === "<" || order === "|" || order === "" || (order === "=" && LITTLE_ENDIAN_HOST) };
}

/** The dtype of a typed array given to `writeNpy` (numpy type code and name). */
export function dtypeOf(data: unknown, asBool: boolean): { code: string; info: DtypeInfo } | undefined {
  if (asBool) return data instanceof Uint8Array ? { code: "b1", info: DTYPES.b1! } : undefined;
  for (const [code, info] of Object.entries(DTYPES)) {
    if (code !== "b1" && code !== "f2" && data instanceof info.make) return { code, info };
  }
  return undefined;
}

/** Reverses the byte order of each `itemsize`-byte item of `bytes`, in place. */
export function swapBytes(bytes: Uint8Array, itemsize: number): void {
  if (itemsize === 1) return;
  for (let at = 0; at < bytes.length; at += itemsize) {
    for (let a = at, b = at + itemsize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** The float32 value of each IEEE binary16 bit pattern (every one is exact in float32). */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] =
      exponent === 0 ? sign * fraction * 2 ** -24 : exponent === 31 ? (fraction === 0 ? sign * Infinity : NaN) : sign * (1024 + fraction) * 2 ** (exponent - 25);
  }
  return out;
}
