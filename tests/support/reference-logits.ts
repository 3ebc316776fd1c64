// The reverse projection computed plainly in float64, for the tests of reverse() and of Keras' ReversibleEmbedding files.

/** Float64 logits: x (q x dim) against W (rows x dim) tied, or R (dim x rows) untied, then the cap. */
export function referenceLogits(x: ArrayLike<number>, q: number, dim: number, rows: number, w: ArrayLike<number>, tied: boolean, cap: number | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < q; i++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += x[i * dim + d]! * (tied ? w[r * dim + d]! : w[d * rows + r]!);
      out.push(cap === null ? s : cap * Math.tanh(s / cap));
    }
  }
  return out;
}
