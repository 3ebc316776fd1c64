// Our synchronous HDF5 writer (src/io/hdf5-writer.ts), checked by the HDF5 C library itself: every
// file is opened through h5wasm (our reader, src/io/hdf5.ts), which verifies the metadata checksums
// and the layout. Real Keras and h5py open the files Embedding writes in
// scripts/fixtures/check_our_keras_files.py.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ValueError } from "../../src/index.ts";
import { lookup3 } from "../../src/io/hdf5-checksum.ts";
import { readHdf5, type H5Reader } from "../../src/io/hdf5.ts";
import { writeHdf5, type H5Content } from "../../src/io/hdf5-writer.ts";
import { assertThrowsMessage } from "../support/helpers.ts";

const ascii = (text: string) => new TextEncoder().encode(text);
const readBack = <T>(content: H5Content, use: (file: H5Reader) => T) => readHdf5(writeHdf5(content), "the written file", use);
const bitsOf = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

test("lookup3 gives the values of Jenkins' lookup3.c self-test", () => {
  // hashlittle("", 0, 0), and the "Four score and seven years ago" driver lines with initval 0 and 1.
  assert.is(lookup3(new Uint8Array(0)), 0xdeadbeef);
  assert.is(lookup3(ascii("Four score and seven years ago")), 0x17770551);
  assert.is(lookup3(ascii("Four score and seven years ago"), 1), 0xcd628161);
});

test("read back through h5wasm: groups, string attributes and a float32 table read back through the HDF5 library, bit for bit", async () => {
  // Values chosen to catch any conversion: -0, subnormals, infinities, a NaN with a payload.
  const raw = new Uint32Array([0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc12345, 0x3f800000, 0xc0490fdb, 0x00800000, 0x7f7fffff, 0x12345678, 0x87654321, 0x3eaaaaab]);
  const table = new Float32Array(raw.buffer);
  await readBack(
    {
      groups: [
        { path: "/layers" },
        { path: "/layers/embedding" },
        { path: "/layers/embedding/vars", attributes: { name: "emb" } },
        { path: "/vars", attributes: { name: "sequential", empty: "" } },
      ],
      datasets: [{ path: "/layers/embedding/vars/0", data: table, shape: [4, 3] }],
    },
    (file) => {
      assert.equal(file.keys("/").sort(), ["layers", "vars"]);
      assert.is(file.kind("/layers/embedding/vars"), "group");
      assert.is(file.kind("/layers/embedding/vars/0"), "dataset");
      assert.is(file.stringAttribute("/layers/embedding/vars", "name"), "emb");
      assert.is(file.stringAttribute("/vars", "name"), "sequential");
      assert.is(file.stringAttribute("/vars", "empty"), "");
      assert.is(file.stringAttribute("/layers", "name"), undefined);
      assert.equal(file.describe("/layers/embedding/vars/0"), { shape: [4, 3], dtype: "<f" });
      assert.equal(bitsOf(file.readFloat32("/layers/embedding/vars/0")), Array.from(raw));
    },
  );
});

test("read back through h5wasm: non-ASCII names and attribute values are stored as UTF-8", async () => {
  const name = "слова ✓ \"q\" 😀";
  await readBack(
    { groups: [{ path: `/${name}`, attributes: { name, ["clé"]: "valeur" } }], datasets: [{ path: `/${name}/0`, data: new Float32Array([1.5]), shape: [1] }] },
    (file) => {
      assert.equal(file.keys("/"), [name]);
      assert.is(file.stringAttribute(`/${name}`, "name"), name);
      assert.is(file.stringAttribute(`/${name}`, "clé"), "valeur");
      assert.equal(Array.from(file.readFloat32(`/${name}/0`)), [1.5]);
    },
  );
});

test("read back through h5wasm: wide headers: a long name, many members, long attribute values", async () => {
  // A 300-byte name needs a 2-byte length field; 3000 links a 4-byte chunk size; 5000-byte values
  // a global heap larger than its 4096-byte minimum.
  const long = "n".repeat(300);
  const members = Array.from({ length: 3000 }, (_, i) => ({ path: `/many/m${i}` }));
  const value = "v".repeat(5000);
  await readBack(
    { groups: [{ path: `/${long}`, attributes: { a: value, b: value } }, { path: "/many" }, ...members], datasets: [] },
    (file) => {
      assert.equal(file.keys("/").sort(), [long, "many"].sort());
      assert.is(file.keys("/many").length, 3000);
      assert.is(file.kind("/many/m2999"), "group");
      assert.is(file.stringAttribute(`/${long}`, "a"), value);
      assert.is(file.stringAttribute(`/${long}`, "b"), value);
    },
  );
});

test("read back through h5wasm: an empty dataset (a zero-size dimension) has no storage and reads back empty", async () => {
  await readBack({ groups: [], datasets: [{ path: "/e", data: new Float32Array(0), shape: [0, 3] }, { path: "/x", data: new Float32Array([2]), shape: [1, 1] }] }, (file) => {
    assert.equal(file.describe("/e"), { shape: [0, 3], dtype: "<f" });
    assert.is(file.readFloat32("/e").length, 0);
    assert.equal(Array.from(file.readFloat32("/x")), [2]);
  });
});

test("read back through h5wasm: a view into a larger buffer is written from its own offset", async () => {
  const backing = new Float32Array([9, 9, 1, 2, 3, 4, 9]);
  await readBack({ groups: [], datasets: [{ path: "/t", data: backing.subarray(2, 6), shape: [2, 2] }] }, (file) => {
    assert.equal(Array.from(file.readFloat32("/t")), [1, 2, 3, 4]);
  });
});

test("content HDF5 cannot hold, or that contradicts itself, is refused before anything is built", () => {
  const data = new Float32Array(6);
  const refuse = (content: unknown, message: RegExp) => assertThrowsMessage(() => writeHdf5(content as H5Content), ValueError, message);
  refuse(null, /content must be \{ groups: \[\.\.\.\], datasets: \[\.\.\.\] \}\. Received: null/);
  refuse({ groups: [{ path: "a" }], datasets: [] }, /content\.groups\[0\]\.path must be an absolute path such as "\/a\/b"\. Received: "a"/);
  refuse({ groups: [{ path: "/a/" }], datasets: [] }, /content\.groups\[0\]\.path must be an absolute path.*Received: "\/a\/"/);
  refuse({ groups: [{ path: "/a" }, { path: "/a" }], datasets: [] }, /content\.groups\[1\]\.path "\/a" is listed twice/);
  refuse({ groups: [{ path: "/a/b" }], datasets: [] }, /content\.groups\[0\]\.path "\/a\/b": its parent group "\/a" must be listed \(in content\.groups\) before it/);
  refuse({ groups: [{ path: "/a//b" }], datasets: [] }, /its parent group "\/a\/" must be listed/);
  refuse({ groups: [{ path: "/." }], datasets: [] }, /"\." and "\.\." are not names HDF5 can store/);
  refuse({ groups: [{ path: "/a\0b" }], datasets: [] }, /the name must not contain a NUL character/);
  refuse({ groups: [{ path: "/a", attributes: { name: "x\0" } }], datasets: [] }, /attributes\["name"\] must not contain a NUL character/);
  refuse({ groups: [{ path: "/a", attributes: { name: "\ud800" } }], datasets: [] }, /attributes\["name"\] is not valid Unicode \(it holds a lone surrogate\)/);
  refuse({ groups: [{ path: "/a", attributes: { name: 3 } }], datasets: [] }, /attributes\["name"\] must be a string\. Received: 3/);
  refuse({ groups: [], datasets: [{ path: "/t", data: [1, 2], shape: [2] }] }, /content\.datasets\[0\]\.data must be a Float32Array for dtype float32\. Received: \[1,2\]/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [6], dtype: "int8" }] }, /content\.datasets\[0\]\.data must be an Int8Array for dtype int8\. Received: Float32Array/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [6], dtype: "float64" }] }, /content\.datasets\[0\]\.dtype must be "float32", "int8", "float16" or "bfloat16"\. Received: "float64"/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [6], attributes: { dtype: 3 } }] }, /content\.datasets\[0\]\.attributes\["dtype"\] must be a string\. Received: 3/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [4, 2] }] }, /content\.datasets\[0\]\.shape \[4, 2\] holds 8 values, but its data has 6/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [-2, -3] }] }, /content\.datasets\[0\]\.shape must be 1 to 32 non-negative integers\. Received: \[-2,-3\]/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [] }] }, /shape must be 1 to 32 non-negative integers\. Received: \[\]/);
  refuse({ groups: [], datasets: [{ path: "/t", data, shape: [6] }, { path: "/t/u", data, shape: [6] }] }, /content\.datasets\[1\]\.path "\/t\/u": its parent group "\/t" must be listed/);
});

test.run();
