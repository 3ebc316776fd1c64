// The uvu suites of tests/ in headless Chromium: picks the portable test files, bundles them with
// esbuild (format esm, platform browser) in the order uvu's CLI would run them, serves the bundle
// from 127.0.0.1, and streams uvu's own report (console.log in the page, ANSI codes stripped) to
// stdout, so its "Total:" / "Passed:" lines are counted by .ci/run like the Node run's.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { serveStatic } from "../../scripts/serve.mjs";
import { openPage } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "../..");
const TESTS = join(ROOT, "tests");

/**
 * Single tests that stay in Node. Matched by file (path under tests/) and the start of the test's
 * title; each becomes an uvu skip in the browser (counted under "Skipped:").
 */
export const BROWSER_SKIPS = [
  {
    file: "robustness/memory.test.ts",
    test: "a table past 2 GiB",
    why: "allocates a 2.25 GB WebAssembly memory (a 1,100,000 × 512 table); the Node run covers tables past 2 GiB",
  },
  {
    file: "robustness/training-transactions.test.ts",
    test: "a first Adam step whose second slot does not fit in 4 GiB",
    why: "allocates a 1.5 GB WebAssembly memory (a 1,500,000 × 256 table); the Node run covers the all-or-nothing slot allocation",
  },
  {
    file: "unit/io-hdf5-writer.test.ts",
    test: "read back through h5wasm",
    why: "reads the written files with h5wasm, which the browser bundle leaves out (only the Keras readers load it); the Node run covers them",
  },
  {
    file: "unit/shards.test.ts",
    test: "toKeras, toKerasWeights, toTfjs, the projector TSV, word vectors and npy hold one memory's table",
    why: "reads the saved Keras files back with h5wasm, which the browser bundle leaves out; the Node run covers them",
  },
];

/** What makes a test file Node-only: a Node built-in, the process object, or the packed package. */
const NODE_ONLY = [
  [/\bfrom\s*["']node:[^"']+["']|\bimport\(\s*["']node:/, "imports a node:* module"],
  [/\bfrom\s*["'](fs|path|os|url|child_process|worker_threads|crypto|module|util|v8|vm|perf_hooks|stream|zlib|http|https|net)(\/[^"']*)?["']/, "imports a Node built-in"],
  [/\brequire\s*\(/, "uses require()"],
  [/\bprocess\s*\.|\bglobalThis\.process\b/, "uses the process object"],
  [/\bBuffer\s*\.|__dirname|__filename/, "uses Node globals"],
  [/\bfrom\s*["']embedding-wasm["']/, "imports the package by name (the packed entry is tested by the bundler checks)"],
  [/\bEmbeddingPool\b/, "starts EmbeddingPool workers, which need a cross-origin isolated page and the worker script (checks.mjs runs the pool in Chromium)"],
];

function listTestFiles(dir = TESTS) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "browser" || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      out.push(...listTestFiles(full));
    } else if (/\.test\.ts$/.test(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

/** Why `file` (or a helper it imports from tests/) cannot run in a browser, or null. */
function nodeOnlyReason(file, seen = new Set()) {
  if (seen.has(file)) return null;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const [pattern, why] of NODE_ONLY) if (pattern.test(text)) return why;
  for (const m of text.matchAll(/\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const dep = resolve(dirname(file), m[1]);
    if (!dep.startsWith(TESTS) || !existsSync(dep)) continue; // src/ is the product: portable by definition
    const why = nodeOnlyReason(dep, seen);
    if (why) return `${why} (through ${relative(TESTS, dep)})`;
  }
  return null;
}

/** { portable: [abs paths], nodeOnly: [{ file, why }] } */
export function classifyTestFiles() {
  const portable = [];
  const nodeOnly = [];
  for (const file of listTestFiles()) {
    const why = nodeOnlyReason(file);
    if (why) nodeOnly.push({ file: relative(TESTS, file), why });
    else portable.push(file);
  }
  return { portable, nodeOnly };
}

/**
 * Bundles `files` into outDir/suites.js (+ index.html). The entry imports, for each file, a marker
 * module that opens uvu's queue group for it (what uvu's CLI does per file), then the file; then it
 * runs uvu's exec() and sets globalThis.__uvuDone.
 */
export async function bundleSuites(files, outDir) {
  mkdirSync(outDir, { recursive: true });
  const names = files.map((f) => relative(TESTS, f).split("\\").join("/"));
  const realUvu = join(ROOT, "node_modules/uvu/dist/index.mjs");
  const shim = join(here, "uvu-skip-shim.mjs");
  const entry = [
    `import "uvu-browser:prelude";`,
    ...files.map((f, i) => `import "uvu-browser:file/${i}";\nimport ${JSON.stringify(f)};`),
    `import { exec } from "uvu";`,
    `exec().then(`,
    `  () => { globalThis.__uvuDone = true; },`,
    `  (e) => { globalThis.__uvuError = String((e && e.stack) || e); globalThis.__uvuDone = true; },`,
    `);`,
  ].join("\n");
  const plugin = {
    name: "uvu-browser",
    setup(build) {
      build.onResolve({ filter: /^uvu-browser:/ }, (args) => ({ path: args.path, namespace: "uvu-browser" }));
      build.onLoad({ filter: /.*/, namespace: "uvu-browser" }, (args) => {
        if (args.path === "uvu-browser:prelude") {
          return {
            contents:
              `import kleur from "kleur";\n` +
              `kleur.enabled = false;\n` +
              `globalThis.UVU_DEFER = 1;\n` +
              `globalThis.UVU_QUEUE = [];\n` +
              `globalThis.__uvuSkips = ${JSON.stringify(BROWSER_SKIPS)};\n`,
            resolveDir: ROOT,
          };
        }
        const i = Number(args.path.slice("uvu-browser:file/".length));
        return {
          contents:
            `globalThis.UVU_QUEUE.push([${JSON.stringify(names[i])}]);\n` +
            `globalThis.UVU_INDEX = ${i};\n` +
            `globalThis.__uvuFile = ${JSON.stringify(names[i])};\n`,
          resolveDir: ROOT,
        };
      });
      // package.json says "sideEffects": false, which would let esbuild drop the bare test imports.
      build.onResolve({ filter: /\.test\.ts$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), sideEffects: true }));
      // Every `import ... from "uvu"` gets the skip shim, which wraps the real uvu.
      build.onResolve({ filter: /^uvu$/ }, (args) => (args.importer === shim ? { path: realUvu } : { path: shim }));
    },
  };
  await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "uvu-browser-entry.js", loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: join(outDir, "suites.js"),
    sourcemap: "inline",
    nodePaths: [join(ROOT, "node_modules")],
    // h5wasm (4 MB, reached only through the Keras file readers, whose tests stay in Node) would
    // otherwise be inlined, with its source map, into a bundle that does not use it.
    external: ["h5wasm"],
    plugins: [plugin],
    logLevel: "error",
  });
  writeFileSync(
    join(outDir, "index.html"),
    `<!doctype html><meta charset="utf-8"><title>uvu suites</title>\n<script type="module" src="./suites.js"></script>\n`,
  );
  return names;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export const stripAnsi = (s) => s.replace(ANSI, "");

/** Parses the last uvu summary in `text`: { total, passed, skipped } or null. */
export function parseSummary(text) {
  const totals = [...text.matchAll(/^\s*Total:\s+(\d+)/gm)];
  const passes = [...text.matchAll(/^\s*Passed:\s+(\d+)/gm)];
  const skips = [...text.matchAll(/^\s*Skipped:\s+(\d+)/gm)];
  if (!totals.length || !passes.length) return null;
  return {
    total: Number(totals.at(-1)[1]),
    passed: Number(passes.at(-1)[1]),
    skipped: skips.length ? Number(skips.at(-1)[1]) : 0,
  };
}

/**
 * Runs the bundled suites in a page of `browser`, writing uvu's report to `write` as it arrives.
 * Resolves to { summary, error, log } (summary null if uvu never printed one).
 */
export async function runSuitesInBrowser(browser, outDir, { write = (s) => process.stdout.write(s), timeoutMs = 240_000 } = {}) {
  const server = await serveStatic(outDir);
  let text = "";
  const session = await openPage(browser, null, {
    onConsole(msg) {
      if (msg.type() !== "log") return;
      const chunk = stripAnsi(msg.text());
      text += chunk;
      write(chunk);
    },
  });
  try {
    const { page } = session;
    await page.goto(server.url);
    let error = null;
    try {
      await page.waitForFunction(() => globalThis.__uvuDone === true, null, { timeout: timeoutMs, polling: 250 });
      error = await page.evaluate(() => globalThis.__uvuError ?? null);
    } catch (e) {
      error = `the suites did not finish within ${timeoutMs / 1000} s: ${e.message.split("\n")[0]}`;
    }
    // Console events can trail the flag by a moment: wait for uvu's closing line.
    for (let i = 0; i < 40 && !/Duration:/.test(text); i++) await new Promise((r) => setTimeout(r, 50));
    if (session.errors.length) {
      error = [error, ...session.errors.map((e) => `uncaught in the page: ${e.stack || e.message}`)].filter(Boolean).join("\n");
    }
    const skipHits = await page.evaluate(() => (globalThis.__uvuSkips || []).map((r) => r.hits || 0)).catch(() => []);
    return { summary: parseSummary(text), error, log: session.log, skipHits };
  } finally {
    await session.close();
    await server.close();
  }
}
