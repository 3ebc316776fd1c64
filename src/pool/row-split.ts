// How EmbeddingPool.reverse and nearest split the table's rows across their workers. The product
// kernel (assembly/logits.ts productNT) sums a logit in an order that depends only on its query's
// place in the batch, never on which rows a worker holds, so every split gives the layer's own
// bits; the ranges are as even as whole row pairs allow (each worker's rows then pair up in the
// kernel's two-row blocks, the last worker taking any odd row).

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
