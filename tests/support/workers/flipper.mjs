// A worker for tests/robustness/concurrency.test.ts that keeps rewriting shared index data while another
// thread looks it up: every slot flips between a valid index and an invalid one (inputDim or -1)
// until control[0] becomes 1. control[1] counts the sweeps made.
import { workerData } from "node:worker_threads";

const { shared, control, inputDim } = workerData;
const data = new Int32Array(shared);
const flags = new Int32Array(control);
let sweep = 0;
while (Atomics.load(flags, 0) === 0) {
  for (let i = 0; i < data.length; i++) {
    const k = (i * 2654435761 + sweep) >>> 0;
    data[i] = k % 5 === 0 ? (sweep & 1 ? inputDim : -1) : k % inputDim;
  }
  sweep++;
  Atomics.store(flags, 1, sweep);
}
