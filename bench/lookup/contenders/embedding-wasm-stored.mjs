// This package's zero-copy lookup on tables stored other than as float32: int8 and int4
// (quantize()), float16 / bfloat16 (dtype), and LoRA (rank 8) on a float32 table, beside the same
// steps on a float32 table. Each output is
// float32 of the same size as the float32 lookup's, so GB/s compare directly with "zero-copy".
// The correctness check compares with a plain-JS dequantization of the layer's own variables.
import { since } from "../../shared/clock.mjs";

let Embedding;
async function load() {
  if (Embedding === undefined) ({ Embedding } = await import("embedding-wasm"));
  return Embedding;
}

const f = Math.fround;
const f16 = (h) => {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  return e === 0x1f ? (m ? NaN : s * Infinity) : e === 0 ? s * m * 2 ** -24 : s * (1024 + m) * 2 ** (e - 25);
};
const bf16 = (h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0];
const nibble = (packed, width, r, j) => (((j & 1 ? packed[r * width + (j >> 1)] >> 4 : packed[r * width + (j >> 1)]) & 15) << 28) >> 28;

/** Row r, column j of the table as the lookup must read it, from getWeights() in plain JS. */
function reader(kind, weights, dim) {
  const [w0, w1, w2] = weights.map((w) => w.data);
  switch (kind) {
    case "float32": return (r, j) => weights[0].data[r * dim + j];
    case "int8": return (r, j) => f(w0[r * dim + j] * f(1 / w1[r]));
    case "int4/-1": return (r, j) => f(nibble(w0, (dim + 1) >> 1, r, j) * f(1 / w1[r]));
    case "int4/128": {
      const groups = Math.ceil(dim / 128);
      return (r, j) => f((nibble(w0, (dim + 1) >> 1, r, j) - w2[r * groups + (j >> 7)]) * w1[r * groups + (j >> 7)]);
    }
    case "float16": return (r, j) => f16(w0[r * dim + j]);
    case "bfloat16": return (r, j) => bf16(w0[r * dim + j]);
    case "lora8": {
      const a = w1, b = w2, rank = 8;
      return (r, j) => {
        let p = f(a[r * rank] * b[j]);
        for (let k = 1; k < rank; k++) p = f(p + f(a[r * rank + k] * b[k * dim + j]));
        return f(w0[r * dim + j] + f(1 * p));
      };
    }
  }
}

function storedContender(kind) {
  const layers = new Map();
  async function layerFor(data) {
    if (!layers.has(data)) {
      const Layer = await load();
      const start = performance.now();
      const options = { inputDim: data.rows, outputDim: data.dim, weights: [{ data: data.table, shape: [data.rows, data.dim] }] };
      if (kind === "float16" || kind === "bfloat16") options.dtype = kind;
      const layer = new Layer(options);
      if (kind === "int8") layer.quantize("int8");
      if (kind.startsWith("int4")) layer.quantize("int4", { blockSize: kind === "int4/-1" ? -1 : 128 });
      if (kind === "lora8") {
        layer.enableLora(8);
        const [table, a] = layer.getWeights();
        const b = Float32Array.from({ length: 8 * data.dim }, (_, i) => ((i % 13) - 6) / 64);
        layer.setWeights([table, a, { data: b, shape: [8, data.dim] }]);
      }
      layers.set(data, { layer, setup: since(start) });
    }
    return layers.get(data);
  }
  return {
    name: `zero-copy ${kind}`,
    group: "ours",
    expected(data) {
      // Made from a separate layer built the same way (LoRA's A is random: reuse the measured layer's variables).
      const { layer } = layers.get(data);
      const read = reader(kind, layer.getWeights(), data.dim);
      const out = new Float32Array(data.n * data.dim);
      for (let i = 0; i < data.n; i++) for (let j = 0; j < data.dim; j++) out[i * data.dim + j] = read(data.indices[i], j);
      return out;
    },
    async prepare(data) {
      const { layer, setup } = await layerFor(data);
      let last;
      return {
        setup: { [`new Embedding + ${kind}`]: setup },
        step: () => {
          layer.indexBuffer(data.n).set(data.indices);
          last = layer.lookupBuffer(data.shape);
        },
        output: () => last,
        dispose: () => {
          layers.delete(data);
          layer.dispose();
        },
      };
    },
  };
}

// "float32" is the baseline the others are compared with, measured with the same steps.
export const storedContenders = ["float32", "int8", "int4/-1", "int4/128", "float16", "bfloat16", "lora8"].map(storedContender);
