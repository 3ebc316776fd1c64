// The seeded uniform kernel against an independent plain-TypeScript xoshiro128+ (8 streams seeded
// by SplitMix64, as documented in assembly/random.ts), plus Keras seed semantics.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, RandomUniform } from "../../src/index.ts";
import { assertSameFloats } from "../support/helpers.ts";
import { referenceUniform } from "../support/random-reference.ts";
import { uniformDraw } from "../../src/initializers/random.ts";
import { RandomKind } from "../../src/core/kernel.ts";

const uniform = suite("uniform kernel");

uniform("bit-identical to the reference for many seeds and lengths (SIMD body and scalar tail)", () => {
  for (const seed of [0, 1, 42, -1, -123456789, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
    for (const n of [1, 7, 8, 9, 15, 16, 100, 1001]) {
      const got = new RandomUniform({ seed }).apply([n]);
      assertSameFloats(got, referenceUniform(seed, n, -0.05, 0.05), `seed ${seed} n ${n}`);
    }
  }
  assertSameFloats(new RandomUniform({ seed: 7, minval: -3, maxval: 11 }).apply([5, 9]), referenceUniform(7, 45, -3, 11), "custom range");
});

uniform("a prefix does not depend on the table's length", () => {
  const long = new RandomUniform({ seed: 5 }).apply([1000]);
  const short = new RandomUniform({ seed: 5 }).apply([37]);
  assertSameFloats(short, long.subarray(0, 37));
});

uniform("values stay in [minval, maxval) and look uniform on 100,000 samples", () => {
  const n = 100_000;
  const v = new RandomUniform({ seed: 11 }).apply([n]);
  let sum = 0;
  let sq = 0;
  for (const x of v) {
    assert.ok(x >= Math.fround(-0.05) && x < Math.fround(0.05), `out of range: ${x}`);
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  const sd = Math.sqrt(sq / n - mean * mean);
  const trueSd = 0.1 / Math.sqrt(12);
  assert.ok(Math.abs(mean) < 4 * trueSd / Math.sqrt(n), `mean ${mean}`);
  // Standard error of the sample SD for a uniform: about sd * sqrt(0.8 / (4n)) ... use a generous 4 SE of variance.
  assert.ok(Math.abs(sd - trueSd) < 4 * trueSd * Math.sqrt(0.8 / (4 * n)) * 2, `sd ${sd} vs ${trueSd}`);
});

uniform("minval = maxval gives that value; maxval is never reached even when rounding would", () => {
  assert.ok(new RandomUniform({ seed: 1, minval: 0.25, maxval: 0.25 }).apply([64]).every((x) => x === 0.25));
  // Seed 1 draws u = 1 - 2^-24 at element 3,135,235 (found by search). For [1, 3), float32 rounding of
  // 1 + u * 2 gives exactly 3 there; the kernel must return the float just below 3 instead.
  const v = new RandomUniform({ seed: 1, minval: 1, maxval: 3 }).apply([3_135_236]);
  assert.is(v[3_135_235], Math.fround(3 - 2 ** -22));
  assert.ok(v.every((x) => x >= 1 && x < 3));
  const unit = new RandomUniform({ seed: 1, minval: 0, maxval: 1 }).apply([3_135_236]);
  assert.is(unit[3_135_235], Math.fround(1 - 2 ** -24), "the element really is the largest u");
  // minval 0 stays 0 (the TF.js falsy-default bug is not copied).
  assert.ok(new RandomUniform({ seed: 3, minval: 0, maxval: 1 }).apply([1000]).every((x) => x >= 0 && x < 1));
});

uniform("the cap runs exactly where some draw would round up to maxval (all 2^24 draws checked)", () => {
  // The kernel computes fround(fround(k * step) + min) for k = 0 .. 2^24 - 1; the cap is needed
  // when any k reaches fround(maxval). Checked here for every k, independently of the largest-k
  // shortcut uniformDraw takes.
  for (const [minval, maxval] of [[-0.05, 0.06], [1, 3], [0, 1], [-3, 11], [0.1, 0.7]] as const) {
    const { p0: min, p1: step, p2: upper } = uniformDraw(minval, maxval);
    const max = Math.fround(maxval);
    let reaches = false;
    for (let k = 0; k < 2 ** 24 && !reaches; k++) reaches = Math.fround(Math.fround(k * step) + min) >= max;
    assert.is(upper !== Infinity, reaches, `[${minval}, ${maxval}): cap ${upper}, some draw reaches maxval: ${reaches}`);
    if (reaches) {
      // The cap is the float just below maxval: no float32 lies strictly between them.
      const mid = Math.fround((upper + max) / 2);
      assert.ok(upper < max && (mid === upper || mid === max), `cap ${upper} for maxval ${max}`);
    }
  }
  // [1, 3) needs it (see the test above); U(-0.05, 0.06) does not.
  assert.is(uniformDraw(1, 3).p2, Math.fround(3 - 2 ** -22));
  assert.is(uniformDraw(-0.05, 0.06).p2, Infinity);
});

uniform("minval = -maxval: j · maxval · 2^-23 for all 2^24 signed j starts at -maxval and stays below maxval", () => {
  // The symmetric path (the default range and every VarianceScaling uniform) has no cap: checked
  // here for every j, for ranges with and without a power-of-two maxval, the largest maxval whose range fits a float32, and
  // the smallest maxval whose scale is still a normal float32.
  for (const m of [0.05, 1, 0.125, 1.7e38, 2 ** -95, 0.7, Math.fround(Math.sqrt(6 / 300))]) {
    const draw = uniformDraw(-m, m);
    assert.is(draw.kind, RandomKind.SYMMETRIC_UNIFORM, `[-${m}, ${m})`);
    const max = Math.fround(m);
    const step = draw.p1 * 2 ** 8; // the kernel's scale, maxval · 2^-31, back to the step of j
    assert.is(Math.fround(-(2 ** 23) * step), -max, `smallest value for maxval ${m}`);
    let largest = -Infinity;
    for (let j = -(2 ** 23); j < 2 ** 23; j++) largest = Math.max(largest, Math.fround(j * step));
    assert.ok(largest < max, `maxval ${m}: largest value ${largest}`);
    const v = new RandomUniform({ seed: 4, minval: -m, maxval: m }).apply([1003]);
    assertSameFloats(v, referenceUniform(4, 1003, -m, m), `maxval ${m}`);
  }
  // Below 2^-95 the scale would be subnormal: the general path (and its cap check) takes over.
  assert.is(uniformDraw(-(2 ** -100), 2 ** -100).kind, RandomKind.UNIFORM);
  assert.is(uniformDraw(0, 0).kind, RandomKind.UNIFORM);
  assert.is(uniformDraw(-0.05, 0.0500001).kind, RandomKind.UNIFORM);
});

const seeds = suite("seed semantics (Keras)");
seeds("the same seed gives the same table twice; different seeds differ", () => {
  const a = new Embedding({ inputDim: 50, outputDim: 16, embeddingsInitializer: new RandomUniform({ seed: 9 }) });
  const b = new Embedding({ inputDim: 50, outputDim: 16, embeddingsInitializer: { class_name: "RandomUniform", config: { seed: 9 } } });
  const c = new Embedding({ inputDim: 50, outputDim: 16, embeddingsInitializer: { className: "RandomUniform", config: { seed: 10 } } });
  assertSameFloats(a.getWeights()[0]!.data, b.getWeights()[0]!.data);
  assert.not.equal(Array.from(a.getWeights()[0]!.data), Array.from(c.getWeights()[0]!.data));
  assertSameFloats(a.getWeights()[0]!.data, referenceUniform(9, 50 * 16, -0.05, 0.05), "layer table = reference");
});
seeds("an unseeded instance repeats itself; separate instances and default layers differ", () => {
  const init = new RandomUniform();
  assert.is(init.seed, null);
  assertSameFloats(init.apply([40]), init.apply([40]));
  assert.not.equal(Array.from(new RandomUniform().apply([40])), Array.from(new RandomUniform().apply([40])));
  const l1 = new Embedding({ inputDim: 10, outputDim: 4 });
  const l2 = new Embedding({ inputDim: 10, outputDim: 4 });
  assert.not.equal(Array.from(l1.getWeights()[0]!.data), Array.from(l2.getWeights()[0]!.data));
});

uniform.run();
seeds.run();
