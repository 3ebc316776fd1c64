// EmbeddingBag: PyTorch's vectors P1–P5 (../shared/spec/keras-embedding.md §10), every option and
// edge against a float64 reference in plain TypeScript, backward against the reference gradient,
// optimizer steps, configs, weights and argument errors (nothing written on failure).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddingBag, SGD, ValueError, MaxNorm, type BagReduction } from "../../src/index.ts";
import { assertClose, assertSameFloats, assertThrowsMessage, fixtureRandom, flat } from "../support/helpers.ts";
import { brokenGuards, withGuardBands } from "../../src/testing.ts";

const W4 = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]];
const INPUT = [0, 2, 1, 3, 3];
const OFFSETS = [0, 2, 2];

/** Float64 reference: bags given as [start, end) bounds over idx. */
function referenceBags(table: number[][], idx: number[], bounds: number[], mode: BagReduction, padding: number | null, weights?: number[]): number[][] {
  const dim = table[0]!.length;
  const out: number[][] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const rows: [number[], number][] = [];
    for (let i = bounds[b]!; i < bounds[b + 1]!; i++) if (idx[i] !== padding) rows.push([table[idx[i]!]!, weights?.[i] ?? 1]);
    if (rows.length === 0) {
      out.push(new Array(dim).fill(0));
      continue;
    }
    const r = new Array(dim).fill(mode === "max" ? -Infinity : 0);
    for (const [row, w] of rows) for (let d = 0; d < dim; d++) r[d] = mode === "max" ? Math.max(r[d], row[d]!) : r[d] + row[d]! * w;
    if (mode === "mean") for (let d = 0; d < dim; d++) r[d] /= rows.length;
    out.push(r);
  }
  return out;
}

function randomTable(rows: number, cols: number, seed: number): number[][] {
  const rnd = fixtureRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround((rnd() - 0.5) * 4)));
}

const vectors = suite("EmbeddingBag: PyTorch vectors");
vectors("P1: sum, mean and max of bags [0, 2], [], [1, 3, 3]", () => {
  const expected: Record<BagReduction, number[][]> = {
    sum: [[6, 8, 10], [0, 0, 0], [21, 24, 27]],
    mean: [[3, 4, 5], [0, 0, 0], [7, 8, 9]],
    max: [[6, 7, 8], [0, 0, 0], [9, 10, 11]],
  };
  for (const mode of ["sum", "mean", "max"] as const) {
    const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode, weights: W4 });
    const y = bag.call(INPUT, { offsets: OFFSETS });
    assert.equal(y.shape, [3, 3]);
    assertClose(y.data, flat(expected[mode]));
  }
});
vectors("PyTorch's positional form: call(input, offsets, perSampleWeights)", () => {
  const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "sum", weights: W4 });
  assertClose(bag.call(INPUT, OFFSETS).data, flat([[6, 8, 10], [0, 0, 0], [21, 24, 27]]));
  assertClose(bag.call(INPUT, new Int32Array(OFFSETS), [1, 0.5, 2, 1, -1]).data, flat([[3, 4.5, 6], [0, 0, 0], [6, 8, 10]]));
  assertClose(bag.call([[0, 2]], undefined, [[1, 2]]).data, [12, 15, 18]);
});
vectors("P2: includeLastOffset with offsets [0, 2, 2, 5] equals P1", () => {
  const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "sum", weights: W4, includeLastOffset: true });
  assertClose(bag.call(INPUT, { offsets: [0, 2, 2, 5] }).data, flat([[6, 8, 10], [0, 0, 0], [21, 24, 27]]));
});
vectors("P3: paddingIdx 3 is left out of every bag and of the mean's divisor", () => {
  const expected: Record<BagReduction, number[][]> = {
    mean: [[3, 4, 5], [0, 0, 0], [3, 4, 5]],
    sum: [[6, 8, 10], [0, 0, 0], [3, 4, 5]],
    max: [[6, 7, 8], [0, 0, 0], [3, 4, 5]],
  };
  for (const mode of ["sum", "mean", "max"] as const) {
    const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode, weights: W4, paddingIdx: 3 });
    assertClose(bag.call(INPUT, { offsets: OFFSETS }).data, flat(expected[mode]));
  }
});
vectors("P4: perSampleWeights in sum mode; refused in mean and max", () => {
  const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "sum", weights: W4 });
  assertClose(bag.call(INPUT, { offsets: OFFSETS, perSampleWeights: [1, 0.5, 2, 1, -1] }).data, flat([[3, 4.5, 6], [0, 0, 0], [6, 8, 10]]));
  for (const mode of ["mean", "max"] as const) {
    const other = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode, weights: W4 });
    assertThrowsMessage(() => other.call(INPUT, { offsets: OFFSETS, perSampleWeights: [1, 1, 1, 1, 1] }), ValueError, /only supported in mode "sum"/);
  }
});
vectors("P5: pretrained table, mean of the 2-D bag [[1, 0]]", () => {
  const bag = new EmbeddingBag({ inputDim: 2, outputDim: 3, weights: [[1, 2.3, 3], [4, 5.1, 6.3]] });
  assert.is(bag.mode, "mean");
  const y = bag.call([[1, 0]]);
  assert.equal(y.shape, [1, 3]);
  assertClose(y.data, [2.5, 3.7, 4.65], 1e-6, 1e-6);
});
vectors("P6-style maxNorm: referenced rows are rescaled in place before the reduction, others untouched", () => {
  const bag = new EmbeddingBag({ inputDim: 3, outputDim: 2, mode: "sum", maxNorm: 1, weights: [[3, 4], [0.3, 0.4], [1, 1]] });
  const y = bag.call([[0, 1, 0]]);
  const s = 1 / (5 + 1e-7);
  assertClose(y.data, [3 * s * 2 + 0.3, 4 * s * 2 + 0.4], 1e-6, 1e-6);
  assertClose(bag.getWeights()[0]!.data, [3 * s, 4 * s, 0.3, 0.4, 1, 1], 1e-6, 1e-6);
});

const forward = suite("EmbeddingBag: against a float64 reference");
forward("random bags, every mode, with and without padding, 1-D and 2-D input, odd widths", () => {
  const rnd = fixtureRandom(7);
  for (const dim of [1, 3, 4, 17, 64]) {
    const rows = 23;
    const table = randomTable(rows, dim, dim);
    for (const mode of ["sum", "mean", "max"] as const) {
      for (const padding of [null, 5]) {
        const n = 60;
        const idx = Array.from({ length: n }, () => Math.floor(rnd() * rows));
        const offsets = [0];
        while (offsets.length < 12) offsets.push(Math.min(n, offsets[offsets.length - 1]! + Math.floor(rnd() * 9)));
        const bag = new EmbeddingBag({ inputDim: rows, outputDim: dim, mode, paddingIdx: padding, weights: table });
        const y = bag.call(new Int32Array(idx), { offsets });
        assertClose(y.data, flat(referenceBags(table, idx, [...offsets, n], mode, padding)), 1e-5, 1e-5);
        // 2-D: bags of 5.
        const two = Array.from({ length: 4 }, (_, b) => idx.slice(b * 5, b * 5 + 5));
        const y2 = bag.call(two);
        assert.equal(y2.shape, [4, dim]);
        assertClose(y2.data, flat(referenceBags(table, idx.slice(0, 20), [0, 5, 10, 15, 20], mode, padding)), 1e-5, 1e-5);
      }
    }
  }
});
forward("a table larger than 16 MiB (rows touched a chunk of positions ahead): every mode, padding and weights", () => {
  const rnd = fixtureRandom(16);
  for (const [rows, dim] of [[70_000, 64], [15_000, 300]] as const) {
    const table = new Float32Array(rows * dim);
    for (let i = 0; i < table.length; i++) table[i] = Math.fround((rnd() - 0.5) * 4);
    const row = (r: number) => Array.from(table.subarray(r * dim, (r + 1) * dim));
    const n = 700;
    const padding = 11;
    const idx = Array.from({ length: n }, (_, i) => (i % 50 === 7 ? padding : i === 0 ? rows - 1 : Math.floor(rnd() * rows)));
    const offsets = [0];
    while (offsets[offsets.length - 1]! + 40 < n) offsets.push(offsets[offsets.length - 1]! + 1 + Math.floor(rnd() * 60));
    const w = Array.from({ length: n }, () => Math.fround(rnd() * 2 - 1));
    const used = [...new Set([0, ...idx])]; // the reference reads its width from row 0
    const lookup = new Map(used.map((r) => [r, row(r)]));
    const sparse = Array.from({ length: rows }, (_, r) => lookup.get(r) ?? []);
    for (const mode of ["sum", "mean", "max"] as const) {
      const bag = new EmbeddingBag({ inputDim: rows, outputDim: dim, mode, paddingIdx: padding, weights: { data: table, shape: [rows, dim] } });
      const expected = flat(referenceBags(sparse, idx, [...offsets, n], mode, padding));
      assertClose(bag.call(new Int32Array(idx), { offsets }).data, expected, 1e-5, 1e-5);
      if (mode === "sum") {
        const weighted = flat(referenceBags(sparse, idx, [...offsets, n], mode, padding, w));
        assertClose(bag.call(new Int32Array(idx), { offsets, perSampleWeights: new Float32Array(w) }).data, weighted, 1e-5, 1e-5);
      }
      bag.dispose();
    }
  }
});
forward("weighted sums against the reference; weights as Float32Array and nested arrays", () => {
  const table = randomTable(9, 6, 3);
  const bag = new EmbeddingBag({ inputDim: 9, outputDim: 6, mode: "sum", weights: table });
  const idx = [[1, 8, 8], [0, 4, 2]];
  const w = [[0.5, -2, 3], [1.25, 0, 7]];
  const expected = flat(referenceBags(table, flat(idx), [0, 3, 6], "sum", null, flat(w)));
  assertClose(bag.call(idx, { perSampleWeights: w }).data, expected, 1e-5, 1e-5);
  assertClose(bag.call({ data: new Int32Array(flat(idx)), shape: [2, 3] }, { perSampleWeights: { data: new Float32Array(flat(w)), shape: [2, 3] } }).data, expected, 1e-5, 1e-5);
});
forward("empty input, empty bags, all-padding bags and a negative paddingIdx", () => {
  const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "mean", weights: W4, paddingIdx: -1 });
  assert.is(bag.paddingIdx, 3);
  assertSameFloats(bag.call([3, 3, 1], { offsets: [0, 2] }).data, [0, 0, 0, 3, 4, 5]);
  assert.equal(bag.call(new Int32Array(0), { offsets: [] }).shape, [0, 3]);
  assertSameFloats(bag.call(new Int32Array(0), { offsets: [0, 0] }).data, [0, 0, 0, 0, 0, 0]);
  assert.equal(bag.call([[], []]).shape, [2, 3]);
});
forward("max takes the first position on ties; NaN rows never win over a number", () => {
  const bag = new EmbeddingBag({ inputDim: 3, outputDim: 2, mode: "max", weights: [[1, 5], [1, 2], [NaN, 0]] });
  assertSameFloats(bag.call([[0, 1, 2]]).data, [1, 5]);
  const g = bag.backward([[10, 20]])!;
  // Column 0 ties between positions 0 and 1 (both 1): position 0 (row 0) wins; column 1: row 0.
  assert.equal(Array.from(g.indices), [0, 1, 2]);
  assertSameFloats(g.values, [10, 20, 0, 0, 0, 0]);
});
forward("a fresh table's padding row is zero; given weights are kept", () => {
  const bag = new EmbeddingBag({ inputDim: 5, outputDim: 4, paddingIdx: 2, embeddingsInitializer: "ones" });
  const w = bag.getWeights()[0]!.data;
  assertSameFloats(w.subarray(8, 12), [0, 0, 0, 0]);
  assertSameFloats(w.subarray(0, 4), [1, 1, 1, 1]);
  const given = new EmbeddingBag({ inputDim: 4, outputDim: 3, paddingIdx: 0, weights: W4 });
  assertSameFloats(given.getWeights()[0]!.data.subarray(0, 3), [0, 1, 2]);
});

const backward = suite("EmbeddingBag: backward and training");
/** Reference dense gradient of the table for one call, float64. */
function referenceGradient(table: number[][], idx: number[], bounds: number[], mode: BagReduction, padding: number | null, dY: number[][], weights?: number[], byFreq = false): Map<number, number[]> {
  const dim = table[0]!.length;
  const grad = new Map<number, number[]>();
  const counts = new Map<number, number>();
  for (let b = 0; b + 1 < bounds.length; b++) {
    const pos: number[] = [];
    for (let i = bounds[b]!; i < bounds[b + 1]!; i++) if (idx[i] !== padding) pos.push(i);
    for (const i of pos) {
      const r = idx[i]!;
      counts.set(r, (counts.get(r) ?? 0) + 1);
      const g = grad.get(r) ?? new Array(dim).fill(0);
      for (let d = 0; d < dim; d++) {
        if (mode === "sum") g[d] += dY[b]![d]! * (weights?.[i] ?? 1);
        else if (mode === "mean") g[d] += dY[b]![d]! / pos.length;
        else {
          let best = pos[0]!;
          for (const j of pos) if (table[idx[j]!]![d]! > table[idx[best]!]![d]!) best = j;
          if (best === i) g[d] += dY[b]![d]!;
        }
      }
      grad.set(r, g);
    }
  }
  if (byFreq) for (const [r, g] of grad) grad.set(r, g.map((v) => v / counts.get(r)!));
  return grad;
}
function assertGradient(g: { indices: Int32Array; values: Float32Array }, expected: Map<number, number[]>, dim: number): void {
  assert.equal([...g.indices].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b));
  g.indices.forEach((r, k) => assertClose(g.values.subarray(k * dim, (k + 1) * dim), expected.get(r)!, 1e-5, 1e-5));
}
backward("sum (weighted), mean, max, padding and scaleGradByFreq against the reference gradient", () => {
  const rnd = fixtureRandom(11);
  const dim = 5, rows = 7;
  const table = randomTable(rows, dim, 4);
  const idx = [1, 3, 3, 0, 6, 1, 5, 5, 2, 3];
  const bounds = [0, 3, 3, 7, 10];
  const dY = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => rnd() - 0.5));
  const weights = idx.map(() => rnd() * 2 - 1);
  for (const mode of ["sum", "mean", "max"] as const) {
    for (const padding of [null, 3]) {
      for (const byFreq of mode === "max" ? [false] : [false, true]) {
        const w = mode === "sum" ? weights : undefined;
        const bag = new EmbeddingBag({ inputDim: rows, outputDim: dim, mode, paddingIdx: padding, weights: table, scaleGradByFreq: byFreq });
        bag.call(idx, { offsets: bounds.slice(0, 4), ...(w ? { perSampleWeights: w } : {}) });
        const g = bag.backward(dY)!;
        assert.equal(g.denseShape, [rows, dim]);
        assertGradient(g, referenceGradient(table, idx, bounds, mode, padding, dY, w, byFreq), dim);
      }
    }
  }
});
backward("SGD steps move exactly the used rows by -lr * gradient; a constraint applies after the step", () => {
  const table = randomTable(6, 4, 9);
  const bag = new EmbeddingBag({ inputDim: 6, outputDim: 4, mode: "mean", weights: table, paddingIdx: 0 });
  bag.call([[1, 2, 0], [2, 4, 4]]);
  const dY = [[1, 2, 3, 4], [-1, 0, 1, 2]];
  const g = bag.backward(dY)!;
  bag.applyGradients(g, new SGD({ learningRate: 0.5 }));
  const after = bag.getWeights()[0]!.data;
  const expected = referenceGradient(table, [1, 2, 0, 2, 4, 4], [0, 3, 6], "mean", 0, dY);
  for (let r = 0; r < 6; r++) {
    const gr = expected.get(r) ?? [0, 0, 0, 0];
    assertClose(after.subarray(r * 4, r * 4 + 4), table[r]!.map((v, d) => v - 0.5 * gr[d]!), 1e-6, 1e-6);
  }
  const constrained = new EmbeddingBag({ inputDim: 3, outputDim: 2, mode: "sum", weights: [[3, 4], [0, 1], [0, 0]], embeddingsConstraint: new MaxNorm({ maxValue: 1, axis: 1 }) });
  constrained.call([[0]]);
  constrained.applyGradients(constrained.backward([[0, 0]])!, new SGD({ learningRate: 1 }));
  assertClose(constrained.getWeights()[0]!.data.subarray(0, 2), [0.6, 0.8], 1e-6, 1e-6);
});
backward("backward needs a call, the output's shape, and is null when not trainable", () => {
  const bag = new EmbeddingBag({ inputDim: 4, outputDim: 3, weights: W4 });
  assertThrowsMessage(() => bag.backward([[1, 2, 3]]), ValueError, /there is none/);
  bag.call([[1, 2]]);
  assertThrowsMessage(() => bag.backward([[1, 2]]), ValueError, /shape of the last call's output, \[1, 3\]/);
  assertThrowsMessage(() => bag.backward(new Float32Array(2)), ValueError, /3 values/);
  const frozen = new EmbeddingBag({ inputDim: 4, outputDim: 3, weights: W4, trainable: false });
  frozen.call([[1, 2]]);
  assert.is(frozen.backward([[1, 2, 3]]), null);
});

const args = suite("EmbeddingBag: arguments, configs, weights");
args("bad options name the option and the value", () => {
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "min" as never }), ValueError, /mode must be "sum", "mean" or "max"\. Received: mode="min"/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, paddingIdx: 4 }), ValueError, /paddingIdx must be an integer in \[-4, 4\)/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, paddingIdx: 1.5 }), ValueError, /paddingIdx/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "max", scaleGradByFreq: true }), ValueError, /does not support scaling/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, maxNorm: -1 }), ValueError, /maxNorm/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 0, outputDim: 3 }), ValueError, /inputDim must be a positive integer/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, inputLength: 3 } as never), ValueError, /Unrecognized option passed to EmbeddingBag: "inputLength"/);
  assertThrowsMessage(() => new EmbeddingBag({ inputDim: 4, outputDim: 3, weights: [[1, 2]] }), ValueError, /weight shape \[4, 3\] is not compatible with provided weight shape \[1, 2\]/);
});
args("bad calls are refused before anything changes (maxNorm table untouched, last call kept)", () => {
  const bag = new EmbeddingBag({ inputDim: 3, outputDim: 2, mode: "sum", maxNorm: 1, weights: [[3, 4], [0.3, 0.4], [1, 1]] });
  const before = bag.getWeights()[0]!.data;
  assertThrowsMessage(() => bag.call([0, 1, 2], { offsets: [1, 2] }), ValueError, /offsets\[0\] must be 0/);
  assertThrowsMessage(() => bag.call([0, 1, 2], { offsets: [0, 2, 1] }), ValueError, /non-decreasing/);
  assertThrowsMessage(() => bag.call([0, 1, 2], { offsets: [0, 4] }), ValueError, /offsets\[1\] must be an integer in \[0, 3\]/);
  assertThrowsMessage(() => bag.call([0, 1, 2], { offsets: [0, 1.5] }), ValueError, /offsets\[1\]/);
  assertThrowsMessage(() => bag.call([0, 1, 2]), ValueError, /offsets must be an array/);
  assertThrowsMessage(() => bag.call([[0, 1]], { offsets: [0] }), ValueError, /offsets must be undefined when input is 2-D/);
  assertThrowsMessage(() => bag.call([[[0]]]), ValueError, /input must be 2-D/);
  assertThrowsMessage(() => bag.call([0, 1, 3], { offsets: [0] }), RangeError, /indices\[2\] = 3 is not in \[0, 3\)/);
  assertThrowsMessage(() => bag.call([[0, 1]], { perSampleWeights: [1, 2] }), ValueError, /perSampleWeights must have the input's shape \[1, 2\]/);
  // Errors inside nested input and weights name the argument they are in.
  assertThrowsMessage(() => bag.call([[0, 1], [2]]), ValueError, /^input is ragged: input\[1\] has length 1, but input\[0\] has length 2/);
  assertThrowsMessage(() => bag.call([0, 1], { offsets: [0], perSampleWeights: [1, "a" as never] }), ValueError, /^perSampleWeights\[1\] must be a number, like the other leaves of perSampleWeights/);
  assertThrowsMessage(() => bag.call([[0, 1], [2, 1]], { perSampleWeights: [[1, 2], [3]] }), ValueError, /^perSampleWeights is ragged: perSampleWeights\[1\]/);
  assertSameFloats(bag.getWeights()[0]!.data, before);
  const last = new EmbeddingBag({ inputDim: 4, outputDim: 3, mode: "sum", weights: W4, includeLastOffset: true });
  assertThrowsMessage(() => last.call([0, 1, 2], { offsets: [0, 2] }), ValueError, /must equal the number of indices, 3/);
});
args("config round trip (camelCase and snake_case), weights round trip, dispose", () => {
  const bag = new EmbeddingBag({ inputDim: 6, outputDim: 2, mode: "max", paddingIdx: -2, maxNorm: 2, normType: 1, includeLastOffset: true, name: "bag" });
  const config = bag.getConfig();
  assert.equal(config.paddingIdx, 4);
  assert.is(config.mode, "max");
  const again = EmbeddingBag.fromConfig({ className: "EmbeddingBag", config });
  assert.equal(again.getConfig(), config);
  // The max norm's p survives JSON (which has no Infinity) as "inf", as Embedding writes it.
  const maxNormBag = new EmbeddingBag({ inputDim: 6, outputDim: 2, maxNorm: 1, normType: Infinity });
  const json = JSON.parse(JSON.stringify(maxNormBag.getConfig()));
  assert.is(json.normType, "inf");
  assert.is(EmbeddingBag.fromConfig(json).normType, Infinity);
  maxNormBag.dispose();
  const snake = EmbeddingBag.fromConfig({ input_dim: 6, output_dim: 2, mode: "sum", padding_idx: 1, include_last_offset: true });
  assert.equal([snake.mode, snake.paddingIdx, snake.includeLastOffset], ["sum", 1, true]);
  assertThrowsMessage(() => EmbeddingBag.fromConfig({ inputDim: 6, outputDim: 2, bogus: 1 }), ValueError, /Unrecognized key in EmbeddingBag config: "bogus"/);
  assertThrowsMessage(() => EmbeddingBag.fromConfig({ className: "Embedding", config: {} }), ValueError, /Expected a config of class "EmbeddingBag"/);
  const w = { data: new Float32Array(12).map((_, i) => i), shape: [6, 2] };
  again.setWeights([w]);
  assertSameFloats(again.getWeights()[0]!.data, w.data);
  again.dispose();
  assert.ok(again.isDisposed);
  assertThrowsMessage(() => again.call([[0]]), Error, /disposed/);
});

args("guard bands around every region stay intact through calls, backward and steps (max mode, maxNorm)", () => {
  const table = randomTable(50, 7, 21);
  const bag = withGuardBands(256, () => new EmbeddingBag({ inputDim: 50, outputDim: 7, mode: "max", maxNorm: 1, weights: table }));
  const asLayer = bag as unknown as Parameters<typeof brokenGuards>[0];
  const idx = Array.from({ length: 300 }, (_, i) => (i * 17) % 50);
  const y = bag.call(idx, { offsets: [0, 10, 10, 200] });
  bag.applyGradients(bag.backward(new Float32Array(y.data.length).fill(1))!, new SGD({ learningRate: 0.1 }));
  assert.equal(brokenGuards(asLayer), []);
});

vectors.run();
forward.run();
backward.run();
args.run();
