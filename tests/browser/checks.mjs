// Browser checks that need Node to drive Chromium, as uvu suites run in Node (by run.mjs, or
// `node tests/browser/checks.mjs`): the packed package with no bundler and through esbuild, Vite
// and webpack 5; a module worker; init() with a precompiled module where compiling from bytes is
// forbidden; Node-vs-Chromium hashes of seeded tables; and the demo page (its layout at desktop and
// phone widths, with screenshots in web/screenshots/). uvu prints the usual "Total:" / "Passed:"
// lines. A JSON report (builds, sizes, timings) goes to $BROWSER_REPORT. BROWSER_CHECKS=demo runs
// only the demo page's suite (BROWSER_CHECKS=packed the packed package's, BROWSER_CHECKS=pool the
// EmbeddingPool page's, served with and without the COOP/COEP headers SharedArrayBuffer needs).
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
import { canvasProbe, optionFitProbe, overflowProbe, smallestTextProbe } from "./demo-layout.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = join(ROOT, "web/screenshots");
const only = process.env.BROWSER_CHECKS;

const report = { builds: {}, timings: {}, tarball: null, screenshots: [], demo: null };
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

if (!only || only === "packed") packedSuite.run();

// ------------------------------------------------------------------------------------------------

const poolSuite = suite("EmbeddingPool in Chromium");
/** Cross-origin isolation: what a page must be served with for SharedArrayBuffer (docs/browser.md). */
const ISOLATION_HEADERS = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
const POOL_FILES = ["/tests/browser/pool/", "/dist/", "/node_modules/@assemblyscript/loader/", "/node_modules/fflate/"];

async function runPoolPage(headers, page = "") {
  const server = await serveStatic(ROOT, { allow: POOL_FILES, headers });
  const own = await launchChromium();
  const session = await openPage(own, `${server.url}tests/browser/pool/${page}`);
  try {
    await session.page.waitForFunction(() => globalThis.__result !== undefined, null, { timeout: 60_000, polling: 100 });
    const result = await session.page.evaluate(() => globalThis.__result);
    if (session.errors.length) result.errors.push(...session.errors.map((e) => `uncaught: ${e.message}`));
    return result;
  } catch (e) {
    throw new Error(`the pool page did not report a result (${e.message.split("\n")[0]})\n${session.log.join("\n")}`);
  } finally {
    await session.close();
    await own.close();
    await server.close();
  }
}

poolSuite("served with COOP/COEP: two Web Workers over one shared table give the layer's rows bit for bit; errors and training refusals as in Node", async () => {
  const result = await runPoolPage(ISOLATION_HEADERS);
  assert.equal(result.errors, []);
  assert.is(result.crossOriginIsolated, true);
  assert.equal(result.shape, [5000, 37]);
  assert.ok(result.callEqualsReference, "pool.call equals the page's plain gather");
  assert.ok(result.layerEqualsReference, "layer.call equals the page's plain gather");
  assert.ok(result.sharedIntoEqualsReference, "callInto a SharedArrayBuffer (float64 input) equals it");
  assert.is(result.badIndex, result.layerBadIndex, "the pool's error for a bad index is the layer's");
  assert.match(result.badIndex, /^RangeError: .*1000/);
  assert.match(result.stepDuringLookup, /^ValueError: applyGradients\(\) was called .* while 1 EmbeddingPool lookup read its table/);
  assert.match(result.disposed, /this pool has been disposed/);
});

poolSuite("the single-file build (dist/embedding-wasm.js) loads the shared kernel from dist/core/ and the worker from dist/", async () => {
  const result = await runPoolPage(ISOLATION_HEADERS, "bundle.html");
  assert.equal(result.errors, []);
  assert.ok(result.callEqualsReference && result.sharedIntoEqualsReference, "pool lookups equal the page's plain gather");
  assert.is(result.badIndex, result.layerBadIndex);
});

poolSuite("served without COOP/COEP: create() refuses, naming the headers to send", async () => {
  const result = await runPoolPage({});
  assert.equal(result.errors, []);
  assert.is(result.crossOriginIsolated, false);
  assert.match(result.refusal, /crossOriginIsolated is false/);
  assert.match(result.refusal, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(result.refusal, /Cross-Origin-Embedder-Policy: require-corp/);
});

if (!only || only === "pool") poolSuite.run();

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

const WIDTHS = [
  { label: "desktop", width: 1280, height: 1000 },
  { label: "phone", width: 420, height: 900 },
  { label: "phone", width: 375, height: 812 },
];

/** Resizes the demo page's viewport and waits two frames, so the page's ResizeObserver has redrawn. */
async function resizeTo(page, { width, height }) {
  await page.setViewportSize({ width, height });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Asserts nothing sticks out horizontally, every option is readable, and the canvases fill their card. */
async function assertLayout(page, where) {
  const overflow = await page.evaluate(overflowProbe);
  assert.ok(overflow.scrollWidth <= overflow.viewport, `${where}: the page is ${overflow.scrollWidth} px wide in a ${overflow.viewport} px viewport`);
  assert.equal(overflow.outside, [], `${where}: elements outside the viewport`);
  const options = await page.evaluate(optionFitProbe);
  assert.ok(options.checked.includes("RandomUniform (default)"), `${where}: the initializer options were measured`);
  assert.equal(options.cut, [], `${where}: option text cut off`);
  const smallest = await page.evaluate(smallestTextProbe);
  assert.ok(smallest.size >= 12, `${where}: ${smallest.element} uses ${smallest.size} px text`);
  for (const c of await page.evaluate(canvasProbe)) {
    assert.ok(Math.abs(c.cssWidth - c.containerWidth) <= 1, `${where}: #${c.id} is ${c.cssWidth} px wide in a ${c.containerWidth} px card`);
    // Drawn at the device's resolution, not scaled: text drawn at 11-13 px stays that size on screen.
    assert.is(c.backingWidth, Math.round(c.cssWidth * c.dpr), `${where}: #${c.id} backing store width (css ${c.cssWidth} × dpr ${c.dpr})`);
    assert.is(c.backingHeight, Math.round(c.cssHeight * c.dpr), `${where}: #${c.id} backing store height`);
  }
}

async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

demoSuite("before a benchmark: no chart card, nothing overflows and every option is readable at 1280, 420 and 375 px", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page } = demoSession;
  for (const size of WIDTHS) {
    await resizeTo(page, size);
    const where = `${size.width} px, before a benchmark`;
    const chart = await page.evaluate(() => {
      const card = document.getElementById("chartCard");
      return { shown: card.getClientRects().length > 0, height: card.getBoundingClientRect().height, hint: document.getElementById("benchHint").getClientRects().length > 0 };
    });
    assert.not.ok(chart.shown, `${where}: the chart card is not shown (${chart.height} px tall)`);
    assert.ok(chart.hint, `${where}: a one-line hint says what the benchmark will show`);
    await assertLayout(page, where);
    await screenshot(page, `demo-${size.width}-start.png`);
  }
  await resizeTo(page, WIDTHS[0]);
});

demoSuite("a short benchmark against TF.js (cpu, wasm) draws a bar chart with non-zero bars and explains call() against callInto()", async () => {
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
  // Each bar is on the canvas: wider than zero and painted in its colour at its middle (bars are
  // in CSS pixels, the backing store in device pixels).
  const painted = await page.evaluate(({ bars, dpr }) => {
    const ctx = document.getElementById("chart").getContext("2d");
    return bars.map((b) => {
      const [r, g, bl] = ctx.getImageData(Math.floor((b.x + b.w / 2) * dpr), Math.floor((b.y + b.h / 2) * dpr), 1, 1).data;
      return `#${[r, g, bl].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
    });
  }, { bars: bench.bars, dpr: bench.dpr });
  bench.bars.forEach((b, i) => {
    assert.ok(b.w > 0, `${b.name}: bar width ${b.w}`);
    assert.is(painted[i], b.color, `${b.name}: bar painted`);
  });
  // Why call() is slower is written on the chart (the note under its name) and in the list below it.
  assert.match(bench.notes["embedding-wasm call()"], /new Float32Array.*allocation.*zero fill/);
  assert.match(bench.notes["embedding-wasm callInto()"], /reused/);
  assert.match(bench.notes["embedding-wasm zero-copy"], /view/);
  const explain = await page.evaluate(() => ({ text: document.getElementById("benchExplain").innerText, shown: document.getElementById("benchExplain").getClientRects().length > 0 }));
  assert.ok(explain.shown, "the explanation is visible");
  assert.match(explain.text, /call\(\) returns a new Float32Array for every batch \(512 × 64 floats, 128 KiB here\)/);
  assert.match(explain.text, /zeros/);
  assert.match(explain.text, /callInto\(x, out\) writes into an output array allocated once and reused/);
  assert.match(explain.text, /lookupBuffer\(shape\) returns a view of the layer's WebAssembly memory/);
  const table = await page.evaluate(() => [...document.querySelectorAll("#benchDetails tbody tr")].map((tr) => tr.cells[0].textContent));
  assert.equal(table, names, "the results table lists every contender");
  report.demo = bench.results.map((r) => ({ name: r.name, rowsPerSec: Math.round(r.rowsPerSec) }));
});

demoSuite("after a benchmark: the chart fills its card, nothing overflows at 1280, 420 and 375 px; screenshots saved", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page } = demoSession;
  for (const size of WIDTHS) {
    await resizeTo(page, size);
    const where = `${size.width} px, after a benchmark`;
    await assertLayout(page, where);
    const chart = await page.evaluate(() => ({ width: document.getElementById("chart").getBoundingClientRect().width, bars: globalThis.__demo.bench.bars }));
    // Not a thumbnail: on a phone the chart spans the screen less the margins; on a desktop, its column.
    const least = size.width < 760 ? size.width - 60 : 600;
    assert.ok(chart.width >= least, `${where}: the chart is ${chart.width} px wide (at least ${least} expected)`);
    assert.is(chart.bars.length, 5, `${where}: redrawn with every bar`);
    for (const b of chart.bars) assert.ok(b.x >= 0 && b.x + b.w <= chart.width, `${where}: ${b.name} bar inside the chart`);
    await screenshot(page, `demo-${size.width}.png`);
  }
  await resizeTo(page, WIDTHS[0]);
});

demoSuite("on a phone with devicePixelRatio 3, canvases are drawn at 3 device pixels per CSS pixel", async () => {
  if (demoSetupError) throw demoSetupError;
  const phone = await openPage(demoBrowser, demoServer.url, { viewport: { width: 375, height: 812 }, deviceScaleFactor: 3 });
  try {
    await phone.page.waitForFunction(() => globalThis.__demo?.ready === true, null, { timeout: 30_000 });
    const canvases = await phone.page.evaluate(canvasProbe);
    assert.equal(canvases.map((c) => c.id), ["heatmap"], "only the heatmap before a benchmark");
    assert.is(canvases[0].dpr, 3);
    await assertLayout(phone.page, "375 px at dpr 3");
    await screenshot(phone.page, "demo-375-dpr3.png");
  } finally {
    await phone.close();
  }
});

/** Sets the layer form's fields at once and fires one change, so a single layer is created. */
async function makeLayerFrom(page, fields) {
  await page.evaluate((values) => {
    for (const [id, value] of Object.entries(values)) document.getElementById(id).value = value;
    document.getElementById("initializer").dispatchEvent(new Event("change"));
  }, fields);
}

demoSuite("Embedding.create: the progress bar climbs to 100% while the page keeps painting, then the new layer is used", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page } = demoSession;
  await makeLayerFrom(page, { inputDim: "20000", outputDim: "256", initializer: "Orthogonal" });
  await page.waitForFunction(() => globalThis.__demo.create?.what === "20000 × 256 Orthogonal" && !globalThis.__demo.create.running, null, { timeout: 120_000, polling: 100 });
  const create = await page.evaluate(() => ({ ...globalThis.__demo.create, bar: document.getElementById("createProgress").value, rowShown: document.getElementById("createRow").getClientRects().length > 0 }));
  assert.is(create.status, "done", `creation ${create.status} ${create.error ?? ""}`);
  assert.ok(create.calls > 1, `onProgress was called ${create.calls} times`);
  assert.ok(create.monotone, "the fraction never decreased");
  assert.is(create.last, 1, "the last fraction is 1");
  assert.is(create.bar, 1, "the bar shows 100%");
  assert.not.ok(create.rowShown, "the bar is put away once the layer is made");
  // Frames were painted while the table filled, showing the bar part-way: the page did not freeze.
  const midway = create.painted.filter((f) => f > 0 && f < 1);
  assert.ok(midway.length >= 2, `frames painted mid-creation: ${midway.length} (${create.painted.length} frames in all)`);
  assert.match(await page.textContent("#layerInfo"), /20000 × 256 table, 5,120,000 weights/);
  assert.is(await page.inputValue("#preset"), "custom", "the size menu says the size was typed in");
  await page.fill("#indices", "19999 0 7");
  await page.waitForFunction(() => String(globalThis.__demo.lookup?.shape) === "3,256");
});

demoSuite("Cancel during a 100000 × 512 Orthogonal creation: AbortError, the bar goes away, the previous layer keeps working", async () => {
  if (demoSetupError) throw demoSetupError;
  const { page } = demoSession;
  await page.selectOption("#preset", "100000x512");
  await page.waitForFunction(() => globalThis.__demo.create?.what === "100000 × 512 Orthogonal" && globalThis.__demo.create.last >= 0.01, null, { timeout: 120_000, polling: 50 });
  const during = await page.evaluate(() => ({ rowShown: document.getElementById("createRow").getClientRects().length > 0, status: document.getElementById("createStatus").textContent }));
  assert.ok(during.rowShown, "the progress bar and Cancel are shown");
  assert.match(during.status, /creating 100000 × 512 Orthogonal/);
  await screenshot(page, "demo-1280-creating.png");
  await page.click("#createCancel");
  await page.waitForFunction(() => !globalThis.__demo.create.running, null, { timeout: 30_000, polling: 50 });
  const after = await page.evaluate(() => ({
    ...globalThis.__demo.create,
    rowShown: document.getElementById("createRow").getClientRects().length > 0,
    statusLine: document.getElementById("createStatus").textContent,
    form: ["preset", "inputDim", "outputDim", "initializer"].map((id) => document.getElementById(id).value),
  }));
  assert.is(after.status, "aborted");
  assert.ok(after.last > 0 && after.last < 1, `cancelled part-way (at ${after.last})`);
  assert.ok(after.painted.some((f) => f > 0 && f < 1), "frames were painted while it ran");
  assert.not.ok(after.rowShown, "the progress bar is put away");
  assert.match(after.statusLine, /cancelled 100000 × 512 Orthogonal; still using the 20000 × 256 Orthogonal layer/);
  assert.equal(after.form, ["custom", "20000", "256", "Orthogonal"], "the form shows the layer in use again");
  assert.match(await page.textContent("#layerInfo"), /20000 × 256 table/);
  await page.fill("#indices", "5 19998");
  await page.waitForFunction(() => String(globalThis.__demo.lookup?.shape) === "2,256");
  assert.is(await page.textContent("#lookupError"), "", "the previous layer still looks up");
});

if (!only || only === "demo") demoSuite.run();
