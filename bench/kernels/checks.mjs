// Plain float64 JS measurements the suites check contenders' outputs with (never timed).

/** min, max, mean and standard deviation of `values`, in float64. */
export function moments(values) {
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    sumSquares += x * x;
  }
  const mean = sum / values.length;
  return { min, max, mean, std: Math.sqrt(Math.max(0, sumSquares / values.length - mean * mean)) };
}

/**
 * max |QᵀQ − I| for a rows × cols row-major matrix with rows ≥ cols (orthonormal columns), or
 * max |QQᵀ − I| when rows < cols (orthonormal rows).
 */
export function orthogonalityError(q, rows, cols) {
  const tall = rows >= cols;
  const k = tall ? cols : rows; // vectors
  const len = tall ? rows : cols; // their length
  const at = tall ? (v, e) => q[e * cols + v] : (v, e) => q[v * cols + e];
  const vectors = Array.from({ length: k }, (_, v) => Float64Array.from({ length: len }, (_, e) => at(v, e)));
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let dot = 0;
      const x = vectors[a], y = vectors[b];
      for (let e = 0; e < len; e++) dot += x[e] * y[e];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/** max |actual[i] − expected[i]| and the first index where it exceeds `tolerance` (or -1). */
export function maxAbsDifference(actual, expected, tolerance) {
  let worst = 0, first = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) worst = d; // NaN propagates
    if (first < 0 && !(d <= tolerance)) first = i;
  }
  return { worst, first };
}

export const short = (x) => (x === 0 ? "0" : Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? x.toPrecision(4) : x.toExponential(2));
