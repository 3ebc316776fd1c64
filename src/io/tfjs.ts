// Reading an Embedding from a TF.js layers model (`model.json` plus binary weight shards) and
// writing one that `tf.loadLayersModel` loads. The model.json format: `modelTopology` (the Keras
// architecture, snake_case), `weightsManifest` (groups of `{ paths, weights }`; the shards of all
// groups, in order, hold the weights of all specs, in order, back to back).
import { ValueError, invalidArgument, show } from "../errors.ts";
import { isPlainObject } from "../validate.ts";
import { modelInputShape } from "./input-shape.ts";
import { findEmbeddingLayers, pickLayer } from "./model-topology.ts";
import { MAX_JSON_BYTES, parseJson, startLoad, type ConfigReader, type LoadedLayer } from "./layer-file.ts";
import { readAllBytes, throwIfAborted, type LoadOptions } from "./source.ts";
import { decodeFloat32Weight, fixedByteLength, readWeightSpec, type WeightSpec } from "./tfjs-weights.ts";

/**
 * Where `Embedding.fromTfjs` reads from:
 * - the URL (string or `URL`) or Node path of a `model.json`; its weight shards are read from the
 *   paths its manifest gives, relative to it;
 * - `{ modelJson, weightData }`: the parsed model.json (with `weightsManifest`, or `weightSpecs` as
 *   in TF.js' ModelArtifacts) and the weight bytes (one buffer, or the shards in manifest order).
 */
export type TfjsSource = string | URL | { modelJson: unknown; weightData: WeightBytes | readonly WeightBytes[] };
type WeightBytes = ArrayBuffer | Uint8Array;

/** Options of `Embedding.fromTfjs`. */
export interface TfjsLoadOptions extends LoadOptions {
  /** Name of the Embedding layer to read; needed when the model has several. */
  layer?: string;
  /** Largest total of weight bytes read, in bytes. Default 2^32 (4 GiB). */
  maxBytes?: number;
}

/** What `toTfjs` returns: model.json's content and the weights, ready for `tf.io.fromMemory`. */
export interface TfjsModel {
  /** The model.json object (format "layers-model", one manifest group with path "weights.bin"). */
  modelJson: {
    modelTopology: Record<string, unknown>;
    format: "layers-model";
    generatedBy: string;
    convertedBy: null;
    weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  };
  /** The manifest's weight specs (for `tf.io.fromMemory({ modelTopology, weightSpecs, weightData })`). */
  weightSpecs: WeightSpec[];
  /** The contents of weights.bin. */
  weightData: ArrayBuffer;
}


interface Manifest {
  specs: WeightSpec[];
  paths: string[];
}

function readManifest(modelJson: Record<string, unknown>): Manifest {
  if (Array.isArray(modelJson["weightSpecs"])) {
    return { specs: modelJson["weightSpecs"].map((s, i) => readWeightSpec(s, `modelJson.weightSpecs[${i}]`)), paths: [] };
  }
  const manifest = modelJson["weightsManifest"];
  if (!Array.isArray(manifest)) throw new ValueError(`modelJson must have a weightsManifest list (or weightSpecs). Received: weightsManifest=${show(manifest)}`);
  const specs: WeightSpec[] = [];
  const paths: string[] = [];
  manifest.forEach((group, g) => {
    if (!isPlainObject(group) || !Array.isArray(group["paths"]) || !Array.isArray(group["weights"])) {
      throw new ValueError(`modelJson.weightsManifest[${g}] must be { paths: string[], weights: [] }. Received: ${show(group)}`);
    }
    for (const path of group["paths"]) {
      if (typeof path !== "string") throw new ValueError(`modelJson.weightsManifest[${g}].paths must hold strings. Received: ${show(path)}`);
      paths.push(path);
    }
    group["weights"].forEach((s, i) => specs.push(readWeightSpec(s, `modelJson.weightsManifest[${g}].weights[${i}]`)));
  });
  return { specs, paths };
}

/** Weight bytes read in order, shard by shard, only as far as needed. */
class ShardStream {
  private parts: Uint8Array[] = [];
  private total = 0;
  private next = 0;
  constructor(private readonly shards: readonly (() => Promise<Uint8Array>)[], private readonly onShard: (done: number) => void) {}

  /** Makes at least `end` bytes available; false when the shards run out first. */
  async ensure(end: number): Promise<boolean> {
    while (this.total < end && this.next < this.shards.length) {
      const part = await this.shards[this.next++]!();
      this.parts.push(part);
      this.total += part.length;
      this.onShard(this.next / this.shards.length);
    }
    return this.total >= end;
  }

  /** A copy of bytes [start, end), which `ensure(end)` made available. */
  slice(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    let base = 0;
    for (const part of this.parts) {
      const from = Math.max(start, base);
      const to = Math.min(end, base + part.length);
      if (from < to) out.set(part.subarray(from - base, to - base), from - start);
      base += part.length;
      if (base >= end) break;
    }
    return out;
  }
}

/** Finds the weight spec of `layerName`'s table: "<name>/embeddings", possibly under outer scopes. */
function tableSpec(specs: readonly WeightSpec[], layerName: string): number {
  const exact = specs.findIndex((s) => s.name === `${layerName}/embeddings`);
  if (exact >= 0) return exact;
  const scoped = specs.flatMap((s, i) => (s.name.endsWith(`/${layerName}/embeddings`) ? [i] : []));
  if (scoped.length === 1) return scoped[0]!;
  const names = specs.map((s) => JSON.stringify(s.name)).join(", ");
  throw new ValueError(`The weights manifest has ${scoped.length === 0 ? "no" : "more than one"} weight "${layerName}/embeddings" for Embedding layer ${JSON.stringify(layerName)}. Weights: ${names || "(none)"}.`);
}

/** Resolves a manifest path against model.json's location, refusing paths that leave its folder. */
function shardLocation(base: string | URL, path: string): string | URL {
  if (path === "" || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("/") || path.startsWith("\\") || path.split(/[\\/]/).includes("..")) {
    throw new ValueError(`Weight shard path ${JSON.stringify(path)} in model.json must be relative to model.json and stay in its folder.`);
  }
  if (base instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return new URL(path, base);
  const slash = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
  return slash < 0 ? path : `${base.slice(0, slash + 1)}${path}`;
}

/** Reads an Embedding layer's options and table from a TF.js layers model (see {@link TfjsSource}). */
export async function readTfjsEmbedding<T extends { inputDim: number; outputDim: number }>(
  source: TfjsSource, options: TfjsLoadOptions, readConfig: ConfigReader<T>,
): Promise<LoadedLayer<T>> {
  const { maxBytes, signal, progress } = startLoad(options);
  let modelJson: unknown;
  let shards: (() => Promise<Uint8Array>)[];
  let budget = maxBytes;
  const counted = (bytes: Uint8Array) => {
    budget -= bytes.length;
    if (budget < 0) throw new ValueError(`The weights hold more than maxBytes=${maxBytes} bytes.`);
    return bytes;
  };
  if (typeof source === "string" || source instanceof URL) {
    const text = await readAllBytes(source, { signal, what: "model.json", maxBytes: MAX_JSON_BYTES });
    modelJson = parseJson(text, String(source));
    if (!isPlainObject(modelJson)) throw new ValueError(`${String(source)} must hold a JSON object. Received: ${show(modelJson)}`);
    const { paths } = readManifest(modelJson);
    shards = paths.map((path) => {
      const where = shardLocation(source, path);
      return async () => counted(await readAllBytes(where, { signal, what: `weight shard ${JSON.stringify(path)}`, maxBytes: Math.max(budget, 0) }));
    });
  } else if (isPlainObject(source) && Object.hasOwn(source, "modelJson") && Object.hasOwn(source, "weightData")) {
    modelJson = source.modelJson;
    const data = source.weightData;
    const list = Array.isArray(data) ? data : [data];
    shards = list.map((part, i) => {
      if (!(part instanceof ArrayBuffer) && !(part instanceof Uint8Array)) {
        invalidArgument(`source.weightData${Array.isArray(data) ? `[${i}]` : ""}`, "an ArrayBuffer or Uint8Array (or a list of them)", part);
      }
      const bytes = part instanceof Uint8Array ? part : new Uint8Array(part);
      return async () => counted(bytes);
    });
  } else {
    return invalidArgument("source", "the URL or path of a model.json, or { modelJson, weightData }", source);
  }
  if (!isPlainObject(modelJson)) invalidArgument("modelJson", "a model.json object", modelJson);
  const { specs } = readManifest(modelJson);
  const topology = modelJson["modelTopology"];
  if (topology === undefined) throw new ValueError("modelJson has no modelTopology; Embedding.fromTfjs needs the layers-model format.");
  const layer = pickLayer(findEmbeddingLayers(topology, "modelJson.modelTopology"), options.layer, "The TF.js model");
  const parsed = readConfig(layer.serialized);
  const index = tableSpec(specs, layer.name);
  const spec = specs[index]!;
  if (spec.shape.length !== 2 || spec.shape[0] !== parsed.inputDim || spec.shape[1] !== parsed.outputDim) {
    throw new ValueError(`Weight ${JSON.stringify(spec.name)} has shape [${spec.shape.join(", ")}], but the layer config gives [${parsed.inputDim}, ${parsed.outputDim}] (inputDim, outputDim).`);
  }
  const stream = new ShardStream(shards, (f) => progress.report(f));
  // The table's offset is the sum of the sizes of the weights before it.
  let offset = 0;
  for (const before of specs.slice(0, index)) {
    throwIfAborted(signal);
    const fixed = fixedByteLength(before);
    if (fixed !== undefined) offset += fixed;
    else {
      // A string weight: each value is a uint32 length, then that many bytes.
      const count = before.shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < count; i++) {
        if (!(await stream.ensure(offset + 4))) break;
        const length = new DataView(stream.slice(offset, offset + 4).buffer).getUint32(0, true);
        offset += 4 + length;
      }
    }
  }
  const length = fixedByteLength(spec)!;
  if (offset + length > maxBytes) throw new ValueError(`The weights up to and including ${JSON.stringify(spec.name)} take ${offset + length} bytes, more than maxBytes=${maxBytes}.`);
  if (!(await stream.ensure(offset + length))) {
    throw new ValueError(`The weight data is too short: weight ${JSON.stringify(spec.name)} needs bytes ${offset} to ${offset + length}, past its end.`);
  }
  throwIfAborted(signal);
  const data = decodeFloat32Weight(spec, stream.slice(offset, offset + length));
  progress.done();
  return { options: parsed, table: { data, shape: [parsed.inputDim, parsed.outputDim] } };
}

/** Keras 3 object configs carry `module` and `registered_name`; TF.js topologies use `{ class_name, config }`. */
function toTfjsForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toTfjsForm);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "module" || key === "registered_name") continue;
    out[key] = toTfjsForm(inner);
  }
  return out;
}

/**
 * A TF.js layers model (a Sequential holding the layer) from the layer's Keras config
 * (`toKerasConfig()`) and table.
 */
export function writeTfjsModel(
  kerasConfig: Record<string, unknown>, table: Float32Array, shape: readonly [number, number], options: { inputShape?: readonly (number | null)[] } = {},
): TfjsModel {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object", options);
  const inputShape = modelInputShape(options.inputShape, kerasConfig["input_length"]);
  for (const key of ["max_norm", "norm_type", "scale_grad_by_freq"]) {
    if (Object.hasOwn(kerasConfig, key)) throw new ValueError(`This layer sets ${key}=${show(kerasConfig[key])}, which TF.js' Embedding does not have; save a layer without maxNorm / scaleGradByFreq.`);
  }
  const { dtype: _policy, quantization_config: _none, ...rest } = kerasConfig;
  const config = { ...(toTfjsForm(rest) as Record<string, unknown>), dtype: "float32", batch_input_shape: [null, ...inputShape] };
  const name = String(kerasConfig["name"]);
  const weightSpecs: WeightSpec[] = [{ name: `${name}/embeddings`, shape: [...shape], dtype: "float32" }];
  const bytes = new Uint8Array(table.length * 4);
  const view = new DataView(bytes.buffer);
  table.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return {
    modelJson: {
      modelTopology: {
        class_name: "Sequential",
        config: { name: "sequential", layers: [{ class_name: "Embedding", config }] },
        keras_version: "tfjs-layers 4.22.0",
        backend: "tensor_flow.js",
      },
      format: "layers-model",
      generatedBy: "embedding-wasm",
      convertedBy: null,
      weightsManifest: [{ paths: ["weights.bin"], weights: weightSpecs }],
    },
    weightSpecs,
    weightData: bytes.buffer,
  };
}
