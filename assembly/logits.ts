// Dense products for the reverse projection (Keras Hub's ReversibleEmbedding: logits = x · Wᵀ) and
// its backward pass, and the scores of nearest-neighbour search.
//
// The hot one is `matmulNT` (x · Wᵀ with W a row-major table): two table rows are multiplied with
// four queries at a time, eight float32x4 accumulators, so each vector of a table row loaded from
// memory serves four queries and each query vector serves two rows. Queries go in blocks of
// QUERY_BLOCK (kept in L1/L2 while the table streams past once per block).

/** Queries multiplied against each pair of table rows before moving to the next rows. */
const QUERY_BLOCK: u32 = 32;

/** The sum of a float32x4's lanes. */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** acc + x·y, or acc + (x − y)² when `squares` (a constant at every call). */
// @ts-ignore: decorator
@inline function term(acc: v128, x: v128, y: v128, squares: bool): v128 {
  if (squares) {
    const d = f32x4.sub(x, y);
    return f32x4.add(acc, f32x4.mul(d, d));
  }
  return f32x4.add(acc, f32x4.mul(x, y));
}

// @ts-ignore: decorator
@inline function termScalar(acc: f32, x: f32, y: f32, squares: bool): f32 {
  if (squares) {
    const d = x - y;
    return acc + d * d;
  }
  return acc + x * y;
}

/** Rows r0, r1 against queries q0..q3 (k floats each); the 8 results go to out[q * n + j], out[q * n + j + 1]. */
// @ts-ignore: decorator
@inline function block2x4(r0: usize, r1: usize, q0: usize, q1: usize, q2: usize, q3: usize, k: u32, out: usize, n: usize, squares: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  const bytes = <usize>k << 2;
  const vecBytes = bytes & ~(<usize>15);
  let c: usize = 0;
  for (; c < vecBytes; c += 16) {
    const a = v128.load(r0 + c), b = v128.load(r1 + c);
    const x0 = v128.load(q0 + c), x1 = v128.load(q1 + c), x2 = v128.load(q2 + c), x3 = v128.load(q3 + c);
    s00 = term(s00, x0, a, squares); s01 = term(s01, x1, a, squares); s02 = term(s02, x2, a, squares); s03 = term(s03, x3, a, squares);
    s10 = term(s10, x0, b, squares); s11 = term(s11, x1, b, squares); s12 = term(s12, x2, b, squares); s13 = term(s13, x3, b, squares);
  }
  let t00 = hsum(s00), t01 = hsum(s01), t02 = hsum(s02), t03 = hsum(s03);
  let t10 = hsum(s10), t11 = hsum(s11), t12 = hsum(s12), t13 = hsum(s13);
  for (; c < bytes; c += 4) {
    const a = load<f32>(r0 + c), b = load<f32>(r1 + c);
    const x0 = load<f32>(q0 + c), x1 = load<f32>(q1 + c), x2 = load<f32>(q2 + c), x3 = load<f32>(q3 + c);
    t00 = termScalar(t00, x0, a, squares); t01 = termScalar(t01, x1, a, squares); t02 = termScalar(t02, x2, a, squares); t03 = termScalar(t03, x3, a, squares);
    t10 = termScalar(t10, x0, b, squares); t11 = termScalar(t11, x1, b, squares); t12 = termScalar(t12, x2, b, squares); t13 = termScalar(t13, x3, b, squares);
  }
  const rowStep = n << 2;
  store<f32>(out, t00); store<f32>(out, t10, 4);
  store<f32>(out + rowStep, t01); store<f32>(out + rowStep, t11, 4);
  store<f32>(out + 2 * rowStep, t02); store<f32>(out + 2 * rowStep, t12, 4);
  store<f32>(out + 3 * rowStep, t03); store<f32>(out + 3 * rowStep, t13, 4);
}

/** Rows r0, r1 against one query q, two accumulators per row (independent add chains); results to out, out + 4. */
// @ts-ignore: decorator
@inline function block2x1(r0: usize, r1: usize, q: usize, k: u32, out: usize, squares: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
  const bytes = <usize>k << 2;
  let c: usize = 0;
  for (; c + 32 <= bytes; c += 32) {
    const x0 = v128.load(q + c), x1 = v128.load(q + c, 16);
    s0 = term(s0, x0, v128.load(r0 + c), squares);
    t0 = term(t0, x0, v128.load(r1 + c), squares);
    s1 = term(s1, x1, v128.load(r0 + c, 16), squares);
    t1 = term(t1, x1, v128.load(r1 + c, 16), squares);
  }
  for (; c + 16 <= bytes; c += 16) {
    const x = v128.load(q + c);
    s0 = term(s0, x, v128.load(r0 + c), squares);
    t0 = term(t0, x, v128.load(r1 + c), squares);
  }
  let a = hsum(f32x4.add(s0, s1)), b = hsum(f32x4.add(t0, t1));
  for (; c < bytes; c += 4) {
    const x = load<f32>(q + c);
    a = termScalar(a, x, load<f32>(r0 + c), squares);
    b = termScalar(b, x, load<f32>(r1 + c), squares);
  }
  store<f32>(out, a);
  store<f32>(out, b, 4);
}

/** One row against one query. */
// @ts-ignore: decorator
@inline function block1x1(r: usize, q: usize, k: u32, squares: bool): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const bytes = <usize>k << 2;
  let c: usize = 0;
  for (; c + 32 <= bytes; c += 32) {
    s0 = term(s0, v128.load(q + c), v128.load(r + c), squares);
    s1 = term(s1, v128.load(q + c, 16), v128.load(r + c, 16), squares);
  }
  for (; c + 16 <= bytes; c += 16) s0 = term(s0, v128.load(q + c), v128.load(r + c), squares);
  let t = hsum(f32x4.add(s0, s1));
  for (; c < bytes; c += 4) t = termScalar(t, load<f32>(q + c), load<f32>(r + c), squares);
  return t;
}

/**
 * out[i, j] = Σ_p a[i, p] · b[j, p] (or Σ_p (a[i, p] − b[j, p])² when `squares`), for a (m x k),
 * b (n x k), out (m x n), all row-major float32.
 */
// @ts-ignore: decorator
@inline export function productNT(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize, squares: bool): void {
  const rowBytes = <usize>k << 2;
  for (let i0: u32 = 0; i0 < m; i0 += QUERY_BLOCK) {
    const i1 = i0 + QUERY_BLOCK < m ? i0 + QUERY_BLOCK : m;
    const quads = i0 + ((i1 - i0) & ~(<u32>3));
    let j: u32 = 0;
    for (; j + 2 <= n; j += 2) {
      const r0 = b + <usize>j * rowBytes;
      const r1 = r0 + rowBytes;
      let i = i0;
      for (; i < quads; i += 4) {
        const q0 = a + <usize>i * rowBytes;
        block2x4(r0, r1, q0, q0 + rowBytes, q0 + 2 * rowBytes, q0 + 3 * rowBytes, k, out + ((<usize>i * <usize>n + <usize>j) << 2), <usize>n, squares);
      }
      for (; i < i1; i++) block2x1(r0, r1, a + <usize>i * rowBytes, k, out + ((<usize>i * <usize>n + <usize>j) << 2), squares);
    }
    for (; j < n; j++) {
      const r = b + <usize>j * rowBytes;
      for (let i = i0; i < i1; i++) store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), block1x1(r, a + <usize>i * rowBytes, k, squares));
    }
  }
}

/** out (m x n) = a (m x k) · bᵀ, b being n x k: the tied reverse projection. Returns out. */
export function matmulNT(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize): usize {
  productNT(a, m, k, b, n, out, false);
  return out;
}

/**
 * out (m x n) = a (m x k) · b (k x n): the untied reverse projection (b = reverse embeddings) and the
 * tied backward pass to the input (b = the table). Two rows of a, sixteen columns of out at a time.
 */
export function matmulNN(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize): usize {
  const aRow = <usize>k << 2;
  const bRow = <usize>n << 2;
  const cols16 = n & ~(<u32>15);
  let i: u32 = 0;
  for (; i < m; i += 2) {
    const two = i + 1 < m;
    const a0 = a + <usize>i * aRow;
    const a1 = two ? a0 + aRow : a0;
    const o0 = out + <usize>i * bRow;
    const o1 = two ? o0 + bRow : o0;
    let j: u32 = 0;
    for (; j < cols16; j += 16) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      let p = b + (<usize>j << 2);
      for (let c: u32 = 0; c < k; c++, p += bRow) {
        const x = f32x4.splat(load<f32>(a0 + (<usize>c << 2)));
        const y = f32x4.splat(load<f32>(a1 + (<usize>c << 2)));
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        s0 = f32x4.add(s0, f32x4.mul(x, v0)); s1 = f32x4.add(s1, f32x4.mul(x, v1));
        s2 = f32x4.add(s2, f32x4.mul(x, v2)); s3 = f32x4.add(s3, f32x4.mul(x, v3));
        t0 = f32x4.add(t0, f32x4.mul(y, v0)); t1 = f32x4.add(t1, f32x4.mul(y, v1));
        t2 = f32x4.add(t2, f32x4.mul(y, v2)); t3 = f32x4.add(t3, f32x4.mul(y, v3));
      }
      const q0 = o0 + (<usize>j << 2), q1 = o1 + (<usize>j << 2);
      // With one row left, o1 = o0 and the second stores write the same (first-row) values again.
      v128.store(q1, t0); v128.store(q1, t1, 16); v128.store(q1, t2, 32); v128.store(q1, t3, 48);
      v128.store(q0, s0); v128.store(q0, s1, 16); v128.store(q0, s2, 32); v128.store(q0, s3, 48);
    }
    for (; j < n; j++) {
      let s: f32 = 0, t: f32 = 0;
      for (let c: u32 = 0; c < k; c++) {
        const v = load<f32>(b + <usize>c * bRow + (<usize>j << 2));
        s += load<f32>(a0 + (<usize>c << 2)) * v;
        t += load<f32>(a1 + (<usize>c << 2)) * v;
      }
      store<f32>(o1 + (<usize>j << 2), t);
      store<f32>(o0 + (<usize>j << 2), s);
    }
  }
  return out;
}

/**
 * out (m x n) = aᵀ · b, a being k x m and b k x n: the gradient of the table (dLogitsᵀ · x) or of the
 * reverse embeddings (xᵀ · dLogits). Row i of out is Σ_p a[p, i] · b[p, :]. Returns out.
 */
export function matmulTN(a: usize, k: u32, m: u32, b: usize, n: u32, out: usize): usize {
  const bRow = <usize>n << 2;
  const vecBytes = bRow & ~(<usize>15);
  for (let i: u32 = 0; i < m; i++) {
    const o = out + <usize>i * bRow;
    memory.fill(o, 0, bRow);
    for (let p: u32 = 0; p < k; p++) {
      const s = load<f32>(a + ((<usize>p * <usize>m + <usize>i) << 2));
      if (s == 0) continue;
      const vs = f32x4.splat(s);
      const row = b + <usize>p * bRow;
      let c: usize = 0;
      for (; c < vecBytes; c += 16) v128.store(o + c, f32x4.add(v128.load(o + c), f32x4.mul(v128.load(row + c), vs)));
      for (; c < bRow; c += 4) store<f32>(o + c, load<f32>(o + c) + load<f32>(row + c) * s);
    }
  }
  return out;
}

/** p[i] = cap · tanh(p[i] / cap) for n float32s (Gemma's logit soft cap, as Keras Hub applies it). Returns p. */
export function softCap(p: usize, n: u32, cap: f32): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    const q = p + (i << 2);
    store<f32>(q, <f32>Math.tanh(<f64>(load<f32>(q) / cap)) * cap);
  }
  return p;
}

/**
 * g[i] *= 1 − (capped[i] / cap)²: the derivative of cap · tanh(z / cap) is 1 − tanh²(z / cap), and
 * tanh(z / cap) is the capped logit over cap. Returns g.
 */
export function softCapBackward(g: usize, capped: usize, n: u32, cap: f32): usize {
  for (let i: usize = 0; i < <usize>n; i++) {
    const t = load<f32>(capped + (i << 2)) / cap;
    store<f32>(g + (i << 2), load<f32>(g + (i << 2)) * (<f32>1 - t * t));
  }
  return g;
}
