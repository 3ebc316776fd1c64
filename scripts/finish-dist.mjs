// Runs after `tsc -p tsconfig.build.json`: makes dist/ consumable by every supported toolchain.
// - Declarations: tsc keeps the sources' `.ts` import paths in .d.ts files; TypeScript consumers
//   (4.9 and later, any moduleResolution) need `.js`. Each .d.ts is rewritten, and a .d.cts twin with
//   `.cjs` paths is written for the CommonJS entry, so `require` consumers get types too.
// - CommonJS: dist/index.cjs, one file bundled by esbuild for `require('embedding-wasm')` on every Node
//   version `engines` allows (no require(esm) needed). Optional file-format libraries stay dynamic
//   imports, which CommonJS can make.
// - The browser bundle: dist/embedding-wasm.js (ESM, one file, no Node built-ins; EmbeddingPool
//   loads its shared-memory kernel from dist/core/ and its worker script from dist/).
// - embedding-wasm/tfjs: dist/tfjs/index.js (ESM, from tsc) and dist/tfjs/index.cjs, bundled with
//   TF.js left to the consumer and the main entry required from ../index.cjs, so both entries share
//   one Embedding and one ValueError class. Neither the main entry nor the browser bundle includes it.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const DIST = new URL("../dist/", import.meta.url).pathname;
const relativeTs = /(from\s+["']|import\(\s*["'])(\.{1,2}\/[^"']*?)\.ts(["'])/g;

for (const file of readdirSync(DIST, { recursive: true }).map(String)) {
  if (!file.endsWith(".d.ts")) continue;
  const path = join(DIST, file);
  const text = readFileSync(path, "utf8");
  writeFileSync(path, text.replace(relativeTs, "$1$2.js$3"));
  writeFileSync(path.replace(/\.d\.ts$/, ".d.cts"), text.replace(relativeTs, "$1$2.cjs$3"));
}

// - EmbeddingPool's worker script: src/pool-worker.js (plain JavaScript, no imports) copied to
//   dist/pool-worker.js, beside every entry that looks for it with new URL("./pool-worker.js",
//   import.meta.url): dist/embedding-pool.js, the browser bundle, and dist/index.cjs, where
//   import.meta.url is defined as that file's own URL.
copyFileSync(new URL("../src/pool-worker.js", import.meta.url), join(DIST, "pool-worker.js"));

// Node-only and heavy optional libraries are loaded on demand, never bundled.
const external = ["node:*", "h5wasm", "h5wasm/*"];
await build({
  entryPoints: [join(DIST, "index.js")],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  outfile: join(DIST, "index.cjs"),
  external,
  // CommonJS has no import.meta: the pool finds its worker script relative to this file's URL.
  banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__import_meta_url" },
  logLevel: "warning",
});
/** Resolves the tfjs entry's imports of the main entry to the main CommonJS file, unbundled. */
const mainEntryExternal = {
  name: "main-entry-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({ path: "../index.cjs", external: true }));
  },
};
await build({
  entryPoints: [join(DIST, "tfjs", "index.js")],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  outfile: join(DIST, "tfjs", "index.cjs"),
  external: [...external, "@tensorflow/*"],
  plugins: [mainEntryExternal],
  logLevel: "warning",
});
/**
 * The single-file browser bundle leaves out the shared-memory kernel (as large as the kernel itself,
 * and used only by EmbeddingPool): its dynamic import stays, pointing at dist/core/, which a pool
 * loads beside dist/pool-worker.js.
 */
const sharedKernelBeside = {
  name: "shared-kernel-beside",
  setup(b) {
    b.onResolve({ filter: /shared-kernel-bytes\.js$/ }, () => ({ path: "./core/shared-kernel-bytes.js", external: true }));
  },
};
await build({
  entryPoints: [join(DIST, "index.js")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  minify: true,
  outfile: join(DIST, "embedding-wasm.js"),
  external,
  plugins: [sharedKernelBeside],
  logLevel: "warning",
});
