// Builds a C program of bench/native/ with the machine's `cc -O2` into a temporary directory (never
// into the tree), once per process. Resolves to the executable's path, or to { skipped: why } when
// there is no working compiler, so the caller can report the skip instead of failing the run.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const built = new Map();
let dir;

/** `cc` from $CC, else `cc`: the compiler a C build on this machine would use. */
export const COMPILER = process.env.CC || "cc";

export function buildNative(name) {
  if (!built.has(name)) built.set(name, compile(name));
  return built.get(name);
}

async function compile(name) {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "embedding-wasm-bench-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const source = fileURLToPath(new URL(`./${name}.c`, import.meta.url));
  const exe = join(dir, name);
  try {
    await run(COMPILER, ["-O2", "-o", exe, source]);
  } catch (error) {
    const why = error.code === "ENOENT" ? `no C compiler (${COMPILER} not found)` : `${COMPILER} -O2 failed: ${String(error.stderr || error.message).split("\n")[0]}`;
    return { skipped: why };
  }
  const { stdout } = await run(COMPILER, ["--version"]).catch(() => ({ stdout: COMPILER }));
  return { exe, compiler: `${stdout.split("\n")[0]} -O2` };
}
