// The backward pass of the gather and the optimizer updates (Keras 3 formulas, keras/src/optimizers).
//
// Sparse gradient: the gradient of the table is zero except on the rows the lookup read; row r's
// gradient is the sum of dOut[i] over the positions i with idx[i] = r (duplicates accumulate).
// Rows are collected in an open-addressing hash table (scratch, keys r + 1, 0 = empty) in order of
// first occurrence.
//
// Updates run row by row, with the gradient of a row being its sparse-gradient row (or zero) plus,
// fused, the L1 / L2 regularizer gradient l1 * sign(w) + 2 * l2 * w and an optional extra row (the
// Orthogonal regularizer's gradient). DENSE updates visit every row (Keras semantics: moments of
// untouched rows decay and their weights keep moving); LAZY updates visit only the rows in the
// gradient (TF's LazyAdam, PyTorch's SparseAdam).
import { rowAheadOffset } from "./gather-ahead";

// @ts-ignore: decorator
@inline function hashSlot(r: u32, mask: u32): u32 {
  // Fibonacci hashing: multiply by 2^32 / golden ratio, keep the top bits via the mask.
  return (r * 0x9e3779b1) >>> 7 & mask;
}

/**
 * Collects the sparse gradient of a lookup of `n` indices (checked) with upstream gradient `dOut`
 * (n x dim float32). `hash` is scratch for `cap` (a power of two >= 2n) pairs of u32 and is cleared
 * here. Writes the distinct rows to `ids` (u of them, first-occurrence order) and their summed
 * gradients to `grads` (u x dim). With `byFrequency`, each row is divided by its count (PyTorch's
 * scale_grad_by_freq); `counts` is scratch for n u32. Returns u.
 */
export function sparseGradient(idx: usize, n: u32, dim: u32, dOut: usize, hash: usize, cap: u32,
  ids: usize, grads: usize, counts: usize, byFrequency: bool): u32 {
  memory.fill(hash, 0, <usize>cap << 3);
  const mask = cap - 1;
  const rowBytes = <usize>dim << 2;
  let u: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const r = load<u32>(idx + (<usize>i << 2));
    let h = hashSlot(r, mask);
    let slot: u32 = 0;
    while (true) {
      const key = load<u32>(hash + (<usize>h << 3));
      if (key == r + 1) {
        slot = load<u32>(hash + (<usize>h << 3), 4);
        break;
      }
      if (key == 0) {
        slot = u++;
        store<u32>(hash + (<usize>h << 3), r + 1);
        store<u32>(hash + (<usize>h << 3), slot, 4);
        store<u32>(ids + (<usize>slot << 2), r);
        memory.fill(grads + <usize>slot * rowBytes, 0, rowBytes);
        if (byFrequency) store<u32>(counts + (<usize>slot << 2), 0);
        break;
      }
      h = (h + 1) & mask;
    }
    if (byFrequency) store<u32>(counts + (<usize>slot << 2), load<u32>(counts + (<usize>slot << 2)) + 1);
    const g = grads + <usize>slot * rowBytes;
    const d = dOut + <usize>i * rowBytes;
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) v128.store(g + b, f32x4.add(v128.load(g + b), v128.load(d + b)));
    for (; b < rowBytes; b += 4) store<f32>(g + b, load<f32>(g + b) + load<f32>(d + b));
  }
  if (byFrequency) {
    for (let s: u32 = 0; s < u; s++) {
      const inv = <f32>1 / <f32>load<u32>(counts + (<usize>s << 2));
      const g = grads + <usize>s * rowBytes;
      for (let b: usize = 0; b < rowBytes; b += 4) store<f32>(g + b, load<f32>(g + b) * inv);
    }
  }
  return u;
}

/** The gradient slot of row r in the hash table, or -1 when the lookup did not read it. */
// @ts-ignore: decorator
@inline function findSlot(hash: usize, mask: u32, r: u32): i32 {
  let h = hashSlot(r, mask);
  while (true) {
    const key = load<u32>(hash + (<usize>h << 3));
    if (key == r + 1) return load<i32>(hash + (<usize>h << 3), 4);
    if (key == 0) return -1;
    h = (h + 1) & mask;
  }
}

// Optimizers. Hyper-parameters arrive as float32, in the order of Keras' update_step.
export const SGD: u32 = 0; // h0 = lr, h1 = momentum, flag = nesterov; slot a = velocity
export const ADAGRAD: u32 = 1; // h0 = lr, h1 = epsilon; slot a = accumulator
export const ADAM: u32 = 2; // h0 = lr, h1 = alpha, h2 = beta_1, h3 = beta_2, h4 = epsilon; slots a = m, b = v

/**
 * Updates one row of `dim` weights at w (slots at a and b) with gradient row g (0 for none), the
 * fused regularizer gradient (l1, l2), an extra gradient row x (0 for none), and decoupled weight
 * decay wd (AdamW: w -= w * wd * lr, applied first as Keras does). Four lanes at a time; the tail
 * runs the same per-lane float32 operations, so every element gets the same result either way.
 */
// @ts-ignore: decorator
@inline function updateRow(kind: u32, w: usize, a: usize, b: usize, g: usize, x: usize, dim: u32,
  h0: f32, h1: f32, h2: f32, h3: f32, h4: f32, flag: bool, l1: f32, l2: f32, wd: f32): void {
  const rowBytes = <usize>dim << 2;
  const vh0 = f32x4.splat(h0), vh1 = f32x4.splat(h1), vh4 = f32x4.splat(h4);
  const vb1 = f32x4.splat(<f32>1 - h2), vb2 = f32x4.splat(<f32>1 - h3);
  const vl1 = f32x4.splat(l1), vl2 = f32x4.splat(<f32>2 * l2), vwd = f32x4.splat(wd);
  const zero = f32x4.splat(0), one = f32x4.splat(1), minusOne = f32x4.splat(-1);
  let o: usize = 0;
  for (; o + 16 <= rowBytes; o += 16) {
    let wv = v128.load(w + o);
    if (wd != 0) wv = f32x4.sub(wv, f32x4.mul(f32x4.mul(wv, vwd), vh0));
    let gv = g ? v128.load(g + o) : zero;
    if (l1 != 0) {
      const sign = v128.bitselect(one, v128.bitselect(minusOne, zero, f32x4.lt(wv, zero)), f32x4.gt(wv, zero));
      gv = f32x4.add(gv, f32x4.mul(vl1, sign));
    }
    if (l2 != 0) gv = f32x4.add(gv, f32x4.mul(vl2, wv));
    if (x) gv = f32x4.add(gv, v128.load(x + o));
    if (kind == SGD) {
      if (h1 != 0) {
        const m = f32x4.sub(f32x4.mul(v128.load(a + o), vh1), f32x4.mul(gv, vh0));
        v128.store(a + o, m);
        wv = flag ? f32x4.add(wv, f32x4.sub(f32x4.mul(m, vh1), f32x4.mul(gv, vh0))) : f32x4.add(wv, m);
      } else {
        wv = f32x4.sub(wv, f32x4.mul(gv, vh0));
      }
    } else if (kind == ADAGRAD) {
      const acc = f32x4.add(v128.load(a + o), f32x4.mul(gv, gv));
      v128.store(a + o, acc);
      wv = f32x4.sub(wv, f32x4.div(f32x4.mul(vh0, gv), f32x4.sqrt(f32x4.add(acc, vh1))));
    } else {
      const m0 = v128.load(a + o);
      const v0 = v128.load(b + o);
      const m = f32x4.add(m0, f32x4.mul(f32x4.sub(gv, m0), vb1));
      const v = f32x4.add(v0, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), v0), vb2));
      v128.store(a + o, m);
      v128.store(b + o, v);
      wv = f32x4.sub(wv, f32x4.div(f32x4.mul(m, vh1), f32x4.add(f32x4.sqrt(v), vh4)));
    }
    v128.store(w + o, wv);
  }
  for (; o < rowBytes; o += 4) {
    let wj = load<f32>(w + o);
    if (wd != 0) wj = wj - wj * wd * h0;
    let gj: f32 = g ? load<f32>(g + o) : 0;
    if (l1 != 0) gj += l1 * (wj > 0 ? <f32>1 : wj < 0 ? <f32>-1 : <f32>0);
    if (l2 != 0) gj += (<f32>2 * l2) * wj;
    if (x) gj += load<f32>(x + o);
    if (kind == SGD) {
      if (h1 != 0) {
        const m = load<f32>(a + o) * h1 - gj * h0;
        store<f32>(a + o, m);
        wj = flag ? wj + (m * h1 - gj * h0) : wj + m;
      } else {
        wj = wj - gj * h0;
      }
    } else if (kind == ADAGRAD) {
      const acc = load<f32>(a + o) + gj * gj;
      store<f32>(a + o, acc);
      wj = wj - (h0 * gj) / Mathf.sqrt(acc + h1);
    } else {
      const m0 = load<f32>(a + o);
      const v0 = load<f32>(b + o);
      const m = m0 + (gj - m0) * (<f32>1 - h2);
      const v = v0 + (gj * gj - v0) * (<f32>1 - h3);
      store<f32>(a + o, m);
      store<f32>(b + o, v);
      wj = wj - (m * h1) / (Mathf.sqrt(v) + h4);
    }
    store<f32>(w + o, wj);
  }
}

/** updateRow with `kind` turned into a constant: one inlined, specialized copy per optimizer. */
// @ts-ignore: decorator
@inline function updateRowOf(kind: u32, w: usize, a: usize, b: usize, g: usize, x: usize, dim: u32,
  h0: f32, h1: f32, h2: f32, h3: f32, h4: f32, flag: bool, l1: f32, l2: f32, wd: f32): void {
  if (kind == SGD) updateRow(SGD, w, a, b, g, x, dim, h0, h1, h2, h3, h4, flag, l1, l2, wd);
  else if (kind == ADAGRAD) updateRow(ADAGRAD, w, a, b, g, x, dim, h0, h1, h2, h3, h4, flag, l1, l2, wd);
  else updateRow(ADAM, w, a, b, g, x, dim, h0, h1, h2, h3, h4, flag, l1, l2, wd);
}

// Where optimizerStep finds its arguments: a block the host writes (src/core/kernel.ts, writeStepArgs),
// one 4-byte field each, named rather than positional so that a learning rate cannot land in the place
// of a momentum. Exported, so a contract test can check the host's layout against this one.
export const STEP_KIND: u32 = 0; // SGD, ADAGRAD or ADAM
export const STEP_LAZY: u32 = 4; // 1: visit only the gradient's rows
export const STEP_TABLE: u32 = 8;
export const STEP_ROWS: u32 = 12;
export const STEP_DIM: u32 = 16;
export const STEP_SLOT_A: u32 = 20; // SGD velocity, Adagrad accumulator, Adam m (0 when unused)
export const STEP_SLOT_B: u32 = 24; // Adam v (0 when unused)
export const STEP_IDS: u32 = 28; // the gradient's distinct rows
export const STEP_GRADS: u32 = 32; // their gradient rows
export const STEP_COUNT: u32 = 36; // how many rows the gradient has
export const STEP_HASH: u32 = 40; // row -> gradient slot (sparseGradient's table)
export const STEP_HASH_CAPACITY: u32 = 44;
export const STEP_EXTRA: u32 = 48; // an extra gradient per visited row (0 for none)
export const STEP_NESTEROV: u32 = 52;
export const STEP_LEARNING_RATE: u32 = 56; // f32 from here on
export const STEP_MOMENTUM: u32 = 60;
export const STEP_EPSILON: u32 = 64;
export const STEP_ALPHA: u32 = 68; // Adam's bias-corrected step size
export const STEP_BETA_1: u32 = 72;
export const STEP_BETA_2: u32 = 76;
export const STEP_L1: u32 = 80;
export const STEP_L2: u32 = 84;
export const STEP_WEIGHT_DECAY: u32 = 88;
export const STEP_ARGS_BYTES: u32 = 92;

/**
 * One optimizer step on a rows x dim table, its arguments at `args` (STEP_* offsets). DENSE (lazy =
 * 0) visits every row, finding its gradient through the hash table; LAZY visits the gradient's rows.
 * Slot tables are rows x dim; `extra` is rows x dim when dense, count x dim when lazy.
 */
export function optimizerStep(args: usize): void {
  const kind = load<u32>(args + STEP_KIND);
  const lazy = load<u32>(args + STEP_LAZY) != 0;
  const table = <usize>load<u32>(args + STEP_TABLE);
  const rows = load<u32>(args + STEP_ROWS);
  const dim = load<u32>(args + STEP_DIM);
  const a = <usize>load<u32>(args + STEP_SLOT_A);
  const b = <usize>load<u32>(args + STEP_SLOT_B);
  const ids = <usize>load<u32>(args + STEP_IDS);
  const grads = <usize>load<u32>(args + STEP_GRADS);
  const u = load<u32>(args + STEP_COUNT);
  const hash = <usize>load<u32>(args + STEP_HASH);
  const cap = load<u32>(args + STEP_HASH_CAPACITY);
  const extra = <usize>load<u32>(args + STEP_EXTRA);
  const flag = load<u32>(args + STEP_NESTEROV) != 0;
  const h0 = load<f32>(args + STEP_LEARNING_RATE);
  // updateRow's second hyper-parameter is the one each kind's rule multiplies by (see SGD, ADAGRAD, ADAM).
  const h1 = kind == SGD ? load<f32>(args + STEP_MOMENTUM) : kind == ADAGRAD ? load<f32>(args + STEP_EPSILON) : load<f32>(args + STEP_ALPHA);
  const h2 = load<f32>(args + STEP_BETA_1);
  const h3 = load<f32>(args + STEP_BETA_2);
  const h4 = load<f32>(args + STEP_EPSILON);
  const l1 = load<f32>(args + STEP_L1);
  const l2 = load<f32>(args + STEP_L2);
  const wd = load<f32>(args + STEP_WEIGHT_DECAY);
  stepRows(kind, lazy, table, rows, dim, a, b, ids, grads, u, hash, cap, extra, h0, h1, h2, h3, h4, flag, l1, l2, wd);
}

// @ts-ignore: decorator
@inline function stepRows(kind: u32, lazy: bool, table: usize, rows: u32, dim: u32, a: usize, b: usize,
  ids: usize, grads: usize, u: u32, hash: usize, cap: u32, extra: usize,
  h0: f32, h1: f32, h2: f32, h3: f32, h4: f32, flag: bool, l1: f32, l2: f32, wd: f32): void {
  const rowBytes = <usize>dim << 2;
  // A plain step (no regularizer, weight decay or extra gradient: the common case) runs copies of
  // updateRow with those terms passed as literal zeros, so the optimizer drops their per-vector
  // tests; in a dense step the rows without a gradient also drop the gradient load (about half the
  // time of a dense Adam step on a cache-resident table). Same operations, so the same results bit
  // for bit.
  const plain = l1 == 0 && l2 == 0 && wd == 0 && extra == 0;
  if (lazy) {
    const last = <usize>u - 1;
    for (let s: u32 = 0; s < u; s++) {
      // The rows of w and of each slot that a later step updates: their misses start now
      // (gather-ahead.ts); the gradient rows are contiguous and need no help.
      const ahead = rowAheadOffset(rowBytes, ids, s, last);
      load<u32>(table + ahead);
      if (a) load<u32>(a + ahead);
      if (b) load<u32>(b + ahead);
      const off = <usize>load<u32>(ids + (<usize>s << 2)) * rowBytes;
      const x = extra ? extra + <usize>s * rowBytes : 0;
      const g = grads + <usize>s * rowBytes;
      if (plain) updateRowOf(kind, table + off, a + off, b + off, g, 0, dim, h0, h1, h2, h3, h4, flag, 0, 0, 0);
      else updateRowOf(kind, table + off, a + off, b + off, g, x, dim, h0, h1, h2, h3, h4, flag, l1, l2, wd);
    }
    return;
  }
  const mask = cap - 1;
  for (let r: u32 = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const slot = u > 0 ? findSlot(hash, mask, r) : -1;
    const g = slot >= 0 ? grads + <usize>slot * rowBytes : 0;
    const x = extra ? extra + off : 0;
    if (plain && g) updateRowOf(kind, table + off, a + off, b + off, g, 0, dim, h0, h1, h2, h3, h4, flag, 0, 0, 0);
    else if (plain) updateRowOf(kind, table + off, a + off, b + off, 0, 0, dim, h0, h1, h2, h3, h4, flag, 0, 0, 0);
    else updateRowOf(kind, table + off, a + off, b + off, g, x, dim, h0, h1, h2, h3, h4, flag, l1, l2, wd);
  }
}

/** Fills `n` float32s at p with `value` (e.g. Adagrad's initial accumulator). */
export function fillF32(p: usize, n: u32, value: f32): usize {
  const v = f32x4.splat(value);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), value);
  return p;
}
