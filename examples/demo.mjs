// The README's demo: the seed example (Embedding(1000, 64, inputLength 10) on a (32, 10) batch),
// a masked batch, and the lookup rate on this machine.
import { Embedding, RandomUniform } from "embedding-wasm";

const layer = new Embedding({
  inputDim: 1000,
  outputDim: 64,
  inputLength: 10,
  maskZero: true,
  embeddingsInitializer: new RandomUniform({ seed: 42 }),
});

// A (32, 10) batch of token ids, zero-padded at the end of each sequence.
const batch = Array.from({ length: 32 }, (_, b) =>
  Array.from({ length: 10 }, (_, t) => (t < 10 - (b % 4) ? 1 + ((b * 31 + t * 17) % 999) : 0)),
);

const out = layer.call(batch);
console.log(`Embedding(inputDim=1000, outputDim=64, inputLength=10), ${layer.countParams()} weights`);
console.log(`input shape  [${[batch.length, batch[0].length].join(", ")}]`);
console.log(`output shape [${out.shape.join(", ")}]  (${out.data.length} float32 values)`);
const first = Array.from(out.data.subarray(0, 4), (v) => v.toFixed(5)).join(", ");
console.log(`output[0,0,:4] = [${first}]  (row ${batch[0][0]} of the table; default init U[-0.05, 0.05))`);

const mask = layer.computeMask(batch.slice(0, 4));
console.log("\nmask of the first 4 sequences (maskZero: true, 0 = padding):");
for (let b = 0; b < 4; b++) {
  console.log(`  [${batch[b].map((v) => String(v).padStart(3)).join(" ")}]  ->  ${Array.from(mask.data.subarray(b * 10, b * 10 + 10)).join("")}`);
}

try {
  layer.call([[5, 7, 1000, 0, 0, 0, 0, 0, 0, 0]]);
} catch (e) {
  console.log(`\nbad index: ${e.name}: ${e.message}`);
}

// Lookup rate: the zero-copy path (indices written into WASM memory, output read in place) and
// call() (fresh copy), on the seed example's batch.
const flat = Int32Array.from(batch.flat());
const idx = layer.indexBuffer(flat.length);
function rate(fn) {
  for (let i = 0; i < 2000; i++) fn();
  const runs = 20000;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const seconds = (performance.now() - t0) / 1000;
  return { perCall: (seconds / runs) * 1e6, rows: (runs * flat.length) / seconds };
}
const zc = rate(() => {
  idx.set(flat);
  layer.lookupBuffer([32, 10]);
});
const copy = rate(() => layer.call({ data: flat, shape: [32, 10] }));
console.log("\nlookup rate, (32, 10) batch of 64-float rows:");
console.log(`  zero-copy path: ${zc.perCall.toFixed(2)} µs per batch, ${(zc.rows / 1e6).toFixed(1)} M rows/s`);
console.log(`  call():         ${copy.perCall.toFixed(2)} µs per batch, ${(copy.rows / 1e6).toFixed(1)} M rows/s`);
