// Tensors of the libraries users already have, passed straight in: TensorFlow.js tensors and ONNX
// Runtime / transformers.js tensors, recognized by shape (the package imports neither).
import * as tf from "@tensorflow/tfjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage, referenceGather } from "../support/helpers.ts";

const TABLE = Float32Array.from({ length: 6 * 3 }, (_, i) => i * 0.5 - 2);
const layer = () => new Embedding({ inputDim: 6, outputDim: 3, weights: { data: TABLE, shape: [6, 3] }, maskZero: true });

/** What onnxruntime-web's / onnxruntime-node's Tensor holds (data, dims, type), as a class instance. */
class OrtLikeTensor {
  constructor(readonly type: string, readonly data: Int32Array | BigInt64Array | Float32Array, readonly dims: readonly number[]) {}
  get size(): number {
    return this.data.length;
  }
}

test("a TensorFlow.js int32 or float32 tensor: call, callInto, computeMask, and a tensor dOutput for backward", () => {
  const emb = layer();
  const ids = tf.tensor2d([[1, 5, 0], [2, 2, 4]], [2, 3], "int32");
  const y = emb.call(ids);
  assert.equal(y.shape, [2, 3, 3]);
  assertSameFloats(y.data, referenceGather(TABLE, 3, [1, 5, 0, 2, 2, 4]));
  const floats = tf.tensor1d([3.7, 0.2], "float32"); // truncated toward zero, as Keras casts
  assertSameFloats(emb.call(floats).data, referenceGather(TABLE, 3, [3, 0]));
  const out = new Float32Array(18);
  emb.callInto(ids, out);
  assertSameFloats(out, y.data);
  assert.equal([...emb.computeMask(ids)!.data], [1, 1, 0, 1, 1, 1]);
  const g = emb.backward(tf.ones([2, 3, 3]));
  assert.equal([...g!.indices], [1, 5, 0, 2, 4]);
  assertSameFloats(g!.values.subarray(9, 12), [2, 2, 2], "row 2 was looked up twice");
  ids.dispose();
  assertThrowsMessage(() => emb.call(ids), ValueError, /x is a TensorFlow\.js tensor that has been disposed/);
  assertThrowsMessage(() => emb.call(tf.tensor1d(["a"], "string") as never), ValueError, /dtype "string"; indices must be an int32 or float32 tensor/);
  assertThrowsMessage(() => emb.call(tf.tensor1d([6], "int32")), RangeError, /^indices\[0\] = 6 is not in \[0, 6\)$/);
});

test("an ONNX Runtime tensor (int64 as BigInt64Array, int32, float32)", () => {
  const emb = layer();
  const int64 = new OrtLikeTensor("int64", BigInt64Array.of(4n, 0n, 1n, 5n), [2, 2]);
  const y = emb.call(int64);
  assert.equal(y.shape, [2, 2, 3]);
  assertSameFloats(y.data, referenceGather(TABLE, 3, [4, 0, 1, 5]));
  assertSameFloats(emb.call(new OrtLikeTensor("int32", Int32Array.of(2), [1])).data, referenceGather(TABLE, 3, [2]));
  assertSameFloats(emb.call({ type: "float32", data: Float32Array.of(1.9), dims: [] }).data, referenceGather(TABLE, 3, [1]));
  assert.equal([...emb.computeMask(int64)!.data], [1, 0, 1, 1]);
  assertThrowsMessage(() => emb.call(new OrtLikeTensor("int64", BigInt64Array.of(7n), [1])), RangeError, /^indices\[0\] = 7 is not in \[0, 6\)$/);
  assertThrowsMessage(() => emb.call(new OrtLikeTensor("int32", Int32Array.of(1, 2), [3])), ValueError, /x\.shape \[3\] holds 3 values, but x\.data has 2/);
  assertThrowsMessage(() => emb.call({ type: "string", data: ["a"], dims: [1] } as never), ValueError, /ONNX Runtime tensor of type "string"/);
});

test.run();
