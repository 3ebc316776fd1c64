// How EmbeddingPool.reverse splits the table's rows across its workers so that every logit is summed
// exactly as the layer's own reverse() sums it. The product kernel (assembly/logits.ts productNT)
// pairs rows two by two and gives an odd last row a different summation order; so every worker but
// the last gets an even number of rows, and the last gets the rest, ending at the table's own last
// row. A row's order then matches the single-thread product's, whichever worker computes it.

/** A run of table rows: [start, start + count). */
export interface RowRange {
  readonly start: number;
  readonly count: number;
}

/** `rows` split into at most `workers` non-empty ranges, in order, all but the last of even length. */
export function splitRows(rows: number, workers: number): RowRange[] {
  const even = Math.floor(rows / workers) & ~1;
  const ranges: RowRange[] = [];
  let start = 0;
  for (let w = 0; w < workers - 1 && even > 0; w++, start += even) ranges.push({ start, count: even });
  if (rows > start) ranges.push({ start, count: rows - start });
  return ranges;
}
