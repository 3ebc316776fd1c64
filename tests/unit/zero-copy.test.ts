// Zero-copy paths: indexBuffer / lookupBuffer inside WebAssembly memory, callInto into a caller's
// buffer, their errors (nothing written on failure), and every method after dispose.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage, fixtureRandom, referenceGather } from "../support/helpers.ts";

const seeded = (inputDim: number, outputDim: number, seed = 1, name?: string) =>
  new Embedding({ inputDim, outputDim, embeddingsInitializer: { className: "RandomUniform", config: { seed, minval: -1, maxval: 1 } }, ...(name ? { name } : {}) });

const table = (l: Embedding) => l.getWeights()[0]!.data;

// ---------------------------------------------------------------------------------------------
const buffers = suite("indexBuffer / lookupBuffer");

buffers("indexBuffer(n) is an Int32Array of n slots in the same memory as the lookup output", () => {
  const l = seeded(50, 8);
  const idx = l.indexBuffer(10);
  assert.instance(idx, Int32Array);
  assert.is(idx.length, 10);
  idx.set([0, 49, 1, 2, 3, 4, 5, 6, 7, 8]);
  const out = l.lookupBuffer(10);
  assert.instance(out, Float32Array);
  assert.is(out.length, 80);
  // Both are views on the layer's WebAssembly memory (one ArrayBuffer), not fresh copies.
  assert.is(idx.buffer, out.buffer);
  assert.ok(out.buffer.byteLength >= 50 * 8 * 4 + 80 * 4, "the buffer holds table and output");
  assert.ok(out.byteOffset !== idx.byteOffset);
});

for (const dim of [1, 3, 4, 16, 33, 128]) {
  buffers(`dim ${dim}: lookupBuffer matches call and the reference gather`, () => {
    const rnd = fixtureRandom(dim);
    const rows = 97;
    const l = seeded(rows, dim, dim);
    const t = table(l);
    for (const n of [1, 7, 64, 255, 256, 257, 1000]) {
      const x = Array.from({ length: n }, () => Math.floor(rnd() * rows));
      x[0] = rows - 1;
      x[n - 1] = 0;
      l.indexBuffer(n).set(x);
      const view = l.lookupBuffer(n);
      const got = view.slice();
      assert.is(view.length, n * dim);
      assertSameFloats(got, referenceGather(t, dim, x), `n=${n} vs reference`);
      assertSameFloats(got, l.call(x).data, `n=${n} vs call`);
    }
  });
}

buffers("lookupBuffer(shape) with a shape whose product is n; shape [] is one index", () => {
  const l = seeded(20, 3);
  const t = table(l);
  const x = [4, 19, 0, 7, 7, 2];
  l.indexBuffer(6).set(x);
  const out = l.lookupBuffer([2, 3]).slice();
  assertSameFloats(out, referenceGather(t, 3, x), "[2, 3]");
  assertSameFloats(out, l.call([[4, 19, 0], [7, 7, 2]]).data, "vs call");
  l.indexBuffer(6).set(x);
  assertSameFloats(l.lookupBuffer([1, 2, 3]), referenceGather(t, 3, x), "[1, 2, 3]");
  l.indexBuffer(1).set([13]);
  assertSameFloats(l.lookupBuffer([]), referenceGather(t, 3, [13]), "[]");
  l.indexBuffer(0);
  assert.is(l.lookupBuffer(0).length, 0);
  assert.is(l.lookupBuffer([0, 5]).length, 0);
});

buffers("lookupBuffer over fewer positions than reserved reads the first ones", () => {
  const l = seeded(20, 2);
  const t = table(l);
  l.indexBuffer(8).set([3, 1, 4, 1, 5, 9, 2, 6]);
  assertSameFloats(l.lookupBuffer(3), referenceGather(t, 2, [3, 1, 4]), "first 3");
});

buffers("indexBuffer large enough to grow memory still gives correct lookups", () => {
  const l = seeded(300, 24, 3);
  const t = table(l);
  const n = 70_000;
  const idx = l.indexBuffer(n);
  for (let i = 0; i < n; i++) idx[i] = (i * 7919) % 300;
  const out = l.lookupBuffer(n);
  assert.is(out.length, n * 24);
  assertSameFloats(out, referenceGather(t, 24, Array.from(idx)), "big lookup");
  assertSameFloats(table(l), t, "table untouched");
});

buffers("lookupBuffer sees setWeights", () => {
  const l = seeded(3, 2);
  l.setWeights([[[0, 0], [2, 2], [3, 3]]]);
  l.indexBuffer(3).set([2, 1, 0]);
  assert.equal(Array.from(l.lookupBuffer(3)), [3, 3, 2, 2, 0, 0]);
});

buffers("out-of-range or negative index: RangeError naming its position; the previous output view is untouched", () => {
  const l = seeded(5, 4);
  l.indexBuffer(6).set([0, 1, 2, 3, 4, 0]);
  const view = l.lookupBuffer([2, 3]);
  const before = view.slice();
  // Valid indices first (different rows than before), then a bad one: nothing may be gathered.
  l.indexBuffer(6).set([4, 3, 2, 1, 0, 7]);
  assertThrowsMessage(() => l.lookupBuffer([2, 3]), RangeError, "indices[1,2] = 7 is not in [0, 5)");
  assertSameFloats(view, before, "output view after a refused lookup");
  l.indexBuffer(6).set([4, 3, 2, 1, -1, 0]);
  assertThrowsMessage(() => l.lookupBuffer([2, 3]), RangeError, "indices[1,1] = -1 is not in [0, 5)");
  assertSameFloats(view, before, "after a negative index");
  l.indexBuffer(6).set([4, 5, 2, 1, 0, 0]);
  assertThrowsMessage(() => l.lookupBuffer(6), RangeError, "indices[1] = 5 is not in [0, 5)");
  l.indexBuffer(6).set([4, 5, 2, 1, 0, 0]);
  assertThrowsMessage(() => l.lookupBuffer([3, 2]), RangeError, "indices[0,1] = 5 is not in [0, 5)");
  l.indexBuffer(1).set([-2147483648]);
  assertThrowsMessage(() => l.lookupBuffer([]), RangeError, "indices = -2147483648 is not in [0, 5)");
  assertSameFloats(view, before, "after every refused lookup");
  // The layer still works.
  l.indexBuffer(2).set([1, 4]);
  assertSameFloats(l.lookupBuffer(2), referenceGather(table(l), 4, [1, 4]), "after errors");
});

buffers("with maxNorm (renormalization at lookup), a refused lookup leaves the table untouched", () => {
  const l = new Embedding({ inputDim: 3, outputDim: 2, weights: [[[3, 4], [6, 8], [0.3, 0.4]]], maxNorm: 1, name: "renorm_zc" });
  const before = Array.from(table(l));
  l.indexBuffer(3).set([0, 1, 3]);
  assertThrowsMessage(() => l.lookupBuffer(3), RangeError, "indices[2] = 3 is not in [0, 3)");
  assertThrowsMessage(() => l.call([0, 1, -1]), RangeError, "indices[2] = -1 is not in [0, 3)");
  const out = new Float32Array(6).fill(12345);
  assertThrowsMessage(() => l.callInto([1, 0, 9], out), RangeError, "indices[2] = 9 is not in [0, 3)");
  assertThrowsMessage(() => l.callInto([1, 0], out), ValueError, /^out must have 4 elements/);
  assert.ok(out.every((v) => v === 12345), "out untouched");
  assert.equal(Array.from(table(l)), before, "no row renormalized by a refused lookup");
  // A successful lookup does renormalize the rows it references (so the check above can fail).
  l.call([0]);
  assert.is.not(table(l)[0], before[0]);
  assertSameFloats(table(l).subarray(2), before.slice(2), "rows not referenced");
});

buffers("an index past the positions looked up is not checked", () => {
  const l = seeded(5, 2);
  l.indexBuffer(4).set([1, 2, 99, 99]);
  assertSameFloats(l.lookupBuffer(2), referenceGather(table(l), 2, [1, 2]), "first two");
});

buffers("lookupBuffer over more positions than the reserved capacity asks for indexBuffer(n)", () => {
  const l = seeded(5, 2);
  l.indexBuffer(4);
  assertThrowsMessage(() => l.lookupBuffer(100_000), ValueError, /call indexBuffer\(100000\) and write the indices first\.$/);
  assertThrowsMessage(() => l.lookupBuffer([1000, 100]), ValueError,
    "lookupBuffer([1000,100]) covers 100000 indices, but indexBuffer(4) handed out only 4: call indexBuffer(100000) and write the indices first.");
  l.call([1]);
  assertThrowsMessage(() => l.lookupBuffer(1), ValueError,
    "lookupBuffer(1) covers 1 indices, but no index slots were handed out since the last lookup: call indexBuffer(1) and write the indices first.");
});

buffers("lookupBuffer(n) with n > the n of the last indexBuffer(n) is refused (slots not written)", () => {
  // The documented contract: the shape's product is at most the n reserved by indexBuffer(n).
  const l = seeded(5, 2);
  l.indexBuffer(4).set([1, 2, 3, 4]);
  assertThrowsMessage(() => l.lookupBuffer(5), ValueError, /indexBuffer\(5\)/);
});

buffers("indexBuffer and lookupBuffer validate their arguments", () => {
  const l = seeded(5, 2);
  assertThrowsMessage(() => l.indexBuffer(-1), ValueError, "n must be a non-negative integer. Received: n=-1 (of type number)");
  assertThrowsMessage(() => l.indexBuffer(1.5), ValueError, "n must be a non-negative integer. Received: n=1.5 (of type number)");
  assertThrowsMessage(() => l.indexBuffer(NaN), ValueError, "n must be a non-negative integer. Received: n=NaN (of type number)");
  assertThrowsMessage(() => l.indexBuffer("3" as unknown as number), ValueError, 'n must be a non-negative integer. Received: n="3" (of type string)');
  l.indexBuffer(4).set([0, 1, 2, 3]);
  const bad = (s: unknown) => l.lookupBuffer(s as number);
  assertThrowsMessage(() => bad(-1), ValueError, "shape must be a non-negative integer or an array of them. Received: shape=-1 (of type number)");
  assertThrowsMessage(() => bad([2, -2]), ValueError, "shape must be a non-negative integer or an array of them. Received: shape=[2,-2] (of type array)");
  assertThrowsMessage(() => bad([1.5]), ValueError, "shape must be a non-negative integer or an array of them. Received: shape=[1.5] (of type array)");
  assertThrowsMessage(() => bad("4"), ValueError, 'shape must be a non-negative integer or an array of them. Received: shape="4" (of type string)');
  assertThrowsMessage(() => bad([null, 2]), ValueError, "shape must be a non-negative integer or an array of them. Received: shape=[null,2] (of type array)");
});

buffers("lookupBuffer checks the shape against inputLength", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 2, inputLength: 3 });
  l.indexBuffer(6).set([1, 2, 3, 4, 5, 6]);
  assert.is(l.lookupBuffer([2, 3]).length, 12);
  l.indexBuffer(6).set([1, 2, 3, 4, 5, 6]);
  assertThrowsMessage(() => l.lookupBuffer([3, 2]), ValueError, '"inputLength" is 3, but received input has shape [3, 2]');
  assertThrowsMessage(() => l.lookupBuffer(6), ValueError, '"inputLength" is 3, but received input has shape [6]');
});

// ---------------------------------------------------------------------------------------------
const into = suite("callInto");

into("writes the lookup into out and returns { data: out, shape }", () => {
  const l = seeded(30, 5);
  const t = table(l);
  const x = [[1, 29], [0, 15], [15, 3]];
  const out = new Float32Array(30);
  const y = l.callInto(x, out);
  assert.is(y.data, out, "the same Float32Array");
  assert.equal(y.shape, [3, 2, 5]);
  assertSameFloats(out, referenceGather(t, 5, [1, 29, 0, 15, 15, 3]), "vs reference");
  assertSameFloats(out, l.call(x).data, "vs call");
  // Typed input, scalar input, empty input.
  const o2 = new Float32Array(15);
  assert.equal(l.callInto(Int32Array.from([2, 4, 6]), o2).shape, [3, 5]);
  assertSameFloats(o2, referenceGather(t, 5, [2, 4, 6]), "Int32Array input");
  const o3 = new Float32Array(5);
  assert.equal(l.callInto(7, o3).shape, [5]);
  assertSameFloats(o3, t.subarray(35, 40), "scalar");
  assert.equal(l.callInto({ data: new Int32Array(0), shape: [0, 4] }, new Float32Array(0)).shape, [0, 4, 5]);
});

into("an output of several 256 KiB chunks: every row in place, and the output region holds it all", () => {
  // 3001 rows of 100 floats: 1.2 MB of output, four whole chunks of 655 rows and a partial one.
  const l = seeded(500, 100, 7);
  const t = table(l);
  const indices = Int32Array.from({ length: 3001 }, (_, i) => (i * 7919 + 13) % 500);
  // One lookup of this size first, so memory has grown to fit it and the view below stays attached.
  l.callInto({ data: new Int32Array(3001), shape: [3001] }, new Float32Array(3001 * 100));
  l.indexBuffer(3001).set(new Int32Array(3001));
  const view = l.lookupBuffer(3001);
  const backing = new Float32Array(3001 * 100 + 2).fill(-9);
  const out = backing.subarray(1, 1 + 3001 * 100);
  l.callInto({ data: indices, shape: [3001] }, out);
  const expected = referenceGather(t, 100, indices);
  assertSameFloats(out, expected, "vs reference");
  assert.is(backing[0], -9, "before out");
  assert.is(backing[backing.length - 1], -9, "after out");
  // A lookupBuffer view taken before shows this lookup's whole output, not only its last chunk.
  assert.is(view.length, 3001 * 100, "view still attached");
  assertSameFloats(view, expected, "output region");
});

into("out may be a subarray view: only its own range is written", () => {
  const l = seeded(10, 2);
  const backing = new Float32Array(10).fill(-9);
  const out = backing.subarray(3, 7);
  l.callInto([4, 8], out);
  assertSameFloats(backing.subarray(0, 3), [-9, -9, -9], "before");
  assertSameFloats(backing.subarray(7), [-9, -9, -9], "after");
  assertSameFloats(out, referenceGather(table(l), 2, [4, 8]), "inside");
});

into("a wrong out length names out", () => {
  const l = seeded(10, 4);
  const check = (n: number) => {
    const out = new Float32Array(n).fill(12345);
    assertThrowsMessage(
      () => l.callInto([1, 2], out),
      ValueError,
      `out must have 8 elements for input of shape [2] and outputDim 4. Received: out.length=${n}`,
    );
    assert.ok(out.every((v) => v === 12345), "out untouched");
  };
  check(7);
  check(9);
  check(0);
});

into("out must be a Float32Array", () => {
  const l = seeded(10, 4);
  const bad = (o: unknown) => l.callInto([1, 2], o as Float32Array);
  assertThrowsMessage(() => bad(new Float64Array(8)), ValueError, "out must be a Float32Array. Received: out=Float64Array(8) (of type Float64Array)");
  assertThrowsMessage(() => bad(new Array<number>(8).fill(0)), ValueError, "out must be a Float32Array. Received: out=[0,0,0,0,0,0,0,0] (of type array)");
  assertThrowsMessage(() => bad(null), ValueError, "out must be a Float32Array. Received: out=null (of type null)");
});

into("a bad index leaves out untouched", () => {
  const l = seeded(10, 4);
  const out = new Float32Array(12).fill(12345);
  assertThrowsMessage(() => l.callInto([1, 2, 10], out), RangeError, "indices[2] = 10 is not in [0, 10)");
  assert.ok(out.every((v) => v === 12345), "out untouched after an out-of-range index");
  assertThrowsMessage(() => l.callInto([[1, -1, 3]], out), RangeError, "indices[0,1] = -1 is not in [0, 10)");
  assertThrowsMessage(() => l.callInto([NaN, 1, 2], out), RangeError, "indices[0] = NaN is not in [0, 10) (indices must be finite numbers)");
  assert.ok(out.every((v) => v === 12345), "out untouched after every refusal");
});

// ---------------------------------------------------------------------------------------------
const disposed = suite("after dispose");

disposed("every method throws the disposed message; isDisposed is true", () => {
  const l = new Embedding({ inputDim: 5, outputDim: 2, name: "gone_zc" });
  l.indexBuffer(2).set([1, 2]);
  assert.is(l.isDisposed, false);
  l.dispose();
  assert.is(l.isDisposed, true);
  const message = 'Embedding layer "gone_zc" has been disposed and cannot be used any more.';
  const calls: [string, () => unknown][] = [
    ["call", () => l.call([1])],
    ["callInto", () => l.callInto([1], new Float32Array(2))],
    ["indexBuffer", () => l.indexBuffer(2)],
    ["lookupBuffer", () => l.lookupBuffer(2)],
    ["getWeights", () => l.getWeights()],
    ["setWeights", () => l.setWeights([[[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]])],
    ["computeMask", () => l.computeMask([1])],
    ["computeOutputShape", () => l.computeOutputShape([null, 2])],
    ["countParams", () => l.countParams()],
    ["memoryBytes", () => l.memoryBytes],
    ["getConfig", () => l.getConfig()],
    ["toKerasConfig", () => l.toKerasConfig()],
    ["applyConstraint", () => l.applyConstraint()],
    ["regularizationLoss", () => l.regularizationLoss()],
    ["losses", () => l.losses],
  ];
  for (const [what, fn] of calls) {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    assert.instance(caught, Error, `${what} throws`);
    assert.is((caught as Error).message, message, what);
  }
});

disposed("dispose twice is harmless; other layers keep working", () => {
  const a = seeded(5, 2, 1, "a_zc");
  const b = seeded(5, 2, 2, "b_zc");
  const tb = table(b);
  a.dispose();
  a.dispose();
  assert.is(a.isDisposed, true);
  b.indexBuffer(3).set([4, 0, 2]);
  assertSameFloats(b.lookupBuffer(3), referenceGather(tb, 2, [4, 0, 2]), "b after a was disposed");
});

buffers.run();
into.run();
disposed.run();
