// The reverse projection (Keras Hub's ReversibleEmbedding, reverse=True): R1 from
// ../shared/spec/keras-embedding.md §10, tied and untied products and the soft cap against float64
// references, the backward pass against the analytic gradient and finite differences, configs and weights.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, SGD, ValueError } from "../../src/index.ts";
import { assertClose, assertSameFloats, assertThrowsMessage, fixtureRandom, flat } from "../support/helpers.ts";
import { referenceLogits } from "../support/reference-logits.ts";
import { brokenGuards, withGuardBands } from "../../src/testing.ts";

function random(n: number, seed: number, scale = 1): Float32Array {
  const rnd = fixtureRandom(seed);
  return Float32Array.from({ length: n }, () => (rnd() - 0.5) * 2 * scale);
}

const forward = suite("reverse: logits");
forward("R1: W = [[0,0],[2,2],[3,3]], reverse([[1,1]]) = [[0,4,6]]; with logitSoftCap 5", () => {
  const W = [[0, 0], [2, 2], [3, 3]];
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: W });
  const y = layer.reverse([[1, 1]]);
  assert.equal(y.shape, [1, 3]);
  assertClose(y.data, [0, 4, 6]);
  const capped = new Embedding({ inputDim: 3, outputDim: 2, weights: W, logitSoftCap: 5 });
  assertClose(capped.reverse([[1, 1]]).data, [0, 3.3201839, 4.168273], 1e-6, 1e-6);
});
forward("tied and untied, odd sizes (every block and tail path), nested shapes, capped and not", () => {
  for (const [rows, dim, q] of [[1, 1, 1], [7, 3, 5], [33, 17, 9], [64, 32, 4], [101, 8, 37], [5, 130, 2]] as const) {
    const x = random(q * dim, rows + dim);
    for (const tied of [true, false]) {
      for (const cap of [null, 2.5]) {
        const w = random(rows * dim, 3 * rows + dim);
        const r = random(rows * dim, 5 * rows + dim);
        const layer = new Embedding({ inputDim: rows, outputDim: dim, tieWeights: tied, logitSoftCap: cap, weights: tied ? [{ data: w, shape: [rows, dim] }] : [{ data: w, shape: [rows, dim] }, { data: r, shape: [dim, rows] }] });
        const y = layer.reverse({ data: x, shape: [q, dim] });
        assert.equal(y.shape, [q, rows]);
        assertClose(y.data, referenceLogits(x, q, dim, rows, tied ? w : r, tied, cap), 1e-5, 1e-5);
      }
    }
  }
  const layer = new Embedding({ inputDim: 4, outputDim: 2, weights: [[1, 0], [0, 1], [1, 1], [2, -1]] });
  const y = layer.reverse([[[1, 2], [3, 4]], [[0, 0], [-1, 1]]]);
  assert.equal(y.shape, [2, 2, 4]);
  assertClose(y.data, [1, 2, 3, 0, 3, 4, 7, 2, 0, 0, 0, 0, -1, 1, 0, -3]);
  assert.equal(layer.reverse(new Float32Array([1, 2])).shape, [4]);
});
forward("every row-block shape: rows 1..9 (the half split, the odd last row), dims 1..9, 13, 16, 17 (the masked last vector), 1..9 and 33 queries (quads, leftovers, a second query block)", () => {
  for (const rows of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    for (const dim of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17]) {
      const w = random(rows * dim, 7 * rows + dim);
      const r = random(rows * dim, 11 * rows + dim);
      const tied = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: w, shape: [rows, dim] }] });
      const untied = new Embedding({ inputDim: rows, outputDim: dim, tieWeights: false, logitSoftCap: 1.5, weights: [{ data: w, shape: [rows, dim] }, { data: r, shape: [dim, rows] }] });
      for (const q of [1, 2, 3, 4, 5, 6, 7, 8, 9, 33]) {
        const x = random(q * dim, 13 * q + dim);
        assertClose(tied.reverse({ data: x, shape: [q, dim] }).data, referenceLogits(x, q, dim, rows, w, true, null), 1e-5, 1e-5);
        assertClose(untied.reverse({ data: x, shape: [q, dim] }).data, referenceLogits(x, q, dim, rows, r, false, 1.5), 1e-5, 1e-5);
      }
      tied.dispose();
      untied.dispose();
    }
  }
});
forward("the masked last vector keeps non-finite values where they belong: an infinite or NaN value reaches only its own row's and query's logits", () => {
  for (const dim of [1, 2, 3, 5, 6, 7]) {
    const rows = 7, q = 5;
    const w = random(rows * dim, 17 + dim);
    w[3 * dim - 1] = Infinity; // the last value of row 2, just before row 3's masked vector
    w[5 * dim - 1] = NaN; // the last value of row 4
    const x = random(q * dim, 19 + dim);
    x[dim - 1] = -Infinity; // the last value of query 0, just before query 1's masked vector
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: w, shape: [rows, dim] }] });
    const got = layer.reverse({ data: x, shape: [q, dim] }).data;
    const want = referenceLogits(x, q, dim, rows, w, true, null);
    for (let i = 0; i < got.length; i++) {
      const row = i % rows, query = Math.floor(i / rows);
      if (row === 2 || row === 4 || query === 0) {
        assert.is(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])), true, `dim ${dim} [${query}, ${row}] = ${got[i]}, expected ${want[i]}`);
      } else {
        assert.ok(Number.isFinite(got[i]!), `dim ${dim} [${query}, ${row}] = ${got[i]}, finite expected`);
        assertClose([got[i]!], [want[i]!], 1e-5, 1e-5);
      }
    }
    layer.dispose();
  }
});
forward("untied reverse embeddings are built with the initializer and listed second; setWeights takes both", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, tieWeights: false, embeddingsInitializer: "ones" });
  const weights = layer.getWeights();
  assert.equal(weights.map((w) => w.shape), [[3, 2], [2, 3]]);
  assertSameFloats(weights[1]!.data, [1, 1, 1, 1, 1, 1]);
  assertThrowsMessage(() => layer.setWeights([{ data: new Float32Array(6), shape: [3, 2] }]), ValueError, /weight list of length 1, but the layer was expecting 2 weights/);
  assertThrowsMessage(() => layer.setWeights([{ data: new Float32Array(6), shape: [3, 2] }, { data: new Float32Array(6), shape: [3, 2] }]), ValueError, /weight shape \[2, 3\] is not compatible with provided weight shape \[3, 2\]/);
  layer.setWeights([{ data: new Float32Array(6), shape: [3, 2] }, { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }]);
  assertClose(layer.reverse([[1, 1]]).data, [5, 7, 9]);
});
forward("bad arguments: x's last dimension, the cap, reverseDtype", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2 });
  assertThrowsMessage(() => layer.reverse([[1, 2, 3]]), ValueError, /x must have a last dimension of 2 \(the layer's outputDim\)\. Received: shape \[1, 3\]/);
  assertThrowsMessage(() => layer.reverse(3 as never), ValueError, /last dimension of 2/);
  assertThrowsMessage(() => new Embedding({ inputDim: 3, outputDim: 2, logitSoftCap: 0 }), ValueError, /logitSoftCap must be a finite number > 0/);
  assertThrowsMessage(() => new Embedding({ inputDim: 3, outputDim: 2, reverseDtype: "float16" as never }), ValueError, /reverseDtype/);
  assertThrowsMessage(() => new Embedding({ inputDim: 3, outputDim: 2, tieWeights: 1 as never }), ValueError, /tieWeights must be a boolean/);
});
forward("configs as Keras Hub writes them round-trip; a plain tied layer writes none of the keys", () => {
  const plain = new Embedding({ inputDim: 3, outputDim: 2 });
  assert.not.ok("tie_weights" in plain.toKerasConfig());
  assert.not.ok("tieWeights" in plain.getConfig());
  const layer = new Embedding({ inputDim: 3, outputDim: 2, tieWeights: false, logitSoftCap: 30 });
  const keras = layer.toKerasConfig();
  assert.equal([keras["tie_weights"], keras["logit_soft_cap"], keras["reverse_dtype"]], [false, 30, null]);
  const back = Embedding.fromConfig({ class_name: "ReversibleEmbedding", config: keras });
  assert.equal([back.tieWeights, back.logitSoftCap], [false, 30]);
  const tf = Embedding.fromConfig(layer.getConfig());
  assert.equal([tf.tieWeights, tf.logitSoftCap], [false, 30]);
});

forward("a Keras Hub ReversibleEmbedding config with tied weights and no cap reads as a plain tied layer", () => {
  const layer = Embedding.fromConfig({
    module: "keras_hub.layers",
    class_name: "ReversibleEmbedding",
    config: {
      name: "token_embedding", trainable: true, dtype: { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null },
      input_dim: 5, output_dim: 3, embeddings_initializer: { module: "keras.initializers", class_name: "RandomUniform", config: { minval: -0.05, maxval: 0.05, seed: null }, registered_name: null },
      embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false,
      tie_weights: true, reverse_dtype: null, logit_soft_cap: null,
    },
    registered_name: "keras_hub>ReversibleEmbedding",
  });
  assert.equal([layer.name, layer.inputDim, layer.outputDim, layer.tieWeights, layer.logitSoftCap], ["token_embedding", 5, 3, true, null]);
  assert.equal(layer.getWeights().length, 1);
});

const backward = suite("reverse: backward");
/** Loss = Σ c ⊙ logits for fixed c: its gradients by central differences in float64 through the reference. */
function numericGradient(f: (v: Float64Array) => number, at: Float64Array): Float64Array {
  const g = new Float64Array(at.length);
  const h = 1e-4;
  for (let i = 0; i < at.length; i++) {
    const v = Float64Array.from(at);
    v[i] = at[i]! + h;
    const up = f(v);
    v[i] = at[i]! - h;
    g[i] = (up - f(v)) / (2 * h);
  }
  return g;
}
backward("tied and untied, capped and not: dInput and the weights' gradient match finite differences", () => {
  const rows = 6, dim = 5, q = 3;
  const x = random(q * dim, 1);
  const c = random(q * rows, 2);
  for (const tied of [true, false]) {
    for (const cap of [null, 1.5]) {
      const w = random(rows * dim, 3);
      const r = random(rows * dim, 4);
      const layer = new Embedding({ inputDim: rows, outputDim: dim, tieWeights: tied, logitSoftCap: cap, weights: tied ? [{ data: w, shape: [rows, dim] }] : [{ data: w, shape: [rows, dim] }, { data: r, shape: [dim, rows] }] });
      layer.reverse({ data: x, shape: [q, dim] });
      const got = layer.reverseBackward({ data: c, shape: [q, rows] });
      const loss = (xs: ArrayLike<number>, ws: ArrayLike<number>) => referenceLogits(xs, q, dim, rows, ws, tied, cap).reduce((s, v, i) => s + v * c[i]!, 0);
      const weights = tied ? w : r;
      assert.equal(got.dInput.shape, [q, dim]);
      assertClose(got.dInput.data, numericGradient((v) => loss(v, weights), Float64Array.from(x)), 1e-4, 1e-3);
      const dW = numericGradient((v) => loss(x, v), Float64Array.from(weights));
      if (tied) {
        assert.is(got.reverseGradient, null);
        assert.equal(Array.from(got.gradient!.indices), [0, 1, 2, 3, 4, 5]);
        assertClose(got.gradient!.values, dW, 1e-4, 1e-3);
      } else {
        assert.is(got.gradient, null);
        assert.equal(got.reverseGradient!.shape, [dim, rows]);
        assertClose(got.reverseGradient!.data, dW, 1e-4, 1e-3);
      }
    }
  }
});
backward("tied: the lookup's gradient is added, and one SGD step trains both uses of the table", () => {
  const w = [[1, 2], [3, 4], [5, 6]];
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: w });
  const h = layer.call([1]);
  const lookup = layer.backward([[0.5, -1]])!;
  layer.reverse([Array.from(h.data)]);
  const dLogits = [[1, 0, -1]];
  const { gradient } = layer.reverseBackward(dLogits, { gradient: lookup });
  // dW[r] = dLogits[r] · x, x = row 1 = [3, 4]; plus the lookup's [0.5, -1] on row 1.
  assertClose(gradient!.values, [3, 4, 0.5, -1, -3, -4]);
  layer.applyGradients(gradient!, new SGD({ learningRate: 0.1 }));
  assertClose(layer.getWeights()[0]!.data, flat(w).map((v, i) => v - 0.1 * [3, 4, 0.5, -1, -3, -4][i]!), 1e-6, 1e-6);
});
backward("untied: applyReverseGradients steps the reverse embeddings by -lr * gradient, leaving the table alone", () => {
  const w = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] };
  const r = { data: new Float32Array([1, 0, -1, 0, 1, 2]), shape: [2, 3] };
  const layer = new Embedding({ inputDim: 3, outputDim: 2, tieWeights: false, weights: [w, r] });
  layer.call([0, 2]);
  layer.reverse([[2, -1]]);
  const { reverseGradient } = layer.reverseBackward([[1, 0, 3]]);
  // dR = xᵀ · dL = [2, -1]ᵀ · [1, 0, 3].
  assertClose(reverseGradient!.data, [2, 0, 6, -1, 0, -3]);
  const sgd = new SGD({ learningRate: 0.5 });
  layer.applyReverseGradients(reverseGradient!, sgd);
  const [table, reverse] = layer.getWeights();
  assertSameFloats(table!.data, w.data);
  assertClose(reverse!.data, [0, 0, -4, 0.5, 1, 3.5]);
  // The table can still be stepped by the same optimizer, from a lookup's gradient.
  layer.call([1]);
  layer.applyGradients(layer.backward([[1, 1]])!, sgd);
  assertClose(layer.getWeights()[0]!.data, [1, 2, 2.5, 3.5, 5, 6]);
  const tied = new Embedding({ inputDim: 3, outputDim: 2 });
  assertThrowsMessage(() => tied.applyReverseGradients(reverseGradient!, sgd), ValueError, /with tieWeights: true the gradient of reverse\(\) is the table's/);
  assertThrowsMessage(() => layer.applyReverseGradients({ data: new Float32Array(2), shape: [1, 2] }, sgd), ValueError, /Float32Array of 6 values/);
});
backward("errors: no reverse yet, wrong dLogits shape, extra gradient when untied; null weight gradients when frozen", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2 });
  assertThrowsMessage(() => layer.reverseBackward([[1, 2, 3]]), ValueError, /there is none: call reverse\(\) first/);
  layer.reverse([[1, 1]]);
  assertThrowsMessage(() => layer.reverseBackward([[1, 2]]), ValueError, /last dimension of 3/);
  assertThrowsMessage(() => layer.reverseBackward(new Float32Array(4)), ValueError, /must have 3 values/);
  assertThrowsMessage(() => layer.reverseBackward([[1, 2, 3], [1, 2, 3]]), ValueError, /shape of the last reverse\(\) output, \[1, 3\]/);
  const untied = new Embedding({ inputDim: 3, outputDim: 2, tieWeights: false });
  untied.reverse([[1, 1]]);
  assertThrowsMessage(() => untied.reverseBackward([[1, 2, 3]], { gradient: { indices: new Int32Array(0), values: new Float32Array(0), shape: [0, 2], denseShape: [3, 2] } }), ValueError, /only be added with tied weights/);
  const frozen = new Embedding({ inputDim: 3, outputDim: 2, trainable: false, weights: [[1, 0], [0, 1], [1, 1]] });
  frozen.reverse([[2, 3]]);
  const g = frozen.reverseBackward([[1, 1, 1]]);
  assert.is(g.gradient, null);
  assertClose(g.dInput.data, [2, 2]);
});

backward("guard bands stay intact through reverse and its backward, tied and untied", () => {
  for (const tieWeights of [true, false]) {
    const layer = withGuardBands(256, () => new Embedding({ inputDim: 37, outputDim: 11, tieWeights, logitSoftCap: 3 }));
    layer.reverse({ data: random(9 * 11, 1), shape: [9, 11] });
    layer.reverseBackward(random(9 * 37, 2));
    assert.equal(brokenGuards(layer), []);
  }
});

forward.run();
backward.run();
