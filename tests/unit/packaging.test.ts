// The packed tarball as consumers get it: an ES module and a CommonJS consumer (the latter without
// require(esm)), strict TypeScript 5 and 4.9 compiles of ESM and CommonJS consumers, and an install
// that prints no install-script warning for this package.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeProject, pack, ROOT, run } from "../browser/projects.mjs";

const consumers = suite("packed package consumers");
const work = mkdtempSync(join(tmpdir(), "embedding-wasm-consumers-"));
let project = "";
let files: string[] = [];

consumers.before(async () => {
  const packed = await pack(join(work, "pack"));
  files = packed.files;
  project = await makeProject(join(work, "project"), packed.tarball);
  for (const f of ["esm.mjs", "cjs.cjs", "typed.mts", "typed.cts"]) cpSync(join(ROOT, "tests/support/consumers", f), join(project, f));
});

consumers.after(() => rmSync(work, { recursive: true, force: true }));

consumers("the tarball holds dist/ (ESM, CommonJS, both declaration kinds) and no test instrumentation", () => {
  for (const f of ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/embedding-wasm.js", "build/kernel.wasm"]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.not.ok(files.some((f) => f.includes("testing")), "src/testing.ts is not shipped");
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.is(manifest.scripts.prepare, undefined, "no prepare script: consumers' installs run nothing of ours");
  assert.not.ok(/\.ts["']/.test(readFileSync(join(project, "node_modules/embedding-wasm/dist/index.d.ts"), "utf8")), "declarations import .js paths");
});

consumers("an ES module consumer", async () => {
  const { code, output } = await run(process.execPath, ["esm.mjs"], { cwd: project });
  assert.is(code, 0, output);
  const result = JSON.parse(output.trim().split("\n").at(-1)!);
  assert.equal(result.lookup, [5, 6, 1, 2]);
  assert.is(result.refused, "indices[0] = 3 is not in [0, 3)");
  assert.is(result.valueError, "function");
});

consumers("a CommonJS consumer under --no-experimental-require-module", async () => {
  const { code, output } = await run(process.execPath, ["--no-experimental-require-module", "cjs.cjs"], { cwd: project });
  assert.is(code, 0, output);
  assert.equal(JSON.parse(output.trim().split("\n").at(-1)!), { lookup: [5, 6, 1, 2], valueError: "function" });
});

function writeTsconfig(dir: string, module: "nodenext" | "node16"): void {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, module, moduleResolution: module, target: "es2022", lib: ["es2022", "dom"], noEmit: true, skipLibCheck: false, types: [] },
      files: ["typed.mts", "typed.cts"],
    }),
  );
}

consumers("strict TypeScript 5 compiles ESM and CommonJS consumers; a misspelled initializer name does not compile", async () => {
  writeTsconfig(project, "nodenext");
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const ok = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project });
  assert.is(ok.code, 0, ok.output);
  const bad = join(work, "misspelled");
  mkdirSync(bad, { recursive: true });
  cpSync(join(project, "node_modules"), join(bad, "node_modules"), { recursive: true });
  writeFileSync(join(bad, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(bad, "typed.mts"), 'import { Embedding } from "embedding-wasm";\nnew Embedding({ inputDim: 2, outputDim: 2, embeddingsInitializer: "glorot_unifrom" });\n');
  writeFileSync(join(bad, "typed.cts"), "export {};\n");
  writeTsconfig(bad, "nodenext");
  const refused = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: bad });
  assert.is.not(refused.code, 0, "the misspelling compiled");
  assert.match(refused.output, /glorot_unifrom/);
});

consumers("strict TypeScript 4.9 compiles the same consumers", async () => {
  const ts49 = join(work, "ts49");
  mkdirSync(ts49, { recursive: true });
  writeFileSync(join(ts49, "package.json"), JSON.stringify({ private: true }));
  const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "typescript@4.9.5"], { cwd: ts49 });
  assert.is(install.code, 0, install.output);
  writeTsconfig(project, "node16");
  const result = await run(process.execPath, [join(ts49, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: project });
  assert.is(result.code, 0, result.output);
});

consumers.run();
