// Decoding one TF.js weight to float32. TF.js stores weights back to back, little-endian, in the
// order of the manifest's specs, without padding; a spec with `quantization` stores its values as
// uint8 or uint16 codes (value = code * scale + min) or as float16. The arithmetic follows
// tfjs-core's `io_utils.decodeWeight` (4.22): the affine form is evaluated in double precision and
// rounded once to float32, so results match TF.js bit for bit; float16 → float32 is exact.
import { ValueError, show } from "../errors.ts";
import { isPlainObject } from "../validate.ts";

/** One entry of a TF.js weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Checks a spec's form; `where` names it in errors. */
export function readWeightSpec(raw: unknown, where: string): WeightSpec {
  if (!isPlainObject(raw)) throw new ValueError(`${where} must be a weight spec object. Received: ${show(raw)}`);
  const { name, shape, dtype, quantization } = raw as Record<string, unknown>;
  if (typeof name !== "string") throw new ValueError(`${where}.name must be a string. Received: ${show(name)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ValueError(`${where}.shape must be an array of non-negative integers. Received: ${show(shape)}`);
  }
  if (typeof dtype !== "string" || (!Object.hasOwn(BYTES_PER_VALUE, dtype) && dtype !== "string")) {
    throw new ValueError(`${where}.dtype must be one of float32, int32, bool, complex64, string. Received: ${show(dtype)}`);
  }
  const spec: WeightSpec = { name, shape: shape as number[], dtype };
  if (quantization !== undefined && quantization !== null) {
    if (!isPlainObject(quantization) || !["uint8", "uint16", "float16"].includes(quantization["dtype"] as string)) {
      throw new ValueError(`${where}.quantization must be { dtype: "uint8" | "uint16" | "float16", … }. Received: ${show(quantization)}`);
    }
    spec.quantization = quantization as WeightSpec["quantization"];
  }
  return spec;
}

/** Number of values in a spec, checked to be a safe integer. */
export function valueCount(spec: WeightSpec): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n)) throw new ValueError(`Weight ${JSON.stringify(spec.name)} has shape [${spec.shape.join(", ")}], too many values.`);
  return n;
}

/** Bytes the spec occupies, or undefined for string weights (whose size is in their data). */
export function fixedByteLength(spec: WeightSpec): number | undefined {
  if (spec.quantization !== undefined) return valueCount(spec) * BYTES_PER_VALUE[spec.quantization.dtype]!;
  if (spec.dtype === "string") return undefined;
  return valueCount(spec) * BYTES_PER_VALUE[spec.dtype]!;
}

/**
 * float16 bits → float32 bits (IEEE 754 binary16: 1 sign, 5 exponent, 10 fraction bits). Every
 * float16 is a float32, so this is exact; NaN payloads move to the top of the float32 fraction, as
 * in TF.js' table-driven decoder.
 */
export function float16ToFloat32Bits(bits: number): number {
  const sign = (bits & 0x8000) << 16;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (fraction << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (fraction << 13)) >>> 0;
  if (fraction === 0) return sign >>> 0;
  // Subnormal: normalize the fraction (value = fraction * 2^-24).
  let e = 113;
  let f = fraction;
  while ((f & 0x400) === 0) {
    f <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((f & 0x3ff) << 13)) >>> 0;
}

/** True on little-endian hosts (all current ones), where stored float32 bytes can be viewed directly. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes the float32 weight `spec` from exactly its bytes. */
export function decodeFloat32Weight(spec: WeightSpec, bytes: Uint8Array): Float32Array {
  const where = `Weight ${JSON.stringify(spec.name)}`;
  if (spec.dtype !== "float32") throw new ValueError(`${where} has dtype ${JSON.stringify(spec.dtype)}; an Embedding table must be float32.`);
  const n = valueCount(spec);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const q = spec.quantization;
  if (q === undefined) {
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (q.dtype === "float16") {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = float16ToFloat32Bits(view.getUint16(2 * i, true));
  } else {
    const { scale, min } = q;
    if (typeof scale !== "number" || typeof min !== "number" || !Number.isFinite(scale) || !Number.isFinite(min)) {
      throw new ValueError(`${where} is quantized to ${q.dtype} but its quantization has no finite scale and min. Received: ${show(q)}`);
    }
    if (q.dtype === "uint8") for (let i = 0; i < n; i++) out[i] = bytes[i]! * scale + min;
    else for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true) * scale + min;
  }
  return out;
}
