// Per-layer memories: growth, independence of layers, the 4 GiB limit, a 2 GiB table, disposal.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Constant, Embedding, ValueError } from "../../src/index.ts";
import { assertSameFloats, assertThrowsMessage, fixtureRandom, referenceGather } from "../support/helpers.ts";

const memory = suite("layer memory");

memory("growing lookups grow one layer's memory; every layer keeps giving correct results", () => {
  const rnd = fixtureRandom(5);
  const layers = Array.from({ length: 40 }, (_, i) => new Embedding({ inputDim: 100 + i, outputDim: 1 + (i % 9) * 16 }));
  const checks: { layer: Embedding; x: number[]; expected: Float32Array }[] = [];
  for (const layer of layers) {
    const x = Array.from({ length: 50 }, () => Math.floor(rnd() * layer.inputDim));
    checks.push({ layer, x, expected: referenceGather(layer.getWeights()[0]!.data, layer.outputDim, x) });
  }
  // Big batches force each layer's scratch to grow (memory.grow detaches its buffer).
  for (const { layer } of checks) {
    const before = layer.memoryBytes;
    const n = 20_000;
    const x = Array.from({ length: n }, (_, i) => i % layer.inputDim);
    const y = layer.call({ data: Int32Array.from(x), shape: [n] });
    assert.ok(layer.memoryBytes > before, "memory grew");
    assertSameFloats(y.data, referenceGather(layer.getWeights()[0]!.data, layer.outputDim, x), "big batch");
  }
  for (const { layer, x, expected } of checks) assertSameFloats(layer.call(x).data, expected, layer.name);
});

memory("the table region is untouched by lookups of any size", () => {
  const layer = new Embedding({ inputDim: 300, outputDim: 13 });
  const table = layer.getWeights()[0]!.data;
  for (const n of [1, 255, 256, 257, 5000, 70_000]) {
    layer.call({ data: new Int32Array(n).fill(299), shape: [n] });
    assertSameFloats(layer.getWeights()[0]!.data, table, `after n=${n}`);
  }
});

memory("a table that cannot fit in one WebAssembly memory is refused before allocating", () => {
  assertThrowsMessage(
    () => new Embedding({ inputDim: 2_000_000, outputDim: 1024 }),
    ValueError,
    /^An embedding table of inputDim × outputDim = 2000000 × 1024 float32 values needs 8192000000 bytes \(7\.63 GiB\), more than one WebAssembly memory can hold: 4294967296 bytes \(4 GiB\)/,
  );
});

memory("a table past 2 GiB (1,100,000 × 512 = 2.25 GB) works in Node", () => {
  const rows = 1_100_000;
  const layer = new Embedding({ inputDim: rows, outputDim: 512, embeddingsInitializer: new Constant({ value: 0.25 }) });
  assert.ok(layer.memoryBytes > 2 ** 31, "more than 2 GiB of memory");
  // Rows past 1,048,576 lie above 2^31 bytes, as do the index and output regions: pointers there
  // turn negative as int32 and must still address the right bytes.
  const x = [0, rows - 1, 500_000, 1_048_577];
  const y = layer.call(x);
  assert.equal(y.shape, [4, 512]);
  assert.ok(y.data.every((v) => v === 0.25));
  const weights = { data: new Float32Array(rows * 512), shape: [rows, 512] };
  weights.data.fill(-1, (rows - 1) * 512);
  layer.setWeights([weights]);
  const last = layer.call([rows - 1, 3]);
  assert.ok(last.data.subarray(0, 512).every((v) => v === -1) && last.data.subarray(512).every((v) => v === 0));
  assertThrowsMessage(() => layer.call([rows]), RangeError, `indices[0] = ${rows} is not in [0, ${rows})`);
  layer.dispose();
});

memory("dispose makes every method throw; other layers are unaffected", () => {
  const keep = new Embedding({ inputDim: 5, outputDim: 2, weights: [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]] });
  const gone = new Embedding({ inputDim: 5, outputDim: 2, name: "gone" });
  gone.dispose();
  assert.ok(gone.isDisposed);
  const message = 'Embedding layer "gone" has been disposed and cannot be used any more.';
  assertThrowsMessage(() => gone.call([1]), Error, message);
  assertThrowsMessage(() => gone.getWeights(), Error, message);
  assertThrowsMessage(() => gone.memoryBytes, Error, message);
  for (const use of [() => gone.getConfig(), () => gone.toKerasConfig(), () => gone.computeMask([1]), () => gone.computeOutputShape([1]),
    () => gone.countParams(), () => gone.indexBuffer(1), () => gone.lookupBuffer(1), () => gone.callInto([1], new Float32Array(2))]) {
    assertThrowsMessage(use, Error, message);
  }
  assert.equal(Array.from(keep.call([4, 1]).data), [4, 4, 1, 1]);
});

memory.run();
