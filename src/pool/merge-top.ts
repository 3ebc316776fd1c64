// The caller's half of EmbeddingPool.nearest: each worker returns the best k of its own rows for a
// query (the kernel's selectTop, best first, ties to the lower row); merging those lists by the same
// order gives the best k of the whole table, exactly as one selectTop over every row would.

/**
 * Merges sorted lists (one per row range, ranges in ascending row order) into the best `k`, into
 * `idx` / `val`. Order: the higher score first (the lower with `ascending`), every number before
 * NaN, and between equal scores (NaN included) the lower row index.
 */
export function mergeTop(lists: { idx: Int32Array; val: Float32Array }[], k: number, ascending: boolean, idx: Int32Array, val: Float32Array): void {
  const sign = ascending ? -1 : 1;
  const heads = new Array<number>(lists.length).fill(0);
  // a before b: selectTop's `before` on sign · score, then the lower row.
  const before = (a: number, ia: number, b: number, ib: number): boolean => {
    const x = sign * a, y = sign * b;
    if (x > y || (y !== y && x === x)) return true;
    if (y > x || (x !== x && y === y)) return false;
    return ia < ib;
  };
  for (let j = 0; j < k; j++) {
    let best = -1;
    for (let l = 0; l < lists.length; l++) {
      const h = heads[l]!;
      const list = lists[l]!;
      if (h >= list.idx.length) continue;
      if (best < 0) {
        best = l;
        continue;
      }
      const b = lists[best]!, hb = heads[best]!;
      if (before(list.val[h]!, list.idx[h]!, b.val[hb]!, b.idx[hb]!)) best = l;
    }
    const h = heads[best]!++;
    idx[j] = lists[best]!.idx[h]!;
    val[j] = lists[best]!.val[h]!;
  }
}
