// Embedding.fromNpy: numpy-made fixtures (tests/fixtures/npy, values recorded by numpy in
// expected.json) loaded from every kind of source, as float32 exactly as numpy's astype("float32")
// gives them; progress, abort (memory freed), hostile files refused before the table is made; and
// readNpy's view of the caller's bytes when no copy is needed.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, readNpy, writeNpy } from "../../src/index.ts";
import { liveMemoryCount } from "../../src/core/memory.ts";
import { assertRejects } from "../support/helpers.ts";

const dir = new URL("../fixtures/npy/", import.meta.url);
const pathOf = (name: string) => fileURLToPath(new URL(name, dir));
const fixture = (name: string) => new Uint8Array(readFileSync(pathOf(name)));
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")).files as Record<string, { array: { shape: number[]; values: number[] } }>;
const bitsOf = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
const tableOf = (layer: Embedding) => layer.getWeights()[0]!.data;

/** A Response whose body arrives in pieces of `size` bytes (no Content-Length). */
function chunked(bytes: Uint8Array, size: number): Response {
  let at = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      },
    }),
  );
}

/** Every kind of source for the fixture `name`. */
function sources(name: string): [string, () => Parameters<typeof Embedding.fromNpy>[0]][] {
  const bytes = fixture(name);
  return [
    ["path", () => pathOf(name)],
    ["file URL", () => new URL(name, dir)],
    ["Uint8Array", () => bytes],
    ["Uint8Array at an odd offset", () => { const b = new Uint8Array(bytes.length + 1); b.set(bytes, 1); return b.subarray(1); }],
    ["ArrayBuffer", () => bytes.slice().buffer],
    ["Blob", () => new Blob([bytes])],
    ["Response", () => new Response(bytes)],
    ["Response in 7-byte chunks", () => chunked(bytes, 7)],
  ];
}

// ---------------------------------------------------------------------------------------------
const load = suite("Embedding.fromNpy: numpy fixtures");

// 2-D numeric fixtures: the float32 table equals numpy's values rounded to float32 (Math.fround is
// numpy's astype("float32") for float64, and exact for float16 and int32).
for (const name of ["float32_le.npy", "float32_be.npy", "float64.npy", "float16.npy", "int32.npy", "fortran_2d.npy"]) {
  const { shape, values } = expected[name]!.array;
  const want = bitsOf(Float32Array.from(values));
  for (const [kind, source] of sources(name)) {
    load(`${name} from a ${kind}`, async () => {
      const layer = await Embedding.fromNpy(source());
      assert.equal([layer.inputDim, layer.outputDim], name === "fortran_2d.npy" ? [3, 4] : shape);
      assert.equal(bitsOf(tableOf(layer)), want);
      layer.dispose();
    });
  }
}

load("fortran order is transposed (C order 0..11 for the 3 x 4 fixture)", async () => {
  assert.equal(Array.from(tableOf(await Embedding.fromNpy(pathOf("fortran_2d.npy")))), Array.from({ length: 12 }, (_, i) => i));
});

load("layer options pass through; the padding row keeps the file's values", async () => {
  const layer = await Embedding.fromNpy(pathOf("float32_le.npy"), { name: "vectors", maskZero: true, paddingIdx: 0, trainable: false });
  assert.is(layer.name, "vectors");
  assert.is(layer.maskZero, true);
  assert.is(layer.trainable, false);
  assert.equal(bitsOf(tableOf(layer)), bitsOf(Float32Array.from(expected["float32_le.npy"]!.array.values)));
  // Lookups read the loaded rows.
  const { values } = expected["float32_le.npy"]!.array;
  assert.equal(Array.from(layer.call([[2]]).data), values.slice(10, 15).map(Math.fround));
});

load("a file larger than one read piece (32 MiB) from a path: table equal, progress rising to exactly 1", async () => {
  const rows = 8400;
  const dim = 1024; // 34.4 MB of data: two reads
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = (i % 9973) * 0.37 - 1800;
  const path = join(mkdtempSync(join(tmpdir(), "embedding-wasm-npy-")), "big.npy");
  writeFileSync(path, writeNpy({ data, shape: [rows, dim] }));
  const seen: number[] = [];
  const layer = await Embedding.fromNpy(path, { onProgress: (f) => seen.push(f) });
  const got = new Uint32Array(tableOf(layer).buffer);
  const want = new Uint32Array(data.buffer);
  assert.is(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`value ${i}: ${got[i]} != ${want[i]}`);
  assert.ok(seen.length >= 3, `${seen.length} progress calls`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress went back at ${i}`);
  assert.is(seen.at(-1), 1);
  assert.is(seen.filter((f) => f === 1).length, 1);
  layer.dispose();
});

// ---------------------------------------------------------------------------------------------
const refuse = suite("Embedding.fromNpy: refusals, abort");

const rejects = assertRejects;

refuse("arrays that are not a table, for every source kind", async () => {
  for (const [name, message] of [
    ["vector_1d.npy", /holds an array of shape \(7,\); a table must be 2-D, \(rows, dim\), with rows and dim > 0/],
    ["scalar_0d.npy", /holds an array of shape \(\); a table must be 2-D/],
    ["empty_0x5.npy", /holds an array of shape \(0, 5\); a table must be 2-D, \(rows, dim\), with rows and dim > 0/],
    ["bool.npy", /holds an array of shape \(3,\)/],
    ["int64.npy", /holds an array of shape \(4,\)/],
  ] as const) {
    for (const [kind, source] of sources(name)) {
      await rejects(Embedding.fromNpy(source()), ValueError, message).catch((e: Error) => assert.unreachable(`${name} from a ${kind}: ${e.message}`));
    }
  }
});

refuse("bool and 64-bit integer tables are refused with the conversion to use", async () => {
  const bool = writeNpy({ data: new Uint8Array([1, 0, 1, 1]), shape: [2, 2], dtype: "bool" });
  await rejects(Embedding.fromNpy(bool), ValueError, /holds bool values; a table is read from float16, float32, float64 or 8 to 32-bit integers \(convert it with numpy's astype\("float32"\)\)/);
  const int64 = writeNpy({ data: new BigInt64Array([1n, 2n]), shape: [1, 2] });
  await rejects(Embedding.fromNpy(new Blob([int64 as Uint8Array<ArrayBuffer>])), ValueError, /holds int64 values/);
});

refuse("truncated or over-long data, wrong magic, a header cut short: refused, nothing left allocated", async () => {
  const good = fixture("float32_le.npy"); // 13 x 5 float32 after a 128-byte header
  const cut = good.subarray(0, good.length - 3);
  const long = new Uint8Array(good.length + 4);
  long.set(good);
  const path = (bytes: Uint8Array) => {
    const file = join(mkdtempSync(join(tmpdir(), "embedding-wasm-npy-")), "t.npy");
    writeFileSync(file, bytes);
    return file;
  };
  await Embedding.fromNpy(good); // compile the kernel before counting memories
  const before = liveMemoryCount();
  for (const make of [(b: Uint8Array) => b, path, (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]), (b: Uint8Array) => chunked(b, 50)]) {
    await rejects(Embedding.fromNpy(make(cut)), ValueError, /needs 260 bytes of data, but 257 bytes follow the header.*: truncated\?/);
    await rejects(Embedding.fromNpy(make(long)), ValueError, /(needs 260 bytes of data, but 264 bytes follow the header)|(holds more than the 388 bytes its header declares)/);
    await rejects(Embedding.fromNpy(make(new TextEncoder().encode("PK\x03\x04 not numpy"))), ValueError, /Not an \.npy file: bytes 0-5 must be 93 4e 55 4d 50 59/);
    await rejects(Embedding.fromNpy(make(good.subarray(0, 40))), ValueError, /\.npy file truncated: the header declares 118 bytes from byte offset 10, but the file ends at byte offset 40/);
  }
  assert.ok(liveMemoryCount() <= before, `memories released (${liveMemoryCount()} live, ${before} before)`);
});

refuse("maxBytes bounds the table before it is made", async () => {
  await rejects(Embedding.fromNpy(pathOf("float32_le.npy"), { maxBytes: 259 }), ValueError, /declares a 13 x 5 table \(260 bytes of float32\), more than maxBytes=259/);
  await rejects(Embedding.fromNpy(new Blob([fixture("float64.npy")]), { maxBytes: 47 }), ValueError, /declares a 4 x 3 table \(48 bytes of float32\), more than maxBytes=47/);
  await rejects(Embedding.fromNpy(pathOf("float32_le.npy"), { maxBytes: 0 }), ValueError, /maxBytes must be a positive integer \(bytes\)\. Received: maxBytes=0/);
});

refuse("options the file decides, a non-float32 dtype, bad arguments", async () => {
  await rejects(Embedding.fromNpy(pathOf("float32_le.npy"), { inputDim: 13 } as never), ValueError, /fromNpy takes the table's size and values from the file: pass neither inputDim, outputDim nor weights\. Received: inputDim=13/);
  await rejects(Embedding.fromNpy(pathOf("float32_le.npy"), { dtype: "float16" }), ValueError, /fromNpy reads into a float32 table; dtype "float16" stores it otherwise/);
  await rejects(Embedding.fromNpy(pathOf("float32_le.npy"), null as never), ValueError, /options must be an object\. Received: options=null/);
  await rejects(Embedding.fromNpy(42 as never), ValueError, /source must be a Uint8Array, an ArrayBuffer, a Blob, a Response, a URL or a file path\. Received: source=42/);
  await rejects(Embedding.fromNpy(pathOf("no-such-file.npy")), ValueError, /Could not read source ".*no-such-file\.npy"/);
});

refuse("abort during the load rejects with AbortError and frees the layer; an aborted signal refuses at once", async () => {
  const data = new Float32Array(3000 * 1000);
  const path = join(mkdtempSync(join(tmpdir(), "embedding-wasm-npy-")), "abort.npy");
  writeFileSync(path, writeNpy({ data, shape: [3000, 1000] }));
  const before = liveMemoryCount();
  for (const source of [path, () => chunked(readFileSync(path), 1 << 20)]) {
    const controller = new AbortController();
    let error: unknown;
    try {
      await Embedding.fromNpy(typeof source === "string" ? source : source(), { signal: controller.signal, onProgress: () => controller.abort() });
    } catch (e) {
      error = e;
    }
    assert.is((error as Error)?.name, "AbortError");
    assert.ok(liveMemoryCount() <= before, `the aborted layer's memory is released (${liveMemoryCount()} live, ${before} before)`);
  }
  const pre = new AbortController();
  pre.abort();
  await rejects(Embedding.fromNpy(fixture("float32_le.npy"), { signal: pre.signal }), DOMException, /aborted/);
});

// ---------------------------------------------------------------------------------------------
const view = suite("readNpy: a view of the caller's bytes when no copy is needed");

view("aligned little-endian float32 in C order: a view (no copy), equal to numpy's values", () => {
  const bytes = fixture("float32_le.npy");
  const { data } = readNpy(bytes);
  assert.is(data.buffer, bytes.buffer);
  assert.is(data.byteOffset, bytes.byteOffset + 128);
  assert.equal(Array.from(data as Float32Array), expected["float32_le.npy"]!.array.values.map(Math.fround));
});

view("misaligned, big-endian, Fortran order, float16 and bool: fresh arrays with the same values", () => {
  const bytes = fixture("float32_le.npy");
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const odd = readNpy(shifted.subarray(1));
  assert.is.not(odd.data.buffer, shifted.buffer);
  assert.equal(odd.data, readNpy(bytes).data);
  for (const name of ["float32_be.npy", "fortran_2d.npy", "float16.npy", "bool.npy"]) {
    const source = fixture(name);
    assert.is.not(readNpy(source).data.buffer, source.buffer, name);
  }
});

load.run();
refuse.run();
view.run();
