// EmbeddingPool: lookups split across worker threads over one shared table give the rows a plain
// TypeScript gather of the layer's weights gives (and so the layer's own call), bit for bit, for every
// input form; bad input is refused with the layer's errors before anything is written; training steps
// are refused while pool lookups are in flight; a crashed worker rejects its calls and leaves the layer
// usable; dispose stops the workers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, EmbeddingPool, FunctionConstraint, SGD, ValueError } from "../../src/index.ts";
import { fixtureRandom } from "../support/helpers.ts";
import { rejection, sameBits, seeded } from "../support/pool-helpers.ts";

/** Rows `indices` of the layer's table, read with getWeights and copied in plain TypeScript. */
function referenceRows(layer: Embedding, indices: ArrayLike<number | bigint>): Float32Array {
  const table = layer.getWeights()[0]!.data;
  const dim = layer.outputDim;
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    const row = Math.trunc(Number(indices[i]));
    for (let j = 0; j < dim; j++) out[i * dim + j] = table[row * dim + j]!;
  }
  return out;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

test("pool lookups equal a plain gather of the table and the layer's own call, bit for bit, for random batches and every input form", async () => {
  const random = fixtureRandom(20);
  for (const [rows, dim, workers] of [[50, 1, 1], [1000, 37, 2], [300, 300, 3], [4096, 128, 2]] as const) {
    const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: seeded(rows + dim) });
    const pool = await EmbeddingPool.create(layer, { workers });
    assert.is(pool.workers, workers);
    // Sizes include 0, 1, fewer positions than workers, and more than one job per worker (300-wide rows: 873 a job).
    for (const n of [0, 1, 2, 999, 5000]) {
      const ints = Int32Array.from({ length: n }, () => Math.floor(random() * rows));
      const expected = referenceRows(layer, ints);
      sameBits((await pool.call(ints)).data, expected, `Int32Array ${rows}x${dim} n=${n}`);
      sameBits(layer.call(ints).data, expected, "layer");
      // float64 with fractions (truncated toward zero, as Keras casts), BigInt64, nested arrays, { data, shape }.
      const floats = Float64Array.from(ints, (v) => v + random() * 0.999);
      sameBits((await pool.call(floats)).data, expected, "Float64Array");
      const bigs = BigInt64Array.from(ints, (v) => BigInt(v));
      sameBits((await pool.call(bigs)).data, expected, "BigInt64Array");
      if (n % 2 === 0 && n > 0) {
        const nested = Array.from({ length: n / 2 }, (_, i) => [ints[2 * i]!, ints[2 * i + 1]!]);
        const result = await pool.call(nested);
        assert.equal(result.shape, [n / 2, 2, dim]);
        sameBits(result.data, expected, "nested");
        const tensor = await pool.call({ data: Uint32Array.from(ints), shape: [2, n / 2] });
        assert.equal(tensor.shape, [2, n / 2, dim]);
        sameBits(tensor.data, expected, "{ data, shape }");
      }
      const out = new Float32Array(n * dim);
      const into = await pool.callInto(ints, out);
      assert.ok(into.data === out);
      sameBits(out, expected, "callInto");
      // On a SharedArrayBuffer the workers write out themselves.
      const shared = new Float32Array(new SharedArrayBuffer(n * dim * 4));
      await pool.callInto(floats, shared);
      sameBits(shared, expected, "callInto (shared out)");
    }
    await pool.dispose();
    layer.dispose();
  }
});

test("a table larger than 16 MiB (read a touched chunk at a time): pool lookups equal a plain gather and the layer's own call", async () => {
  const random = fixtureRandom(21);
  for (const [rows, dim] of [[70_000, 64], [15_000, 300]] as const) {
    const layer = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: seeded(rows) });
    const pool = await EmbeddingPool.create(layer, { workers: 2 });
    const n = 3000;
    const ints = Int32Array.from({ length: n }, (_, i) => (i === 0 ? rows - 1 : Math.floor(random() * rows)));
    const expected = referenceRows(layer, ints);
    sameBits(layer.call(ints).data, expected, `layer ${rows}x${dim}`);
    sameBits((await pool.call(ints)).data, expected, `pool call ${rows}x${dim}`);
    const shared = new Float32Array(new SharedArrayBuffer(n * dim * 4));
    sameBits((await pool.callInto(ints, shared)).data, expected, `pool callInto, shared out ${rows}x${dim}`);
    await pool.dispose();
    layer.dispose();
  }
});

test("a scalar index gives shape [outputDim], as the layer's call does", async () => {
  const layer = new Embedding({ inputDim: 10, outputDim: 4, weights: [{ data: Float32Array.from({ length: 40 }, (_, i) => i), shape: [10, 4] }] });
  await using pool = await EmbeddingPool.create(layer, { workers: 2 });
  const result = await pool.call(7);
  assert.equal(result.shape, [4]);
  assert.equal([...result.data], [28, 29, 30, 31]);
});

test("bad input is refused with the layer's own error before any worker runs, and out is not written", async () => {
  const layer = new Embedding({ inputDim: 20, outputDim: 3, embeddingsInitializer: seeded(3) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const cases: [string, unknown][] = [
    ["index past the table", [1, 2, 20]],
    ["negative index", Int32Array.of(0, -1)],
    ["NaN", Float64Array.of(1, Number.NaN)],
    ["Infinity", [Infinity]],
    ["BigInt out of int32", BigInt64Array.of(1n, 2n ** 40n)],
    ["not an index", "abc"],
    ["ragged", [[1, 2], [3]]],
  ];
  for (const [what, x] of cases) {
    const expected = thrown(() => layer.call(x as never));
    const error = await rejection(pool.call(x as never));
    assert.is(error.constructor, expected.constructor, what);
    assert.is(error.message, expected.message, what);
    const size = typeof x === "string" ? 1 : Array.isArray(x) && Array.isArray(x[0]) ? 3 : (x as ArrayLike<unknown>).length;
    const out = new Float32Array(new SharedArrayBuffer(size * 3 * 4)).fill(-7);
    const expectedInto = thrown(() => layer.callInto(x as never, new Float32Array(size * 3)));
    const intoError = await rejection(pool.callInto(x as never, out));
    assert.is(intoError.constructor, expectedInto.constructor, `${what} (callInto)`);
    assert.is(intoError.message, expectedInto.message, `${what} (callInto)`);
    assert.ok(out.every((v) => v === -7), `${what}: out untouched`);
  }
  // out of the wrong length or type: the layer's callInto errors.
  for (const out of [new Float32Array(5), new Float64Array(6), [0, 0, 0, 0, 0, 0]]) {
    const expected = thrown(() => layer.callInto([1, 2], out as Float32Array));
    const error = await rejection(pool.callInto([1, 2], out as Float32Array));
    assert.is(error.constructor, expected.constructor);
    assert.is(error.message, expected.message);
  }
  // The pool still works after refusals, and the layer was never lent out.
  sameBits((await pool.call([19, 0])).data, referenceRows(layer, [19, 0]), "after refusals");
  layer.setWeights([{ data: new Float32Array(60).fill(2), shape: [20, 3] }]);
  sameBits((await pool.call([19, 0])).data, new Float32Array(6).fill(2), "after setWeights");
  await pool.dispose();
});

test("concurrent calls each get their own rows", async () => {
  const random = fixtureRandom(21);
  const layer = new Embedding({ inputDim: 2000, outputDim: 64, embeddingsInitializer: seeded(5) });
  const pool = await EmbeddingPool.create(layer, { workers: 3 });
  const batches = Array.from({ length: 24 }, (_, i) => Int32Array.from({ length: 1 + ((i * 997) % 9000) }, () => Math.floor(random() * 2000)));
  const pending = batches.map((b, i) => (i % 2 === 0 ? pool.call(b) : pool.callInto(b, new Float32Array(b.length * 64))));
  // Meanwhile the owning thread makes a lookup large enough to grow the shared memory.
  const bytes = layer.memoryBytes;
  const big = Int32Array.from({ length: 60000 }, (_, i) => (i * 13) % 2000);
  sameBits(layer.call(big).data, referenceRows(layer, big), "a layer lookup that grows the memory");
  assert.ok(layer.memoryBytes > bytes, "the shared memory grew");
  const results = await Promise.all(pending);
  results.forEach((r, i) => sameBits(r.data, referenceRows(layer, batches[i]!), `batch ${i}`));
  sameBits((await pool.call(big)).data, referenceRows(layer, big), "pool after the growth");
  await pool.dispose();
});

test("training: the layer refuses table writes while pool lookups are in flight, and the pool reads each step's result afterwards", async () => {
  const layer = new Embedding({ inputDim: 500, outputDim: 16, embeddingsInitializer: seeded(8) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const ids = Int32Array.from({ length: 20000 }, (_, i) => (i * 31) % 500);
  const before = referenceRows(layer, ids);
  const optimizer = new SGD({ learningRate: 0.5 });
  layer.call([[1, 2, 3]]);
  const gradient = layer.backward(new Float32Array(48).fill(1))!;
  const pending = pool.call(ids);
  const refused = thrown(() => layer.applyGradients(gradient, optimizer));
  assert.instance(refused, ValueError);
  assert.match(refused.message, /applyGradients\(\) was called on Embedding layer .* while 1 EmbeddingPool lookup read its table/);
  assert.match(thrown(() => layer.setWeights([{ data: new Float32Array(500 * 16), shape: [500, 16] }])).message, /setWeights\(\).*EmbeddingPool lookup/);
  assert.match(thrown(() => layer.dispose()).message, /dispose\(\).*EmbeddingPool lookup/);
  assert.match(thrown(() => layer.quantize("int8")).message, /quantize\(\).*EmbeddingPool lookup/);
  // Reads on the owning thread stay allowed.
  sameBits(layer.call([7]).data, referenceRows(layer, [7]), "layer.call during a pool lookup");
  sameBits((await pending).data, before, "the lookup made before the step reads the table before it");
  // Once the lookup settled, the step runs, and the next pool lookup reads the stepped table.
  layer.applyGradients(gradient, optimizer);
  const stepped = referenceRows(layer, [1, 2, 3, 4]);
  assert.ok(stepped[0] !== before[16], "the step changed row 1");
  sameBits((await pool.call([1, 2, 3, 4])).data, stepped, "after the step");
  sameBits(layer.call([1, 2, 3, 4]).data, stepped, "layer after the step");
  await pool.dispose();
  layer.applyGradients(layer.backward(new Float32Array(64).fill(1))!, optimizer);
});

test("a pool lookup made while a step runs (from the step's constraint callback) is refused, and the step completes", async () => {
  let pool: EmbeddingPool | undefined;
  let during: Promise<unknown> | undefined;
  const constraint = new FunctionConstraint(() => {
    during = pool!.call([1]);
  });
  const layer = new Embedding({ inputDim: 6, outputDim: 2, embeddingsConstraint: constraint, weights: [{ data: new Float32Array(12).fill(1), shape: [6, 2] }] });
  pool = await EmbeddingPool.create(layer, { workers: 2 });
  layer.call([1]);
  layer.applyGradients(layer.backward(new Float32Array([1, 1]))!, new SGD({ learningRate: 0.5 }));
  const error = await rejection(during!);
  assert.instance(error, ValueError);
  assert.match(error.message, /call\(\) was called on Embedding layer .* while its applyGradients\(\) was still running/);
  // The step went through, and the next pool lookup reads its result.
  assert.equal([...(await pool.call([1, 0])).data], [0.5, 0.5, 1, 1]);
  await pool.dispose();
});

test("a refused pool call does not lend the table out", async () => {
  const layer = new Embedding({ inputDim: 5, outputDim: 2 });
  const pool = await EmbeddingPool.create(layer, { workers: 1 });
  await rejection(pool.call([9]));
  layer.setWeights([{ data: new Float32Array(10).fill(1), shape: [5, 2] }]);
  assert.equal([...(await pool.call([4])).data], [1, 1]);
  await pool.dispose();
});

test("a crashed worker rejects the pending calls with a clear error; the layer stays usable and trainable", async () => {
  const layer = new Embedding({ inputDim: 3000, outputDim: 128, embeddingsInitializer: seeded(9) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const ids = Int32Array.from({ length: 200000 }, (_, i) => (i * 7) % 3000);
  const pending = pool.call(ids);
  await pool.crashWorkerForTests(1);
  const error = await rejection(pending);
  assert.match(error.message, /EmbeddingPool cannot be used any more: a worker failed \(worker 1 of 2 stopped: the worker thread exited/);
  assert.match(error.message, /The layer is unaffected/);
  const later = await rejection(pool.call([1]));
  assert.match(later.message, /cannot be used any more/);
  sameBits(layer.call([5, 6]).data, referenceRows(layer, [5, 6]), "layer after the crash");
  layer.call([[1, 2]]);
  layer.applyGradients(layer.backward(new Float32Array(256).fill(1))!, new SGD({ learningRate: 0.1 }));
  await pool.dispose();
  layer.dispose();
});

test("dispose: stops the workers after the calls already made, refuses later calls, disposes only a layer the pool built", async () => {
  const layer = new Embedding({ inputDim: 100, outputDim: 8, embeddingsInitializer: seeded(10) });
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const pending = pool.call(Int32Array.from({ length: 5000 }, (_, i) => i % 100));
  const disposing = pool.dispose();
  assert.ok(pool.isDisposed);
  assert.is((await pending).data.length, 5000 * 8);
  await disposing;
  assert.match((await rejection(pool.call([1]))).message, /this pool has been disposed/);
  await pool.dispose();
  assert.not.ok(layer.isDisposed);
  sameBits(layer.call([99]).data, referenceRows(layer, [99]), "the layer after dispose");

  const built = await EmbeddingPool.create({ inputDim: 64, outputDim: 5, embeddingsInitializer: seeded(11) }, { workers: 1 });
  const twin = new Embedding({ inputDim: 64, outputDim: 5, embeddingsInitializer: seeded(11) });
  sameBits((await built.call([63, 0, 7])).data, twin.call([63, 0, 7]).data, "a layer built from options");
  await built[Symbol.asyncDispose]();
  assert.ok(built.layer.isDisposed);
});

test("one table: the layer's memory moves to a SharedArrayBuffer and grows only by the workers' regions", async () => {
  const layer = new Embedding({ inputDim: 20000, outputDim: 64, embeddingsInitializer: seeded(12) });
  const alone = layer.memoryBytes;
  const pool = await EmbeddingPool.create(layer, { workers: 2 });
  const jobBytes = 1 << 20;
  assert.ok(layer.memoryBytes <= alone + 2 * (jobBytes + 16384 * 4 + 256) + 65536, `${layer.memoryBytes} bytes after, ${alone} before`);
  assert.ok(layer.memoryBytes >= 20000 * 64 * 4);
  // The layer's zero-copy output lives in the shared memory now.
  assert.instance(layer.indexBuffer(1).buffer, SharedArrayBuffer);
  await pool.dispose();
  // A new pool reuses the disposed pool's job regions: making and disposing pools does not grow the memory.
  const held = layer.memoryBytes;
  for (let i = 0; i < 3; i++) {
    const again = await EmbeddingPool.create(layer, { workers: 2 });
    sameBits((await again.call([19999, 0])).data, referenceRows(layer, [19999, 0]), "a later pool");
    await again.dispose();
  }
  assert.is(layer.memoryBytes, held);
});

test("callInto into a SharedArrayBuffer holds its regions only while it runs: calls of mixed sizes, alternating, do not grow the memory", async () => {
  const layer = new Embedding({ inputDim: 5000, outputDim: 64, embeddingsInitializer: seeded(13) });
  await using pool = await EmbeddingPool.create(layer, { workers: 2 });
  const random = fixtureRandom(31);
  const batch = (n: number) => Int32Array.from({ length: n }, () => Math.floor(random() * 5000));
  const into = async (ids: Int32Array) => {
    const out = new Float32Array(new SharedArrayBuffer(ids.length * 64 * 4));
    await pool.callInto(ids, out);
    sameBits(out, referenceRows(layer, ids), `callInto of ${ids.length}`);
  };
  // One round first: the layer's own staging regions settle above the pool's regions.
  for (const n of [20000, 10, 20000, 300]) await into(batch(n));
  const held = layer.memoryBytes;
  // A large region lent to a small call is given back whole, so the next large call reuses it.
  for (let i = 0; i < 4; i++) {
    await into(batch(10));
    await into(batch(20000));
    await into(batch(300));
  }
  assert.is(layer.memoryBytes, held);
});

test("refused: quantized, 16-bit, LoRA, maxNorm and sharded layers, bad options, a disposed layer, a layer moved after the pool was made", async () => {
  const cases: [Embedding, RegExp][] = [
    [new Embedding({ inputDim: 4, outputDim: 2, dtype: "int8_from_float32" }), /stores its table as int8_from_float32/],
    [new Embedding({ inputDim: 4, outputDim: 2, dtype: "float16" }), /stores its table as float16/],
    [new Embedding({ inputDim: 4, outputDim: 2, loraRank: 2 }), /has LoRA adapters/],
    [new Embedding({ inputDim: 4, outputDim: 2, maxNorm: 1 }), /has maxNorm/],
    [new Embedding({ inputDim: 64, outputDim: 2, maxShardBytes: 64 }), /splits its table into 8 memories \(maxShardBytes\)/],
  ];
  for (const [layer, message] of cases) {
    const error = await rejection(EmbeddingPool.create(layer, { workers: 1 }));
    assert.instance(error, ValueError);
    assert.match(error.message, message);
    assert.equal(layer.call([1]).shape, [1, 2]);
  }
  const layer = new Embedding({ inputDim: 4, outputDim: 2 });
  for (const [options, message] of [
    [{ workers: 0 }, /workers.*a positive integer/],
    [{ workers: 1.5 }, /workers.*a positive integer/],
    [{ threads: 2 }, /Unrecognized option passed to EmbeddingPool.create: "threads"/],
    [null, /options/],
  ] as const) {
    const error = await rejection(EmbeddingPool.create(layer, options as never));
    assert.match(error.message, message);
  }
  assert.match((await rejection(EmbeddingPool.create(42 as never))).message, /layerOrOptions/);
  const disposed = new Embedding({ inputDim: 4, outputDim: 2 });
  disposed.dispose();
  assert.match((await rejection(EmbeddingPool.create(disposed, { workers: 1 }))).message, /has been disposed/);

  const pool = await EmbeddingPool.create(layer, { workers: 1 });
  layer.quantize("int8");
  const moved = await rejection(pool.call([1]));
  assert.match(moved.message, /int8_from_float32|moved its table/);
  await pool.dispose();
});

test("a worker script that cannot start rejects create with its URL", async () => {
  const layer = new Embedding({ inputDim: 4, outputDim: 2 });
  const missing = new URL("./no-such-worker.js", import.meta.url);
  const error = await rejection(EmbeddingPool.create(layer, { workers: 1, workerUrl: missing }));
  assert.match(error.message, /an EmbeddingPool worker failed to start/);
  assert.match(error.message, /no-such-worker\.js/);
  assert.equal([...layer.call([1]).data].length, 2);
});

test.run();
