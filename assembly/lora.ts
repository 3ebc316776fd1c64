// LoRA (Hu et al. 2021, as keras/src/layers/core/embedding.py applies it): the table is read as
// W + factor · (A @ B), A (rows × rank), B (rank × dim), factor = lora_alpha / lora_rank, both
// adapters float32. The product is formed per looked-up row; no merged table is built. Rounding:
// the rank sum left to right in float32, then f32(factor · sum), then f32(w + that): Keras' eager
// order (matmul, scale, add).
import { narrowScalarToBfloat16, narrowScalarToFloat16 } from "./half";

/** dst[j] = f32(dst[j] + f32(factor · Σ_k a[k] · b[k, j])) for j < dim; `a` is one row of A. */
function addLoraRow(arow: usize, b: usize, rank: u32, dim: u32, factor: f32, dst: usize): void {
  const f = f32x4.splat(factor);
  const bRowBytes = <usize>dim << 2;
  let j: u32 = 0;
  // Four vectors of columns at a time: each A value is splatted once per 16 columns.
  for (; j + 16 <= dim; j += 16) {
    const col = b + (<usize>j << 2);
    let a0 = f32x4.splat(load<f32>(arow));
    let acc0 = f32x4.mul(a0, v128.load(col)), acc1 = f32x4.mul(a0, v128.load(col, 16));
    let acc2 = f32x4.mul(a0, v128.load(col, 32)), acc3 = f32x4.mul(a0, v128.load(col, 48));
    for (let k: u32 = 1; k < rank; k++) {
      const ak = f32x4.splat(load<f32>(arow + (<usize>k << 2)));
      const row = col + <usize>k * bRowBytes;
      acc0 = f32x4.add(acc0, f32x4.mul(ak, v128.load(row)));
      acc1 = f32x4.add(acc1, f32x4.mul(ak, v128.load(row, 16)));
      acc2 = f32x4.add(acc2, f32x4.mul(ak, v128.load(row, 32)));
      acc3 = f32x4.add(acc3, f32x4.mul(ak, v128.load(row, 48)));
    }
    const at = dst + (<usize>j << 2);
    v128.store(at, f32x4.add(v128.load(at), f32x4.mul(f, acc0)));
    v128.store(at, f32x4.add(v128.load(at, 16), f32x4.mul(f, acc1)), 16);
    v128.store(at, f32x4.add(v128.load(at, 32), f32x4.mul(f, acc2)), 32);
    v128.store(at, f32x4.add(v128.load(at, 48), f32x4.mul(f, acc3)), 48);
  }
  for (; j + 4 <= dim; j += 4) {
    const col = b + (<usize>j << 2);
    let acc = f32x4.mul(f32x4.splat(load<f32>(arow)), v128.load(col));
    for (let k: u32 = 1; k < rank; k++) {
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(arow + (<usize>k << 2))), v128.load(col + <usize>k * bRowBytes)));
    }
    const at = dst + (<usize>j << 2);
    v128.store(at, f32x4.add(v128.load(at), f32x4.mul(f, acc)));
  }
  for (; j < dim; j++) {
    const col = b + (<usize>j << 2);
    let acc: f32 = load<f32>(arow) * load<f32>(col);
    for (let k: u32 = 1; k < rank; k++) acc += load<f32>(arow + (<usize>k << 2)) * load<f32>(col + <usize>k * bRowBytes);
    const at = dst + (<usize>j << 2);
    store<f32>(at, load<f32>(at) + factor * acc);
  }
}

/** Adds factor · (A[idx[i]] @ B) to row i of `out` (n rows of dim), after a gather. Returns `out`. */
export function addLoraRows(a: usize, b: usize, rank: u32, dim: u32, idx: usize, n: u32, factor: f32, out: usize): usize {
  const aRowBytes = <usize>rank << 2;
  for (let i: usize = 0; i < <usize>n; i++) {
    addLoraRow(a + <usize>load<u32>(idx + (i << 2)) * aRowBytes, b, rank, dim, factor, out + i * (<usize>dim << 2));
  }
  return out;
}

/**
 * A mixed-precision policy's LoRA lookup (mixed_float16 when `bfloat` is 0, mixed_bfloat16 when 1):
 * Keras autocasts the table and both adapters to the 16-bit compute dtype, and each step rounds to
 * it: m = h(Σ_k h(a[k]) · h(b[k, j])) (products exact in float32, summed left to right in float32),
 * d = h(factor · m), out = h(h(w) + d), where `factor` is alpha / rank already rounded to 16 bits.
 * Row i of `out` holds the gathered float32 table row w on entry. Scalar: this path is for
 * fidelity, the float32 path above for speed. Returns `out`.
 */
export function addLoraRowsRounded(a: usize, b: usize, rank: u32, dim: u32, idx: usize, n: u32, factor: f32, out: usize, bfloat: u32): usize {
  const aRowBytes = <usize>rank << 2;
  const bRowBytes = <usize>dim << 2;
  for (let i: usize = 0; i < <usize>n; i++) {
    const arow = a + <usize>load<u32>(idx + (i << 2)) * aRowBytes;
    const dst = out + i * bRowBytes;
    for (let j: u32 = 0; j < dim; j++) {
      const col = b + (<usize>j << 2);
      let acc: f32 = 0;
      for (let k: u32 = 0; k < rank; k++) {
        const ak = load<f32>(arow + (<usize>k << 2));
        const bk = load<f32>(col + <usize>k * bRowBytes);
        acc += bfloat ? narrowScalarToBfloat16(ak) * narrowScalarToBfloat16(bk) : narrowScalarToFloat16(ak) * narrowScalarToFloat16(bk);
      }
      const at = dst + (<usize>j << 2);
      if (bfloat) {
        const delta = narrowScalarToBfloat16(factor * narrowScalarToBfloat16(acc));
        store<f32>(at, narrowScalarToBfloat16(narrowScalarToBfloat16(load<f32>(at)) + delta));
      } else {
        const delta = narrowScalarToFloat16(factor * narrowScalarToFloat16(acc));
        store<f32>(at, narrowScalarToFloat16(narrowScalarToFloat16(load<f32>(at)) + delta));
      }
    }
  }
  return out;
}

/** Folds the adapters into a float32 table of `rows` × dim in place: W ← f32(W + f32(factor · A @ B)). */
export function mergeLoraTable(table: usize, rows: u32, dim: u32, a: usize, b: usize, rank: u32, factor: f32): usize {
  for (let r: usize = 0; r < <usize>rows; r++) addLoraRow(a + r * (<usize>rank << 2), b, rank, dim, factor, table + r * (<usize>dim << 2));
  return table;
}

/**
 * The adapters' gradients from the table's sparse gradient (`u` distinct rows `ids`, their summed
 * output gradients `grads`, u × dim): with G = grads,
 *   dA[t, k] = factor · Σ_j G[t, j] · B[k, j]   (one row of dA per distinct row, u × rank)
 *   dB[k, j] = factor · Σ_t A[ids[t], k] · G[t, j]   (rank × dim, dense; zeroed first).
 * Returns `gradA`.
 */
export function loraGradients(ids: usize, u: u32, grads: usize, dim: u32, a: usize, b: usize, rank: u32, factor: f32, gradA: usize, gradB: usize): usize {
  const dimBytes = <usize>dim << 2;
  memory.fill(gradB, 0, <usize>rank * dimBytes);
  for (let t: usize = 0; t < <usize>u; t++) {
    const g = grads + t * dimBytes;
    const arow = a + <usize>load<u32>(ids + (t << 2)) * (<usize>rank << 2);
    for (let k: u32 = 0; k < rank; k++) {
      const brow = b + <usize>k * dimBytes;
      let acc = f32x4.splat(0);
      let j: u32 = 0;
      for (; j + 4 <= dim; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(g + (<usize>j << 2)), v128.load(brow + (<usize>j << 2))));
      let sum: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; j < dim; j++) sum += load<f32>(g + (<usize>j << 2)) * load<f32>(brow + (<usize>j << 2));
      store<f32>(gradA + ((t * <usize>rank + k) << 2), factor * sum);
      const coef = f32x4.splat(factor * load<f32>(arow + (<usize>k << 2)));
      const scalarCoef = factor * load<f32>(arow + (<usize>k << 2));
      const dB = gradB + <usize>k * dimBytes;
      j = 0;
      for (; j + 4 <= dim; j += 4) {
        const at = dB + (<usize>j << 2);
        v128.store(at, f32x4.add(v128.load(at), f32x4.mul(coef, v128.load(g + (<usize>j << 2)))));
      }
      for (; j < dim; j++) {
        const at = dB + (<usize>j << 2);
        store<f32>(at, load<f32>(at) + scalarCoef * load<f32>(g + (<usize>j << 2)));
      }
    }
  }
  return gradA;
}
