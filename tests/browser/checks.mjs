// Browser checks that need Node to drive Chromium, as uvu suites run in Node (by run.mjs, or
// `node tests/browser/checks.mjs`): the packed package with no bundler and through esbuild, Vite
// and webpack 5; a module worker; init() with a precompiled module where compiling from bytes is
// forbidden; Node-vs-Chromium hashes of seeded tables; and the demo page. uvu prints the usual
// "Total:" / "Passed:" lines. A JSON report (builds, sizes, timings) goes to $BROWSER_REPORT.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { serveStatic } from "../../scripts/serve.mjs";
import { startDemoServer } from "../../scripts/demo-web.mjs";
import { launchChromium, openPage } from "./chromium.mjs";
import { buildEsbuild, buildVite, buildWebpack, makeProject, pack, prepareBundleFile, prepareNoBundler } from "./projects.mjs";
import { LOOKUP, SEEDED, seededHashes, sha256 } from "./app/specs.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOT = join(ROOT, "web/screenshots/demo.png");

const report = { builds: {}, timings: {}, tarball: null, screenshot: null, demo: null };
const saveReport = () => process.env.BROWSER_REPORT && writeFileSync(process.env.BROWSER_REPORT, JSON.stringify(report, null, 2));
const timed = async (name, fn) => {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    report.timings[name] = Math.round(performance.now() - start);
  }
};

let browser;
let tmp;
let packed;
let nodeRef; // { hashes, lookupHash } from the packed entry, imported in Node
const pages = {}; // label → the page's globalThis.__result
const served = {}; // label → the directory its page was served from

const BUILDS = [
  ["no bundler (import map)", "nobundler", prepareNoBundler],
  ["no bundler (single-file build, no dependency mapped)", "bundlefile", prepareBundleFile],
  ["esbuild", "esbuild", buildEsbuild],
  ["Vite", "vite", buildVite],
  ["webpack 5", "webpack", buildWebpack],
];

async function runPage(dir, label, headers = {}) {
  const server = await serveStatic(dir, { headers });
  const session = await openPage(browser, server.url);
  try {
    await session.page.waitForFunction(() => globalThis.__result !== undefined, null, { timeout: 60_000, polling: 100 });
    const result = await session.page.evaluate(() => globalThis.__result);
    if (session.errors.length) result.errors.push(...session.errors.map((e) => `uncaught: ${e.message}`));
    return result;
  } catch (e) {
    throw new Error(`${label}: the page did not report a result (${e.message.split("\n")[0]})\n${session.log.join("\n")}`);
  } finally {
    await session.close();
    await server.close();
  }
}

// ------------------------------------------------------------------------------------------------

const packedSuite = suite("packed package in Chromium");

// uvu does not report an error thrown by a before hook (the suite just passes fewer tests), so
// setup errors are kept and rethrown by every test.
let packedSetupError;
const setupOk = () => {
  if (packedSetupError) throw packedSetupError;
};

packedSuite.before(async () => {
  try {
    await setUpPacked();
  } catch (e) {
    packedSetupError = e;
  }
});

async function setUpPacked() {
  tmp = mkdtempSync(join(tmpdir(), "embedding-wasm-browser-"));
  browser = await launchChromium();
  packed = await timed("npm pack", () => pack(join(tmp, "pack")));
  report.tarball = { files: packed.files.length, size: packed.size, unpackedSize: packed.unpackedSize };
  // The Node reference comes from the same tarball: its dist/ imported in Node.
  const nodeProject = await makeProject(join(tmp, "node"), packed.tarball);
  const pkg = await import(pathToFileURL(join(nodeProject, "node_modules/embedding-wasm/dist/index.js")).href);
  const layer = new pkg.Embedding(LOOKUP.options);
  nodeRef = { hashes: await seededHashes(pkg.Embedding), lookupHash: await sha256(layer.call(LOOKUP.indices).data) };
}

packedSuite.after(async () => {
  await browser?.close();
  saveReport();
  if (tmp && !process.env.KEEP_BROWSER_TMP) rmSync(tmp, { recursive: true, force: true });
});

packedSuite("npm pack ships the ESM entry, its declarations and the .wasm", () => {
  setupOk();
  for (const file of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/core/kernel.js", "dist/core/kernel-bytes.js", "dist/embedding-wasm.js", "build/kernel.wasm"]) {
    assert.ok(packed.files.includes(file), `${file} is in the tarball`);
  }
  assert.not.ok(packed.files.some((f) => f.startsWith("src/") || f.startsWith("tests/") || f.startsWith("web/")), "no sources, tests or demo in the tarball");
});

for (const [label, key, build] of BUILDS) {
  packedSuite(`${label}: the packed entry builds and computes the seeded lookup the page's reference gather gives`, async () => {
    setupOk();
    const dir = await makeProject(join(tmp, key), packed.tarball);
    const built = await timed(`build ${key}`, () => build(dir));
    report.builds[key] = { label, command: built.command ?? "(none: import map)", sizes: built.sizes };
    served[label] = built.serveDir;
    const result = await timed(`run ${key}`, () => runPage(built.serveDir, label));
    pages[label] = result;
    assert.equal(result.errors, [], `${label}: no errors in the page`);
    assert.ok(result.lookup, `${label}: the lookup ran`);
    assert.equal(result.lookup.shape, [3, 5, 37], `${label}: output shape`);
    assert.ok(result.lookup.equalsReference, `${label}: call() equals the reference gather computed in the page`);
    assert.equal(result.lookup.maskShape, [3, 5]);
    assert.equal(result.lookup.mask, result.lookup.maskExpected, `${label}: mask is x != 0`);
    assert.ok(result.zeroCopy?.equalsCall, `${label}: indexBuffer/lookupBuffer equals call()`);
    assert.is(result.lookup.hash, nodeRef.lookupHash, `${label}: the lookup is bit-identical to Node's`);
  });
}

packedSuite("seeded initialization: SHA-256 of each seeded table (and a lookup from it) is the same in Node and Chromium", () => {
  setupOk();
  const labels = Object.keys(pages).filter((l) => pages[l].hashes);
  assert.ok(labels.length >= 1, "at least one page reported hashes");
  for (const label of labels) {
    for (const spec of SEEDED) {
      const got = pages[label].hashes[spec.name];
      const want = nodeRef.hashes[spec.name];
      assert.ok(got, `${label}: ${spec.name} hashed`);
      assert.is(got.table, want.table, `${label}: table ${spec.name} (first values ${got.first} vs Node ${want.first})`);
      assert.is(got.lookup, want.lookup, `${label}: lookup in ${spec.name}`);
    }
  }
  // Worker realms too.
  for (const label of labels) {
    const hashes = pages[label].worker?.hashes;
    if (!hashes) continue;
    for (const spec of SEEDED) assert.is(hashes[spec.name].table, nodeRef.hashes[spec.name].table, `${label} worker: ${spec.name}`);
  }
});

packedSuite("module worker: the same lookup made in a worker equals the main thread's (esbuild, Vite, webpack builds)", () => {
  for (const label of ["esbuild", "Vite", "webpack 5"]) {
    const worker = pages[label]?.worker;
    assert.ok(worker, `${label}: the worker answered`);
    assert.equal(worker.shape, [3, 5, 37], `${label}: worker output shape`);
    assert.ok(worker.equalsMain, `${label}: worker output equals the main thread's`);
    assert.equal(worker.mask, pages[label].lookup.mask, `${label}: worker mask`);
  }
});

packedSuite("init(precompiled WebAssembly.Module) works in a worker where compiling from bytes is forbidden", () => {
  for (const label of ["esbuild", "Vite", "webpack 5"]) {
    const p = pages[label]?.precompiled;
    assert.ok(p, `${label}: the precompiled check ran`);
    assert.ok(p.refusedBeforeInit, `${label}: without init(module), making a layer fails there (so the check is real)`);
    assert.ok(p.initFromBytesRefused, `${label}: init() from the inlined bytes fails there too`);
    assert.ok(p.equalsMain, `${label}: after init(module) the lookup equals the main thread's`);
  }
});

packedSuite("Content-Security-Policy: works with script-src 'self' 'wasm-unsafe-eval'; without it the error names the policy", async () => {
  setupOk();
  assert.ok(served.esbuild, "the esbuild build exists");
  const allowed = await runPage(served.esbuild, "esbuild + CSP", { "content-security-policy": "script-src 'self' 'wasm-unsafe-eval'" });
  assert.equal(allowed.errors, []);
  assert.ok(allowed.lookup.equalsReference && allowed.worker.equalsMain && allowed.precompiled.equalsMain);
  const refused = await runPage(served.esbuild, "esbuild + strict CSP", { "content-security-policy": "script-src 'self'" });
  assert.not.ok(refused.lookup, "no lookup without 'wasm-unsafe-eval'");
  const error = refused.errors.find((e) => e.startsWith("lookup:")) ?? "";
  assert.match(error, /Content Security [Pp]olicy/);
  assert.match(error, /Content-Security-Policy forbids WebAssembly\. Allow it with script-src 'wasm-unsafe-eval'/, "the error says what to change");
});

packedSuite.run();

// ------------------------------------------------------------------------------------------------

const demoSuite = suite("demo page (web/)");
let demoServer;
let demoBrowser;
let demoSession;

let demoSetupError;

demoSuite.before(async () => {
  try {
    demoServer = await startDemoServer();
    demoBrowser = await launchChromium();
    demoSession = await openPage(demoBrowser, demoServer.url, { viewport: { width: 1280, height: 1000 } });
    await demoSession.page.waitForFunction(() => globalThis.__demo?.ready === true, null, { timeout: 30_000 });
  } catch (e) {
    demoSetupError = new Error(`the demo page did not start: ${e.message}\n${demoSession?.log.join("\n") ?? ""}`);
  }
});

demoSuite.after(async () => {
  await demoBrowser?.close();
  await demoServer?.close();
  saveReport();
});

demoSuite("draws the output rows and the mask for the indices in the text box", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page } = demoSession;
  const first = await page.evaluate(() => globalThis.__demo.lookup);
  assert.equal(first.shape, [4, 8, 24]);
  assert.equal(first.maskShape, [4, 8]);
  await page.fill("#indices", "7 0 29\n1 2 0");
  await page.waitForFunction(() => String(globalThis.__demo.lookup?.shape) === "2,3,24");
  const typed = await page.evaluate(() => globalThis.__demo.lookup);
  assert.equal(typed.mask, [1, 0, 1, 1, 1, 0]);
  // The heatmap canvas has the diverging colours in it, not a blank canvas.
  const colours = await page.evaluate(() => {
    const c = document.getElementById("heatmap");
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return seen.size;
  });
  assert.ok(colours > 50, `the heatmap has many colours (${colours})`);
  await page.fill("#indices", "1 2 30");
  await page.waitForFunction(() => globalThis.__demo.lookup?.error);
  assert.is(await page.textContent("#lookupError"), "RangeError: indices[2] = 30 is not in [0, 30)");
  await page.fill("#indices", "3 14 15 9 26 5 0 0\n27 18 28 1 8 0 0 0\n1 1 2 3 5 8 13 21\n29 0 7 0 4 0 2 0");
});

demoSuite("a short benchmark against TF.js (cpu, wasm) draws a bar chart with non-zero bars; screenshot saved", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page, log } = demoSession;
  await page.fill("#benchRows", "5000");
  await page.fill("#benchBatch", "512");
  await page.fill("#benchMs", "120");
  await page.click("#bench");
  await page.waitForFunction(() => globalThis.__demo.bench.done || globalThis.__demo.bench.error, null, { timeout: 90_000, polling: 200 });
  const bench = await page.evaluate(() => globalThis.__demo.bench);
  assert.is(bench.error, null, `benchmark error: ${bench.error}\n${log.join("\n")}`);
  const names = bench.results.map((r) => r.name);
  assert.equal(names, ["embedding-wasm call()", "embedding-wasm callInto()", "embedding-wasm zero-copy", "TF.js cpu (tf.gather)", "TF.js wasm (tf.gather)"]);
  for (const r of bench.results) assert.ok(r.rowsPerSec > 0 && Number.isFinite(r.rowsPerSec), `${r.name}: ${r.rowsPerSec} rows/s`);
  assert.is(bench.bars.length, 5);
  // Each bar is on the canvas: wider than zero and painted in its colour at its middle.
  const painted = await page.evaluate((bars) => {
    const ctx = document.getElementById("chart").getContext("2d");
    return bars.map((b) => {
      const [r, g, bl] = ctx.getImageData(Math.floor(b.x + b.w / 2), Math.floor(b.y + b.h / 2), 1, 1).data;
      return `#${[r, g, bl].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
    });
  }, bench.bars);
  bench.bars.forEach((b, i) => {
    assert.ok(b.w > 0, `${b.name}: bar width ${b.w}`);
    assert.is(painted[i], b.color, `${b.name}: bar painted`);
  });
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  report.screenshot = SCREENSHOT;
  report.demo = bench.results.map((r) => ({ name: r.name, rowsPerSec: Math.round(r.rowsPerSec) }));
});

demoSuite.run();
