// Caller data is read once: every element of an array, a Proxy or a typed array (subclass or not)
// is read exactly once into a private copy, checked there and only then written or looked up; holes,
// valueOf objects, detached buffers and BigInts where numbers belong are refused naming the
// position; sizes are checked before nested input is materialised.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError, type WeightTable } from "../../src/index.ts";
import { assertThrowsMessage, referenceGather } from "../support/helpers.ts";

const table = (l: Embedding) => l.getWeights()[0]!.data;

/** A rows × cols table holding r * 10 + c + 1 at row r, column c. */
function distinct(rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[r * cols + c] = r * 10 + c + 1;
  return t;
}

function layerOf(rows: number, cols: number, options: Record<string, unknown> = {}): Embedding {
  return new Embedding({ inputDim: rows, outputDim: cols, weights: [{ data: distinct(rows, cols), shape: [rows, cols] }], ...options });
}

/** Runs a setWeights that must fail, and checks the table is byte for byte what it was. */
function refusedIntact(l: Embedding, weights: unknown, type: abstract new (...args: never[]) => Error, message: string | RegExp): void {
  const before = new Uint8Array(table(l).buffer).slice();
  assertThrowsMessage(() => l.setWeights(weights as WeightTable[]), type, message);
  assert.equal(new Uint8Array(table(l).buffer), before, "table bytes unchanged");
}

/**
 * A Proxy over `target` counting reads of each index; `answer(i, read)` gives the value of the
 * `read`-th read of index i (1 for the first), so a second read would see something else.
 */
function countingArray<T>(target: T[], answer: (i: number, read: number) => unknown = (i) => target[i]): { proxy: T[]; reads: number[] } {
  const reads = new Array<number>(target.length).fill(0);
  const proxy = new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        const i = Number(key);
        reads[i]!++;
        return answer(i, reads[i]!);
      }
      return Reflect.get(t, key, receiver);
    },
  });
  return { proxy, reads };
}

/** An array whose element `i` is an accessor: the first read gives `first`, later reads `later()`. */
function withGetter(values: number[], i: number, first: unknown, later: () => unknown): { array: unknown[]; reads: () => number } {
  let count = 0;
  const array: unknown[] = [...values];
  Object.defineProperty(array, i, { enumerable: true, get: () => (++count === 1 ? first : later()) });
  return { array, reads: () => count };
}

// ---------------------------------------------------------------------------------------------
const holes = suite("holes in weights are refused, naming the position");

holes("a hole inside a row", () => {
  const l = layerOf(2, 3);
  // eslint-disable-next-line no-sparse-arrays
  refusedIntact(l, [[[1, , 3], [4, 5, 6]]], ValueError, "weights[0][0][1] must be a number. Received: undefined (of type undefined)");
  // eslint-disable-next-line no-sparse-arrays
  refusedIntact(l, [[1, , 3], [4, 5, 6]], ValueError, "weights[0][1] must be a number. Received: undefined (of type undefined)");
});

holes("a missing row, in a list and in a bare table", () => {
  const l = layerOf(3, 2);
  // eslint-disable-next-line no-sparse-arrays
  refusedIntact(l, [[[1, 2], , [3, 4]]], ValueError, "weights[0][1] must be a row (an array of numbers). Received: undefined (of type undefined)");
  // eslint-disable-next-line no-sparse-arrays
  refusedIntact(l, [[1, 2], , [3, 4]], ValueError, "weights[1] must be a row (an array of numbers). Received: undefined (of type undefined)");
});

holes("a sparse array as data, and as the constructor's weights", () => {
  const l = layerOf(2, 2);
  const sparse = new Array<number>(4);
  sparse[0] = 1;
  sparse[3] = 4;
  refusedIntact(l, [{ data: sparse, shape: [2, 2] }], ValueError, "weights[0].data[1] must be a number. Received: undefined (of type undefined)");
  // A prototype value at an empty slot is not read as the caller's value either.
  assertThrowsMessage(
    // eslint-disable-next-line no-sparse-arrays
    () => new Embedding({ inputDim: 2, outputDim: 2, weights: [{ data: [1, , 3, 4] as number[], shape: [2, 2] }] }),
    ValueError,
    "weights[0].data[1] must be a number. Received: undefined (of type undefined)",
  );
});

// ---------------------------------------------------------------------------------------------
const once = suite("every caller element is read exactly once, and the first read is what counts");

once("setWeights from rows behind a Proxy: one read per index, first values written", () => {
  const l = layerOf(2, 2);
  const row = countingArray([7, 8], (i, read) => (read === 1 ? [7, 8][i] : -1));
  const rows = countingArray([row.proxy, [9, 10]]);
  l.setWeights([rows.proxy as number[][]]);
  assert.equal(row.reads, [1, 1]);
  assert.equal(rows.reads, [1, 1]);
  assert.equal(Array.from(table(l)), [7, 8, 9, 10]);
});

once("setWeights from { data } with an accessor element: read once, the first value written", () => {
  const l = layerOf(2, 2);
  // Before: checked on one read and copied on another, which threw after part of the table was written.
  const data = withGetter([1, 2, 3, 4], 2, 30, () => {
    throw new Error("read twice");
  });
  l.setWeights([{ data: data.array as number[], shape: [2, 2] }]);
  assert.is(data.reads(), 1);
  assert.equal(Array.from(table(l)), [1, 2, 30, 4]);
});

once("a getter that throws midway leaves the table as it was", () => {
  const l = layerOf(2, 3);
  const failing = withGetter([4, 5, 6], 1, undefined, () => 0);
  Object.defineProperty(failing.array, 1, {
    get: () => {
      throw new Error("getter failed");
    },
  });
  const before = new Uint8Array(table(l).buffer).slice();
  assert.throws(() => l.setWeights([[[1, 2, 3], failing.array as number[]]]), /getter failed/);
  assert.equal(new Uint8Array(table(l).buffer), before);
  const flatFailing = countingArray([1, 2, 3, 4, 5, 6], (i) => {
    if (i === 4) throw new Error("getter failed");
    return 100 + i;
  });
  assert.throws(() => l.setWeights([{ data: flatFailing.proxy, shape: [2, 3] }]), /getter failed/);
  assert.equal(new Uint8Array(table(l).buffer), before);
});

once("lookups read nested Proxies once and use the first values", () => {
  const l = layerOf(6, 2);
  const inner = countingArray([1, 2, 3], (i, read) => (read === 1 ? [1, 2, 3][i] : 5));
  const outer = countingArray([inner.proxy, [4, 0, 1]]);
  const out = l.call(outer.proxy);
  assert.equal(inner.reads, [1, 1, 1]);
  assert.equal(outer.reads, [1, 1]);
  assert.equal(out.shape, [2, 3, 2]);
  assert.equal(Array.from(out.data), Array.from(referenceGather(distinct(6, 2), 2, [1, 2, 3, 4, 0, 1])));
  const mask = layerOf(6, 2, { maskZero: true });
  const maskInput = countingArray([0, 3, 0], (i, read) => (read === 1 ? [0, 3, 0][i] : 1));
  assert.equal(Array.from(mask.computeMask(maskInput.proxy)!.data), [0, 1, 0]);
  assert.equal(maskInput.reads, [1, 1, 1]);
});

once("lookups read { data: Proxy, shape: Proxy } once", () => {
  const l = layerOf(6, 2);
  const data = countingArray([5, 1, 2, 0], (i, read) => (read === 1 ? [5, 1, 2, 0][i] : 99));
  const shape = countingArray([2, 2], (_i, read) => (read === 1 ? 2 : 3));
  const out = l.call({ data: data.proxy, shape: shape.proxy });
  assert.equal(data.reads, [1, 1, 1, 1]);
  assert.equal(shape.reads, [1, 1]);
  assert.equal(out.shape, [2, 2, 2]);
  assert.equal(Array.from(out.data), Array.from(referenceGather(distinct(6, 2), 2, [5, 1, 2, 0])));
});

once("an accessor index in lookup input is read once", () => {
  const l = layerOf(6, 2);
  const x = withGetter([1, 2, 3], 0, 4, () => 100);
  const out = l.call(x.array as number[]);
  assert.is(x.reads(), 1);
  assert.equal(Array.from(out.data), Array.from(referenceGather(distinct(6, 2), 2, [4, 2, 3])));
});

once("typed-array subclasses: overridden length, buffer, byteOffset, subarray and species are not used", () => {
  const l = layerOf(6, 2);
  const decoy = new Int32Array([5, 5, 5, 5, 5, 5]);
  class Liar extends Int32Array {
    static get [Symbol.species]() {
      return Float64Array;
    }
    override get length() {
      return 1;
    }
    override get buffer() {
      return decoy.buffer;
    }
    override get byteOffset() {
      return 4;
    }
    override subarray(): Int32Array<ArrayBuffer> {
      return decoy;
    }
  }
  const x = new Liar([1, 2, 0]);
  const out = l.call(x);
  assert.equal(out.shape, [3, 2]);
  assert.equal(Array.from(out.data), Array.from(referenceGather(distinct(6, 2), 2, [1, 2, 0])));
  assert.equal(Array.from(l.call({ data: x, shape: [3] }).data), Array.from(out.data));
  class LiarF32 extends Float32Array {
    override get length() {
      return 0;
    }
  }
  const w = new LiarF32([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2]);
  l.setWeights([{ data: w, shape: [6, 2] }]);
  assert.equal(Array.from(table(l)), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2]);
});

once("objects with valueOf are refused, not coerced, naming the position", () => {
  let coerced = 0;
  const n = { valueOf: () => (coerced++, 1) };
  const l = layerOf(3, 2);
  assertThrowsMessage(() => l.call([0, n as unknown as number]), ValueError, /^x\[1\] must be a number, like the other leaves of x\. Received: \{"valueOf":function valueOf\} \(of type object\)$/);
  assertThrowsMessage(() => l.call({ data: [n as unknown as number], shape: [1] }), ValueError, /^x\.data\[0\] must be a number\. Received: /);
  refusedIntact(l, [[[1, 2], [3, n], [5, 6]]], ValueError, /^weights\[0\]\[1\]\[1\] must be a number\. Received: /);
  refusedIntact(l, [{ data: [1, 2, 3, 4, 5, n], shape: [3, 2] }], ValueError, /^weights\[0\]\.data\[5\] must be a number\. Received: /);
  assert.is(coerced, 0);
});

// ---------------------------------------------------------------------------------------------
const sizes = suite("sizes are checked before input is materialised");

sizes("computeMask refuses 1e12 positions described by 80 KB of arrays", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 64, maskZero: true });
  const leaf = new Array<number>(10_000).fill(1);
  const mid = new Array<number[]>(10_000).fill(leaf);
  const top = new Array<number[][]>(10_000).fill(mid);
  assertThrowsMessage(() => l.computeMask(top), RangeError, /^A lookup of 1000000000000 indices needs/);
  assertThrowsMessage(() => l.computeMask(mid), RangeError, /^A lookup of 100000000 indices needs/);
  assertThrowsMessage(() => l.call(top), RangeError, /^A lookup of 1000000000000 indices needs/);
});

sizes("{ data, shape } with a Proxy claiming 2^32 - 1 elements is refused before a copy is made", () => {
  const l = new Embedding({ inputDim: 10, outputDim: 4, maskZero: true });
  let indexReads = 0;
  const data = new Proxy([] as number[], {
    get(t, key, receiver) {
      if (key === "length") return 2 ** 32 - 1;
      if (typeof key === "string" && /^\d+$/.test(key)) indexReads++;
      return Reflect.get(t, key, receiver);
    },
  });
  const x = { data, shape: [65_535, 65_537] };
  assertThrowsMessage(() => l.computeMask(x), RangeError, /^A lookup of 4294967295 indices needs/);
  assertThrowsMessage(() => l.call(x), RangeError, /^A lookup of 4294967295 indices needs/);
  assert.is(indexReads, 0);
});

// ---------------------------------------------------------------------------------------------
const detached = suite("detached buffers and BigInts are refused, naming the argument");

function detachedInt32(): Int32Array {
  const buffer = new ArrayBuffer(16);
  const view = new Int32Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

detached("a detached typed array as x, x.data or computeMask's input", () => {
  const l = layerOf(4, 2, { maskZero: true });
  const message = "x is an Int32Array whose buffer has been detached (transferred to a worker or by structuredClone), so it holds no data any more. Pass an array whose buffer is still usable.";
  assertThrowsMessage(() => l.call(detachedInt32()), ValueError, message);
  assertThrowsMessage(() => l.callInto(detachedInt32(), new Float32Array(0)), ValueError, message);
  assertThrowsMessage(() => l.computeMask(detachedInt32()), ValueError, message);
  assertThrowsMessage(() => l.call({ data: detachedInt32(), shape: [0] }), ValueError, message.replace("x is", "x.data is"));
  // An empty, live buffer is an empty input, not a detached one.
  assert.equal(l.call(new Int32Array(0)).shape, [0, 2]);
});

detached("a detached Float32Array as weights data", () => {
  const l = layerOf(2, 2);
  const buffer = new ArrayBuffer(16);
  const data = new Float32Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  refusedIntact(
    l,
    [{ data, shape: [2, 2] }],
    ValueError,
    "weights[0].data is a Float32Array whose buffer has been detached (transferred to a worker or by structuredClone), so it holds no data any more. Pass an array whose buffer is still usable.",
  );
});

detached("BigInt arrays as weights data are refused naming the argument", () => {
  const l = layerOf(2, 2);
  for (const [Type, name] of [[BigInt64Array, "BigInt64Array"], [BigUint64Array, "BigUint64Array"]] as const) {
    refusedIntact(
      l,
      [{ data: new Type(4), shape: [2, 2] }],
      ValueError,
      `weights[0].data must hold numbers: weights are float32, and a ${name} holds BigInts. Pass a Float32Array, a Float64Array or an array of numbers.`,
    );
  }
  refusedIntact(l, [[[1n, 2], [3, 4]]], ValueError, "weights[0][0][0] must be a number. Received: 1n (of type bigint)");
});

holes.run();
once.run();
sizes.run();
detached.run();
