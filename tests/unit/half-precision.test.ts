// float16 and bfloat16 tables against real Keras 3.15.1 (tests/fixtures/quantized/half.json):
// set_weights rounds as Keras (nearest even, overflow to infinity, subnormals kept, NaN payloads
// as NumPy and ml_dtypes convert them), get_weights gives the 16-bit patterns, lookups are the
// stored values widened to float32 exactly.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, SGD, ValueError } from "../../src/index.ts";
import { assertThrowsMessage, fixtureRandom } from "../support/helpers.ts";
import { assertSameBits, fixtureCases, float32s, int32s, tensorOf, widenedBits, type FixtureArray } from "../support/keras-quantized-fixtures.ts";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, nearestFloat16 } from "../../src/half.ts";

interface HalfCase {
  case: string;
  policy: "float16" | "bfloat16" | "mixed_float16" | "mixed_bfloat16";
  table: FixtureArray;
  config: Record<string, unknown>;
  weights: { name: string; value: FixtureArray }[];
  lookup: { indices: FixtureArray; output: FixtureArray };
}

const cases = fixtureCases<HalfCase[]>("half");


for (const c of cases) {
  const [rows, dim] = c.table.shape as [number, number];
  const mixed = c.policy.startsWith("mixed_");
  const make = () => new Embedding({ inputDim: rows, outputDim: dim, dtype: c.policy, name: c.case, weights: [{ data: float32s(c.table), shape: [rows, dim] }] });

  test(`${c.case}: the stored table is Keras' ${c.weights[0]!.value.dtype} variable bit for bit`, () => {
    const [w] = make().getWeights<Uint16Array | Float32Array>();
    assert.ok(mixed ? w!.data instanceof Float32Array : w!.data instanceof Uint16Array);
    if (!mixed) assert.is(w!.dtype, c.policy);
    assert.equal(w!.shape, [rows, dim]);
    assertSameBits(w!.data, c.weights[0]!.value, c.case);
  });

  test(`${c.case}: lookups are Keras' ${c.lookup.output.dtype} outputs as float32 values, exactly`, () => {
    const layer = make();
    assert.is(layer.computeDtype, c.lookup.output.dtype);
    const out = layer.call({ data: int32s(c.lookup.indices), shape: c.lookup.indices.shape }).data;
    const got = new Uint32Array(out.buffer, out.byteOffset, out.length);
    const expected = widenedBits(c.lookup.output);
    assert.is(got.length, expected.length);
    // Bit for bit, NaN payloads included (the fixture's table has a row of them).
    for (let i = 0; i < got.length; i++) assert.is(got[i], expected[i], `element ${i}: 0x${got[i]!.toString(16)} vs 0x${expected[i]!.toString(16)}`);
  });

  test(`${c.case}: config as Keras writes it; fromConfig + setWeights(Keras' variable) gives the same lookups`, () => {
    const layer = make();
    assert.equal(layer.toKerasConfig(), c.config);
    assert.is(layer.dtypePolicy, c.policy);
    const loaded = Embedding.fromConfig(c.config);
    loaded.setWeights([tensorOf(c.weights[0]!.value) as { data: Uint16Array | Float32Array; shape: number[] }]);
    const ids = { data: int32s(c.lookup.indices), shape: c.lookup.indices.shape };
    assert.equal(Array.from(loaded.call(ids).data), Array.from(layer.call(ids).data));
  });
}

test("mixed policies keep a float32 table that trains; lookups round the result", () => {
  const layer = new Embedding({ inputDim: 3, outputDim: 2, dtype: "mixed_bfloat16", weights: [[[1, 2], [3, 4], [5, 6]]] });
  layer.call([1]);
  layer.applyGradients(layer.backward([[2 ** -10, 0]])!, new SGD({ learningRate: 1 }));
  // The float32 table moved by 2^-10; a bfloat16 output (8 significant bits) cannot show it at 3.
  assert.equal(Array.from(layer.getWeights()[0]!.data), [1, 2, 3 - 2 ** -10, 4, 5, 6]);
  assert.equal(Array.from(layer.call([1]).data), [3, 4]);
});

test("16-bit tables take half the memory of float32", () => {
  const f32 = new Embedding({ inputDim: 30000, outputDim: 64 });
  for (const dtype of ["float16", "bfloat16"]) {
    const half = new Embedding({ inputDim: 30000, outputDim: 64, dtype });
    assert.ok(half.memoryBytes < f32.memoryBytes * 0.55, `${dtype}: ${half.memoryBytes} vs ${f32.memoryBytes}`);
    assert.equal(half.getWeights()[0]!.shape, [30000, 64]);
  }
});

test("every float16 pattern widens exactly through the SIMD and scalar paths (all 65536, NaN stays NaN)", () => {
  const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
  // 9 columns: 8 through the vector loop, 1 through the scalar tail.
  const rows = Math.ceil(65536 / 9);
  const data = new Uint16Array(rows * 9);
  data.set(bits);
  for (const dtype of ["float16", "bfloat16"] as const) {
    const layer = new Embedding({ inputDim: rows, outputDim: 9, dtype, weights: [{ data, shape: [rows, 9] }] });
    const out = layer.call(Array.from({ length: rows }, (_, r) => r)).data;
    const widen = dtype === "float16" ? fromFloat16Bits : fromBfloat16Bits;
    for (let i = 0; i < 65536; i++) {
      const want = widen(i);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(out[i]!), `${dtype} ${i}`);
      else if (!Object.is(out[i], want)) assert.unreachable(`${dtype} pattern ${i.toString(16)}: ${out[i]} vs ${want}`);
    }
  }
});

test("random float32 tables round to the nearest 16-bit value, ties to even (checked against a plain TypeScript search)", () => {
  const random = fixtureRandom(3);
  // Magnitudes below 2^15, inside float16's finite range (overflow is covered by the Keras fixtures).
  const values = Float32Array.from({ length: 2000 }, () => (random() - 0.5) * 2 * 2 ** Math.floor(random() * 39 - 24));
  for (const dtype of ["float16", "bfloat16"] as const) {
    const layer = new Embedding({ inputDim: 2000, outputDim: 1, dtype, weights: [{ data: values, shape: [2000, 1] }] });
    const stored = layer.getWeights<Uint16Array>()[0]!.data;
    const widen = dtype === "float16" ? fromFloat16Bits : fromBfloat16Bits;
    const reference = dtype === "float16" ? toFloat16Bits : toBfloat16Bits;
    values.forEach((v, i) => {
      assert.is(stored[i], reference(v), `${dtype} ${v}: the kernel's rounding and the TypeScript one`);
      const mine = widen(stored[i]!);
      // No other pattern of the same sign is closer (neighbours of the stored one).
      for (const other of [stored[i]! - 1, stored[i]! + 1]) {
        const near = widen(other & 0xffff);
        if (Number.isFinite(near) && Math.sign(near) === Math.sign(mine)) assert.ok(Math.abs(near - v) >= Math.abs(mine - v), `${dtype} ${v}: ${mine} vs ${near}`);
      }
    });
  }
});

test("nearestFloat16 rounds a float64 once (NumPy's cast of a Python float, LoRA's alpha / rank) to the nearest float16, ties to even", () => {
  const random = fixtureRandom(11);
  const finite = Array.from({ length: 0x7c00 }, (_, h) => fromFloat16Bits(h));
  const values = [5 / 3, 7 / 3, 0.1, 65519.99, 65520, 1e-8, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11];
  for (let i = 0; i < 400; i++) values.push(random() * 2 ** Math.floor(random() * 44 - 26));
  for (const v of values) {
    let best = 0;
    for (let h = 1; h < finite.length; h++) {
      const d = Math.abs(finite[h]! - v), e = Math.abs(finite[best]! - v);
      if (d < e || (d === e && h % 2 === 0)) best = h;
    }
    const expected = v >= 65520 ? Infinity : finite[best]!;
    assert.is(nearestFloat16(v), expected, `${v}`);
    assert.is(nearestFloat16(-v), -expected, `${-v}`);
  }
  // Rounding once differs from rounding to float32 first: this value lies just above a float16 tie.
  const above = 1 + 2 ** -11 + 2 ** -40;
  assert.is(nearestFloat16(above), 1 + 2 ** -10);
  assert.is(fromFloat16Bits(toFloat16Bits(above)), 1);
});

test("16-bit tables refuse what they cannot do: maxNorm, optimizer steps", () => {
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "float16", maxNorm: 1 }), ValueError, /maxNorm.*float16 table/s);
  const layer = new Embedding({ inputDim: 4, outputDim: 3, dtype: "bfloat16" });
  layer.call([1]);
  assertThrowsMessage(() => layer.applyGradients(layer.backward([[1, 1, 1]])!, new SGD()), ValueError, /bfloat16 table, which optimizers do not update/);
  assertThrowsMessage(() => new Embedding({ inputDim: 4, outputDim: 3, dtype: "float64" }), ValueError, /dtype must be.*float64/s);
});

test.run();
