// The reverse projection (logits = x · Wᵀ) for 1, 8 and 32 queries of 768 against a 30,522 × 768
// table (BERT's vocabulary) and 8 of 300 against 50,000 × 300, against TF.js wasm
// matMul(x, W, false, true); with the achieved GB/s (table bytes per call) and GFLOP/s. The bound
// "one read of the table" is the plainest SIMD read of the same bytes (wasm-loops.mjs' sumSquares,
// four v128 accumulators, on a copy of the table in its own memory, far larger than the last-level
// cache), timed in alternation with ours; the ratio is given per round as low–median–high. Beside it,
// the kernel's rate on a table that fits in L2 (no memory traffic: the arithmetic alone) and the
// time the product would take at that rate, the compute floor.
// Then EmbeddingPool.reverse with 2 worker threads (TWO cores, the table's rows split between them)
// against the single-thread layer.reverse and one read of the table, alternated in one process.
// Run: npm run build && node bench/kernels/reverse.mjs
import { Embedding, EmbeddingPool } from "../../dist/index.js";
import { fmt, median, randomFloats, ratiosToLast, ratiosToLastAsync, tfjsWasm } from "./kernel-timing.mjs";
import { wasmLoops } from "./wasm-loops.mjs";

const tf = await tfjsWasm();
for (const [rows, dim, q] of [[50000, 300, 8], [30522, 768, 8], [30522, 768, 1], [30522, 768, 32]]) {
  const table = randomFloats(rows * dim, 5);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  const read = wasmLoops(table);
  const x = randomFloats(q * dim, 6);
  const input = { data: x, shape: [q, dim] };
  const tW = tf.tensor2d(table, [rows, dim]);
  const tX = tf.tensor2d(x, [q, dim]);
  const tfLogits = () => tf.tidy(() => tf.matMul(tX, tW, false, true).dataSync());
  const ours = layer.reverse(input).data;
  const theirs = tfLogits();
  for (let i = 0; i < ours.length; i++) if (Math.abs(ours[i] - theirs[i]) > 1e-3 * (1 + Math.abs(theirs[i]))) throw new Error(`bench check failed at ${i}: ${ours[i]} vs ${theirs[i]}`);
  const { medians: [a, r], ratios: [ratio] } = ratiosToLast([() => layer.reverse(input), () => read.sumSquares()], { runs: 15, warmup: 3 });
  const b = median(tfLogits, { runs: q === 32 ? 3 : 5, warmup: 1 });
  // The same kernel on a table of ~768 KB and 256 queries (100+ MFLOP a call, so the call's own
  // overhead does not count): the in-cache rate.
  const smallRows = Math.floor((768 * 1024) / (dim * 4));
  const small = new Embedding({ inputDim: smallRows, outputDim: dim, weights: [{ data: table.subarray(0, smallRows * dim), shape: [smallRows, dim] }] });
  const many = { data: randomFloats(256 * dim, 7), shape: [256, dim] };
  const inCache = median(() => small.reverse(many), { runs: 9, warmup: 2 });
  small.dispose();
  const cacheRate = (2 * 256 * smallRows * dim) / inCache / 1e6;
  const bytes = rows * dim * 4;
  const flops = 2 * q * rows * dim;
  console.log(
    `${q} x ${dim} against ${rows} x ${dim}: reverse ${fmt(a)} (${(bytes / a / 1e6).toFixed(1)} GB/s, ${(flops / a / 1e6).toFixed(1)} GFLOP/s); ` +
      `one read of the table ${fmt(r)} (${(bytes / r / 1e6).toFixed(1)} GB/s) → ${ratio.low.toFixed(2)}–${ratio.median.toFixed(2)}–${ratio.high.toFixed(2)}x one read; ` +
      `in cache ${cacheRate.toFixed(1)} GFLOP/s → compute floor ${fmt(flops / cacheRate / 1e6)} = ${(flops / cacheRate / 1e6 / r).toFixed(2)}x one read; ` +
      `TF.js wasm matMul ${fmt(b)} (${(flops / b / 1e6).toFixed(1)} GFLOP/s) → ours ${(b / a).toFixed(2)}x faster`,
  );
  tW.dispose();
  tX.dispose();
  layer.dispose();
}

// The pool: 2 workers share the layer's table; ratios are per round against one (single-thread) read.
const range = (r) => `${r.low.toFixed(2)}–${r.median.toFixed(2)}–${r.high.toFixed(2)}x`;
for (const [rows, dim, q] of [[30522, 768, 8], [50000, 300, 8], [30522, 768, 1]]) {
  const table = randomFloats(rows * dim, 5);
  const layer = new Embedding({ inputDim: rows, outputDim: dim, weights: [{ data: table, shape: [rows, dim] }] });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const read = wasmLoops(table);
  const input = { data: randomFloats(q * dim, 6), shape: [q, dim] };
  const own = layer.reverse(input).data;
  const pooled = (await pool.reverse(input)).data;
  for (let i = 0; i < own.length; i++) if (!Object.is(own[i], pooled[i])) throw new Error(`bench check failed at ${i}: pool ${pooled[i]} vs layer ${own[i]}`);
  const { medians: [p, a, r], ratios: [poolRatio, layerRatio] } = await ratiosToLastAsync(
    [() => pool.reverse(input), async () => layer.reverse(input), async () => read.sumSquares()],
    { runs: 15, warmup: 3 },
  );
  const bytes = rows * dim * 4;
  const flops = 2 * q * rows * dim;
  const rate = (t) => `${(bytes / t / 1e6).toFixed(1)} GB/s, ${(flops / t / 1e6).toFixed(1)} GFLOP/s`;
  console.log(
    `${q} x ${dim} against ${rows} x ${dim}: pool.reverse, 2 worker threads ${fmt(p)} (${rate(p)}) → ${range(poolRatio)} one read; ` +
      `layer.reverse, 1 thread ${fmt(a)} (${rate(a)}) → ${range(layerRatio)} one read; one read of the table ${fmt(r)} (${(bytes / r / 1e6).toFixed(1)} GB/s, 1 thread)`,
  );
  await pool.dispose();
  layer.dispose();
}
