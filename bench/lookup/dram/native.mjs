// The native gather (bench/native/gather.c) as a side of the alternating rounds: one process holding
// the table and the index sets, told over stdin how many gathers to run next, answering with the
// seconds they took. It runs only while the Node side waits for its answer, so the two never
// compete for the cores or the memory bus.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { buildNative } from "../../native/build.mjs";

/**
 * Starts the gather for a DRAM workload's shape. Resolves to { side, hash, compiler, close() }
 * (`hash` is that of its output for index set 0), or to { skipped: why } without a compiler.
 */
export async function startNativeGather(shape) {
  const built = await buildNative("gather");
  if (built.skipped) return built;
  const child = spawn(built.exe, [shape.rows, shape.dim, shape.n, shape.sets].map(String), { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(`native gather exited with ${signal ?? `code ${code}`}`)));
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(await exited);
    return value;
  };
  const ready = await nextLine();
  const hash = Number(/^ready (\d+)$/.exec(ready)?.[1]);
  return {
    compiler: built.compiler,
    hash,
    side: {
      name: "native C gather",
      async run(calls) {
        child.stdin.write(`run ${calls}\n`);
        return Number((await nextLine()).split(" ")[0]);
      },
    },
    close() {
      child.stdin.end("quit\n");
      return exited;
    },
  };
}
