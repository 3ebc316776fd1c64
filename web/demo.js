// The demo page: make a layer, look up typed or pasted indices, draw the output rows as a heatmap
// beside the mask, and benchmark lookups against TF.js (cpu and wasm backends, loaded from the
// served node_modules) as a bar chart. State for tests is kept in globalThis.__demo.
import { Embedding } from "embedding-wasm";

const $ = (id) => document.getElementById(id);
const demo = (globalThis.__demo = { ready: false, lookup: null, bench: { running: false, done: false, results: [], bars: [] } });

// ---------------------------------------------------------------- layer and lookup

let layer;

function makeLayer() {
  layer?.dispose();
  layer = undefined;
  const seed = Number($("seed").value);
  layer = new Embedding({
    inputDim: Number($("inputDim").value),
    outputDim: Number($("outputDim").value),
    maskZero: $("maskZero").checked,
    embeddingsInitializer: { className: $("initializer").value, config: { seed } },
  });
  $("layerInfo").textContent =
    `${layer.name}: ${layer.inputDim} × ${layer.outputDim} table, ${layer.countParams().toLocaleString()} weights\n` +
    `WebAssembly memory ${(layer.memoryBytes / 1024).toFixed(0)} KiB`;
}

/** Lines of numbers → a rank-1 array (one line) or a nested array (one row per line). */
function parseIndices(text) {
  const lines = text
    .split("\n")
    .map((line) => line.replace(/[[\]]/g, " ").trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(/[\s,]+/).filter(Boolean).map(Number));
  if (lines.length === 0) throw new Error("Type some indices, e.g. 3 14 15 9");
  return lines.length === 1 ? lines[0] : lines;
}

function lookup() {
  $("lookupError").textContent = "";
  try {
    if (!layer) makeLayer();
    const x = parseIndices($("indices").value);
    const y = layer.call(x);
    const mask = layer.computeMask(x);
    const flat = Array.isArray(x[0]) ? x.flat() : x;
    drawHeatmap(y, mask, flat);
    demo.lookup = { shape: y.shape, maskShape: mask?.shape ?? null, mask: mask ? Array.from(mask.data) : null, first: Array.from(y.data.subarray(0, 4)) };
  } catch (e) {
    $("lookupError").textContent = `${e.name}: ${e.message}`;
    demo.lookup = { error: `${e.name}: ${e.message}` };
  }
}

function relayout() {
  $("lookupError").textContent = "";
  try {
    makeLayer();
    lookup();
  } catch (e) {
    $("lookupError").textContent = `${e.name}: ${e.message}`;
  }
}

// ---------------------------------------------------------------- heatmap

const MAX_ROWS = 256;
let heat = null; // what the hover readout needs

/** Diverging blue–white–red colour for t in [-1, 1]. */
function diverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  const lo = [33, 102, 172];
  const hi = [178, 24, 43];
  const end = c < 0 ? lo : hi;
  const a = Math.abs(c);
  return `rgb(${Math.round(255 + (end[0] - 255) * a)},${Math.round(255 + (end[1] - 255) * a)},${Math.round(255 + (end[2] - 255) * a)})`;
}

function positionLabel(p, shape) {
  const dims = shape.slice(0, -1);
  const coords = [];
  let rest = p;
  for (let i = dims.length - 1; i >= 0; i--) {
    coords.unshift(rest % dims[i]);
    rest = Math.floor(rest / dims[i]);
  }
  return coords.length ? `[${coords.join(",")}]` : "[]";
}

function drawHeatmap(y, mask, indices) {
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const dim = y.shape.at(-1);
  const positions = Math.min(y.data.length / dim, MAX_ROWS);
  const labelW = 104;
  const maskW = mask ? 40 : 0;
  const left = labelW + maskW;
  const width = canvas.width;
  const cellW = Math.max(1, Math.min(28, Math.floor((width - left - 10) / dim)));
  const cellH = Math.max(3, Math.min(22, Math.floor(420 / positions)));
  const top = 22;
  const legendH = 34;
  canvas.height = top + positions * cellH + legendH;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);

  let maxAbs = 0;
  for (let i = 0; i < positions * dim; i++) maxAbs = Math.max(maxAbs, Math.abs(y.data[i]));
  const scale = maxAbs || 1;

  ctx.font = "11px ui-monospace, monospace";
  ctx.fillStyle = "#4b5563";
  ctx.textBaseline = "middle";
  ctx.fillText("pos · index", 4, top / 2);
  if (mask) ctx.fillText("mask", labelW + 2, top / 2);
  ctx.fillText(`dim 0 … ${dim - 1}`, left, top / 2);

  for (let p = 0; p < positions; p++) {
    const yPix = top + p * cellH;
    const keep = mask ? mask.data[p] === 1 : true;
    // Every row is labelled when rows are tall enough, otherwise every `step`-th row.
    const step = Math.ceil(11 / cellH);
    if (p % step === 0) {
      ctx.fillStyle = keep ? "#1d232b" : "#9aa3ad";
      ctx.fillText(`${positionLabel(p, y.shape)} ${indices[p]}`, 4, yPix + cellH / 2);
    }
    if (mask) {
      ctx.fillStyle = keep ? "#1a7f37" : "#d0d5dc";
      ctx.fillRect(labelW + 4, yPix + 1, maskW - 12, cellH - 2);
      if (cellH >= 11) {
        ctx.fillStyle = keep ? "#fff" : "#6b7280";
        ctx.fillText(keep ? "1" : "0", labelW + 4 + (maskW - 12) / 2 - 3, yPix + cellH / 2);
      }
    }
    for (let d = 0; d < dim; d++) {
      ctx.fillStyle = diverging(y.data[p * dim + d] / scale);
      ctx.fillRect(left + d * cellW, yPix, cellW, cellH);
    }
    if (!keep) {
      // Masked positions are still looked up (row 0 is an ordinary row): shade them, do not hide them.
      ctx.fillStyle = "rgba(255,255,255,0.55)";
      ctx.fillRect(left, yPix, dim * cellW, cellH);
    }
  }
  // Legend.
  const ly = top + positions * cellH + 10;
  const lw = 180;
  for (let i = 0; i < lw; i++) {
    ctx.fillStyle = diverging((i / (lw - 1)) * 2 - 1);
    ctx.fillRect(left + i, ly, 1, 10);
  }
  ctx.fillStyle = "#4b5563";
  ctx.fillText(`-${scale.toPrecision(3)}`, left, ly + 20);
  ctx.fillText("0", left + lw / 2 - 3, ly + 20);
  ctx.fillText(`+${scale.toPrecision(3)}`, left + lw - 40, ly + 20);
  const total = y.data.length / dim;
  ctx.fillText(
    (mask ? "shaded rows are masked (index 0 = padding)" : "maskZero is off: computeMask returns null") +
      (total > positions ? `; first ${positions} of ${total} positions shown` : ""),
    left + lw + 24,
    ly + 5,
  );

  $("outShape").textContent = `shape [${y.shape.join(", ")}]` + (mask ? `, mask [${mask.shape.join(", ")}]` : "");
  heat = { y, mask, indices, dim, positions, left, top, cellW, cellH };
}

$("heatmap").addEventListener("mousemove", (event) => {
  if (!heat) return;
  const rect = event.currentTarget.getBoundingClientRect();
  const sx = event.currentTarget.width / rect.width;
  const x = (event.clientX - rect.left) * sx;
  const yy = (event.clientY - rect.top) * sx;
  const p = Math.floor((yy - heat.top) / heat.cellH);
  const d = Math.floor((x - heat.left) / heat.cellW);
  if (p < 0 || p >= heat.positions || d < 0 || d >= heat.dim) {
    $("hover").textContent = "";
    return;
  }
  const m = heat.mask ? `, mask ${heat.mask.data[p]}` : "";
  $("hover").textContent = `position ${positionLabel(p, heat.y.shape)}: index ${heat.indices[p]}${m}; output[…, ${d}] = ${heat.y.data[p * heat.dim + d]}`;
});

// ---------------------------------------------------------------- benchmark

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(script);
  });
}

const TFJS = new URL("../node_modules/@tensorflow/tfjs/dist/tf.min.js", import.meta.url).href;
const TFJS_WASM = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js", import.meta.url).href;
const TFJS_WASM_DIR = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href;

async function loadTf() {
  if (!globalThis.tf) await loadScript(TFJS);
  if (!globalThis.tf.wasm) {
    await loadScript(TFJS_WASM);
    globalThis.tf.wasm.setWasmPaths(TFJS_WASM_DIR);
  }
  return globalThis.tf;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** Rows looked up per second: `fn` (one batch) repeated for `ms` after a short warm-up. */
function measure(fn, batch, ms) {
  for (let i = 0; i < 3; i++) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    fn();
    calls++;
    now = performance.now();
  } while (now - start < ms);
  const seconds = (now - start) / 1000;
  return { rowsPerSec: (calls * batch) / seconds, calls, ms: now - start, usPerCall: (seconds / calls) * 1e6 };
}

const COLORS = { "embedding-wasm call()": "#2f6fd0", "embedding-wasm callInto()": "#2459b8", "embedding-wasm zero-copy": "#174ea6", "TF.js cpu (tf.gather)": "#e8710a", "TF.js wasm (tf.gather)": "#b06000" };

async function runBenchmark() {
  const rows = Number($("benchRows").value);
  const dim = Number($("benchDim").value);
  const batch = Number($("benchBatch").value);
  const ms = Number($("benchMs").value);
  const status = (text) => ($("benchStatus").textContent = text);
  $("benchError").textContent = "";
  $("bench").disabled = true;
  Object.assign(demo.bench, { running: true, done: false, results: [], bars: [], error: null });
  const results = [];
  try {
    const bl = new Embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: { className: "RandomUniform", config: { seed: 1 } } });
    const table = bl.getWeights()[0].data;
    let s = 12345;
    const indices = Int32Array.from({ length: batch }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s % rows));

    status("embedding-wasm call() …");
    await nextFrame();
    results.push({ name: "embedding-wasm call()", ...measure(() => bl.call({ data: indices, shape: [batch] }), batch, ms) });
    status("embedding-wasm callInto() …");
    await nextFrame();
    const out = new Float32Array(batch * dim);
    results.push({ name: "embedding-wasm callInto()", ...measure(() => bl.callInto({ data: indices, shape: [batch] }, out), batch, ms) });
    status("embedding-wasm zero-copy …");
    await nextFrame();
    results.push({
      name: "embedding-wasm zero-copy",
      ...measure(() => {
        bl.indexBuffer(batch).set(indices);
        bl.lookupBuffer([batch]);
      }, batch, ms),
    });
    drawChart(results);

    status("loading TF.js …");
    await nextFrame();
    const tf = await loadTf();
    for (const backend of ["cpu", "wasm"]) {
      status(`TF.js ${backend} …`);
      await nextFrame();
      await tf.setBackend(backend);
      await tf.ready();
      const t = tf.tensor2d(table, [rows, dim]);
      // Same work as a caller needs: wrap the indices, gather, read the numbers, free both tensors.
      const fn = () => {
        const idx = tf.tensor1d(indices, "int32");
        const out = tf.gather(t, idx);
        out.dataSync();
        idx.dispose();
        out.dispose();
      };
      results.push({ name: `TF.js ${backend} (tf.gather)`, ...measure(fn, batch, ms) });
      t.dispose();
      drawChart(results);
    }
    bl.dispose();
    status(`done: ${rows} × ${dim} table, batches of ${batch}`);
    $("benchDetails").textContent = results
      .map((r) => `${r.name.padEnd(26)} ${(r.rowsPerSec / 1e6).toFixed(2).padStart(8)} M rows/s  ${r.usPerCall.toFixed(1).padStart(9)} µs per batch  (${r.calls} batches)`)
      .join("\n");
    demo.bench.done = true;
  } catch (e) {
    $("benchError").textContent = `${e.name}: ${e.message}`;
    demo.bench.error = `${e.name}: ${e.message}`;
    status("failed");
  } finally {
    demo.bench.results = results;
    demo.bench.running = false;
    $("bench").disabled = false;
  }
}

function formatRate(v) {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

/** Horizontal bars on a log scale (TF.js is orders of magnitude slower), labelled with values. */
function drawChart(results) {
  const canvas = $("chart");
  const ctx = canvas.getContext("2d");
  const labelW = 190;
  const right = 110;
  const top = 16;
  const barH = 34;
  const gap = 14;
  const axisH = 40;
  const n = 5;
  canvas.height = top + n * (barH + gap) + axisH;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!results.length) {
    ctx.fillStyle = "#6b7280";
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillText("Press “Run benchmark”: embedding-wasm call(), callInto() and zero-copy against TF.js (cpu and wasm backends).", 16, 40);
    return;
  }
  const values = results.map((r) => r.rowsPerSec);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values))) - 1);
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values))));
  const plotW = canvas.width - labelW - right;
  const xOf = (v) => labelW + (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;
  const bottom = top + n * (barH + gap);

  ctx.font = "11px ui-monospace, monospace";
  ctx.textBaseline = "middle";
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const x = Math.round(xOf(decade)) + 0.5;
    ctx.strokeStyle = "#e5e7eb";
    ctx.beginPath();
    ctx.moveTo(x, top - 6);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.fillStyle = "#6b7280";
    const label = decade >= 1e9 ? `${decade / 1e9}G` : decade >= 1e6 ? `${decade / 1e6}M` : decade >= 1e3 ? `${decade / 1e3}k` : String(decade);
    ctx.fillText(label, x - ctx.measureText(label).width / 2, bottom + 10);
  }
  ctx.fillText("rows looked up per second (log scale)", labelW, bottom + 28);

  const bars = [];
  results.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, xOf(r.rowsPerSec) - labelW);
    ctx.fillStyle = COLORS[r.name] ?? "#555";
    ctx.fillRect(labelW, y, w, barH);
    ctx.fillStyle = "#1d232b";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(r.name, 6, y + barH / 2);
    ctx.font = "bold 12px ui-monospace, monospace";
    ctx.fillText(`${formatRate(r.rowsPerSec)} rows/s`, labelW + w + 6, y + barH / 2);
    ctx.font = "11px ui-monospace, monospace";
    bars.push({ name: r.name, value: r.rowsPerSec, x: labelW, y, w, h: barH, color: COLORS[r.name] });
  });
  demo.bench.bars = bars;
}

// ---------------------------------------------------------------- wiring

for (const id of ["inputDim", "outputDim", "initializer", "seed", "maskZero"]) $(id).addEventListener("change", relayout);
$("indices").addEventListener("input", lookup);
$("lookup").addEventListener("click", lookup);
$("bench").addEventListener("click", runBenchmark);
drawChart([]);
relayout();
demo.ready = true;
