// `npm run demo:web`: serves the demo page (web/) on 127.0.0.1 with the built package (dist/) and
// TF.js (node_modules/@tensorflow/) beside it, and prints the URL. `--port N` picks the port
// (default 5173, or any free one with 0). Run `npm run build` first (the npm script does).
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import { serveStatic } from "./serve.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Starts the demo server; resolves to { url (of the page), close() }. */
export async function startDemoServer({ port = 0 } = {}) {
  if (!existsSync(resolve(ROOT, "dist/index.js"))) throw new Error("dist/index.js is missing: run `npm run build` first");
  const server = await serveStatic(ROOT, {
    port,
    allow: ["/web/", "/dist/", "/build/", "/node_modules/@assemblyscript/loader/", "/node_modules/fflate/", "/node_modules/@tensorflow/"],
    redirects: { "/": "/web/", "/web": "/web/" },
  });
  return { ...server, url: `${server.url}web/` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 5173;
  const server = await startDemoServer({ port }).catch((e) => {
    if (e.code === "EADDRINUSE") return startDemoServer({ port: 0 });
    throw e;
  });
  console.log(`embedding-wasm demo: ${server.url}  (Ctrl+C to stop)`);
}
