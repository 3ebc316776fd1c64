// A table larger than one WebAssembly memory: 2^20 × 1100 float32 (4.3 GiB) in 2 GiB shards, one
// lookup and one optimizer step, checked against values derived without the sharded code: rows of
// the first shard from the scalar TypeScript generator (tests/support/random-reference.ts), rows
// of later shards from the kernel's generator run through the whole table in one small memory, and
// the step from its formula in plain TypeScript. Node only (it imports node:os); skipped, with a
// note, when the machine has less than 8 GiB of free memory.
import { constants } from "node:buffer";
import { freemem } from "node:os";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, RandomUniform, SGD } from "../../src/index.ts";
import { standaloneTable } from "../../src/core/memory.ts";
import { RANDOM_STATE_BYTES } from "../../src/core/kernel.ts";
import { seedWords } from "../../src/initializers/initializer.ts";
import { uniformDraw } from "../../src/initializers/random.ts";
import { assertSameFloats } from "../support/helpers.ts";
import { referenceUniform } from "../support/random-reference.ts";

const ROWS = 2 ** 20;
const DIM = 1100;
const SEED = 20;
const [MINVAL, MAXVAL] = [-0.05, 0.05];
const SHARD_BYTES = 2 ** 31;

/** Rows `wanted` (sorted) of the seeded uniform table, from the kernel's generator streamed through one small memory. */
function streamedRows(wanted: readonly number[]): Map<number, Float32Array> {
  const piece = 1 << 20; // a multiple of 8 values: the generator continues exactly across pieces
  const target = standaloneTable([piece]);
  const [lo, hi] = seedWords(SEED);
  const draw = uniformDraw(MINVAL, MAXVAL);
  const state = target.kernel.seedRandomState(target.scratch(RANDOM_STATE_BYTES), lo, hi);
  const rows = new Map<number, Float32Array>();
  const total = ROWS * DIM;
  for (let done = 0; done < total; done += piece) {
    const len = Math.min(piece, total - done);
    target.kernel.fillRandom(target.ptr, len, state, draw.kind, draw.p0, draw.p1, draw.p2);
    const values = target.view();
    for (const row of wanted) {
      const [start, end] = [row * DIM, (row + 1) * DIM];
      if (end <= done || start >= done + len) continue;
      const out = rows.get(row) ?? new Float32Array(DIM);
      const from = Math.max(start, done), to = Math.min(end, done + len);
      out.set(values.subarray(from - done, to - done), from - start);
      rows.set(row, out);
    }
  }
  return rows;
}

const big = suite("a table larger than one WebAssembly memory");

big("2^20 × 1100 float32 in 2 GiB shards: one lookup and one SGD step", () => {
  if (freemem() < 8 * 2 ** 30) {
    console.log(`  (skipped: ${(freemem() / 2 ** 30).toFixed(1)} GiB free, the test needs 8)`);
    return;
  }
  const layer = new Embedding({
    inputDim: ROWS, outputDim: DIM, maxShardBytes: SHARD_BYTES,
    embeddingsInitializer: new RandomUniform({ minval: MINVAL, maxval: MAXVAL, seed: SEED }),
  });
  try {
    const perShard = Math.floor(SHARD_BYTES / (DIM * 4) / 8) * 8;
    assert.is(layer.shardCount, Math.ceil(ROWS / perShard));
    assert.ok(layer.memoryBytes > 2 ** 32, `${layer.memoryBytes} bytes`);

    // Rows in every shard, at both sides of each shard boundary, and the last row.
    const early = [0, 1, 4099];
    const later = [perShard - 1, perShard, 2 * perShard - 1, 2 * perShard, 777_777, ROWS - 1];
    const indices = [...early, ...later];
    const y = layer.call({ data: Int32Array.from(indices), shape: [indices.length] });
    assert.equal(y.shape, [indices.length, DIM]);

    const scalar = referenceUniform(SEED, (early.at(-1)! + 1) * DIM, MINVAL, MAXVAL);
    early.forEach((row, i) => assertSameFloats(y.data.subarray(i * DIM, (i + 1) * DIM), scalar.subarray(row * DIM, (row + 1) * DIM), `row ${row} (scalar generator)`));
    const streamed = streamedRows([...later].sort((a, b) => a - b));
    later.forEach((row, j) => {
      const i = early.length + j;
      assertSameFloats(y.data.subarray(i * DIM, (i + 1) * DIM), streamed.get(row)!, `row ${row} (streamed generator)`);
    });

    // One lazy SGD step: w ← w − lr · g, with lr · g exact (powers of two), so each value rounds once.
    const lr = 0.5;
    const dOut = Float32Array.from({ length: indices.length * DIM }, (_, k) => ((k % 13) - 6) / 8);
    const gradient = layer.backward(dOut)!;
    layer.applyGradients(gradient as never, new SGD({ learningRate: lr, mode: "lazy" }));
    indices.forEach((row, i) => {
      const before = y.data.subarray(i * DIM, (i + 1) * DIM);
      const expected = before.map((w, d) => Math.fround(w - lr * dOut[i * DIM + d]!));
      assertSameFloats(layer.getRows(row, 1).data, expected, `row ${row} after the step`);
    });
    // Where one Float32Array cannot hold the table, the readers of the whole table say so before allocating.
    if (ROWS * DIM > Math.floor(constants.MAX_LENGTH / 4)) {
      assert.throws(() => layer.getWeights(), (e: Error) => e instanceof RangeError && /needs the whole 1048576 × 1100 table in one Float32Array .* getRows\(start, count\)/.test(e.message));
      assert.throws(() => layer.toTfjs(), (e: Error) => e instanceof RangeError && /getRows/.test(e.message));
    }
    // A row the gradient does not reach is unchanged.
    assertSameFloats(layer.getRows(2, 1).data, scalar.subarray(2 * DIM, 3 * DIM), "row 2 (not in the gradient)");
  } finally {
    layer.dispose();
  }
});

big.run();
