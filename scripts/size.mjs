// `npm run size`: what the package costs a web page. Measures the WASM kernel (build/kernel.wasm)
// and the published entry bundled for browsers (esbuild --bundle --minify of dist/index.js, with its
// dependency @assemblyscript/loader and the kernel inlined as base64), raw and gzipped, plus the npm
// tarball. `--readme` rewrites the table between the size markers in README.md ("In the browser").
// Run after `npm run build`.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;

for (const f of ["build/kernel.wasm", "dist/index.js"]) {
  if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
}

const wasm = readFileSync(join(ROOT, "build/kernel.wasm"));

async function bundle({ withoutKernel = false } = {}) {
  const plugins = withoutKernel
    ? [{
        name: "no-kernel",
        setup(build) {
          build.onLoad({ filter: /kernel-bytes\.js$/ }, () => ({ contents: 'export const KERNEL_WASM_BASE64 = "";', loader: "js" }));
        },
      }]
    : [];
  // EmbeddingPool's shared-memory kernel is imported on first use only: like h5wasm, a page pays for
  // it when it makes a pool (the single-file build leaves it in dist/core/ too).
  plugins.push({
    name: "shared-kernel-on-demand",
    setup(build) {
      build.onResolve({ filter: /shared-kernel-bytes\.js$/ }, () => ({ path: "./core/shared-kernel-bytes.js", external: true }));
    },
  });
  const result = await esbuild.build({
    entryPoints: [join(ROOT, "dist/index.js")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    // h5wasm (4 MB) is imported only by the Keras file readers, on first use; bundlers that split
    // code fetch it then, so it is not part of what a page pays for lookups.
    external: ["h5wasm"],
    plugins,
    logLevel: "error",
  });
  return Buffer.from(result.outputFiles[0].contents);
}

const js = await bundle();
const jsNoKernel = await bundle({ withoutKernel: true });
const packJson = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const [tarball] = JSON.parse(packJson.slice(packJson.indexOf("[")));

const rows = [
  ["WASM kernel (build/kernel.wasm)", wasm.length, gz(wasm)],
  ["JS entry, bundled + minified (esbuild), kernel inlined as base64", js.length, gz(js)],
  ["… of which JS without the inlined kernel", jsNoKernel.length, gz(jsNoKernel)],
];
const table = [
  "| what | bytes | gzipped |",
  "| --- | ---: | ---: |",
  ...rows.map(([what, raw, zipped]) => `| ${what} | ${raw.toLocaleString("en-US")} (${kb(raw)}) | ${zipped.toLocaleString("en-US")} (${kb(zipped)}) |`),
  `| npm tarball (\`npm pack\`: dist/ with .d.ts, build/kernel.wasm, README) | ${tarball.size.toLocaleString("en-US")} (${kb(tarball.size)}) | (is gzip) |`,
].join("\n");

console.log(table);

if (process.argv.includes("--readme")) {
  const readmePath = join(ROOT, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const start = "<!-- size:start (npm run size -- --readme) -->";
  const end = "<!-- size:end -->";
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} block`);
  writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${table}\n${readme.slice(j)}`);
  console.log("README.md updated");
}
