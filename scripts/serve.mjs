// A tiny static file server for the browser tests and the demo page: node:http on 127.0.0.1
// only (loopback, never another interface), an ephemeral port by default, .wasm served as
// application/wasm so streaming compilation works. Used by tests/browser/ and scripts/demo-web.mjs.
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";

export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves files under `root`. `allow` (optional) lists URL path prefixes that may be served (e.g.
 * ["/web/", "/dist/"]); anything else is 404. `redirects` maps exact paths to locations.
 * Resolves to { server, url, close() } once listening; `url` ends with "/".
 */
export function serveStatic(root, { port = 0, allow, redirects = {}, headers = {}, quiet = true } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    if (redirects[path]) {
      res.writeHead(302, { location: redirects[path] }).end();
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    if (allow && !allow.some((prefix) => path.startsWith(prefix) || path === prefix.replace(/\/$/, ""))) {
      res.writeHead(404).end("not found");
      return;
    }
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    let stat;
    try {
      stat = statSync(file);
    } catch {
      stat = undefined;
    }
    if (!stat || !stat.isFile()) {
      if (!quiet) console.log(`404 ${path}`);
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-length": stat.size,
      "cache-control": "no-store",
      ...headers,
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      resolvePromise({
        server,
        url: `http://127.0.0.1:${actual}/`,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}
