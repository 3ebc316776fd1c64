// Launches Debian's Chromium (/usr/bin/chromium, `apt-get install -y chromium`) through
// playwright-core: headless, no sandbox (CI runs as root), no GPU, and no background traffic.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens `url` in a new page, collecting console messages and page errors. Returns the page and
 * a `log` array of strings ("[type] text"). `onConsole(msg)` sees every console message first;
 * `deviceScaleFactor` sets window.devicePixelRatio (2 or 3 on most phones).
 */
export async function openPage(browser, url, { onConsole, viewport = { width: 1280, height: 900 }, deviceScaleFactor = 1 } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor });
  const page = await context.newPage();
  const log = [];
  const errors = [];
  page.on("console", (msg) => {
    onConsole?.(msg);
    log.push(`[${msg.type()}] ${msg.text()}`);
  });
  page.on("pageerror", (err) => {
    errors.push(err);
    log.push(`[pageerror] ${err.stack || err.message}`);
  });
  // Workers' uncaught errors surface on the worker object.
  page.on("worker", (worker) => {
    worker.on("console", (msg) => log.push(`[worker ${msg.type()}] ${msg.text()}`));
  });
  if (url) await page.goto(url);
  return { page, context, log, errors, close: () => context.close() };
}
