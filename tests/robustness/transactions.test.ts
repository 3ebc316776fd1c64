// Every public call is a transaction: a call that fails leaves the table, the recorded last lookup,
// `losses` and the caller's `out` as they were; a callback that calls back into the same layer is
// refused with a clear error instead of corrupting the outer call.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";

const TABLE = [[0.5, -1], [2, 0.25], [-3, 4], [1.5, 1.5]];
const layerWith = (options: Record<string, unknown> = {}) => new Embedding({ inputDim: 4, outputDim: 2, weights: [TABLE], ...options });

const REENTRY = /while its (call|callInto|applyConstraint|regularizationLoss|losses)\(\) was still running/;

test("a regularizer function that calls the same layer is refused; the outer call leaves losses and the last lookup", () => {
  let reenter = false;
  const layer = layerWith({
    activityRegularizer: ({ data }: { data: Float32Array }) => {
      if (reenter) layer.call([3, 3, 3]);
      return data.reduce((a, b) => a + b, 0);
    },
  });
  assertSameFloats(layer.call([[1, 2]]).data, [2, 0.25, -3, 4]);
  assert.equal(layer.losses, [3.25]);
  reenter = true;
  assertThrowsMessage(() => layer.call([[0, 1]]), ValueError, REENTRY);
  const out = new Float32Array(4).fill(9);
  assertThrowsMessage(() => (layer.callInto as (x: unknown) => unknown)([[0, 1]]), ValueError, /out must be a Float32Array/);
  assertThrowsMessage(() => layer.callInto([[0, 1]], out), ValueError, REENTRY);
  assertSameFloats(out, [9, 9, 9, 9], "out untouched");
  reenter = false;
  assert.equal(layer.losses, [3.25], "losses of the last successful call");
  assertSameFloats(layer.getWeights()[0]!.data, TABLE.flat());
  assertSameFloats(layer.call([3]).data, [1.5, 1.5]);
  assert.equal(layer.losses, [3]);
});

test("a constraint or regularizer function that reads the same layer is refused", () => {
  const constrained = layerWith({ embeddingsConstraint: () => void constrained.getWeights() });
  assertThrowsMessage(() => constrained.applyConstraint(), ValueError, /getWeights\(\) was called .* while its applyConstraint\(\) was still running/);
  assertSameFloats(constrained.getWeights()[0]!.data, TABLE.flat());
  const regularized = layerWith({ embeddingsRegularizer: () => regularized.call([0]).data[0]! });
  assertThrowsMessage(() => regularized.regularizationLoss(), ValueError, /call\(\) was called .* while its regularizationLoss\(\) was still running/);
  assertThrowsMessage(() => regularized.losses, ValueError, /while its losses\(\) was still running/);
  const disposing = layerWith({ embeddingsConstraint: () => disposing.dispose() });
  assertThrowsMessage(() => disposing.applyConstraint(), ValueError, /dispose\(\) was called/);
  assert.is(disposing.isDisposed, false);
  assertSameFloats(disposing.call([1]).data, [2, 0.25]);
});

test("an input getter that calls the same layer is refused; the outer call writes nothing", () => {
  const layer = layerWith();
  const first = layer.call([2, 1]);
  const hostile = new Proxy([0, 1], {
    get(target, key, receiver) {
      if (key === "1") layer.call([3]);
      return Reflect.get(target, key, receiver);
    },
  });
  const out = new Float32Array(4).fill(7);
  assertThrowsMessage(() => layer.callInto(hostile, out), ValueError, REENTRY);
  assertSameFloats(out, [7, 7, 7, 7]);
  assertSameFloats(first.data, [-3, 4, 2, 0.25]);
  const g = layer.backward(new Float32Array([1, 2, 3, 4]))!;
  assert.equal([...g.indices], [2, 1], "the recorded lookup is still [2, 1]");
  assertSameFloats(g.values, [1, 2, 3, 4]);
});

test("a failed lookup keeps the last lookup for backward, even when it grew the lookup regions", () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 2, weights: [TABLE], activityRegularizer: { className: "L2", config: { l2: 0.5 } } });
  layer.call([[3, 0]]);
  const expected = layer.backward([[[1, 1], [1, 1]]])!;
  const losses = layer.losses;
  const big = new Int32Array(100_000); // more positions than the regions hold: they grow
  big[99_999] = 4;
  assertThrowsMessage(() => layer.call(big), RangeError, /indices\[99999\] = 4 is not in \[0, 4\)/);
  assertThrowsMessage(() => layer.call([[0, 7]]), RangeError, /indices\[0,1\] = 7 is not in \[0, 4\)/);
  assert.equal(layer.losses, losses);
  const again = layer.backward([[[1, 1], [1, 1]]])!;
  assert.equal([...again.indices], [3, 0]);
  assertSameFloats(again.values, expected.values, "same gradient, activity term included");
  // 1 + 2 · 0.5 · y / batch (batch 1): row 3 = [1.5, 1.5] → 2.5; row 0 = [0.5, -1] → 1.5, 0
  assertSameFloats(again.values, [2.5, 2.5, 1.5, 0]);
});

test("maxNorm: rows rescaled by a lookup whose activity regularizer throws are restored", () => {
  let fail = true;
  const layer = new Embedding({
    inputDim: 4, outputDim: 2, weights: [TABLE], maxNorm: 1,
    activityRegularizer: () => {
      if (fail) throw new Error("regularizer failed");
      return 0;
    },
  });
  assertThrowsMessage(() => layer.call([[2, 2, 1]]), Error, "regularizer failed");
  assertSameFloats(layer.getWeights()[0]!.data, TABLE.flat(), "table as before");
  fail = false;
  const y = layer.call([2]).data;
  // PyTorch's renorm: 5 > 1, so the row becomes row · 1 / (5 + 1e-7) in float32.
  const scale = Math.fround(1 / (5 + 1e-7));
  assertSameFloats(y, [Math.fround(-3 * scale), Math.fround(4 * scale)]);
});

test("callInto refuses a view of the layer's own memory and a detached out, naming out", () => {
  const layer = layerWith();
  layer.indexBuffer(2).set([1, 2]);
  const view = layer.lookupBuffer(2);
  assertThrowsMessage(() => layer.callInto([0, 3], view), ValueError, /out is a view of this layer's own WebAssembly memory/);
  const out = new Float32Array(4);
  structuredClone(out.buffer, { transfer: [out.buffer] });
  assertThrowsMessage(() => layer.callInto([0, 3], out), ValueError, /out is a Float32Array whose buffer has been detached/);
  // A callback that detaches out after it was checked: refused before anything is recorded.
  let detach: Float32Array | null = null;
  const tricky = new Embedding({
    inputDim: 4, outputDim: 2, weights: [TABLE],
    activityRegularizer: () => {
      if (detach) structuredClone(detach.buffer, { transfer: [detach.buffer] });
      return 1;
    },
  });
  tricky.call([1]);
  detach = new Float32Array(2);
  assertThrowsMessage(() => tricky.callInto([0], detach!), ValueError, /out is a Float32Array whose buffer has been detached/);
  assert.equal(tricky.losses, [1]);
});

test("a typed-array subclass lying about its length cannot make out look longer", () => {
  class Liar extends Float32Array {
    override get length(): number {
      return 4;
    }
  }
  const layer = layerWith();
  assertThrowsMessage(() => layer.callInto([0, 1], new Liar(2)), ValueError, /out must have 4 elements .* Received: out.length=2/);
});

test("lookupBuffer runs again on the same index buffer (hot loops write the indices once); a call in between spends it", () => {
  const layer = layerWith();
  layer.indexBuffer(2).set([3, 1]);
  assertSameFloats(layer.lookupBuffer(2), [1.5, 1.5, 2, 0.25]);
  assertSameFloats(layer.lookupBuffer(2), [1.5, 1.5, 2, 0.25]);
  layer.call([0]);
  assertThrowsMessage(() => layer.lookupBuffer(2), ValueError, /no index slots were handed out since the last lookup/);
});

test.run();
