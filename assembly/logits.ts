// Dense products for the reverse projection (Keras Hub's ReversibleEmbedding: logits = x · Wᵀ) and
// its backward pass, and the scores of nearest-neighbour search.
//
// The hot one is `productNT` (x · Wᵀ with W a row-major table), register-blocked: two table rows
// against four queries, eight float32x4 accumulators, so each table vector loaded serves four
// queries and each query vector two rows, and horizontal sums happen once per row block. The two
// rows of a block are row t and row t + ⌊n/2⌋: the table is read as two plain sequential streams
// (adjacent rows read side by side look to the hardware prefetcher like two streams that jump at
// every row: one query against the table took 2× as long that way). Queries go in blocks of QUERY_BLOCK, which stay in L1/L2 while the table
// streams past once per block, a tile of rows (TILE_BYTES) at a time. A dimension that is not a multiple of 4 ends with one masked vector:
// the last four floats of the row, with the lanes already summed zeroed on both sides.

/** Queries multiplied against each pair of table rows before moving to the next rows. */
const QUERY_BLOCK: u32 = 32;

/**
 * Bytes of table rows in one tile: every query of a block goes through a tile's rows before the
 * next tile. The first four queries read the tile from memory as two steady streams, and the others
 * find it in L2 (half of a 512 KiB L2 here). Pair by pair instead, the stream stalled at every pair
 * while the other queries worked from L1: 8 queries against 30,522 × 768 took 1.3× as long.
 */
const TILE_BYTES: usize = 192 << 10;

/** Row pairs in a tile of rows of `rowBytes` bytes: at least one. */
// @ts-ignore: decorator
@inline function tilePairs(rowBytes: usize): u32 {
  const pairs = TILE_BYTES / (rowBytes << 1);
  return pairs > 0 ? <u32>pairs : 1;
}

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

/**
 * The lanes that hold the last `tail` (1..3) floats of a vector loaded to end at a row's end: lanes
 * 4 − tail .. 3 all ones, the others zero. All zero when tail is 0 (no tail step runs then).
 */
// @ts-ignore: decorator
@inline function tailMask(tail: u32): v128 {
  return i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(tail == 0 ? 4 : <i32>(4 - tail)));
}

/**
 * Rows r0, r1 against four queries at q0 + i·qStride: `vecBytes` of whole vectors, then, when
 * `tail` (mask from tailMask), the masked last vector at offset `tailAt` (the row's bytes − 16).
 * Results: row r0 to out0 + i·outStep, row r1 to out1 + i·outStep.
 */
// @ts-ignore: decorator
@inline function block2x4(r0: usize, r1: usize, q0: usize, qStride: usize, vecBytes: usize, tailAt: usize, mask: v128, tail: bool, out0: usize, out1: usize, outStep: usize, squares: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  const q1 = qStride, q2 = qStride << 1, q3 = qStride * 3, rDelta = r1 - r0;
  // Pointer bumps and constant offsets: one address add per stream, none per load.
  let p = q0, r = r0;
  const end = q0 + vecBytes;
  for (; p < end; p += 16, r += 16) {
    const a = v128.load(r), b = v128.load(r + rDelta);
    let x = v128.load(p);
    s00 = term(s00, x, a, squares); s10 = term(s10, x, b, squares);
    x = v128.load(p + q1);
    s01 = term(s01, x, a, squares); s11 = term(s11, x, b, squares);
    x = v128.load(p + q2);
    s02 = term(s02, x, a, squares); s12 = term(s12, x, b, squares);
    x = v128.load(p + q3);
    s03 = term(s03, x, a, squares); s13 = term(s13, x, b, squares);
  }
  if (tail) {
    const a = v128.and(v128.load(r0 + tailAt), mask), b = v128.and(v128.load(r1 + tailAt), mask);
    let x = v128.and(v128.load(q0 + tailAt), mask);
    s00 = term(s00, x, a, squares); s10 = term(s10, x, b, squares);
    x = v128.and(v128.load(q0 + q1 + tailAt), mask);
    s01 = term(s01, x, a, squares); s11 = term(s11, x, b, squares);
    x = v128.and(v128.load(q0 + q2 + tailAt), mask);
    s02 = term(s02, x, a, squares); s12 = term(s12, x, b, squares);
    x = v128.and(v128.load(q0 + q3 + tailAt), mask);
    s03 = term(s03, x, a, squares); s13 = term(s13, x, b, squares);
  }
  store<f32>(out0, hsum(s00)); store<f32>(out1, hsum(s10));
  store<f32>(out0 + outStep, hsum(s01)); store<f32>(out1 + outStep, hsum(s11));
  store<f32>(out0 + 2 * outStep, hsum(s02)); store<f32>(out1 + 2 * outStep, hsum(s12));
  store<f32>(out0 + 3 * outStep, hsum(s03)); store<f32>(out1 + 3 * outStep, hsum(s13));
}

/**
 * Rows r0, r1 against one query q, two accumulators per row (independent add chains, so the adds'
 * latency is hidden); the same whole vectors and masked tail as block2x4. Results to out0, out1.
 */
// @ts-ignore: decorator
@inline function block2x1(r0: usize, r1: usize, q: usize, vecBytes: usize, tailAt: usize, mask: v128, tail: bool, out0: usize, out1: usize, squares: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
  const rDelta = r1 - r0;
  let p = q, r = r0;
  const end = q + vecBytes;
  for (; p + 32 <= end; p += 32, r += 32) {
    const x0 = v128.load(p), x1 = v128.load(p, 16);
    s0 = term(s0, x0, v128.load(r), squares);
    t0 = term(t0, x0, v128.load(r + rDelta), squares);
    s1 = term(s1, x1, v128.load(r, 16), squares);
    t1 = term(t1, x1, v128.load(r + rDelta, 16), squares);
  }
  if (p < end) {
    const x = v128.load(p);
    s0 = term(s0, x, v128.load(r), squares);
    t0 = term(t0, x, v128.load(r + rDelta), squares);
  }
  if (tail) {
    const x = v128.and(v128.load(q + tailAt), mask);
    s1 = term(s1, x, v128.and(v128.load(r0 + tailAt), mask), squares);
    t1 = term(t1, x, v128.and(v128.load(r1 + tailAt), mask), squares);
  }
  store<f32>(out0, hsum(f32x4.add(s0, s1)));
  store<f32>(out1, hsum(f32x4.add(t0, t1)));
}

/**
 * out[i, j] = Σ_p a[i, p] · b[j, p] (or Σ_p (a[i, p] − b[j, p])² when `squares`), for a (m x k),
 * b (n x k), all row-major float32, out[i, j] at out + (i · outStride + j) · 4 (outStride ≥ n: a
 * column range of a wider output). A logit's summation order depends only on its query's place in
 * its query block (in one of its fours, or after them), never on its row, n or outStride: a query's
 * logits against identical rows are identical, whatever rows a range of b holds. With k < 4 the
 * masked tail reads up to 12 bytes before a row (zeroed by the mask); the kernel's data sits in
 * front of every table and scratch.
 */
// @ts-ignore: decorator
@inline export function productNT(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize, outStride: u32, squares: bool): void {
  const rowBytes = <usize>k << 2;
  const vecBytes = rowBytes & ~(<usize>15);
  const tail = (k & 3) != 0;
  const tailAt = rowBytes - 16;
  const mask = tailMask(k & 3);
  const outStep = <usize>outStride << 2;
  const half = n >> 1;
  const secondHalf = <usize>half * rowBytes;
  const pairsPerTile = tilePairs(rowBytes);
  for (let i0: u32 = 0; i0 < m; i0 += QUERY_BLOCK) {
    const i1 = i0 + QUERY_BLOCK < m ? i0 + QUERY_BLOCK : m;
    const quads = i0 + ((i1 - i0) & ~(<u32>3));
    for (let t0: u32 = 0; t0 < half; t0 += pairsPerTile) {
      const t1 = t0 + pairsPerTile < half ? t0 + pairsPerTile : half;
      let i = i0;
      for (; i < quads; i += 4) {
        for (let t = t0; t < t1; t++) {
          const r0 = b + <usize>t * rowBytes;
          const o = out + ((<usize>i * <usize>outStride + <usize>t) << 2);
          block2x4(r0, r0 + secondHalf, a + <usize>i * rowBytes, rowBytes, vecBytes, tailAt, mask, tail, o, o + (<usize>half << 2), outStep, squares);
        }
      }
      for (; i < i1; i++) {
        for (let t = t0; t < t1; t++) {
          const r0 = b + <usize>t * rowBytes;
          const o = out + ((<usize>i * <usize>outStride + <usize>t) << 2);
          block2x1(r0, r0 + secondHalf, a + <usize>i * rowBytes, vecBytes, tailAt, mask, tail, o, o + (<usize>half << 2), squares);
        }
      }
    }
    if (n & 1) {
      const j = n - 1;
      const r = b + <usize>j * rowBytes;
      // The odd last row goes through the same blocks as a pair of itself (both results land in
      // one place), so its logits are summed in the very order every other row's are.
      let i = i0;
      for (; i < quads; i += 4) {
        const o = out + ((<usize>i * <usize>outStride + <usize>j) << 2);
        block2x4(r, r, a + <usize>i * rowBytes, rowBytes, vecBytes, tailAt, mask, tail, o, o, outStep, squares);
      }
      for (; i < i1; i++) {
        const o = out + ((<usize>i * <usize>outStride + <usize>j) << 2);
        block2x1(r, r, a + <usize>i * rowBytes, vecBytes, tailAt, mask, tail, o, o, squares);
      }
    }
  }
}

/** out (m x n) = a (m x k) · bᵀ, b being n x k: the tied reverse projection. Returns out. */
export function matmulNT(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize): usize {
  productNT(a, m, k, b, n, out, n, false);
  return out;
}

/**
 * matmulNT into columns of a wider output: out[i, j] at out + (i · outStride + j) · 4. A worker of
 * EmbeddingPool computes the logits of its own rows of the table (b, n) this way, straight into the
 * shared output (out already offset to its first column). Returns out.
 */
export function matmulNTStrided(a: usize, m: u32, k: u32, b: usize, n: u32, out: usize, outStride: u32): usize {
  productNT(a, m, k, b, n, out, outStride, false);
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
