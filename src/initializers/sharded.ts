// Initializers on a table split into row-range shards (src/core/shards.ts): the same values a
// table in one memory gets from the same initializer and seed.
import { ValueError } from "../errors.ts";
import { MAX_MEMORY_BYTES, standaloneTable } from "../core/memory.ts";
import type { ShardedTable } from "../core/shards.ts";
import { Constant, Identity } from "./constant.ts";
import { DrawnInitializer } from "./draws.ts";
import { fillSteps, type Initializer } from "./initializer.ts";

/** Room the kernel's data and an initializer's scratch need beside a table in one memory. */
const ONE_MEMORY_OVERHEAD = 1 << 24;

/**
 * Fills `table` with `init`'s values for its whole shape, in steps (yielding the fraction done):
 * - seeded draws (the random and variance-scaling initializers) shard after shard, the generator
 *   continued across shards;
 * - Constant, Zeros, Ones and Identity shard by shard (their values have a closed form);
 * - any other (Orthogonal, functions, custom initializers) fills the whole table in a memory of its
 *   own, copied into the shards: possible only while the table fits in one memory, refused beyond.
 */
export function* fillShardedInSteps(init: Initializer, table: ShardedTable): Generator<number, void, undefined> {
  const shape = [table.rows, table.dim];
  if (init instanceof DrawnInitializer) {
    yield* init.fillPiecesInSteps(table.handles(), shape);
    return;
  }
  if (init instanceof Constant) {
    for (const handle of table.handles()) init.fill(handle);
    yield 1;
    return;
  }
  if (init instanceof Identity) {
    // Zeros with `gain` on the diagonal of the whole table: row r holds it at column r.
    for (let s = 0; s < table.shards.length; s++) {
      const shard = table.shards[s]!;
      const view = shard.table();
      view.fill(0);
      const start = table.start(s);
      for (let local = 0; local < shard.rows && start + local < table.dim; local++) view[local * table.dim + start + local] = init.gain;
    }
    yield 1;
    return;
  }
  const bytes = table.rows * table.dim * 4;
  if (bytes + ONE_MEMORY_OVERHEAD > MAX_MEMORY_BYTES) {
    throw new ValueError(
      `embeddingsInitializer ${init.className} fills a table as a whole, and this ${table.rows} × ${table.dim} table (${bytes} bytes) is ` +
        `split into shards because one WebAssembly memory (4 GiB) cannot hold it. Use a random, variance-scaling, constant or identity ` +
        `initializer, or set the weights (setWeights) after construction.`,
    );
  }
  const whole = standaloneTable(shape);
  for (const fraction of fillSteps(init, whole)) yield fraction;
  table.write(whole.view());
}
