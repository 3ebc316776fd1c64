// The runnable example of word vectors (examples/word-vectors.mjs, which imports the built package
// by its name): most-similar words and analogies come out as the toy table is built to give.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("examples/word-vectors.mjs: king − man + woman = queen, prince − man + woman = princess", () => {
  const root = join(import.meta.dirname, "..", "..");
  const printed = execFileSync(process.execPath, [join(root, "examples", "word-vectors.mjs")], { cwd: root, encoding: "utf8" });
  assert.match(printed, /most similar to king: \[ \[ 'prince', 0\.\d+ \]/);
  assert.match(printed, /king - man \+ woman: \[ \[ 'queen', 0\.\d+ \] \]/);
  assert.match(printed, /prince - man \+ woman: \[ \[ 'princess', 0\.\d+ \] \]/);
  assert.match(printed, /closest to apple \(dot\): \[ 'pear' \]/);
});

test.run();
