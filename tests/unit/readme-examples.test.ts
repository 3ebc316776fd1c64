// The README's code examples run as written: each ```js block is taken from README.md and executed
// with what it leaves to the reader supplied here. Node only (it reads the file).
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Adam, Embedding, MaxNorm } from "../../src/index.ts";
import { fixtureRandom } from "../support/helpers.ts";

const readme = suite("README");
/** The first ```js block under a README heading. */
function readmeBlock(heading: string): string {
  const text = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const section = text.slice(start + heading.length + 2, text.indexOf("\n#", start + heading.length + 2));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `a js example under "${heading}"`);
  return block![1]!;
}
readme("the Training example runs as written and learns", () => {
  const code = readmeBlock("### Training");
  const imports = /^import \{ ([^}]+) \} from "embedding-wasm";\n/m.exec(code);
  assert.ok(imports, "the example imports from the package");
  assert.equal(imports![1]!.split(",").map((n) => n.trim()), ["Embedding", "Adam"]);
  // What the example leaves to the reader: batches of ids with a target per output, and ∂loss/∂y
  // of a squared loss. Each id's target is a fixed vector; the loss of each batch is recorded.
  const rnd = fixtureRandom(23);
  const goal = Array.from({ length: 50 }, () => Array.from({ length: 32 }, () => rnd() - 0.5));
  const fixed = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => Math.floor(rnd() * 50))));
  const batches = Array.from({ length: 150 }, (_, i) => {
    const ids = fixed[i % 4]!;
    return { ids, target: Float32Array.from(ids.flat().flatMap((id) => goal[id]!)) };
  });
  const losses: number[] = [];
  const lossGradient = (y: Float32Array, target: Float32Array) => {
    assert.is(y.length, target.length);
    losses.push(y.reduce((s, v, i) => s + (v - target[i]!) ** 2, 0) / y.length);
    return y.map((v, i) => (2 * (v - target[i]!)) / y.length);
  };
  const run = new Function("Embedding", "Adam", "batches", "lossGradient", `${code.slice(imports![0]!.length)}\nreturn layer;`);
  const layer = run(Embedding, Adam, batches, lossGradient) as Embedding;
  assert.equal(layer.getConfig().inputDim, 10000);
  assert.is(losses.length, 150);
  const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
  const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
  assert.ok(last < 0.1 * first, `loss ${first} → ${last}`);
});
readme("the axis-trap example runs as written: every row ends with norm ≤ 1", () => {
  const code = readmeBlock("### Constraints and the axis trap");
  const layer = new Function("Embedding", "MaxNorm", `${code}\nreturn layer;`)(Embedding, MaxNorm) as Embedding;
  const w = layer.getWeights()[0]!.data;
  let worst = 0;
  for (let r = 0; r < 10000; r++) worst = Math.max(worst, Math.hypot(...w.subarray(r * 64, r * 64 + 64)));
  assert.ok(worst <= 1 + 1e-6 && worst > 0.2, `largest row norm ${worst}`);
});

readme.run();
