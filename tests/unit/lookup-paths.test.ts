// Hostile input on the lookup paths (call, callInto, reverse, nearest, EmbeddingBag.call): views
// the layer handed out given back as input while the call grows memory, `out` detached or shrunk by
// a callback, typed-array subclasses lying about their buffer, length or methods, offsets whose
// length changes between reads. Every result is checked against a plain TypeScript reference, and
// every refused call against the table as it was.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, EmbeddingBag, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage, referenceGather } from "../support/helpers.ts";
import { referenceLogits } from "../support/reference-logits.ts";

const tableOf = (l: { getWeights(): { data: Float32Array }[] }) => l.getWeights()[0]!.data;

/** A rows × dim table whose entries are row indices: (r * 7 + c * 3) mod rows, so a lookup's output can be fed back as indices. */
function indexTable(rows: number, dim: number): Float32Array {
  const t = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) t[r * dim + c] = (r * 7 + c * 3) % rows;
  return t;
}

function layerOf(rows: number, dim: number, options: Record<string, unknown> = {}): Embedding {
  return new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: indexTable(rows, dim), shape: [rows, dim] }], ...options });
}

/** Indices 0..n-1 spread over the rows. */
function someIndices(n: number, rows: number): Int32Array {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = (i * 13 + 5) % rows;
  return ids;
}

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-3): void {
  assert.is(actual.length, expected.length, "length");
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)))) assert.unreachable(`[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Runs a call that must be refused and checks the table is bit for bit what it was. */
function refusedIntact(l: Embedding, fn: () => unknown, type: abstract new (...args: never[]) => Error, message: RegExp): void {
  const before = tableOf(l).slice();
  assertThrowsMessage(fn, type, message);
  assertSameFloats(tableOf(l), before, "table after the refused call");
}

// ---------------------------------------------------------------------------------------------
const ownViews = suite("the layer's own views as input, when the call grows memory");

ownViews("call(indexBuffer view) reads the indices before memory grows", () => {
  const rows = 97, dim = 8, n = 20000;
  const l = layerOf(rows, dim);
  const ids = someIndices(n, rows);
  const view = l.indexBuffer(n);
  view.set(ids);
  // Staging needs scratch past the regions indexBuffer just sized: memory grows during the call.
  const before = l.memoryBytes;
  const out = l.call(view);
  assert.ok(l.memoryBytes > before, "the call grew memory");
  assert.equal(out.shape, [n, dim]);
  assertSameFloats(out.data, referenceGather(indexTable(rows, dim), dim, ids));
});

ownViews("callInto(indexBuffer view, out) reads the indices before memory grows", () => {
  const rows = 97, dim = 8, n = 20000;
  const l = layerOf(rows, dim);
  const ids = someIndices(n, rows);
  const view = l.indexBuffer(n);
  view.set(ids);
  const out = new Float32Array(n * dim);
  l.callInto(view, out);
  assertSameFloats(out, referenceGather(indexTable(rows, dim), dim, ids));
});

ownViews("call(lookupBuffer view): the output, fed back as float indices, grows the regions", () => {
  const rows = 64, dim = 4, n = 300;
  const l = layerOf(rows, dim);
  const ids = someIndices(n, rows);
  l.indexBuffer(n).set(ids);
  const first = l.lookupBuffer(n);
  const asIndices = first.slice();
  // n × dim positions: more than the regions hold, so they move and memory grows.
  const out = l.call({ data: first, shape: [n, dim] });
  assert.equal(out.shape, [n, dim, dim]);
  assertSameFloats(out.data, referenceGather(indexTable(rows, dim), dim, asIndices));
  const into = new Float32Array(n * dim * dim);
  l.indexBuffer(n).set(ids);
  l.callInto(l.lookupBuffer(n), into);
  assertSameFloats(into, out.data);
});

ownViews("reverse(lookupBuffer view) reads x before its scratch grows memory", () => {
  const rows = 50, dim = 16, n = 4000;
  const l = layerOf(rows, dim);
  const ids = someIndices(n, rows);
  l.indexBuffer(n).set(ids);
  const x = l.lookupBuffer(n);
  const copy = x.slice();
  const logits = l.reverse({ data: x, shape: [n, dim] });
  assert.equal(logits.shape, [n, rows]);
  assertNear(logits.data, referenceLogits(copy, copy.length / dim, dim, rows, indexTable(rows, dim), true, null));
});

ownViews("nearest(lookupBuffer view) gives the neighbours of the values it held", () => {
  const rows = 40, dim = 8;
  const l = layerOf(rows, dim);
  l.indexBuffer(3).set([1, 2, 3]);
  const x = l.lookupBuffer(3);
  const copy = x.slice();
  const got = l.nearest({ data: x, shape: [3, dim] }, { k: 2, metric: "dot" });
  const want = l.nearest({ data: copy, shape: [3, dim] }, { k: 2, metric: "dot" });
  assert.equal(Array.from(got.indices), Array.from(want.indices));
});

// ---------------------------------------------------------------------------------------------
const outChecks = suite("callInto checks out before anything is written");

outChecks("out detached by the input's getter: refused before maxNorm rescales a row", () => {
  const rows = 10, dim = 4;
  const l = layerOf(rows, dim, { maxNorm: 1 });
  const out = new Float32Array(2 * dim);
  const x = {
    shape: [2],
    dtype: "int32",
    dataSync() {
      structuredClone(out.buffer, { transfer: [out.buffer] });
      return new Int32Array([3, 5]);
    },
  };
  refusedIntact(l, () => l.callInto(x, out), ValueError, /^out is a Float32Array whose buffer has been detached/);
});

outChecks("out detached by a { data, shape } getter, on a layer with an activity penalty", () => {
  const l = layerOf(10, 4, { maxNorm: 1, activityRegularizer: () => 0 });
  const out = new Float32Array(8);
  const x = {
    get data() {
      structuredClone(out.buffer, { transfer: [out.buffer] });
      return [3, 5];
    },
    shape: [2],
  };
  refusedIntact(l, () => l.callInto(x, out), ValueError, /^out is a Float32Array whose buffer has been detached/);
});

outChecks("out detached by the activity penalty (user code): the rescaled rows are restored", () => {
  let victim: Float32Array | null = null;
  const l = layerOf(10, 4, {
    maxNorm: 1,
    activityRegularizer: () => {
      if (victim !== null) structuredClone(victim.buffer, { transfer: [victim.buffer] });
      return 0;
    },
  });
  victim = new Float32Array(8);
  const out = victim;
  refusedIntact(l, () => l.callInto([3, 5], out), ValueError, /^out is a Float32Array whose buffer has been detached/);
});

outChecks("out on a resizable buffer shrunk by the input's getter: refused, table unchanged", () => {
  const l = layerOf(10, 4, { maxNorm: 1 });
  // Resizable ArrayBuffers (ES2024) are past the project's lib setting: typed loosely here.
  const Resizable = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(bytes: number): void };
  const buffer = new Resizable(32, { maxByteLength: 64 });
  const out = new Float32Array(buffer);
  const x = {
    get data() {
      buffer.resize(16);
      return [3, 5];
    },
    shape: [2],
  };
  refusedIntact(l, () => l.callInto(x, out), ValueError, /^out must have 8 elements .* Received: out\.length=4$/);
});

outChecks("a subclass of out lying about its buffer cannot pass for an array of its own", () => {
  const rows = 10, dim = 4;
  const l = layerOf(rows, dim, { maxNorm: 1 });
  const memoryBuffer = l.indexBuffer(0).buffer as ArrayBuffer;
  class Liar extends Float32Array {
    override get buffer(): ArrayBuffer {
      return new ArrayBuffer(8);
    }
    override get byteOffset(): number {
      return 0;
    }
  }
  // A view of the layer's own memory (from its start: kernel data, stats, the table) under a disguise.
  const out = new Liar(memoryBuffer, 0, 2 * dim);
  refusedIntact(l, () => l.callInto([3, 5], out), ValueError, /^out is a view of this layer's own WebAssembly memory/);
});

outChecks("out's own set() is never called: the engine's copy is used", () => {
  const rows = 10, dim = 4;
  const l = layerOf(rows, dim);
  let calls = 0;
  class Noisy extends Float32Array {
    override set(): void {
      calls++;
      throw new Error("caller code ran");
    }
  }
  const out = new Noisy(3 * dim);
  l.callInto([1, 9, 4], out);
  assert.is(calls, 0);
  assertSameFloats(Float32Array.from(out), referenceGather(indexTable(rows, dim), dim, [1, 9, 4]));
});

outChecks("an activity regularizer that grows the memory itself: the lookup still completes correctly", () => {
  const rows = 10, dim = 4;
  const grower = {
    className: "Grower",
    penaltyOf(target: { kernel: { memory: WebAssembly.Memory } }): number {
      target.kernel.memory.grow(1);
      return 0.5;
    },
    getConfig: () => ({}),
  };
  const l = layerOf(rows, dim, { activityRegularizer: grower });
  const out = new Float32Array(3 * dim);
  l.callInto([4, 0, 9], out);
  assertSameFloats(out, referenceGather(indexTable(rows, dim), dim, [4, 0, 9]));
  assertSameFloats(l.call([2, 3]).data, referenceGather(indexTable(rows, dim), dim, [2, 3]));
  // The lookup was recorded: its penalty, divided by the batch (2).
  assert.equal(l.losses, [0.25]);
});

// ---------------------------------------------------------------------------------------------
const liars = suite("typed input that lies about its length or iteration");

liars("reverse: a subclass's length getter does not decide how much is read", () => {
  const rows = 12, dim = 4;
  const l = layerOf(rows, dim);
  class Liar extends Float32Array {
    override get length(): number {
      return 2 * dim;
    }
  }
  const values = [0.5, -1, 2, 0.25];
  const got = l.reverse(new Liar(values));
  assert.equal(got.shape, [rows]);
  assertNear(got.data, referenceLogits(values, values.length / dim, dim, rows, indexTable(rows, dim), true, null));
});

liars("nearest: a subclass's iterator and length are not used", () => {
  const rows = 12, dim = 4;
  const l = layerOf(rows, dim);
  class Liar extends Float32Array {
    override get length(): number {
      return 2 * dim;
    }
    override *[Symbol.iterator](): ArrayIterator<number> {
      for (let i = 0; i < 2 * dim; i++) yield 100;
    }
  }
  const values = [0.5, -1, 2, 0.25];
  const got = l.nearest(new Liar(values), { k: 3, metric: "dot" });
  const want = l.nearest(Float32Array.from(values), { k: 3, metric: "dot" });
  assert.equal(got.shape, [3]);
  assert.equal(Array.from(got.indices), Array.from(want.indices));
});

liars("nearest: exclude given as a subclass lying about its length excludes exactly its rows", () => {
  const rows = 12, dim = 4;
  const l = layerOf(rows, dim);
  class Liar extends Int32Array {
    override get length(): number {
      return 0;
    }
  }
  const values = [0.5, -1, 2, 0.25];
  const all = l.nearest(values, { k: 3, metric: "dot" });
  const skip = [all.indices[0]!, all.indices[1]!];
  const got = l.nearest(values, { k: 3, metric: "dot", exclude: new Liar(skip) });
  const want = l.nearest(values, { k: 3, metric: "dot", exclude: skip });
  assert.equal(Array.from(got.indices), Array.from(want.indices));
  assert.not.ok(Array.from(got.indices).some((r) => skip.includes(r)));
});

liars("lookupBuffer: a shape behind a Proxy is read once, so checks and gather see the same size", () => {
  const rows = 12, dim = 4;
  const l = layerOf(rows, dim);
  l.indexBuffer(2).set([3, 7]);
  let reads = 0;
  // Valid on the first read; a later read would describe a negative size.
  const shape = new Proxy([2], {
    get(target, key, receiver) {
      if (key === "0") return ++reads === 1 ? 2 : -4;
      return Reflect.get(target, key, receiver);
    },
  });
  const out = l.lookupBuffer(shape);
  assertSameFloats(out, referenceGather(indexTable(rows, dim), dim, [3, 7]));
  assert.is(reads, 1);
});

// ---------------------------------------------------------------------------------------------
const bags = suite("EmbeddingBag reads its caller arrays once");

function bagOf(rows: number, dim: number, mode: "sum" | "mean" | "max" = "sum"): EmbeddingBag {
  return new EmbeddingBag({ inputDim: rows, outputDim: dim, mode, weights: [{ data: indexTable(rows, dim), shape: [rows, dim] }] });
}

/** Sum of the rows of each bag [offsets[b], offsets[b + 1]). */
function referenceBagSum(table: Float32Array, dim: number, ids: ArrayLike<number>, offsets: number[]): Float32Array {
  const out = new Float32Array(offsets.length * dim);
  for (let b = 0; b < offsets.length; b++) {
    const end = b + 1 < offsets.length ? offsets[b + 1]! : ids.length;
    for (let i = offsets[b]!; i < end; i++) for (let d = 0; d < dim; d++) out[b * dim + d]! += table[ids[i]! * dim + d]!;
  }
  return out;
}

bags("offsets whose length changes between reads: the first read counts", () => {
  const rows = 20, dim = 4;
  const bag = bagOf(rows, dim);
  // Leave stale values in scratch, as a previous call does.
  bag.call(new Int32Array(64).fill(19), { offsets: [0, 1, 2, 3, 4, 5, 6, 7] });
  const ids = new Int32Array([1, 2, 3, 4, 5, 6]);
  let reads = 0;
  const offsets = new Proxy([0, 2, 4], {
    get(target, key, receiver) {
      if (key === "length") return ++reads === 1 ? 3 : 1;
      return Reflect.get(target, key, receiver);
    },
  });
  const got = bag.call(ids, { offsets });
  assert.equal(got.shape, [3, dim]);
  assertSameFloats(got.data, referenceBagSum(indexTable(rows, dim), dim, ids, [0, 2, 4]));
});

bags("the input is copied before the offsets' getters run (which may detach it)", () => {
  const rows = 20, dim = 4;
  const bag = bagOf(rows, dim);
  const ids = new Int32Array([7, 8, 9, 10]);
  const offsets = [0, 0, 3];
  Object.defineProperty(offsets, 1, {
    get() {
      structuredClone(ids.buffer, { transfer: [ids.buffer] });
      return 1;
    },
  });
  const got = bag.call(ids, { offsets });
  assertSameFloats(got.data, referenceBagSum(indexTable(rows, dim), dim, [7, 8, 9, 10], [0, 1, 3]));
});

bags("perSampleWeights: a subclass lying about its length is read by the engine's length", () => {
  const rows = 20, dim = 2;
  const bag = bagOf(rows, dim);
  class Liar extends Float32Array {
    override get length(): number {
      return 1;
    }
  }
  const got = bag.call([[1, 2]], { perSampleWeights: { data: new Liar([2, 3]), shape: [1, 2] } });
  const t = indexTable(rows, dim);
  assertSameFloats(got.data, [2 * t[2]! + 3 * t[4]!, 2 * t[3]! + 3 * t[5]!]);
});

bags("backward: a dOutput subclass lying about its length is read by the engine's length", () => {
  const rows = 20, dim = 2;
  const bag = bagOf(rows, dim);
  bag.call([[1, 2]]);
  class Liar extends Float32Array {
    override get length(): number {
      return 2;
    }
  }
  assertThrowsMessage(() => bag.backward(new Liar(1)), ValueError, /^dOutput must have 2 values, .* Received: dOutput\.length=1$/);
  const g = bag.backward(new Liar([1, 2]))!;
  assert.equal(Array.from(g.indices), [1, 2]);
  // Sum mode: each row of the bag gets the bag's whole gradient.
  assertSameFloats(g.values, [1, 2, 1, 2]);
});

ownViews.run();
outChecks.run();
liars.run();
bags.run();
