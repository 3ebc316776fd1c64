// The demo page: make a layer (with Embedding.create, so large tables build behind a progress bar
// that can be cancelled), look up typed or pasted indices, draw the output rows as a heatmap beside
// the mask, and benchmark lookups against TF.js (cpu and wasm backends, loaded from the served
// node_modules) as a bar chart. Canvases are drawn in CSS pixels at their container's width and
// redrawn when it changes. State for tests is kept in globalThis.__demo.
import { Embedding } from "embedding-wasm";

const $ = (id) => document.getElementById(id);
const demo = (globalThis.__demo = {
  ready: false,
  lookup: null,
  create: null,
  bench: { running: false, done: false, results: [], bars: [], dpr: 1 },
});

// ---------------------------------------------------------------- canvases

/**
 * Sizes `canvas` to its CSS width (it is `width: 100%`) and `cssHeight`, with a backing store of
 * devicePixelRatio device pixels per CSS pixel so text stays sharp; returns a context drawing in
 * CSS pixels.
 */
function prepareCanvas(canvas, cssHeight) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.max(1, Math.round(width * dpr));
  canvas.height = Math.max(1, Math.round(cssHeight * dpr));
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, cssHeight);
  return { ctx, width, dpr };
}

/** Splits `text` into lines no wider than `maxWidth` in the context's current font. */
function wrapText(ctx, text, maxWidth) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(candidate).width > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// ---------------------------------------------------------------- layer and lookup

let layer; // the layer lookups use; replaced only when a new one is complete
let layerWhat = ""; // "rows × dim Initializer" of `layer`, for the status line
let layerForm = null; // the form's values `layer` was made from, put back when a creation is cancelled
const FORM_IDS = ["preset", "inputDim", "outputDim", "initializer", "seed"];
let pending = null; // { controller } of the creation under way, if any

function layerOptions() {
  return {
    inputDim: Number($("inputDim").value),
    outputDim: Number($("outputDim").value),
    maskZero: $("maskZero").checked,
    embeddingsInitializer: { className: $("initializer").value, config: { seed: Number($("seed").value) } },
  };
}

function showLayerInfo() {
  $("layerInfo").textContent =
    `${layer.name}: ${layer.inputDim} × ${layer.outputDim} table, ${layer.countParams().toLocaleString()} weights\n` +
    `WebAssembly memory ${(layer.memoryBytes / 1024).toFixed(0)} KiB`;
}

/**
 * Builds a layer from the form with Embedding.create: the table fills in steps that yield to the
 * page, so the progress bar moves and Cancel stays clickable. The layer in use is swapped only when
 * the new one is complete; cancelling (or changing the form again) keeps the previous one.
 */
async function makeLayer() {
  pending?.controller.abort(); // a newer request replaces an unfinished one
  const ticket = { controller: new AbortController() };
  pending = ticket;
  syncPreset();
  const options = layerOptions();
  const form = { ...Object.fromEntries(FORM_IDS.map((id) => [id, $(id).value])), maskZero: $("maskZero").checked };
  const what = `${options.inputDim} × ${options.outputDim} ${options.embeddingsInitializer.className}`;
  const state = { running: true, status: "running", what, calls: 0, monotone: true, last: 0, painted: [] };
  demo.create = state;
  const bar = $("createProgress");
  bar.value = 0;
  $("createRow").hidden = false;
  $("createStatus").textContent = `creating ${what} …`;
  // What each painted frame showed: frames keep coming while the table fills if the page is not frozen.
  const watch = () => {
    if (!state.running) return;
    state.painted.push(Number(bar.value));
    requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
  try {
    const made = await Embedding.create(options, {
      signal: ticket.controller.signal,
      onProgress: (fraction) => {
        state.calls++;
        if (fraction < state.last) state.monotone = false;
        state.last = fraction;
        bar.value = fraction;
        const percent = `${Math.floor(fraction * 100)}%`;
        if (percent !== state.percent) {
          state.percent = percent;
          $("createStatus").textContent = `creating ${what} … ${percent}`;
        }
      },
    });
    if (pending !== ticket) {
      made.dispose(); // superseded while finishing
      return;
    }
    layer?.dispose();
    layer = made;
    layerWhat = what;
    layerForm = form;
    state.status = "done";
    $("createStatus").textContent = "";
    showLayerInfo();
    lookup();
  } catch (e) {
    if (pending !== ticket) return;
    if (e.name === "AbortError") {
      state.status = "aborted";
      $("createStatus").textContent = `cancelled ${what}` + (layer ? `; still using the ${layerWhat} layer` : "");
    } else {
      state.status = "error";
      state.error = `${e.name}: ${e.message}`;
      $("createStatus").textContent = "";
      $("lookupError").textContent = state.error;
    }
  } finally {
    state.running = false;
    if (pending === ticket) {
      pending = null;
      $("createRow").hidden = true;
    }
  }
}

/** Cancel: stops the creation under way and puts the form back to the layer still in use. */
function cancelCreation() {
  if (!pending) return;
  pending.controller.abort();
  if (!layerForm) return;
  for (const id of FORM_IDS) $(id).value = layerForm[id];
  $("maskZero").checked = layerForm.maskZero;
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
  if (!layer) return; // the first layer is still being made; makeLayer looks up when it is
  try {
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
  return makeLayer();
}

/** The size presets set inputDim × outputDim; "custom" leaves them to be typed in. */
function applyPreset() {
  if ($("preset").value === "custom") return;
  const [rows, dim] = $("preset").value.split("x");
  $("inputDim").value = rows;
  $("outputDim").value = dim;
  return relayout();
}

/** Shows the preset matching the typed inputDim × outputDim, or "custom". */
function syncPreset() {
  const size = `${$("inputDim").value}x${$("outputDim").value}`;
  $("preset").value = [...$("preset").options].some((o) => o.value === size) ? size : "custom";
}

// ---------------------------------------------------------------- heatmap

const MAX_ROWS = 256;
let heat = null; // what the hover readout and a redraw need

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
  const dim = y.shape.at(-1);
  const positions = Math.min(y.data.length / dim, MAX_ROWS);
  const total = y.data.length / dim;
  const width = canvas.clientWidth;
  const font = "11px ui-monospace, monospace";

  // Measure first (labels, legend text) so the height fits what is drawn at this width.
  const measure = canvas.getContext("2d");
  measure.font = font;
  const labels = Array.from({ length: positions }, (_, p) => `${positionLabel(p, y.shape)} ${indices[p]}`);
  const labelW = Math.ceil(Math.max(measure.measureText("pos · index").width, ...labels.map((l) => measure.measureText(l).width))) + 10;
  const maskW = mask ? 40 : 0;
  const left = labelW + maskW;
  const cellW = Math.max(1, Math.min(28, Math.floor((width - left - 6) / dim)));
  const cellH = Math.max(3, Math.min(22, Math.floor(420 / positions)));
  const top = 22;
  const lw = Math.min(180, width - left - 6);
  const note =
    (mask ? "shaded rows are masked (index 0 = padding)" : "maskZero is off: computeMask returns null") +
    (total > positions ? `; first ${positions} of ${total} positions shown` : "");
  // The note sits beside the colour legend when there is room, otherwise under it.
  const beside = left + lw + 24 + measure.measureText(note).width <= width;
  const noteLines = beside ? [note] : wrapText(measure, note, width - 8);
  const legendH = beside ? 34 : 40 + noteLines.length * 15;
  const { ctx } = prepareCanvas(canvas, top + positions * cellH + legendH);

  let maxAbs = 0;
  for (let i = 0; i < positions * dim; i++) maxAbs = Math.max(maxAbs, Math.abs(y.data[i]));
  const scale = maxAbs || 1;

  ctx.font = font;
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
      ctx.fillText(labels[p], 4, yPix + cellH / 2);
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
  for (let i = 0; i < lw; i++) {
    ctx.fillStyle = diverging((i / (lw - 1)) * 2 - 1);
    ctx.fillRect(left + i, ly, 1, 10);
  }
  ctx.fillStyle = "#4b5563";
  ctx.fillText(`-${scale.toPrecision(3)}`, left, ly + 20);
  ctx.fillText("0", left + lw / 2 - 3, ly + 20);
  const plus = `+${scale.toPrecision(3)}`;
  ctx.fillText(plus, left + lw - ctx.measureText(plus).width, ly + 20);
  if (beside) ctx.fillText(note, left + lw + 24, ly + 5);
  else noteLines.forEach((line, i) => ctx.fillText(line, 4, ly + 38 + i * 15));

  $("outShape").textContent = `shape [${y.shape.join(", ")}]` + (mask ? `, mask [${mask.shape.join(", ")}]` : "");
  heat = { y, mask, indices, dim, positions, left, top, cellW, cellH, width };
}

$("heatmap").addEventListener("mousemove", (event) => {
  if (!heat) return;
  const rect = event.currentTarget.getBoundingClientRect();
  const x = event.clientX - rect.left; // drawn in CSS pixels
  const yy = event.clientY - rect.top;
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

/**
 * The contenders in chart order, each with its colour and a short note drawn under its name: the
 * three embedding-wasm rows do different amounts of work per batch, and the chart says which.
 */
const CONTENDERS = [
  { name: "embedding-wasm call()", color: "#2f6fd0", note: "returns a new Float32Array per batch: pays an allocation and its zero fill" },
  { name: "embedding-wasm callInto()", color: "#2459b8", note: "writes into one output array reused for every batch" },
  { name: "embedding-wasm zero-copy", color: "#174ea6", note: "lookupBuffer returns a view of WebAssembly memory: nothing copied out" },
  { name: "TF.js cpu (tf.gather)", color: "#e8710a", note: "tensor1d, gather, dataSync and dispose per batch" },
  { name: "TF.js wasm (tf.gather)", color: "#b06000", note: "tensor1d, gather, dataSync and dispose per batch" },
];

async function runBenchmark() {
  const rows = Number($("benchRows").value);
  const dim = Number($("benchDim").value);
  const batch = Number($("benchBatch").value);
  const ms = Number($("benchMs").value);
  const status = (text) => ($("benchStatus").textContent = text);
  $("benchError").textContent = "";
  $("bench").disabled = true;
  Object.assign(demo.bench, { running: true, done: false, results: [], bars: [], error: null, setup: { rows, dim, batch } });
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
    showResults(results);

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
      showResults(results);
    }
    bl.dispose();
    status(`done: ${rows} × ${dim} table, batches of ${batch}`);
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

let shownResults = [];

/** Reveals the chart card (hidden until there is something to show) and fills it. */
function showResults(results) {
  shownResults = results.slice();
  $("chartCard").hidden = false;
  $("benchHint").hidden = true;
  drawChart(shownResults);
  explain(shownResults);
  const table = $("benchDetails");
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const title of ["contender", "M rows/s", "µs per batch"]) head.append(Object.assign(document.createElement("th"), { textContent: title }));
  const body = table.createTBody();
  for (const r of results) {
    const row = body.insertRow();
    row.insertCell().textContent = r.name;
    row.insertCell().textContent = (r.rowsPerSec / 1e6).toFixed(2);
    row.insertCell().textContent = r.usPerCall.toFixed(1);
  }
}

/** The list under the chart: why the three embedding-wasm rows differ, with this run's numbers. */
function explain(results) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const call = by["embedding-wasm call()"];
  const into = by["embedding-wasm callInto()"];
  const { batch, dim } = demo.bench.setup;
  const kib = ((batch * dim * 4) / 1024).toFixed(0);
  const ratio = call && into ? into.rowsPerSec / call.rowsPerSec : null;
  const items = [
    `<code>call()</code> returns a new Float32Array for every batch (${batch} × ${dim} floats, ${kib} KiB here), so each batch also pays ` +
      `for allocating it and for the engine filling it with zeros before the rows are copied in` +
      (ratio ? `: here it is ${ratio >= 1.05 ? `${ratio.toFixed(1)}× slower than` : "about as fast as"} <code>callInto()</code>.` : "."),
    "<code>callInto(x, out)</code> writes into an output array allocated once and reused, which is how a loop should call it.",
    "zero-copy: <code>indexBuffer(n).set(indices)</code> then <code>lookupBuffer(shape)</code> returns a view of the layer's WebAssembly memory; " +
      "nothing is copied out, and the view holds until the next lookup.",
    "TF.js: each batch wraps the indices in a tensor, runs <code>tf.gather</code>, reads the result with <code>dataSync()</code> and disposes both tensors.",
  ];
  $("benchExplain").innerHTML = items.map((text) => `<li>${text}</li>`).join("");
}

function formatRate(v) {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

/**
 * Horizontal bars on a log scale (TF.js is orders of magnitude slower), one row per contender: its
 * name and note above a full-width bar ending in its value, so the layout is the same on a phone.
 */
function drawChart(results) {
  const canvas = $("chart");
  const width = canvas.clientWidth;
  const measure = canvas.getContext("2d");
  const nameFont = "600 13px system-ui, sans-serif";
  const noteFont = "12px system-ui, sans-serif";
  const valueFont = "bold 12px ui-monospace, monospace";
  const axisFont = "11px ui-monospace, monospace";
  const pad = 4;
  const barH = 18;
  const lineH = 16;
  const rowGap = 12;
  measure.font = valueFont;
  const valueW = Math.ceil(measure.measureText("000.00 M rows/s").width) + 8;
  const plotW = Math.max(40, width - 2 * pad - valueW);

  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const call = by["embedding-wasm call()"];
  const into = by["embedding-wasm callInto()"];
  const ratio = call && into ? into.rowsPerSec / call.rowsPerSec : null;
  // Each row's text lines: the name with its note beside it when they fit, otherwise the note below.
  const rows = CONTENDERS.map((c) => {
    let note = c.note;
    if (c.name === "embedding-wasm call()" && ratio && ratio >= 1.05) note += ` (${ratio.toFixed(1)}× slower than callInto())`;
    measure.font = nameFont;
    const nameW = measure.measureText(c.name).width;
    measure.font = noteFont;
    const beside = nameW + 12 + measure.measureText(note).width <= width - 2 * pad;
    const noteLines = beside ? [] : wrapText(measure, note, width - 2 * pad);
    return { ...c, note, beside, nameW, noteLines, result: by[c.name], height: lineH * (1 + noteLines.length) + 4 + barH + rowGap };
  });
  const top = 6;
  const axisH = 40;
  const bottom = top + rows.reduce((sum, r) => sum + r.height, 0);
  const { ctx, dpr } = prepareCanvas(canvas, bottom + axisH);

  const values = results.map((r) => r.rowsPerSec);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values))) - 1);
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values))));
  const xOf = (v) => pad + (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;

  ctx.textBaseline = "middle";
  ctx.font = axisFont;
  // Decade gridlines; their labels thin out when decades are narrower than a label.
  const decades = Math.round(Math.log10(hi / lo));
  const every = Math.max(1, Math.ceil((decades * 44) / plotW));
  let k = 0;
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10, k++) {
    const x = Math.round(xOf(decade)) + 0.5;
    ctx.strokeStyle = "#e5e7eb";
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    if (k % every !== 0) continue;
    ctx.fillStyle = "#6b7280";
    const label = decade >= 1e9 ? `${decade / 1e9}G` : decade >= 1e6 ? `${decade / 1e6}M` : decade >= 1e3 ? `${decade / 1e3}k` : String(decade);
    const lw = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(width - lw, Math.max(0, x - lw / 2)), bottom + 10);
  }
  ctx.fillText("rows looked up per second (log scale)", pad, bottom + 28);

  const bars = [];
  let y = top;
  for (const row of rows) {
    ctx.font = nameFont;
    ctx.fillStyle = "#1d232b";
    ctx.fillText(row.name, pad, y + lineH / 2);
    ctx.font = noteFont;
    ctx.fillStyle = "#4b5563";
    if (row.beside) ctx.fillText(row.note, pad + row.nameW + 12, y + lineH / 2);
    row.noteLines.forEach((line, i) => ctx.fillText(line, pad, y + lineH * (i + 1.5)));
    const barY = y + lineH * (1 + row.noteLines.length) + 4;
    if (row.result) {
      const w = Math.max(1, xOf(row.result.rowsPerSec) - pad);
      ctx.fillStyle = row.color;
      ctx.fillRect(pad, barY, w, barH);
      ctx.fillStyle = "#1d232b";
      ctx.font = valueFont;
      ctx.fillText(`${formatRate(row.result.rowsPerSec)} rows/s`, pad + w + 6, barY + barH / 2);
      bars.push({ name: row.name, value: row.result.rowsPerSec, x: pad, y: barY, w, h: barH, color: row.color });
    } else {
      ctx.fillStyle = "#9aa3ad";
      ctx.font = noteFont;
      ctx.fillText("waiting …", pad, barY + barH / 2);
    }
    y += row.height;
  }
  demo.bench.bars = bars;
  demo.bench.dpr = dpr;
  demo.bench.notes = Object.fromEntries(rows.map((r) => [r.name, r.note]));
}

// ---------------------------------------------------------------- wiring

for (const id of ["inputDim", "outputDim", "initializer", "seed", "maskZero"]) $(id).addEventListener("change", relayout);
$("preset").addEventListener("change", applyPreset);
$("createCancel").addEventListener("click", cancelCreation);
$("indices").addEventListener("input", lookup);
$("lookup").addEventListener("click", lookup);
$("bench").addEventListener("click", runBenchmark);

// Redraw the canvases at their new width when the layout changes (window resized, phone rotated).
const drawnWidth = new WeakMap();
const resized = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const width = target.clientWidth;
    if (width === 0 || drawnWidth.get(target) === width) continue;
    drawnWidth.set(target, width);
    if (target.id === "heatmap" && heat) drawHeatmap(heat.y, heat.mask, heat.indices);
    if (target.id === "chart" && shownResults.length) drawChart(shownResults);
  }
});
resized.observe($("heatmap"));
resized.observe($("chart"));

await relayout();
demo.ready = true;
