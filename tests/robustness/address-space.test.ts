// Thousands of live layers exhaust the process's address space (every WebAssembly memory reserves
// about 10 GiB of it on 64-bit engines) long before they exhaust memory. The error must say so and
// what to do, and dispose() must make room again. Runs in a child process: it uses the address space up.
import { execFile } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("running out of address space: a RangeError that names the cause and dispose(); dispose() makes room", async () => {
  const script = new URL("../support/workers/address-space.ts", import.meta.url).pathname;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", script], { timeout: 120_000, maxBuffer: 1 << 20 }, (error, out, err) => {
      if (error) reject(new Error(`${error.message}\n${err}`));
      else resolve(out);
    });
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
  if (result.name === undefined) {
    // An engine without per-memory reservations (32-bit, or a larger address space) never fails here.
    assert.ok(result.made >= 40_000, "made every layer");
    return;
  }
  assert.is(result.name, "RangeError");
  assert.ok(result.made > 1000, `failed only after ${result.made} layers`);
  assert.match(result.message, /^Could not create a WebAssembly memory of 65536 bytes \(0\.06 MiB\) for a table of 2 × 2: /);
  assert.match(result.message, new RegExp(`${result.liveAtFailure} layers and tables made by embedding-wasm are alive`));
  assert.match(result.message, /reserves about 10 GiB of address space/);
  assert.match(result.message, /Call dispose\(\) on layers you no longer use/);
  assert.ok(result.recovered, "a new layer works after dispose()");
});

test.run();
