// `npm run test:browser`: everything that must be proven in a real Chromium (Debian's
// /usr/bin/chromium driven by playwright-core), in two parts, each ending in uvu's own
// "Total:" / "Passed:" lines so that .ci/run counts them with the Node run's:
//   1. the portable uvu suites of tests/ (all but Node-only files and BROWSER_SKIPS), bundled with
//      esbuild and run in a page (tests/browser/suites.mjs);
//   2. the browser checks (tests/browser/checks.mjs, uvu in Node driving Chromium): the `npm pack`
//      tarball with no bundler and through esbuild, Vite and webpack 5; a module worker; EmbeddingPool's Web Workers on a page served with and without COOP/COEP; init()
//      with a precompiled module; Node-vs-Chromium seeded hashes; the demo page's behaviour and layout at
//      desktop and phone widths, with screenshots in web/screenshots/.
// Builds first when build/ or dist/ is missing or older than the sources (`--build` forces it,
// `--no-build` skips it). Exits non-zero if anything failed, did not run, or timed out.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM, launchChromium } from "./chromium.mjs";
import { BROWSER_SKIPS, bundleSuites, classifyTestFiles, runSuitesInBrowser } from "./suites.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, "../..");
const started = performance.now();
const args = new Set(process.argv.slice(2));
const out = (s = "") => process.stdout.write(`${s}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const failures = [];

/** Prints an uvu-style summary for a part that could not produce its own (counted as failed). */
function failedPart(what, why) {
  failures.push(`${what}: ${why}`);
  out(`\n  FAIL ${what}: ${why}`);
  out(`\n  Total:     1\n  Passed:    0\n  Skipped:   0\n`);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIsStale() {
  const outputs = ["build/kernel.wasm", "src/core/kernel-bytes.ts", "dist/index.js"].map((p) => join(ROOT, p));
  if (outputs.some((p) => !existsSync(p))) return "build outputs are missing";
  const oldestOutput = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = ["assembly", "asconfig.json", "tsconfig.json", "tsconfig.build.json"].map((p) => newestMtime(join(ROOT, p)));
  for (const entry of readdirSync(join(ROOT, "src"), { recursive: true })) {
    if (String(entry).endsWith(".ts") && !String(entry).endsWith("kernel-bytes.ts")) sources.push(statSync(join(ROOT, "src", String(entry))).mtimeMs);
  }
  return Math.max(...sources) > oldestOutput ? "sources are newer than dist/" : null;
}

function runNode(script, env) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let text = "";
    child.stdout.on("data", (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("close", (code) => resolvePromise({ code: code ?? 1, text }));
  });
}

// ---------------------------------------------------------------------------------------- build

out(`test:browser: ${CHROMIUM} via playwright-core`);
if (!existsSync(CHROMIUM)) {
  failedPart("Chromium", `${CHROMIUM} is missing (apt-get update && apt-get install -y chromium)`);
  process.exit(1);
}
const stale = args.has("--build") ? "--build" : args.has("--no-build") ? null : buildIsStale();
if (stale) {
  out(`building first (${stale}): npm run build`);
  const code = await new Promise((r) => spawn("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" }).on("close", r));
  if (code !== 0) failures.push(`npm run build exited with ${code}`);
  if (!existsSync(join(ROOT, "dist/index.js"))) {
    failedPart("build", "npm run build produced no dist/index.js");
    process.exit(1);
  }
}

// ------------------------------------------------------------------ part 1: uvu suites in Chromium

const { portable, nodeOnly } = classifyTestFiles();
out(`\n== part 1: ${portable.length} uvu test files in headless Chromium (bundled from tests/ with esbuild)`);
for (const { file, why } of nodeOnly) out(`   stays in Node: tests/${file} (${why})`);
for (const rule of BROWSER_SKIPS) out(`   skipped in the browser: tests/${rule.file} "${rule.test}…" (${rule.why})`);
out("");

const work = mkdtempSync(join(tmpdir(), "embedding-wasm-suites-"));
let part1 = null;
const t1 = performance.now();
try {
  await bundleSuites(portable, work);
  const browser = await launchChromium();
  try {
    part1 = await runSuitesInBrowser(browser, work);
  } finally {
    await browser.close();
  }
} catch (e) {
  failedPart("uvu suites in Chromium", e.stack || e.message);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (part1) {
  const unused = BROWSER_SKIPS.filter((_, i) => !part1.skipHits?.[i]);
  for (const rule of unused) out(`   note: the browser skip for tests/${rule.file} "${rule.test}…" matched no test`);
  if (part1.error) {
    out(`\n  browser error: ${part1.error}`);
    out(part1.log.filter((l) => !l.startsWith("[log]")).join("\n"));
  }
  if (!part1.summary) failedPart("uvu suites in Chromium", part1.error || "uvu printed no summary");
  else if (part1.summary.passed !== part1.summary.total) failures.push(`uvu suites in Chromium: ${part1.summary.total - part1.summary.passed} failed`);
  else if (part1.error) failures.push(`uvu suites in Chromium: ${part1.error.split("\n")[0]}`);
}
const part1Time = performance.now() - t1;

// ----------------------------------------------------------------- part 2: checks driven from Node

out(`\n== part 2: the packed package (no bundler, esbuild, Vite, webpack 5), a module worker, EmbeddingPool (COOP/COEP), init(module), seeded hashes, the demo page\n`);
const reportFile = join(tmpdir(), `embedding-wasm-browser-report-${process.pid}.json`);
const t2 = performance.now();
const part2 = await runNode(join(here, "checks.mjs"), { BROWSER_REPORT: reportFile });
const part2Time = performance.now() - t2;
const total2 = [...part2.text.matchAll(/^\s*Total:\s+(\d+)/gm)].at(-1);
const passed2 = [...part2.text.matchAll(/^\s*Passed:\s+(\d+)/gm)].at(-1);
if (!total2 || !passed2) failedPart("browser checks", `no uvu summary (exit code ${part2.code})`);
else if (passed2[1] !== total2[1]) failures.push(`browser checks: ${Number(total2[1]) - Number(passed2[1])} failed`);
else if (part2.code !== 0) failures.push(`browser checks exited with ${part2.code}`);

// --------------------------------------------------------------------------------------- report

let report = null;
try {
  report = JSON.parse(readFileSync(reportFile, "utf8"));
  rmSync(reportFile, { force: true });
} catch {
  // checks.mjs failed before writing it
}
if (report) {
  out("== bundles (packed tarball " + `${report.tarball?.files} files, ${(report.tarball?.size / 1024).toFixed(1)} KiB)`);
  for (const [key, b] of Object.entries(report.builds)) {
    const js = Object.entries(b.sizes).filter(([f]) => f.endsWith(".js"));
    const bytes = js.reduce((s, [, n]) => s + n, 0);
    const build = report.timings[`build ${key}`];
    const run = report.timings[`run ${key}`];
    out(`   ${b.label.padEnd(24)} ${b.command.padEnd(64)} ${js.length ? `${js.length} JS files, ${(bytes / 1024).toFixed(1)} KiB` : "unbundled dist/"}; build ${seconds(build ?? 0)}, page ${seconds(run ?? 0)}`);
  }
  if (report.demo) out(`   demo benchmark (short run): ${report.demo.map((r) => `${r.name} ${(r.rowsPerSec / 1e6).toFixed(2)} M rows/s`).join("; ")}`);
  if (report.screenshots?.length) out(`   demo screenshots: ${report.screenshots.map((p) => relative(ROOT, p)).join(", ")}`);
}
const s1 = part1?.summary;
out(
  `\ntest:browser: uvu suites in Chromium ${s1 ? `${s1.passed}/${s1.total} passed, ${s1.skipped} skipped` : "did not finish"} (${seconds(part1Time)}); ` +
    `browser checks ${passed2 ? `${passed2[1]}/${total2[1]} passed` : "did not finish"} (${seconds(part2Time)}); total ${seconds(performance.now() - started)}`,
);
if (failures.length) {
  out(`test:browser FAILED:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
