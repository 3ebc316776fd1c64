// EmbeddingPool.nearest: the table's rows split across worker threads, each worker's best k merged
// on the calling thread, give the layer's own nearest() bit for bit (indices, scores and tie order)
// for every metric, query form and exclusion, on odd shapes; the merge itself agrees with a plain
// sort; bad input is refused with the layer's own errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, EmbeddingPool } from "../../src/index.ts";
import { mergeTop } from "../../src/pool/merge-top.ts";
import { queries, sameBits, seeded } from "../support/pool-helpers.ts";

test("mergeTop: the best k of sorted per-range lists, as one sort of every entry (NaN last, ties to the lower row)", () => {
  // Rows 0-3 in the first range, 4-7 in the second; each list sorted as selectTop sorts it.
  const highFirst = [
    { idx: Int32Array.from([2, 0, 1, 3]), val: Float32Array.from([5, 3, 3, NaN]) },
    { idx: Int32Array.from([7, 4, 5, 6]), val: Float32Array.from([5, 3, 1, NaN]) },
  ];
  const lowFirst = [
    { idx: Int32Array.from([0, 1, 2, 3]), val: Float32Array.from([3, 3, 5, NaN]) },
    { idx: Int32Array.from([5, 4, 7, 6]), val: Float32Array.from([1, 3, 5, NaN]) },
  ];
  for (const [lists, ascending] of [[highFirst, false], [lowFirst, true]] as const) {
    const all = lists.flatMap((l) => [...l.idx].map((r, j) => ({ r, v: l.val[j]! })));
    const rank = (x: number) => (Number.isNaN(x) ? Infinity : ascending ? x : -x);
    const expected = all.sort((a, b) => (rank(a.v) === rank(b.v) ? a.r - b.r : rank(a.v) < rank(b.v) ? -1 : 1));
    const idx = new Int32Array(8), val = new Float32Array(8);
    mergeTop([...lists], 8, ascending, idx, val);
    assert.equal([...idx], expected.map((e) => e.r), `ascending ${ascending}`);
    assert.equal([...val], expected.map((e) => e.v), `ascending ${ascending}: scores`);
  }
});

const shapes = [
  { rows: 39, dim: 13, workers: 2 },
  { rows: 101, dim: 9, workers: 3 },
  { rows: 101, dim: 3, workers: 3 },
  { rows: 257, dim: 30, workers: 2 },
];

for (const { rows, dim, workers } of shapes) {
  test(`nearest: ${rows} × ${dim} table, ${workers} workers: the layer's neighbours bit for bit, every metric and query form`, async () => {
    const layer = await Embedding.create({ inputDim: rows, outputDim: dim, embeddingsInitializer: seeded(rows * 3 + dim) });
    const pool = await EmbeddingPool.create(layer, { workers });
    try {
      for (const metric of ["cosine", "dot", "euclidean"] as const) {
        for (const k of [1, 5, 10]) {
          const cases: { query: unknown; options: object; what: string }[] = [
            { query: { data: queries(8, dim, k), shape: [8, dim] }, options: { k, metric }, what: "8 queries" },
            { query: queries(1, dim, k + 1), options: { k, metric }, what: "one vector" },
            { query: { data: queries(1, dim, k + 2), shape: [1, dim] }, options: { k, metric, exclude: [0, rows - 1, Math.floor(rows / 2)] }, what: "1 query, excluded rows" },
            { query: 4, options: { k, metric, exclude: 5 }, what: "row index" },
          ];
          // Every row's score, where the table is small enough for the kernel's selection.
          if (k === 10 && rows <= 256) cases.push({ query: { data: queries(8, dim, 99), shape: [8, dim] }, options: { k: rows, metric }, what: "k = every row" });
          for (const { query, options, what } of cases) {
            const got = await pool.nearest(query as Float32Array, options);
            const own = layer.nearest(query as Float32Array, options);
            assert.equal(got.shape, own.shape, `${metric} k=${k} ${what}: shape`);
            sameBits(got.indices, own.indices, `${metric} k=${k} ${what}: indices`);
            sameBits(got.scores, own.scores, `${metric} k=${k} ${what}: scores`);
          }
        }
      }
    } finally {
      await pool.dispose();
      layer.dispose();
    }
  });
}

test("nearest: equal rows in every worker's range tie to the lower index, as the layer's", async () => {
  const rows = 21, dim = 5;
  const table = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) table[r * dim + d] = r % 3 === 0 ? 1 : 0.25 * (d + 1) * (r % 2 === 0 ? 1 : -1);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  const pool = await EmbeddingPool.create(layer, { workers: 3 });
  try {
    const query = new Float32Array(dim).fill(1);
    const got = await pool.nearest(query, { k: 7, metric: "cosine" });
    // Rows 0, 3, 6, … 18 all equal the query's direction (cosine 1): the lowest seven in order.
    assert.equal([...got.indices], [0, 3, 6, 9, 12, 15, 18]);
    sameBits(got.indices, layer.nearest(query, { k: 7, metric: "cosine" }).indices, "indices");
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test("nearest: bad input is refused with the layer's own error; k above 256 gives the layer's answer", async () => {
  const layer = await Embedding.create({ inputDim: 300, outputDim: 4, embeddingsInitializer: seeded(8) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  try {
    const bad: [unknown, object][] = [[new Float32Array(3), {}], [new Float32Array(4), { k: 0 }], [new Float32Array(4), { metric: "l1" }], [400, {}], [new Float32Array(4), { k: 301 }]];
    for (const [query, options] of bad) {
      let own: Error | undefined;
      try {
        layer.nearest(query as Float32Array, options);
      } catch (error) {
        own = error as Error;
      }
      assert.ok(own !== undefined, "the layer refuses it");
      let pooled: Error | undefined;
      try {
        await pool.nearest(query as Float32Array, options);
      } catch (error) {
        pooled = error as Error;
      }
      assert.ok(pooled !== undefined, "the pool refuses it");
      assert.is(pooled!.constructor, own!.constructor);
      assert.is(pooled!.message, own!.message);
    }
    const big = await pool.nearest(queries(1, 4, 3), { k: 280, metric: "dot" });
    sameBits(big.indices, layer.nearest(queries(1, 4, 3), { k: 280, metric: "dot" }).indices, "k = 280");
  } finally {
    await pool.dispose();
    layer.dispose();
  }
});

test.run();
