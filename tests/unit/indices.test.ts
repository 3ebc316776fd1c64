// Bad indices and malformed input: the error names the position and the caller's value, and
// nothing caller-visible is written.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage } from "../support/helpers.ts";

const range = suite("out-of-range indices");
const layer = new Embedding({ inputDim: 23624, outputDim: 8, name: "range_probe" });

range("position is reported in the input's own coordinates", () => {
  const x = Array.from({ length: 8 }, () => Array.from({ length: 5 }, () => 1));
  x[6]![4] = 23624;
  assertThrowsMessage(() => layer.call(x), RangeError, "indices[6,4] = 23624 is not in [0, 23624)");
  const data = new Int32Array(2 * 3 * 4);
  data[1 * 12 + 2 * 4 + 3] = -1;
  assertThrowsMessage(() => layer.call({ data, shape: [2, 3, 4] }), RangeError, "indices[1,2,3] = -1 is not in [0, 23624)");
  assertThrowsMessage(() => layer.call(23624), RangeError, "indices = 23624 is not in [0, 23624)");
});

range("the first bad position is reported, wherever it falls in a SIMD block", () => {
  for (const n of [1, 4, 15, 16, 17, 64, 1001]) {
    for (const at of [0, n - 1, n >> 1]) {
      const data = new Int32Array(n).fill(3);
      data[at] = 99999;
      if (at + 1 < n) data[n - 1] = -5;
      assertThrowsMessage(() => layer.call({ data, shape: [n] }), RangeError, `indices[${at}] = 99999 is not in [0, 23624)`);
    }
  }
});

range("every dtype's invalid values are rejected with the original value", () => {
  const cases: [unknown, string][] = [
    [{ data: new Float64Array([0, NaN]), shape: [2] }, "indices[1] = NaN is not in [0, 23624) (indices must be finite numbers)"],
    [{ data: new Float64Array([Infinity]), shape: [1] }, "indices[0] = Infinity is not in [0, 23624) (indices must be finite numbers)"],
    [{ data: new Float32Array([1, -Infinity]), shape: [2] }, "indices[1] = -Infinity is not in [0, 23624) (indices must be finite numbers)"],
    [{ data: new Float32Array([NaN]), shape: [1] }, "indices[0] = NaN is not in [0, 23624) (indices must be finite numbers)"],
    [[1, 2 ** 31], "indices[1] = 2147483648 is not in [0, 23624)"],
    [[1, 2 ** 32 + 1], "indices[1] = 4294967297 is not in [0, 23624)"],
    [[1e300], "indices[0] = 1e+300 is not in [0, 23624)"],
    [[-(2 ** 31)], "indices[0] = -2147483648 is not in [0, 23624)"],
    [[-1.5], "indices[0] = -1.5 is not in [0, 23624)"],
    [[23624.5], "indices[0] = 23624.5 is not in [0, 23624)"],
    [{ data: new Float32Array([3e9]), shape: [1] }, "indices[0] = 3000000000 is not in [0, 23624)"],
    [{ data: new Uint32Array([4294967295]), shape: [1] }, "indices[0] = 4294967295 is not in [0, 23624)"],
    [{ data: new BigInt64Array([5000000000n]), shape: [1] }, "indices[0] = 5000000000 is not in [0, 23624)"],
    [{ data: new BigInt64Array([-1n]), shape: [1] }, "indices[0] = -1 is not in [0, 23624)"],
    [{ data: new BigUint64Array([2n ** 64n - 1n]), shape: [1] }, "indices[0] = 18446744073709551615 is not in [0, 23624)"],
    [{ data: new Int8Array([-128]), shape: [1] }, "indices[0] = -128 is not in [0, 23624)"],
  ];
  for (const [x, message] of cases) assertThrowsMessage(() => layer.call(x as number[]), RangeError, message);
});

range("edge indices 0 and inputDim-1 are accepted; -0 and 0.4 look up row 0", () => {
  const table = layer.getWeights()[0]!.data;
  const y = layer.call([0, 23623, -0, 0.4, 23623.9]);
  assertSameFloats(y.data.subarray(0, 8), table.subarray(0, 8));
  assertSameFloats(y.data.subarray(8, 16), table.subarray(23623 * 8));
  assertSameFloats(y.data.subarray(16, 24), table.subarray(0, 8));
  assertSameFloats(y.data.subarray(24, 32), table.subarray(0, 8));
  assertSameFloats(y.data.subarray(32, 40), table.subarray(23623 * 8));
});

range("a failed call writes nothing: callInto's out and the table are unchanged", () => {
  const before = layer.getWeights()[0]!.data;
  const out = new Float32Array(3 * 8).fill(12345);
  assertThrowsMessage(() => layer.callInto([1, 2, 23624], out), RangeError, "indices[2] = 23624 is not in [0, 23624)");
  assert.ok(out.every((v) => v === 12345), "out untouched");
  assertSameFloats(layer.getWeights()[0]!.data, before, "table");
});

const form = suite("malformed input");
form("ragged nested arrays are rejected", () => {
  assertThrowsMessage(() => layer.call([[1, 2, 3], [4, 5]]), ValueError,
    "x is ragged: x[1] has length 2, but x[0] has length 3. Nested input must be rectangular.");
  assertThrowsMessage(() => layer.call([[1, 2], 3] as never), ValueError,
    "x is ragged: x[1] is 3 (of type number), but x[0] is an array of length 2. Nested input must be rectangular.");
  assertThrowsMessage(() => layer.call([[[1], [2]], [[3], [4, 5]]]), ValueError, /^x is ragged: x\[1,1\] has length 2, but x\[0,0\] has length 1/);
});
form("non-number leaves are rejected, naming the position", () => {
  assertThrowsMessage(() => layer.call([[1, "2"]] as never), ValueError, /^x\[0,1\] must be a number.*Received: "2" \(of type string\)/);
  assertThrowsMessage(() => layer.call([1, null] as never), ValueError, /^x\[1\] must be a number.*Received: null \(of type null\)/);
  assertThrowsMessage(() => layer.call({ data: [1, "a"], shape: [2] } as never), ValueError, 'x.data[1] must be a number. Received: "a" (of type string)');
});
form("shape and data must agree", () => {
  assertThrowsMessage(() => layer.call({ data: new Int32Array(5), shape: [2, 3] }), ValueError,
    "x.shape [2, 3] holds 6 values, but x.data has 5. Received: x.shape=[2,3], x.data.length=5");
  assertThrowsMessage(() => layer.call({ data: new Int32Array(2), shape: [2, -1] }), ValueError, /^x.shape must be an array of non-negative integers/);
  assertThrowsMessage(() => layer.call({ data: "12", shape: [2] } as never), ValueError, /^x.data must be a typed array or an array of numbers/);
});
form("unsupported input types are rejected", () => {
  assertThrowsMessage(() => layer.call("1,2" as never), ValueError, /^x must be a number, a nested array of numbers, a typed array, or \{ data, shape \}.*Received: x="1,2" \(of type string\)/);
  assertThrowsMessage(() => layer.call(undefined as never), ValueError, /Received: x=undefined \(of type undefined\)$/);
  assertThrowsMessage(() => layer.call(new DataView(new ArrayBuffer(4)) as never), ValueError, /^x must be/);
});

range.run();
form.run();
