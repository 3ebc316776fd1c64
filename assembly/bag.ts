// Bags of rows reduced in one pass, PyTorch's nn.EmbeddingBag: bag b covers positions
// [bounds[b], bounds[b + 1]) of idx, and its output row is the sum, mean or element-wise max of the
// table rows those positions name. Positions whose index equals `padding` take no part (not in the
// mean's divisor either); an empty bag gives zeros. No [n, dim] intermediate is written: each row
// is added (or compared) into the bag's output row as it is read.
import { linesOf, readsInTouchedChunks, touchedChunkRows, touchRowAhead, touchRows } from "./gather-ahead";

export const BAG_SUM: u32 = 0;
export const BAG_MEAN: u32 = 1;
export const BAG_MAX: u32 = 2;

/**
 * Reduces `bags` bags (bounds: bags + 1 u32 offsets into idx, non-decreasing, indices checked) of
 * rows of a `dim`-wide float32 table of `rows` rows into out (bags x dim). A table larger than
 * FAR_TABLE_BYTES is read as gatherRows reads it: the rows of the next TOUCHED_CHUNK_BYTES of
 * positions are touched, line by line, before they are added. `weights` (0 for none; sum mode only):
 * one float32 per position, multiplying its row. `padding`: an index to skip, or -1. In max mode
 * `argmax` (bags x dim i32) receives, per output element, the position whose row gave the max (the
 * first one on ties, as PyTorch's strict comparison keeps it), or -1 for an empty bag. Returns bags.
 */
export function bagReduce(table: usize, rows: u32, dim: u32, idx: usize, bounds: usize, bags: u32, weights: usize, mode: u32,
  padding: i32, out: usize, argmax: usize): u32 {
  const rowBytes = <usize>dim << 2;
  const touched = readsInTouchedChunks(rows, rowBytes);
  const chunk = touchedChunkRows(linesOf(rowBytes));
  // Positions below this one have had their rows touched (far tables only).
  let touchedTo: usize = 0;
  const vecBytes = rowBytes & ~(<usize>15);
  const n = load<u32>(bounds + (<usize>bags << 2));
  const last: usize = n > 0 ? <usize>n - 1 : 0;
  for (let b: u32 = 0; b < bags; b++) {
    const start = load<u32>(bounds + (<usize>b << 2));
    const end = load<u32>(bounds + (<usize>b << 2), 4);
    const o = out + <usize>b * rowBytes;
    const a = argmax + <usize>b * rowBytes;
    memory.fill(o, 0, rowBytes);
    if (mode == BAG_MAX) memory.fill(a, 0xff, rowBytes);
    let count: u32 = 0;
    for (let i = start; i < end; i++) {
      if (touched) {
        if (<usize>i >= touchedTo) {
          // Every position's index is a row of the table (a padding index is one too, or -1 and
          // then in no position), so all of them can be touched.
          const m = <usize>n - <usize>i < chunk ? <usize>n - <usize>i : chunk;
          touchRows(table, rowBytes, idx + (<usize>i << 2), m);
          touchedTo = <usize>i + m;
        }
      } else {
        touchRowAhead(table, rowBytes, idx, <usize>i, last);
      }
      const r = load<u32>(idx + (<usize>i << 2));
      if (<i32>r == padding) continue;
      const row = table + <usize>r * rowBytes;
      if (mode == BAG_MAX) {
        if (count == 0) {
          memory.copy(o, row, rowBytes);
          const vi = i32x4.splat(<i32>i);
          let c: usize = 0;
          for (; c < vecBytes; c += 16) v128.store(a + c, vi);
          for (; c < rowBytes; c += 4) store<i32>(a + c, <i32>i);
        } else {
          const vi = i32x4.splat(<i32>i);
          let c: usize = 0;
          for (; c < vecBytes; c += 16) {
            const v = v128.load(row + c);
            const m = v128.load(o + c);
            const gt = f32x4.gt(v, m);
            v128.store(o + c, v128.bitselect(v, m, gt));
            v128.store(a + c, v128.bitselect(vi, v128.load(a + c), gt));
          }
          for (; c < rowBytes; c += 4) {
            const v = load<f32>(row + c);
            if (v > load<f32>(o + c)) {
              store<f32>(o + c, v);
              store<i32>(a + c, <i32>i);
            }
          }
        }
      } else if (weights != 0) {
        const w = load<f32>(weights + (<usize>i << 2));
        const vw = f32x4.splat(w);
        let c: usize = 0;
        for (; c < vecBytes; c += 16) v128.store(o + c, f32x4.add(v128.load(o + c), f32x4.mul(v128.load(row + c), vw)));
        for (; c < rowBytes; c += 4) store<f32>(o + c, load<f32>(o + c) + load<f32>(row + c) * w);
      } else {
        let c: usize = 0;
        for (; c + 64 <= vecBytes; c += 64) {
          v128.store(o + c, f32x4.add(v128.load(o + c), v128.load(row + c)));
          v128.store(o + c, f32x4.add(v128.load(o + c, 16), v128.load(row + c, 16)), 16);
          v128.store(o + c, f32x4.add(v128.load(o + c, 32), v128.load(row + c, 32)), 32);
          v128.store(o + c, f32x4.add(v128.load(o + c, 48), v128.load(row + c, 48)), 48);
        }
        for (; c < vecBytes; c += 16) v128.store(o + c, f32x4.add(v128.load(o + c), v128.load(row + c)));
        for (; c < rowBytes; c += 4) store<f32>(o + c, load<f32>(o + c) + load<f32>(row + c));
      }
      count++;
    }
    if (mode == BAG_MEAN && count > 1) {
      // PyTorch divides the bag's sum by its size.
      const f = <f32>count;
      const vf = f32x4.splat(f);
      let c: usize = 0;
      for (; c < vecBytes; c += 16) v128.store(o + c, f32x4.div(v128.load(o + c), vf));
      for (; c < rowBytes; c += 4) store<f32>(o + c, load<f32>(o + c) / f);
    }
  }
  return bags;
}

/**
 * The backward pass of `bagReduce` with the same idx, bounds, weights, mode, padding and argmax, as
 * one gradient row per non-padding position: position i of bag b gets dOut[b] (times weights[i] in
 * sum mode, divided by the bag's size in mean mode; in max mode only the elements whose max came
 * from position i). Writes the positions' indices to ids and their rows to rows (m x dim), for
 * sparseGradient to merge. Returns m.
 */
export function bagGradientRows(idx: usize, bounds: usize, bags: u32, weights: usize, mode: u32, padding: i32, dim: u32,
  dOut: usize, argmax: usize, ids: usize, rows: usize): u32 {
  const rowBytes = <usize>dim << 2;
  const vecBytes = rowBytes & ~(<usize>15);
  let m: u32 = 0;
  for (let b: u32 = 0; b < bags; b++) {
    const start = load<u32>(bounds + (<usize>b << 2));
    const end = load<u32>(bounds + (<usize>b << 2), 4);
    const g = dOut + <usize>b * rowBytes;
    const a = argmax + <usize>b * rowBytes;
    let count: u32 = 0;
    if (mode == BAG_MEAN) {
      for (let i = start; i < end; i++) if (<i32>load<u32>(idx + (<usize>i << 2)) != padding) count++;
    }
    for (let i = start; i < end; i++) {
      const r = load<u32>(idx + (<usize>i << 2));
      if (<i32>r == padding) continue;
      store<u32>(ids + (<usize>m << 2), r);
      const dst = rows + <usize>m * rowBytes;
      let c: usize = 0;
      if (mode == BAG_MAX) {
        const vi = i32x4.splat(<i32>i);
        for (; c < vecBytes; c += 16) v128.store(dst + c, v128.and(v128.load(g + c), i32x4.eq(v128.load(a + c), vi)));
        for (; c < rowBytes; c += 4) store<f32>(dst + c, load<i32>(a + c) == <i32>i ? load<f32>(g + c) : 0);
      } else if (mode == BAG_MEAN) {
        const f = <f32>count;
        const vf = f32x4.splat(f);
        for (; c < vecBytes; c += 16) v128.store(dst + c, f32x4.div(v128.load(g + c), vf));
        for (; c < rowBytes; c += 4) store<f32>(dst + c, load<f32>(g + c) / f);
      } else {
        const w: f32 = weights != 0 ? load<f32>(weights + (<usize>i << 2)) : 1;
        const vw = f32x4.splat(w);
        for (; c < vecBytes; c += 16) v128.store(dst + c, f32x4.mul(v128.load(g + c), vw));
        for (; c < rowBytes; c += 4) store<f32>(dst + c, load<f32>(g + c) * w);
      }
      m++;
    }
  }
  return m;
}
