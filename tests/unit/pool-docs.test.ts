// The EmbeddingPool example of docs/api.md runs as written (with a batch supplied) and gives the
// layer's rows.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as api from "../../src/index.ts";

const HEADING = "### Worker pool: `EmbeddingPool`";

test("the worker pool example of docs/api.md runs as written and gives the layer's rows", async () => {
  const text = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
  const start = text.indexOf(`\n${HEADING}\n`);
  assert.ok(start >= 0, "docs/api.md has the section");
  const block = /```js\n([\s\S]*?)```/.exec(text.slice(start, text.indexOf("\n### ", start + 1)));
  assert.ok(block, "the section has a js example");
  const imports = /^import \{ ([^}]+) \} from "embedding-wasm";\n/m.exec(block![1]!);
  assert.ok(imports, "the example imports from the package");
  const names = imports![1]!.split(",").map((n) => n.trim());
  const body = block![1]!.replace(imports![0], "") + "\nreturn { layer, data, shape, out };";
  // What the example leaves to the reader: a batch of ids.
  const batch = Int32Array.from({ length: 3000 }, (_, i) => (i * 7919) % 100_000);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction(...names, "batch", body);
  const { layer, data, shape, out } = (await run(...names.map((n) => (api as Record<string, unknown>)[n]), batch)) as {
    layer: api.Embedding; data: Float32Array; shape: number[]; out: Float32Array;
  };
  const expected = layer.call(batch).data;
  assert.equal(shape, [3000, 64]);
  assert.ok(data.every((v, i) => Object.is(v, expected[i])), "pool.call gives the layer's rows");
  assert.ok(out.every((v, i) => Object.is(v, expected[i])), "pool.callInto gives the layer's rows");
  layer.dispose();
});

test.run();
