// .npy / .npz: numpy-made fixtures read bit for bit (tests/fixtures/npy, written by numpy 2.4 with
// their expected bytes in expected.json), writeNpy reproducing numpy's files byte for byte, round
// trips of every dtype, and hostile files (bad magic, lying or malformed headers, object dtypes,
// zip bombs, traversal names) refused with errors naming the offset or field.
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { zipSync, deflateSync } from "fflate";
import { ValueError, readNpy, readNpz, writeNpy, type NpyArray } from "../../src/index.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

const dir = new URL("../fixtures/npy/", import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
interface Expected {
  numpy_descr: string;
  fortran_order: boolean;
  array: { dtype: string; shape: number[]; hex: string; values: (number | boolean)[] };
}
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")).files as Record<string, Expected & { arrays: Record<string, Expected["array"]> }>;

const hexOf = (data: ArrayBufferView) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("hex");

function assertArray(actual: NpyArray, want: Expected["array"], what: string): void {
  assert.is(actual.dtype, want.dtype, `${what}: dtype`);
  assert.equal(actual.shape, want.shape, `${what}: shape`);
  if (want.dtype === "float16") {
    // float16 values are exact in float32 (and in the JSON's float64).
    assert.equal(Array.from(actual.data as Float32Array), want.values, `${what}: values`);
  } else {
    assert.is(hexOf(actual.data), want.hex, `${what}: bytes`);
  }
}

// ---------------------------------------------------------------------------------------------
const read = suite("readNpy: numpy fixtures");

for (const [name, want] of Object.entries(expected)) {
  if (!name.endsWith(".npy")) continue;
  read(name, () => assertArray(readNpy(fixture(name)), want.array, name));
}

read("big-endian data equals the little-endian file's values", () => {
  assert.equal(readNpy(fixture("float32_be.npy")).data, readNpy(fixture("float32_le.npy")).data);
});

read("Fortran order is transposed into C order", () => {
  const a = readNpy(fixture("fortran_2d.npy"));
  assert.equal(Array.from(a.data as Float32Array), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(a.shape, [3, 4]);
});

read("int64 as BigInt64Array, exact beyond 2^53", () => {
  const a = readNpy(fixture("int64.npy"));
  assert.instance(a.data, BigInt64Array);
  assert.equal(Array.from(a.data as BigInt64Array), [0n, -1n, 9007199254740993n, -4611686018427387904n]);
});

read("a 3-d Fortran array (built by hand) is transposed like numpy's ravel(order='C')", () => {
  // shape (2, 3, 4): element [i, j, k] = 100 i + 10 j + k stored first-index-fastest.
  const shape = [2, 3, 4];
  const fortran = new Int16Array(24);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
  const c = writeNpy({ data: fortran, shape });
  const text = String.fromCharCode(...c.subarray(0, 128)).replace("'fortran_order': False", "'fortran_order': True ");
  c.set(Uint8Array.from(text, (ch) => ch.charCodeAt(0)));
  const a = readNpy(c);
  const want: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(100 * i + 10 * j + k);
  assert.equal(Array.from(a.data as Int16Array), want);
});

// ---------------------------------------------------------------------------------------------
const write = suite("writeNpy");

for (const name of ["float32_le.npy", "float64.npy", "int32.npy", "int64.npy", "uint8.npy", "scalar_0d.npy", "vector_1d.npy", "empty_0x5.npy", "bool.npy"]) {
  write(`reproduces numpy's ${name} byte for byte`, () => {
    const file = fixture(name);
    const a = readNpy(file);
    const input = a.dtype === "bool" ? { data: a.data, shape: a.shape, dtype: "bool" as const } : { data: a.data, shape: a.shape };
    assert.is(hexOf(writeNpy(input)), hexOf(file));
  });
}

write("every dtype round-trips with its dtype", () => {
  const arrays = [
    new Float32Array([1.5, -0, NaN, Infinity]), new Float64Array([Math.PI, -1e-300, 0, 2]), new Int8Array([-128, 127, 0, 1]),
    new Int16Array([-32768, 32767, 5, 6]), new Int32Array([-(2 ** 31), 2 ** 31 - 1, 7, 8]), new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 3n]),
    new Uint8Array([0, 255, 1, 2]), new Uint16Array([0, 65535, 3, 4]), new Uint32Array([0, 2 ** 32 - 1, 5, 6]), new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n]),
  ];
  const names = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"];
  arrays.forEach((data, i) => {
    const back = readNpy(writeNpy({ data, shape: [2, 2] }));
    assert.is(back.dtype, names[i]);
    assert.equal(back.shape, [2, 2]);
    assert.is(hexOf(back.data), hexOf(data), names[i]);
  });
});

write("a number array is written as float32; header aligned to 64 bytes and ends with a newline", () => {
  const bytes = writeNpy({ data: [0.1, 2], shape: [2] });
  assert.is(bytes.length, 128 + 8);
  assert.is(bytes[127], 10);
  assert.is(readNpy(bytes).dtype, "float32");
  assert.equal(Array.from(readNpy(bytes).data as Float32Array), [Math.fround(0.1), 2]);
});

write("bad input is refused", () => {
  assertThrowsMessage(() => writeNpy({ data: new Float32Array(5), shape: [2, 2] }), ValueError, "array.shape [2, 2] holds 4 values, but array.data has 5.");
  assertThrowsMessage(() => writeNpy({ data: new Float32Array(4), shape: [2, -2] }), ValueError, /array.shape must be an array of non-negative integers/);
  assertThrowsMessage(() => writeNpy({ data: new Uint8ClampedArray(4) as never, shape: [4] }), ValueError, /array.data must be a Float32Array.*Uint8ClampedArray/);
  assertThrowsMessage(() => writeNpy({ data: new Float32Array(4), shape: [4], dtype: "bool" }), ValueError, /a Uint8Array for dtype 'bool'/);
});

// ---------------------------------------------------------------------------------------------
const hostile = suite("readNpy: hostile files");

/** An .npy file with a given header text (padded as numpy does) and data bytes. */
function npyWith(header: string, data: Uint8Array | number, version = 1): Uint8Array {
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const prelude = version === 1 ? 10 : 12;
  const total = Math.ceil((prelude + header.length + 1) / 64) * 64;
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, total - prelude, true);
  else view.setUint32(8, total - prelude, true);
  out.set(new TextEncoder().encode(header.padEnd(total - prelude - 1) + "\n"), prelude);
  out.set(body, total);
  return out;
}
const dict = (descr: string, shape: string, fortran = "False") => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

hostile("versions 2.0 and 3.0 are read (3.0 with a UTF-8 header)", () => {
  for (const v of [2, 3]) {
    const a = readNpy(npyWith(dict("<i2", "(2,)"), new Uint8Array([1, 0, 2, 0]), v));
    assert.equal(Array.from(a.data as Int16Array), [1, 2]);
  }
});

hostile("wrong magic, unknown version, truncation", () => {
  assertThrowsMessage(() => readNpy(new TextEncoder().encode("PK\x03\x04 not numpy at all")), ValueError, /^Not an \.npy file: bytes 0-5 must be 93 4e 55 4d 50 59 .*Received: 50 4b 03 04 20 6e\.$/);
  assertThrowsMessage(() => readNpy(new Uint8Array(0)), ValueError, /Received: \(empty\) \(only 0 bytes\)/);
  const v4 = npyWith(dict("<f4", "(1,)"), 4);
  v4[6] = 4;
  assertThrowsMessage(() => readNpy(v4), ValueError, ".npy format version 4.0 (bytes 6-7) is not supported: expected 1.0, 2.0 or 3.0.");
  const full = npyWith(dict("<f4", "(1,)"), 4);
  assertThrowsMessage(() => readNpy(full.subarray(0, 50)), ValueError, ".npy file truncated: the header declares 118 bytes from byte offset 10, but the file ends at byte offset 50.");
  assertThrowsMessage(() => readNpy(full.subarray(0, 130)), ValueError, /needs 4 bytes of data, but 2 bytes follow the header \(data starts at byte offset 128\): truncated\?$/);
});

hostile("a header that lies about the data size", () => {
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(3, 4)"), 40)), ValueError, ".npy header field 'shape' (3, 4) of \"<f4\" needs 48 bytes of data, but 40 bytes follow the header (data starts at byte offset 128): truncated?");
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(2,)"), 12)), ValueError, /needs 8 bytes of data, but 12 bytes follow the header \(data starts at byte offset 128\)\.$/);
});

hostile("huge declared sizes are refused before allocating", () => {
  assertThrowsMessage(() => readNpy(npyWith(dict("<f8", "(1000000000, 1000000000)"), 8)), ValueError, /needs more than 2\^53 bytes of data, but 8 bytes follow/);
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(4000000000,)"), 8)), ValueError, /needs 16000000000 bytes of data, but 8 bytes follow/);
  const big = npyWith(dict("<f4", "(1,)"), 4, 2);
  new DataView(big.buffer).setUint32(8, 0xfffffff0, true);
  assertThrowsMessage(() => readNpy(big), ValueError, ".npy header length (bytes 8-11) is 4294967280, more than the 10000 bytes accepted.");
});

hostile("malformed header dicts name the offset or field", () => {
  assertThrowsMessage(() => readNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 4)), ValueError, /^\.npy header: expected ',' or '}' at byte offset 64 /);
  assertThrowsMessage(() => readNpy(npyWith("{'descr': '<f4' 'fortran_order': False}", 4)), ValueError, /^\.npy header: expected ',' or '}' at byte offset 26 /);
  assertThrowsMessage(() => readNpy(npyWith("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}", 4)), ValueError, /^\.npy header: unexpected "__import__" at byte offset 20 /);
  assertThrowsMessage(() => readNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,)}", 4)), ValueError, /the key "shape" appears twice/);
  assertThrowsMessage(() => readNpy(npyWith("[1, 2]", 4)), ValueError, /\.npy header \(byte offset 10\) must be a dict/);
  assertThrowsMessage(() => readNpy(npyWith("{'descr': '<f4', 'shape': (1,)}", 4)), ValueError, ".npy header (byte offset 10) must have exactly the keys 'descr', 'fortran_order' and 'shape'. Received: 'descr', 'shape'");
  assertThrowsMessage(() => readNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4)), ValueError, /exactly the keys .*Received: 'descr', 'fortran_order', 'shape', 'x'/);
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(1,)", "1"), 4)), ValueError, ".npy header field 'fortran_order' must be True or False. Received: 1");
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(-1,)"), 4)), ValueError, ".npy header field 'shape' must be a tuple of non-negative integers. Received: [-1]");
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "'3'"), 4)), ValueError, /field 'shape' must be a tuple/);
  assertThrowsMessage(() => readNpy(npyWith(dict("<f4", "(99999999999999999999,)"), 4)), ValueError, /the integer 99999999999999999999 is too large/);
});

hostile("object, structured, unknown and order-less dtypes", () => {
  assertThrowsMessage(() => readNpy(npyWith(dict("|O", "(1,)"), 8)), ValueError, /field 'descr' is "\|O": object arrays hold pickled Python objects/);
  assertThrowsMessage(() => readNpy(npyWith("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4)), ValueError, /'descr' is a structured dtype/);
  assertThrowsMessage(() => readNpy(npyWith(dict("<c8", "(1,)"), 8)), ValueError, /'descr' is "<c8", a dtype this reader does not support\. Supported: float16 \('<f2'\), float32/);
  assertThrowsMessage(() => readNpy(npyWith(dict("|f4", "(1,)"), 4)), ValueError, /gives no byte order for a 4-byte type/);
});

hostile("bool bytes other than 0/1 read as true (1), as numpy treats nonzero", () => {
  assert.equal(Array.from(readNpy(npyWith(dict("|b1", "(3,)"), new Uint8Array([0, 7, 1]))).data as Uint8Array), [0, 1, 1]);
});

hostile("the argument must be bytes", () => {
  assertThrowsMessage(() => readNpy("x.npy" as never), ValueError, 'bytes must be a Uint8Array. Received: "x.npy" (of type string)');
});

// ---------------------------------------------------------------------------------------------
const npz = suite("readNpz");

for (const name of ["pair.npz", "pair_compressed.npz"]) {
  npz(`${name} (numpy's savez${name.includes("compressed") ? "_compressed" : ""})`, () => {
    const arrays = readNpz(fixture(name));
    const want = expected[name]!.arrays;
    assert.equal(Object.keys(arrays).sort(), Object.keys(want).sort());
    for (const [key, array] of Object.entries(want)) assertArray(arrays[key]!, array, `${name}[${key}]`);
  });
}

const member = (values: number[]) => writeNpy({ data: new Float32Array(values), shape: [values.length] });

npz("traversal and prototype names are plain keys; non-.npy members are skipped", () => {
  const arrays = readNpz(zipSync({ "../../evil.npy": member([1]), "__proto__.npy": member([2]), "/abs/x.npy": member([3]), "notes.txt": new Uint8Array([65]) }));
  assert.equal(Object.keys(arrays).sort(), ["../../evil", "/abs/x", "__proto__"]);
  assert.equal(Array.from(arrays["__proto__"]!.data as Float32Array), [2]);
  assert.is(Object.getPrototypeOf(arrays), null);
  assert.is(({} as Record<string, unknown>).data, undefined);
});

npz("zip bombs: declared sizes over maxBytes are refused before inflating", () => {
  const zeros = writeNpy({ data: new Float32Array(1 << 20), shape: [1 << 20] });
  const archive = zipSync({ "a.npy": zeros }, { level: 9 });
  assert.ok(archive.length < 20000);
  assertThrowsMessage(() => readNpz(archive, { maxBytes: 1 << 20 }), ValueError, `.npz members declare ${zeros.length} bytes uncompressed in total, more than maxBytes=1048576.`);
  assert.is(readNpz(archive).a!.data.length, 1 << 20);
});

/** Offsets of a single-member archive's size fields (local header and central directory). */
function patchSizes(archive: Uint8Array, size: number): Uint8Array {
  const out = archive.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at + 4 <= out.length; at++) {
    const sig = view.getUint32(at, true);
    if (sig === 0x04034b50) view.setUint32(at + 22, size, true);
    if (sig === 0x02014b50) view.setUint32(at + 24, size, true);
  }
  return out;
}

npz("zip bombs: inflation stops past the declared size", () => {
  const zeros = writeNpy({ data: new Float32Array(1 << 20), shape: [1 << 20] });
  const lying = patchSizes(zipSync({ "a.npy": zeros }, { level: 9 }), 1000);
  assertThrowsMessage(() => readNpz(lying), ValueError, /^The \.npz archive: member "a\.npy" (inflates to more than the 1000 bytes its header declares|declares 1000 bytes from \d+ stored bytes, which its compression cannot produce)\.$/);
});

npz("corrupt, truncated, unsupported and duplicate members", () => {
  const good = zipSync({ "a.npy": member([1, 2, 3]) }, { level: 0 });
  assertThrowsMessage(() => readNpz(new Uint8Array(100)), ValueError, /^The \.npz archive is not a zip archive/);
  assertThrowsMessage(() => readNpz(good.subarray(0, 40)), ValueError, /^The \.npz archive is not a zip archive/);
  const flipped = good.slice();
  flipped[35 + 130] = flipped[35 + 130]! ^ 0xff; // a data byte of the stored member
  assertThrowsMessage(() => readNpz(flipped), ValueError, 'The .npz archive is corrupt: member "a.npy" fails its CRC-32 check.');
  const method = good.slice();
  const view = new DataView(method.buffer);
  for (let at = 0; at + 4 <= method.length; at++) if (view.getUint32(at, true) === 0x02014b50) view.setUint16(at + 10, 12, true);
  assertThrowsMessage(() => readNpz(method), ValueError, 'The .npz archive: member "a.npy" uses compression method 12; only stored (0) and deflate (8) are supported.');
  const two = zipSync({ "a.npy": member([1]), "b.npy": member([2]) });
  const text = new TextDecoder("latin1").decode(two).replaceAll("b.npy", "a.npy");
  const dup = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
  assertThrowsMessage(() => readNpz(dup), ValueError, 'The .npz archive holds two members named "a.npy"; refusing to guess which one is meant.');
  const garbage = zipSync({ "a.npy": new TextEncoder().encode("not an npy file") });
  assertThrowsMessage(() => readNpz(garbage), ValueError, /^\.npz member "a\.npy": Not an \.npy file/);
  const badDeflate = zipSync({ "a.npy": member([1, 2, 3]) }, { level: 6 });
  const deflated = deflateSync(member([1, 2, 3]));
  assert.ok(deflated.length > 10);
  const broken = badDeflate.slice();
  broken[35] = 0xff; // the first byte of the deflate stream: an invalid block type
  assertThrowsMessage(() => readNpz(broken), ValueError, /^The \.npz archive( is corrupt)?: member "a\.npy" (is not valid deflate data|inflates to|fails its CRC-32 check)/);
});

read.run();
write.run();
hostile.run();
npz.run();
