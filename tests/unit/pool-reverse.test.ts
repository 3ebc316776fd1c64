// EmbeddingPool.reverse: the table's rows split across worker threads give the logits the layer's own
// reverse() gives, bit for bit (odd row counts, dimensions not a multiple of 4, one query, several
// query blocks, with and without a soft cap), and agree with a float64 product in plain TypeScript;
// bad input is refused with the layer's own errors before any worker runs; table writes are refused
// while a reverse call is in flight.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, EmbeddingPool, ValueError } from "../../src/index.ts";
import { splitRows } from "../../src/pool/row-split.ts";
import { queries, rejection, sameBits, seeded } from "../support/pool-helpers.ts";
import { referenceLogits } from "../support/reference-logits.ts";

test("splitRows: even runs for all workers but the last, covering every row once", () => {
  assert.equal(splitRows(37, 2), [{ start: 0, count: 18 }, { start: 18, count: 19 }]);
  assert.equal(splitRows(37, 3), [{ start: 0, count: 12 }, { start: 12, count: 12 }, { start: 24, count: 13 }]);
  assert.equal(splitRows(30522, 2), [{ start: 0, count: 15260 }, { start: 15260, count: 15262 }]);
  assert.equal(splitRows(3, 2), [{ start: 0, count: 3 }]);
  assert.equal(splitRows(1, 4), [{ start: 0, count: 1 }]);
  assert.equal(splitRows(8, 4), [{ start: 0, count: 2 }, { start: 2, count: 2 }, { start: 4, count: 2 }, { start: 6, count: 2 }]);
});

const shapes: { rows: number; dim: number; workers: number; cap: number | null }[] = [
  { rows: 37, dim: 13, workers: 2, cap: null },
  { rows: 101, dim: 3, workers: 3, cap: null },
  { rows: 64, dim: 16, workers: 2, cap: 2.5 },
  { rows: 3, dim: 7, workers: 4, cap: null },
  { rows: 257, dim: 30, workers: 2, cap: 0.75 },
];

for (const { rows, dim, workers, cap } of shapes) {
  test(`reverse: ${rows} × ${dim} table, ${workers} workers, cap ${cap}: the layer's logits bit for bit, and the float64 product`, async () => {
    const layer = await Embedding.create({ inputDim: rows, outputDim: dim, embeddingsInitializer: seeded(rows + dim), ...(cap === null ? {} : { logitSoftCap: cap }) });
    const pool = await EmbeddingPool.create(layer, { workers });
    try {
      const table = layer.getWeights()[0]!.data;
      for (const q of [1, 8, 5, 33]) {
        const x = queries(q, dim, q * 7 + rows);
        const got = await pool.reverse({ data: x, shape: [q, dim] });
        const own = layer.reverse({ data: x, shape: [q, dim] });
        assert.equal(got.shape, [q, rows]);
        sameBits(got.data, own.data, `${q} queries`);
        const ref = referenceLogits(x, x.length / dim, dim, rows, table, true, cap);
        for (let i = 0; i < ref.length; i++) {
          if (Math.abs(got.data[i]! - ref[i]!) > 1e-5 * (1 + Math.abs(ref[i]!)) * Math.sqrt(dim)) {
            assert.unreachable(`${q} queries: logit ${i} is ${got.data[i]}, float64 reference ${ref[i]}`);
          }
        }
      }
      // One vector (rank 1) gives rank-1 logits, as the layer's reverse does.
      const one = queries(1, dim, 5);
      const single = await pool.reverse(one);
      assert.equal(single.shape, [rows]);
      sameBits(single.data, layer.reverse(one).data, "one vector");
    } finally {
      await pool.dispose();
      layer.dispose();
    }
  });
}

test("reverse: concurrent calls each get their own logits; a batch of zero queries gives an empty result", async () => {
  const layer = await Embedding.create({ inputDim: 50, outputDim: 9, embeddingsInitializer: seeded(3) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  try {
    const xs = [queries(2, 9, 1), queries(6, 9, 2), queries(3, 9, 3)];
    const results = await Promise.all(xs.map((x) => pool.reverse({ data: x, shape: [x.length / 9, 9] })));
    results.forEach((r, i) => sameBits(r.data, layer.reverse({ data: xs[i]!, shape: [xs[i]!.length / 9, 9] }).data, `call ${i}`));
    const empty = await pool.reverse({ data: new Float32Array(0), shape: [0, 9] });
    assert.equal(empty.shape, [0, 50]);
    assert.is(empty.data.length, 0);
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test("reverse: bad input is refused with the layer's own error, before any worker runs", async () => {
  const layer = await Embedding.create({ inputDim: 20, outputDim: 6, embeddingsInitializer: seeded(4) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  try {
    const bad: unknown[] = [{ data: new Float32Array(10), shape: [2, 5] }, [[1, 2, 3]], new BigInt64Array(6)];
    for (const x of bad) {
      let own: Error | undefined;
      try {
        layer.reverse(x as Float32Array);
      } catch (error) {
        own = error as Error;
      }
      assert.ok(own instanceof ValueError, "the layer refuses it");
      // Thrown synchronously inside the async method: the promise rejects with the same error.
      const error = await rejection(pool.reverse(x as Float32Array));
      assert.instance(error, ValueError);
      assert.is(error.message, own!.message);
    }
    // Nothing stays lent: a table write works right after.
    layer.setWeights([{ data: new Float32Array(120).fill(0.5), shape: [20, 6] }]);
    const logits = await pool.reverse(new Float32Array(6).fill(1));
    for (const v of logits.data) assert.is(v, 3);
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test("reverse: table writes are refused while a reverse call is in flight, allowed once it settles", async () => {
  const layer = await Embedding.create({ inputDim: 40, outputDim: 8, embeddingsInitializer: seeded(5) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  try {
    const x = queries(4, 8, 9);
    const expected = layer.reverse({ data: x, shape: [4, 8] }).data;
    const pending = pool.reverse({ data: x, shape: [4, 8] });
    assert.throws(() => layer.setWeights([{ data: new Float32Array(320), shape: [40, 8] }]), (e: Error) => e instanceof ValueError && /EmbeddingPool/.test(e.message));
    sameBits((await pending).data, expected, "logits read before the refused write");
    layer.setWeights([{ data: new Float32Array(320), shape: [40, 8] }]);
    for (const v of (await pool.reverse({ data: x, shape: [4, 8] })).data) assert.is(v, 0);
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test("reverse: refused on an untied layer (separate reverse embeddings), whose pool still looks rows up", async () => {
  const layer = new Embedding({
    inputDim: 3,
    outputDim: 2,
    tieWeights: false,
    weights: [
      { data: new Float32Array([1, 0, 0, 1, 1, 1]), shape: [3, 2] },
      { data: new Float32Array([10, 20, 30, 40, 50, 60]), shape: [2, 3] },
    ],
  });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  try {
    const error = await rejection(pool.reverse([1, 1]));
    assert.ok(error instanceof ValueError, String(error));
    assert.match(error.message, /tieWeights: false/);
    assert.match(error.message, /reverse\(x\)/);
    // The layer's own reverse reads the reverse embeddings: [1, 1] · R = [50, 70, 90].
    assert.equal(Array.from(layer.reverse([1, 1]).data), [50, 70, 90]);
    sameBits((await pool.call([[2, 0, 1]])).data, layer.call([[2, 0, 1]]).data, "lookups");
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test("reverse: a disposed pool refuses it", async () => {
  const layer = await Embedding.create({ inputDim: 10, outputDim: 4, embeddingsInitializer: seeded(6) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  await pool.dispose();
  const error = await rejection(pool.reverse(new Float32Array(4)));
  assert.match(error.message, /disposed/);
  layer.dispose();
});

test.run();
