// Temporary consumer projects for the packed package: `npm pack` → a tarball, extracted into
// <project>/node_modules/embedding-wasm exactly as `npm install <tarball>` lays it out (its
// dependencies are copied from the root node_modules: no network). Each
// project holds the check app (tests/browser/app/) and is built with esbuild, Vite or webpack 5
// at their defaults, run from the root node_modules' binaries.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "../..");
const APP = join(here, "app");
const BIN = {
  esbuild: join(ROOT, "node_modules/esbuild/bin/esbuild"),
  vite: join(ROOT, "node_modules/vite/bin/vite.js"),
  webpack: join(ROOT, "node_modules/webpack-cli/bin/cli.js"),
};

/** Runs a command; resolves to { code, output } (stdout + stderr interleaved). */
export function run(command, args, { cwd, env, timeoutMs = 180_000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs / 1000} s]`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, output });
    });
  });
}

/** `npm pack` of the repo (scripts skipped: the build already ran) into `dir`; returns the tarball path and file list. */
export async function pack(dir) {
  mkdirSync(dir, { recursive: true });
  const { code, output } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT });
  if (code !== 0) throw new Error(`npm pack failed:\n${output}`);
  const json = output.slice(output.indexOf("["));
  const [info] = JSON.parse(json.slice(0, json.lastIndexOf("]") + 1));
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
}

/** A project directory with the tarball installed and the check app under src/. */
export async function makeProject(dir, tarball) {
  const pkgDir = join(dir, "node_modules/embedding-wasm");
  mkdirSync(pkgDir, { recursive: true });
  const { code, output } = await run("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
  if (code !== 0) throw new Error(`extracting ${tarball} failed:\n${output}`);
  // Every runtime dependency the package declares, as `npm install` would add them.
  const { dependencies } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  for (const name of Object.keys(dependencies ?? {})) {
    cpSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name), { recursive: true, dereference: true });
  }
  mkdirSync(join(dir, "src"), { recursive: true });
  for (const f of readdirSync(APP)) cpSync(join(APP, f), join(dir, "src", f));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "embedding-wasm": `file:${tarball}` } }, null, 2),
  );
  return dir;
}

const page = (script, { module = true } = {}) =>
  `<!doctype html>
<html><head><meta charset="utf-8"><title>embedding-wasm check</title><link rel="icon" href="data:,"></head>
<body><pre id="status">running</pre>
<script ${module ? 'type="module" ' : ""}src="${script}"></script>
</body></html>
`;

function fileSizes(dir) {
  const out = {};
  const walk = (d, prefix) => {
    for (const f of readdirSync(d)) {
      const full = join(d, f);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${f}/`);
      else out[prefix + f] = statSync(full).size;
    }
  };
  walk(dir, "");
  return out;
}

/** No bundler: the page imports the installed package through an import map. Serve `dir`. */
export async function prepareNoBundler(dir) {
  const importMap = {
    imports: {
      "embedding-wasm": "./node_modules/embedding-wasm/dist/index.js",
      "@assemblyscript/loader": "./node_modules/@assemblyscript/loader/index.js",
      fflate: "./node_modules/fflate/esm/browser.js",
    },
  };
  writeFileSync(
    join(dir, "index.html"),
    page("./src/main-nobundler.js").replace("<body>", `<script type="importmap">${JSON.stringify(importMap)}</script>\n<body>`),
  );
  return { serveDir: dir, log: "", sizes: {} };
}

/**
 * No bundler, the single-file build (`embedding-wasm/bundle`, dist/embedding-wasm.js): the loader is
 * inside it, so the import map names no dependency (the page's own code still imports the package
 * by name; a page may equally import the file by path).
 */
export async function prepareBundleFile(dir) {
  const importMap = { imports: { "embedding-wasm": "./node_modules/embedding-wasm/dist/embedding-wasm.js" } };
  writeFileSync(
    join(dir, "index.html"),
    page("./src/main-nobundler.js").replace("<body>", `<script type="importmap">${JSON.stringify(importMap)}</script>\n<body>`),
  );
  return { serveDir: dir, log: "", sizes: {} };
}

/** esbuild: `esbuild src/main.js src/worker.js --bundle --format=esm --outdir=dist`. */
export async function buildEsbuild(dir) {
  const args = ["src/main.js", "src/worker.js", "--bundle", "--format=esm", "--outdir=dist"];
  const { code, output } = await run(BIN.esbuild, args, { cwd: dir });
  if (code !== 0) throw new Error(`esbuild ${args.join(" ")} failed:\n${output}`);
  writeFileSync(join(dir, "dist/index.html"), page("./main.js"));
  cpSync(join(dir, "node_modules/embedding-wasm/build/kernel.wasm"), join(dir, "dist/kernel.wasm"));
  return { serveDir: join(dir, "dist"), log: output, command: `esbuild ${args.join(" ")}`, sizes: fileSizes(join(dir, "dist")) };
}

/** Vite: index.html at the root, the .wasm for init() in public/, `vite build` with no config. */
export async function buildVite(dir) {
  writeFileSync(join(dir, "index.html"), page("/src/main.js"));
  mkdirSync(join(dir, "public"), { recursive: true });
  cpSync(join(dir, "node_modules/embedding-wasm/build/kernel.wasm"), join(dir, "public/kernel.wasm"));
  const { code, output } = await run(process.execPath, [BIN.vite, "build", "--logLevel", "warn"], { cwd: dir });
  if (code !== 0) throw new Error(`vite build failed:\n${output}`);
  return { serveDir: join(dir, "dist"), log: output, command: "vite build", sizes: fileSizes(join(dir, "dist")) };
}

/** webpack 5: no config file; the default entry src/index.js, `webpack --mode production`. */
export async function buildWebpack(dir) {
  cpSync(join(dir, "src/main.js"), join(dir, "src/index.js"));
  const { code, output } = await run(process.execPath, [BIN.webpack, "--mode", "production"], { cwd: dir });
  if (code !== 0) throw new Error(`webpack --mode production failed:\n${output}`);
  writeFileSync(join(dir, "dist/index.html"), page("./main.js", { module: false }));
  cpSync(join(dir, "node_modules/embedding-wasm/build/kernel.wasm"), join(dir, "dist/kernel.wasm"));
  return { serveDir: join(dir, "dist"), log: output, command: "webpack --mode production", sizes: fileSizes(join(dir, "dist")) };
}

/** Reads a text file, or "" when missing. */
export const readText = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};
