// EmbeddingBag against our own lookup + a JS sum, and against TF.js wasm gather + sum, on bags of
// 32 (and 8, 128) over a 100,000-row table. Checks the three agree before timing.
// Run: npm run build && node bench/kernels/bag.mjs
import { Embedding, EmbeddingBag } from "../../dist/index.js";
import { fmt, interleaved, randomFloats, randomIndices, tfjsWasm } from "./kernel-timing.mjs";

const ROWS = 100_000;
const tf = await tfjsWasm();
console.log("bags (mode sum)  |  EmbeddingBag  |  lookup + JS sum  |  tf.gather + tf.sum (wasm)  |  speed-up vs lookup+sum  |  vs TF.js");
for (const [dim, bags, size] of [[64, 512, 32], [128, 512, 32], [300, 256, 32], [64, 128, 128], [64, 2048, 8]]) {
  const table = randomFloats(ROWS * dim, dim);
  const weights = [{ data: table, shape: [ROWS, dim] }];
  const bag = new EmbeddingBag({ inputDim: ROWS, outputDim: dim, mode: "sum", weights });
  const layer = new Embedding({ inputDim: ROWS, outputDim: dim, weights });
  const idx = randomIndices(bags * size, ROWS, bags + dim);
  const input = { data: idx, shape: [bags, size] };
  const lookupSum = () => {
    const rows = layer.call(input).data;
    const out = new Float32Array(bags * dim);
    for (let b = 0; b < bags; b++) {
      const o = b * dim;
      for (let i = 0; i < size; i++) {
        const r = (b * size + i) * dim;
        for (let d = 0; d < dim; d++) out[o + d] += rows[r + d];
      }
    }
    return out;
  };
  const tTable = tf.tensor2d(table, [ROWS, dim]);
  const tIdx = tf.tensor1d(idx, "int32");
  const tfBag = () => tf.tidy(() => tf.sum(tf.reshape(tf.gather(tTable, tIdx), [bags, size, dim]), 1).dataSync());
  const ours = bag.call(input).data;
  const viaLookup = lookupSum();
  const viaTf = tfBag();
  for (let i = 0; i < ours.length; i++) {
    if (Math.abs(ours[i] - viaLookup[i]) > 1e-4 || Math.abs(ours[i] - viaTf[i]) > 1e-4) throw new Error(`bench check failed at ${i}: ${ours[i]} ${viaLookup[i]} ${viaTf[i]}`);
  }
  const [a, b, c] = interleaved([() => bag.call(input), lookupSum, tfBag]);
  console.log(`${ROWS}x${dim}, ${bags} bags of ${size}  |  ${fmt(a)}  |  ${fmt(b)}  |  ${fmt(c)}  |  ${(b / a).toFixed(2)}x  |  ${(c / a).toFixed(2)}x`);
  tTable.dispose();
  tIdx.dispose();
  bag.dispose();
  layer.dispose();
}
