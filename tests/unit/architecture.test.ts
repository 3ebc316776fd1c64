// The shape of src/: no import cycles (type-only imports included: they are cycles for a reader and
// for any tool that follows them), and src/core/ the only place that creates or grows WebAssembly memory.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.endsWith("kernel-bytes.ts"))
    .map((f) => normalize(f));
}

/** Relative specifiers of every import / export-from / dynamic import in `text`. */
export function importedPaths(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["'](\.[^"']+)["']/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*["'](\.[^"']+)["']\s*\)/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*["'](\.[^"']+)["']/g)) found.push(m[1]!);
  return found;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const text = readFileSync(join(SRC, file), "utf8");
    graph.set(file, importedPaths(text).map((spec) => normalize(join(dirname(file), spec))));
  }
  return graph;
}

/** Every cycle's files, found by depth-first search (each reported once, from its first file). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

test("the cycle finder finds a cycle, including through type-only imports", () => {
  const paths = importedPaths('import type { A } from "./a.ts";\nexport { B } from "../b.ts";\nconst c = await import("./c.ts");');
  assert.equal(paths, ["./a.ts", "../b.ts", "./c.ts"]);
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.equal(cycles(graph), [["a", "b", "c", "a"]]);
  assert.equal(cycles(new Map([["a", ["b"]], ["b", []]])), []);
});

test("src/ has no import cycles", () => {
  const graph = importGraph();
  assert.ok(graph.size > 20, `read ${graph.size} files`);
  for (const [file, targets] of graph) {
    for (const target of targets) assert.ok(graph.has(target) || target.endsWith("kernel-bytes.ts"), `${file} imports ${target}, which does not exist`);
  }
  const found = cycles(graph);
  assert.equal(found.map((c) => c.join(" → ")), [], "import cycles");
});

test("only src/core/ creates or grows a WebAssembly.Memory (the pool's plain-JavaScript worker script included)", () => {
  const offenders: string[] = [];
  const scripts = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith(".js")).map((f) => normalize(f));
  assert.ok(scripts.includes("pool-worker.js"), "src/pool-worker.js is checked");
  for (const file of [...sourceFiles(), ...scripts]) {
    if (relative("core", file).startsWith("..") === false) continue;
    const text = readFileSync(join(SRC, file), "utf8");
    if (/new\s+WebAssembly\.Memory\b/.test(text) || /\.grow\s*\(/.test(text) || /instantiateKernel\s*\(/.test(text)) offenders.push(file);
  }
  assert.equal(offenders, []);
});

test.run();
