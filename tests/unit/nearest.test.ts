// Nearest neighbours over the table: cosine, dot and Euclidean top-k against a float64 brute force,
// ties to the lower index, exclusions, batches, and the row-norm cache dropped by every path that
// changes the table (setWeights, optimizer steps, constraints, maxNorm lookups).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, SGD, UnitNorm, ValueError } from "../../src/index.ts";
import { assertClose, assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";
import { brokenGuards, withGuardBands } from "../../src/testing.ts";

type Metric = "cosine" | "dot" | "euclidean";

function randomTable(rows: number, dim: number, seed: number): Float32Array {
  const rnd = fixtureRandom(seed);
  return Float32Array.from({ length: rows * dim }, () => rnd() * 2 - 1);
}

/** Float64 brute force: every row's score, sorted best first, ties to the lower index. */
function referenceNearest(table: Float32Array, dim: number, q: ArrayLike<number>, k: number, metric: Metric, exclude: number[] = []): { indices: number[]; scores: number[] } {
  const rows = table.length / dim;
  let qn = 0;
  for (let d = 0; d < dim; d++) qn += q[d]! * q[d]!;
  const scored: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    if (exclude.includes(r)) continue;
    let dot = 0, rn = 0, sq = 0;
    for (let d = 0; d < dim; d++) {
      const v = table[r * dim + d]!;
      dot += q[d]! * v;
      rn += v * v;
      sq += (q[d]! - v) ** 2;
    }
    const s = metric === "dot" ? dot : metric === "euclidean" ? Math.sqrt(sq) : qn * rn > 0 ? dot / Math.sqrt(qn * rn) : 0;
    scored.push([r, s]);
  }
  const sign = metric === "euclidean" ? 1 : -1;
  scored.sort((a, b) => sign * (a[1] - b[1]) || a[0] - b[0]);
  return { indices: scored.slice(0, k).map((s) => s[0]), scores: scored.slice(0, k).map((s) => s[1]) };
}

const search = suite("nearest: against a float64 brute force");
search("every metric, single vectors, row queries and batches, several widths", () => {
  for (const [rows, dim] of [[50, 3], [203, 16], [97, 33], [9, 1]] as const) {
    const table = randomTable(rows, dim, rows * dim);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
    const rnd = fixtureRandom(rows);
    const queries = Float32Array.from({ length: 5 * dim }, () => rnd() * 2 - 1);
    for (const metric of ["cosine", "dot", "euclidean"] as const) {
      const k = Math.min(7, rows - 1);
      const batch = layer.nearest({ data: queries, shape: [5, dim] }, { k, metric });
      assert.equal(batch.shape, [5, k]);
      for (let i = 0; i < 5; i++) {
        const ref = referenceNearest(table, dim, queries.subarray(i * dim, (i + 1) * dim), k, metric);
        assert.equal(Array.from(batch.indices.subarray(i * k, (i + 1) * k)), ref.indices, `${metric} ${rows}x${dim} query ${i}`);
        assertClose(batch.scores.subarray(i * k, (i + 1) * k), ref.scores, 1e-5, 1e-4);
      }
      const one = layer.nearest(Array.from(queries.subarray(0, dim)), { k, metric });
      assert.equal(one.shape, [k]);
      assert.equal(Array.from(one.indices), Array.from(batch.indices.subarray(0, k)));
      // A row index: its own row is left out (gensim's most_similar).
      const byRow = layer.nearest(4, { k, metric });
      const ref = referenceNearest(table, dim, table.subarray(4 * dim, 5 * dim), k, metric, [4]);
      assert.equal(Array.from(byRow.indices), ref.indices);
      assertClose(byRow.scores, ref.scores, 1e-5, 1e-4);
    }
  }
});
search("cosine and euclidean over vectors of any finite magnitude (entries from 1e-30 to 1e35, queries at 1e30 and 1e-30) equal the float64 reference", () => {
  const rows = 40, dim = 24;
  const table = randomTable(rows, dim, 7);
  // Row r is scaled by 10^(−30 + 65 · r / (rows − 1)): its products with a query overflow or
  // underflow float32 unless the query is normalized first.
  for (let r = 0; r < rows; r++) {
    const scale = 10 ** (-30 + (65 * r) / (rows - 1));
    for (let d = 0; d < dim; d++) table[r * dim + d] = Math.fround(table[r * dim + d]! * scale);
  }
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  const base = randomTable(1, dim, 8);
  for (const magnitude of [1e30, 1, 1e-30]) {
    const query = Float32Array.from(base, (x) => x * magnitude);
    for (const metric of ["cosine", "euclidean"] as const) {
      const found = layer.nearest(query, { k: rows, metric });
      const ref = referenceNearest(table, dim, query, rows, metric);
      assertClose(found.scores, ref.scores, metric === "cosine" ? 1e-6 : 0, 1e-5);
      if (metric === "cosine") assert.equal(Array.from(found.indices), ref.indices, `${metric}, query at ${magnitude}`);
      // Far from a huge query, small rows' distances tie in float32 (|q| itself): each returned
      // row's own reference distance is checked instead of the order among ties.
      const byRow = new Map(ref.indices.map((r, j) => [r, ref.scores[j]!]));
      assertClose(Array.from(found.indices, (r) => byRow.get(r)!), found.scores, metric === "cosine" ? 1e-6 : 0, 1e-5);
    }
  }
  // Distances between close tiny vectors, whose float32 squares underflow.
  const tiny = Float32Array.from(table.subarray(0, dim), (x) => x * 1e-10);
  const far = layer.nearest(tiny, { k: 3, metric: "euclidean" });
  const ref = referenceNearest(table, dim, tiny, 3, "euclidean");
  assert.equal(Array.from(far.indices), ref.indices);
  assertClose(far.scores, ref.scores, 0, 1e-5);
  // A row's own direction scores 1 whatever its magnitude.
  for (const r of [0, rows - 1]) assertClose([layer.nearest(Array.from(table.subarray(r * dim, (r + 1) * dim)), { k: 1 }).scores[0]!], [1], 1e-6, 0);
});
search("a row or query holding NaN scores NaN in every metric (cosine too) and ranks last", () => {
  // Row 2 holds a NaN; row 4 is zero (cosine 0, not NaN).
  const table = new Float32Array([1, 0, 0, 1, NaN, 1, 1, 1, 0, 0, -1, 0.5]);
  const layer = new Embedding({ inputDim: 6, outputDim: 2, weights: [{ data: table, shape: [6, 2] }] });
  for (const metric of ["cosine", "dot", "euclidean"] as const) {
    const found = layer.nearest([1, 0.25], { k: 6, metric });
    assert.equal(found.indices[5], 2, `${metric}: the NaN row ranks last`);
    assert.ok(Number.isNaN(found.scores[5]), `${metric}: the NaN row scores NaN`);
    const finite = Array.from(found.scores.subarray(0, 5));
    assert.ok(finite.every(Number.isFinite), `${metric}: the other rows score numbers: ${finite}`);
    const nanQuery = layer.nearest([NaN, 1], { k: 3, metric });
    assert.ok(Array.from(nanQuery.scores).every(Number.isNaN), `${metric}: a NaN query scores NaN against every row`);
  }
  const cos = layer.nearest([1, 0.25], { k: 6, metric: "cosine" });
  assert.is(cos.scores[cos.indices.indexOf(4)], 0, "the zero row scores 0 in cosine");
});
search("ties go to the lower index; exclude; k = every row (the sorting path); zero vectors score 0 in cosine", () => {
  const table = new Float32Array([1, 0, 0, 1, 1, 0, 0, 0, 2, 0, 1, 0]);
  const layer = new Embedding({ inputDim: 6, outputDim: 2, weights: [{ data: table, shape: [6, 2] }] });
  const cos = layer.nearest([1, 0], { k: 6, metric: "cosine" });
  assert.equal(Array.from(cos.indices), [0, 2, 4, 5, 1, 3]);
  assertClose(cos.scores, [1, 1, 1, 1, 0, 0]);
  const excluded = layer.nearest([1, 0], { k: 2, exclude: [0, 4] });
  assert.equal(Array.from(excluded.indices), [2, 5]);
  const big = 600;
  const wide = new Embedding({ inputDim: big, outputDim: 1, weights: [{ data: Float32Array.from({ length: big }, (_, i) => i % 7), shape: [big, 1] }] });
  const all = wide.nearest([1], { k: big - 1, metric: "dot", exclude: 3 });
  const ref = referenceNearest(new Float32Array(Float32Array.from({ length: big }, (_, i) => i % 7)), 1, [1], big - 1, "dot", [3]);
  assert.equal(Array.from(all.indices), ref.indices);
});
search("the kernel's selection: many rows (the vector threshold and the row tail), exclusions at both ends and side by side, every metric, 1..9 queries", () => {
  for (const [rows, dim] of [[1003, 7], [1000, 4], [257, 13]] as const) {
    const table = randomTable(rows, dim, rows + dim);
    const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
    const queries = randomTable(9, dim, 3 * rows);
    const exclude = [0, 1, 2, rows >> 1, (rows >> 1) + 1, rows - 2, rows - 1];
    for (const metric of ["cosine", "dot", "euclidean"] as const) {
      for (const k of [1, 10, 37]) {
        for (const q of [1, 4, 9]) {
          const got = layer.nearest({ data: queries.subarray(0, q * dim), shape: [q, dim] }, { k, metric, exclude });
          for (let i = 0; i < q; i++) {
            const ref = referenceNearest(table, dim, queries.subarray(i * dim, (i + 1) * dim), k, metric, exclude);
            assert.equal(Array.from(got.indices.subarray(i * k, (i + 1) * k)), ref.indices, `${metric} ${rows}x${dim} k=${k} query ${i}`);
            assertClose(got.scores.subarray(i * k, (i + 1) * k), ref.scores, 1e-5, 1e-4);
          }
        }
      }
    }
    layer.dispose();
  }
});
search("many exact ties (the threshold rejects an equal score): the lower index wins, in every metric", () => {
  const rows = 1001, dim = 3;
  const table = Float32Array.from({ length: rows * dim }, (_, i) => ((i * 7) % 5) - 2);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  for (const metric of ["cosine", "dot", "euclidean"] as const) {
    for (const k of [1, 5, 40]) {
      const got = layer.nearest([1, -1, 2], { k, metric, exclude: [3, 4] });
      const ref = referenceNearest(table, dim, [1, -1, 2], k, metric, [3, 4]);
      assert.equal(Array.from(got.indices), ref.indices, `${metric} k=${k}`);
      assertClose(got.scores, ref.scores, 1e-6, 1e-6);
    }
  }
});
search("NaN scores rank after every number, ties among them to the lower index, highest-first and lowest-first", () => {
  const values = [1, NaN, 3, NaN, 2, -1];
  const layer = new Embedding({ inputDim: 6, outputDim: 1, weights: [{ data: new Float32Array(values), shape: [6, 1] }] });
  const dot = layer.nearest([1], { k: 6, metric: "dot" });
  assert.equal(Array.from(dot.indices), [2, 4, 0, 5, 1, 3]);
  assert.equal(Array.from(dot.scores.subarray(0, 4)), [3, 2, 1, -1]);
  assert.ok(Number.isNaN(dot.scores[4]) && Number.isNaN(dot.scores[5]));
  const euclidean = layer.nearest([1], { k: 5, metric: "euclidean" });
  assert.equal(Array.from(euclidean.indices), [0, 4, 2, 5, 1]);
  assertClose(euclidean.scores.subarray(0, 4), [0, 1, 2, 2]);
  // Among 1,000 rows, NaN rows never displace a number.
  const rows = 1000;
  const table = randomTable(rows, 5, 77);
  for (let r = 0; r < rows; r += 3) table[r * 5 + 2] = NaN;
  const wide = new Embedding({ inputDim: rows, outputDim: 5, weights: [{ data: table, shape: [rows, 5] }] });
  const top = wide.nearest([0.5, -0.25, 1, 0, 0.75], { k: 20, metric: "dot" });
  assert.ok(Array.from(top.indices).every((r) => r % 3 !== 0));
  assert.ok(Array.from(top.scores).every((v) => Number.isFinite(v)));
});
search("identical rows tie exactly in a batch of queries too, whatever the row count (odd counts end on an unpaired row)", () => {
  // Every row equals the first; a batch of 4 or more queries takes the kernel's four-query blocks,
  // and the last row of an odd count is summed apart from the pairs: it must still score the same.
  for (const rows of [3, 5, 8, 11]) {
    for (const dim of [3, 8, 13]) {
      const row = randomTable(1, dim, rows * 31 + dim);
      const table = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) table.set(row, r * dim);
      const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
      for (const q of [1, 4, 5, 9]) {
        const queries = randomTable(q, dim, q * 7 + dim);
        for (const metric of ["cosine", "dot", "euclidean"] as const) {
          const got = layer.nearest({ data: queries, shape: [q, dim] }, { k: rows, metric });
          for (let i = 0; i < q; i++) {
            const scores = Array.from(got.scores.subarray(i * rows, (i + 1) * rows));
            assert.equal(Array.from(got.indices.subarray(i * rows, (i + 1) * rows)), Array.from({ length: rows }, (_, r) => r), `${metric} ${rows}x${dim}, ${q} queries, query ${i}: ${scores}`);
            assert.ok(scores.every((v) => Object.is(v, scores[0])), `${metric} ${rows}x${dim}, ${q} queries, query ${i}: equal scores ${scores}`);
          }
          const logits = layer.reverse({ data: queries, shape: [q, dim] }).data;
          for (let i = 0; i < q; i++) {
            const first = logits[i * rows]!;
            assert.ok(Array.from(logits.subarray(i * rows, (i + 1) * rows)).every((v) => Object.is(v, first)), `reverse ${rows}x${dim}, ${q} queries, query ${i}`);
          }
        }
      }
      layer.dispose();
    }
  }
});
search("argument errors", () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 2 });
  assertThrowsMessage(() => layer.nearest([1, 2], { k: 0 }), ValueError, /k must be a positive integer\. Received: k=0/);
  assertThrowsMessage(() => layer.nearest([1, 2], { k: 6 }), ValueError, /k must be at most the number of rows that can be returned, 5/);
  assertThrowsMessage(() => layer.nearest(1, { k: 5 }), ValueError, /at most .* 4 \(5 rows, 1 excluded\)/);
  assertThrowsMessage(() => layer.nearest([1, 2], { metric: "l1" as never }), ValueError, /metric must be "cosine", "dot" or "euclidean"/);
  assertThrowsMessage(() => layer.nearest("king" as never), ValueError, /query must be a row index.*Received: the string "king": look a word up in its Vocabulary first/);
  assertThrowsMessage(() => layer.nearest([1, 2, 3]), ValueError, /query must be a row index, a vector of 2 values/);
  assertThrowsMessage(() => layer.nearest(5), RangeError, /query = 5 is not a row index in \[0, 5\)/);
  assertThrowsMessage(() => layer.nearest([1, 2], { exclude: [1, -1] }), RangeError, /exclude\[1\] = -1/);
});

const cache = suite("nearest: the row-norm cache follows the table");
function cosineTop(layer: Embedding): number {
  return layer.nearest([1, 0], { k: 1, metric: "cosine" }).scores[0]!;
}
cache("setWeights, optimizer steps, constraints and maxNorm lookups all refresh the norms", () => {
  // Row 0 = [1, 1] (cosine with [1, 0] = 0.7071); the others point away.
  const w = () => ({ data: new Float32Array([1, 1, -1, 0, 0, -1]), shape: [3, 2] });
  const layer = new Embedding({ inputDim: 3, outputDim: 2, weights: [w()], embeddingsConstraint: new UnitNorm({ axis: 1 }), maxNorm: 0.5 });
  assertClose([cosineTop(layer)], [Math.SQRT1_2], 1e-6);
  // setWeights: row 0 = [3, 0].
  layer.setWeights({ data: new Float32Array([3, 0, -1, 0, 0, -1]), shape: [3, 2] });
  assertClose([cosineTop(layer)], [1], 1e-6);
  // The lookup rescales row 0 to [0.5, 0] (maxNorm); an SGD step with gradient [0, -3] makes it
  // [0.5, 3], and the UnitNorm constraint keeps its direction: cosine 0.5 / |[0.5, 3]|.
  layer.call([0]);
  assertClose([cosineTop(layer)], [1], 1e-6);
  const g = layer.backward([[0, -3]])!;
  layer.applyGradients(g, new SGD({ learningRate: 1 }));
  const stepped = 0.5 / Math.hypot(0.5, 3);
  assertClose([cosineTop(layer)], [stepped], 1e-5);
  // Euclidean distance from [1, 0] sees the rescaled table after a maxNorm lookup (row 0 → norm 0.5).
  const before = layer.nearest([0, 0], { k: 1, metric: "euclidean" }).scores[0]!;
  assertClose([before], [1], 1e-5);
  layer.call([0, 1, 2]);
  assertClose([layer.nearest([0, 0], { k: 1, metric: "euclidean" }).scores[0]!], [0.5], 1e-5);
  // applyConstraint: back to unit rows.
  layer.applyConstraint();
  assertClose([layer.nearest([0, 0], { k: 1, metric: "euclidean" }).scores[0]!], [1], 1e-5);
  // Cosine (the cached norms) after the table changed under maxNorm and the constraint: same direction.
  assertClose([cosineTop(layer)], [stepped], 1e-5);
});
cache("mergeLora() and setWeights() with LoRA on refresh the norms", () => {
  const rows = 6, dim = 3;
  const table = randomTable(rows, dim, 41);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  layer.nearest(0, { k: 3 });
  // Two SGD steps train the adapters only (the table stays as cached), then the merge changes it.
  layer.enableLora(2);
  const sgd = new SGD({ learningRate: 5 });
  for (let step = 0; step < 2; step++) {
    layer.call([[1, 2]]);
    layer.applyGradients(layer.backward([[[-3, 5, 1], [4, 4, -2]]])!, sgd);
  }
  layer.mergeLora();
  const merged = layer.getWeights()[0]!.data;
  const ref = referenceNearest(merged, dim, merged.subarray(0, dim), 3, "cosine", [0]);
  const got = layer.nearest(0, { k: 3 });
  assert.equal(Array.from(got.indices), ref.indices);
  assertClose(got.scores, ref.scores, 1e-5, 1e-4);
  // setWeights while LoRA is on, then merged again: the norms follow the new table.
  layer.enableLora(1);
  const next = randomTable(rows, dim, 43);
  const [, a2, b2] = layer.getWeights();
  layer.setWeights([{ data: next, shape: [rows, dim] }, a2!, b2!]);
  layer.mergeLora();
  const now = layer.getWeights()[0]!.data;
  const ref2 = referenceNearest(now, dim, now.subarray(2 * dim, 3 * dim), 4, "cosine", [2]);
  const got2 = layer.nearest(2, { k: 4 });
  assert.equal(Array.from(got2.indices), ref2.indices);
  assertClose(got2.scores, ref2.scores, 1e-5, 1e-4);
  layer.dispose();
});
cache("norms are cached: cosine answers stay right across repeated queries and after a rescaling lookup", () => {
  const table = randomTable(40, 8, 3);
  const layer = new Embedding({ inputDim: 40, outputDim: 8, weights: [{ data: table, shape: [40, 8] }], maxNorm: 0.3 });
  const q = Array.from(table.subarray(0, 8));
  const first = layer.nearest(q, { k: 5 });
  assert.equal(Array.from(layer.nearest(q, { k: 5 }).indices), Array.from(first.indices));
  layer.call(Array.from({ length: 40 }, (_, i) => i));
  const now = layer.getWeights()[0]!.data;
  const ref = referenceNearest(now, 8, q, 5, "cosine");
  const after = layer.nearest(q, { k: 5 });
  assert.equal(Array.from(after.indices), ref.indices);
  assertClose(after.scores, ref.scores, 1e-5, 1e-4);
});

search("guard bands stay intact through every metric and a batch", () => {
  const layer = withGuardBands(256, () => new Embedding({ inputDim: 41, outputDim: 13, weights: [{ data: randomTable(41, 13, 5), shape: [41, 13] }] }));
  for (const metric of ["cosine", "dot", "euclidean"] as const) layer.nearest({ data: randomTable(6, 13, 6), shape: [6, 13] }, { k: 40, metric });
  assert.equal(brokenGuards(layer), []);
});

search.run();
cache.run();
