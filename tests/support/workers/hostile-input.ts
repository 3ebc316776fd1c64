// Runs one hostile input through a layer in a child process (a crash or a hang here must not take
// the test runner down) and prints the outcome as one JSON line:
//   { outcome: "result", shape } | { outcome: "error", name, message }
// Usage: node --import tsx tests/support/workers/hostile-input.ts <scenario>
import { Embedding } from "../../../src/index.ts";

type Scenario = (layer: Embedding) => unknown;

const cyclic = (): unknown[] => {
  const a: unknown[] = [1];
  a[0] = a;
  return a;
};

const SCENARIOS: Record<string, Scenario> = {
  /** An array that contains itself as its first element: its "shape" never ends. */
  "cyclic call": (layer) => layer.call(cyclic() as never).shape,
  "cyclic computeMask": (layer) => layer.computeMask(cyclic() as never)?.shape,
  "cyclic callInto": (layer) => layer.callInto(cyclic() as never, new Float32Array(4)).shape,
  /** A cycle two levels down: x[0][0] is x. */
  "cyclic depth 2": (layer) => {
    const a: unknown[] = [[1, 2]];
    (a[0] as unknown[])[0] = a;
    return layer.call(a as never).shape;
  },
};

const name = process.argv[2] ?? "";
const scenario = SCENARIOS[name];
if (scenario === undefined) {
  console.error(`unknown scenario ${JSON.stringify(name)}; one of ${Object.keys(SCENARIOS).join(", ")}`);
  process.exit(2);
}
const layer = new Embedding({ inputDim: 5, outputDim: 4, maskZero: true });
try {
  const shape = scenario(layer);
  console.log(JSON.stringify({ outcome: "result", shape }));
} catch (e) {
  console.log(JSON.stringify({ outcome: "error", name: (e as Error).name, message: (e as Error).message }));
}
