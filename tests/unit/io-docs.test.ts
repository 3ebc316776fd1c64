// The word-vector example of docs/io.md runs as written, on a small GloVe file standing in for
// glove.6B.100d.txt, and gives what its comments say.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as api from "../../src/index.ts";

const HEADING = "## Example";

test("the pretrained-vectors example runs and its comments hold", async () => {
  const readme = readFileSync(new URL("../../docs/io.md", import.meta.url), "utf8");
  const start = readme.indexOf(`\n${HEADING}\n`);
  assert.ok(start >= 0, "docs/io.md has the section");
  const code = /```js\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  const imports = /^import \{ ([^}]+) \} from "embedding-wasm";\n/m.exec(code)!;
  const names = imports[1]!.split(",").map((n) => n.trim());
  const dir = mkdtempSync(join(tmpdir(), "embedding-wasm-readme-"));
  const file = join(dir, "glove.txt");
  writeFileSync(file, "the 1 2\ncat 3 4\nsat 5 9\n");
  const body = code.slice(imports[0].length).replace('"glove.6B.100d.txt"', JSON.stringify(file)).replace(/console\.log\(/g, "log(");
  const logged: string[] = [];
  const run = new Function(...names, "log", `return (async () => {\n${body}\nreturn { layer, vocab, ids, vectors, tsv, metadata };\n})();`);
  try {
    const out = await run(...names.map((n) => (api as Record<string, unknown>)[n]), (s: string) => logged.push(s));
    assert.equal([...out.vocab.tokens], ["", "the", "cat", "sat", "[UNK]"]);
    assert.equal(Array.from(out.ids), [1, 2, 4]);
    assert.equal(Array.from(out.vectors.data), [1, 2, 3, 4, 3, 5]);
    assert.is(out.metadata, "<pad>\nthe\ncat\nsat\n[UNK]\n");
    assert.is(out.tsv.split("\n")[4], "3\t5");
    assert.is(logged[logged.length - 1], "100%");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
