// The random initializers' values: bit-exact against the scalar reference, and statistically right
// on 100,000+ samples (bounds, mean and spread within 4 standard errors, Kolmogorov–Smirnov p > 1e-4).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, RandomNormal, RandomUniform,
  TruncatedNormal, VarianceScaling, type Initializer,
} from "../../src/index.ts";
import { assertSameFloats } from "../support/helpers.ts";
import { referenceFill } from "../support/random-reference.ts";

// Standard normal CDF via erf (W. J. Cody's rational approximations, |error| < 1e-14 is not needed;
// Abramowitz & Stegun 7.1.26 gives 1.5e-7, far below the KS resolution at n = 1e5).
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

/** Kolmogorov–Smirnov p-value (asymptotic, with Stephens' small-sample correction). */
function ksPValue(sample: Float32Array, cdf: (x: number) => number): number {
  const xs = Float64Array.from(sample).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(xs[i]!);
    d = Math.max(d, (i + 1) / n - F, F - i / n);
  }
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let p = 0;
  for (let k = 1; k < 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return Math.min(1, Math.max(0, p));
}

/** Moments of a standard normal truncated to [-b, b]: variance and fourth moment (Simpson's rule). */
function truncatedMoments(b: number): { variance: number; fourth: number } {
  const steps = 20000;
  const h = (2 * b) / steps;
  let m0 = 0, m2 = 0, m4 = 0;
  for (let i = 0; i <= steps; i++) {
    const x = -b + i * h;
    const w = (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * Math.exp(-x * x / 2);
    m0 += w; m2 += w * x * x; m4 += w * x ** 4;
  }
  return { variance: m2 / m0, fourth: m4 / m0 };
}

interface Expected {
  mean: number;
  /** Standard deviation of the distribution sampled. */
  sd: number;
  /** Fourth central moment / sd^4 (kurtosis). */
  kurtosis: number;
  lo: number;
  hi: number;
  /** True when `hi` itself cannot occur. */
  halfOpen: boolean;
  cdf: (x: number) => number;
}

const uniformOn = (a: number, b: number): Expected => ({
  mean: (a + b) / 2, sd: (b - a) / Math.sqrt(12), kurtosis: 1.8, lo: a, hi: b, halfOpen: true,
  cdf: (x) => Math.min(1, Math.max(0, (x - a) / (b - a))),
});
const normalWith = (mean: number, sd: number): Expected => ({
  mean, sd, kurtosis: 3, lo: -Infinity, hi: Infinity, halfOpen: false, cdf: (x) => phi((x - mean) / sd),
});
const TRUNC = truncatedMoments(2);
const truncatedWith = (mean: number, sigma: number): Expected => ({
  mean, sd: sigma * Math.sqrt(TRUNC.variance), kurtosis: TRUNC.fourth / TRUNC.variance ** 2,
  lo: mean - 2 * sigma, hi: mean + 2 * sigma, halfOpen: false,
  cdf: (x) => Math.min(1, Math.max(0, (phi((x - mean) / sigma) - phi(-2)) / (phi(2) - phi(-2)))),
});

const stats = suite("distributions");

function checkSample(name: string, v: Float32Array, e: Expected): void {
  let sum = 0;
  for (const x of v) {
    if (!(x >= Math.fround(e.lo) && (e.halfOpen ? x < Math.fround(e.hi) : x <= Math.fround(e.hi)))) {
      assert.unreachable(`${name}: ${x} outside [${e.lo}, ${e.hi}${e.halfOpen ? ")" : "]"}`);
    }
    sum += x;
  }
  const n = v.length;
  const mean = sum / n;
  let m2 = 0;
  for (const x of v) m2 += (x - mean) ** 2;
  const variance = m2 / (n - 1);
  const seMean = e.sd / Math.sqrt(n);
  const seVariance = e.sd ** 2 * Math.sqrt((e.kurtosis - 1) / n);
  assert.ok(Math.abs(mean - e.mean) < 4 * seMean, `${name}: mean ${mean}, expected ${e.mean} ± ${4 * seMean}`);
  assert.ok(Math.abs(variance - e.sd ** 2) < 4 * seVariance, `${name}: sd ${Math.sqrt(variance)}, expected ${e.sd}`);
  const p = ksPValue(v, e.cdf);
  assert.ok(p > 1e-4, `${name}: Kolmogorov–Smirnov p = ${p}`);
}

// A (rows, cols) table with rows × cols ≥ N samples, and fans that give round limits.
const SHAPE = [1000, 160];
const cases: [string, Initializer, Expected][] = [
  ["RandomUniform()", new RandomUniform({ seed: 1 }), uniformOn(-0.05, 0.05)],
  ["RandomUniform(0, 1)", new RandomUniform({ seed: 2, minval: 0, maxval: 1 }), uniformOn(0, 1)],
  ["RandomNormal()", new RandomNormal({ seed: 3 }), normalWith(0, 0.05)],
  ["RandomNormal(2, 3)", new RandomNormal({ seed: 4, mean: 2, stddev: 3 }), normalWith(2, 3)],
  ["TruncatedNormal()", new TruncatedNormal({ seed: 5 }), truncatedWith(0, 0.05)],
  ["TruncatedNormal(1, 0.5)", new TruncatedNormal({ seed: 6, mean: 1, stddev: 0.5 }), truncatedWith(1, 0.5)],
  ["GlorotUniform", new GlorotUniform({ seed: 7 }), uniformOn(-Math.sqrt(6 / 1160), Math.sqrt(6 / 1160))],
  ["GlorotNormal", new GlorotNormal({ seed: 8 }), truncatedWith(0, Math.sqrt(2 / 1160) / 0.87962566103423978)],
  ["HeUniform", new HeUniform({ seed: 9 }), uniformOn(-Math.sqrt(6 / 1000), Math.sqrt(6 / 1000))],
  ["HeNormal", new HeNormal({ seed: 10 }), truncatedWith(0, Math.sqrt(2 / 1000) / 0.87962566103423978)],
  ["LecunUniform", new LecunUniform({ seed: 11 }), uniformOn(-Math.sqrt(3 / 1000), Math.sqrt(3 / 1000))],
  ["LecunNormal", new LecunNormal({ seed: 12 }), truncatedWith(0, Math.sqrt(1 / 1000) / 0.87962566103423978)],
  ["VarianceScaling(2, fan_out, untruncated_normal)", new VarianceScaling({ seed: 13, scale: 2, mode: "fan_out", distribution: "untruncated_normal" }), normalWith(0, Math.sqrt(2 / 160))],
];
for (const [name, init, expected] of cases) {
  stats(`${name}: bounds, mean, spread and KS on ${SHAPE[0]! * SHAPE[1]!} samples`, () => {
    checkSample(name, init.apply(SHAPE), expected);
  });
}

stats("VarianceScaling's truncated normal has the sample spread sqrt(scale / fan) (the 0.8796 correction)", () => {
  const v = new VarianceScaling({ seed: 21, scale: 2 }).apply(SHAPE);
  let m2 = 0;
  for (const x of v) m2 += x * x;
  const sd = Math.sqrt(m2 / v.length);
  // Without the correction the spread would be 0.8796 × sqrt(2 / 1000), 12% lower.
  assert.ok(Math.abs(sd / Math.sqrt(2 / 1000) - 1) < 0.01, `sd ${sd}`);
});

const exact = suite("bit-exact against the scalar reference");
exact("normal and truncated normal, many seeds and lengths (SIMD body and tail)", () => {
  for (const seed of [0, 1, -7, 2 ** 33 + 5]) {
    for (const n of [1, 5, 8, 13, 64, 1003]) {
      assertSameFloats(new RandomNormal({ seed, mean: 0.5, stddev: 2 }).apply([n]), referenceFill(seed, n, "normal", 0.5, 2, 0), `normal ${seed}/${n}`);
      assertSameFloats(new TruncatedNormal({ seed, mean: -1, stddev: 0.3 }).apply([n]), referenceFill(seed, n, "truncated", -1, 0.3, 2), `truncated ${seed}/${n}`);
    }
  }
});
exact("a long normal fill matches element for element", () => {
  assertSameFloats(new RandomNormal({ seed: 99, stddev: 1 }).apply([40_000]), referenceFill(99, 40_000, "normal", 0, 1, 0));
});

const seeds = suite("seeds and streams");
seeds("no two seeds share a stream: the first two outputs of all 8 streams are distinct across 1,200 seeds", () => {
  const seen = new Set<string>();
  const list = [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => -1 - i),
    ...Array.from({ length: 100 }, (_, i) => 2 ** 32 + i)];
  for (const seed of list) {
    const v = new RandomUniform({ seed, minval: 0, maxval: 1 }).apply([16]);
    for (let s = 0; s < 8; s++) {
      const key = `${v[s]}/${v[8 + s]}`;
      assert.not.ok(seen.has(key), `seed ${seed} stream ${s} repeats an earlier stream`);
      seen.add(key);
    }
  }
});
seeds("same seed, same values on every call and in every instance; unseeded instances differ", () => {
  for (const make of [(s?: number) => new RandomNormal({ seed: s }), (s?: number) => new TruncatedNormal({ seed: s }), (s?: number) => new GlorotUniform({ seed: s })]) {
    assertSameFloats(make(5).apply([50, 4]), make(5).apply([50, 4]));
    const unseeded = make();
    assertSameFloats(unseeded.apply([20]), unseeded.apply([20]), "one unseeded instance repeats itself");
    assert.not.equal(Array.from(make().apply([20])), Array.from(make().apply([20])));
  }
});

stats.run();
exact.run();
seeds.run();
