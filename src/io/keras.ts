// Reading an Embedding's config and table from Keras 3 files (writing them: keras-write.ts).
// A `.keras` file is a zip archive of `config.json` (the model, as `serialize_keras_object` writes
// it), `metadata.json` and `model.weights.h5`, where a layer's variables sit in
// `<layer path>/vars/<index>` (the table is variable 0) and each `vars` group carries the layer's
// name as an attribute (keras/src/saving/saving_lib.py, `H5IOStore`). Paths are worked out in
// model-topology.ts.
import { ValueError, invalidArgument } from "../errors.ts";
import { isPlainObject } from "../validate.ts";
import { widenBfloat16Bits, widenFloat16Bits } from "../half.ts";
import { readHdf5, type H5Reader } from "./hdf5.ts";
import { MAX_JSON_BYTES, parseJson, startLoad, type ConfigReader } from "./layer-file.ts";
import { findEmbeddingLayers, pickLayer, type FoundLayer } from "./model-topology.ts";
import { readAllBytes, throwIfAborted, type ByteSource, type LoadOptions } from "./source.ts";
import { readZipMembers } from "./zip.ts";

/**
 * Where `Embedding.fromKeras` reads from: a `.keras` archive, or a weights file with the
 * architecture beside it.
 *
 * - a `.keras` archive as any {@link ByteSource} (bytes, Blob, Response, URL, Node path);
 * - `{ weights, config }`: `weights` is a `.weights.h5` file (as `model.save_weights` writes it, or
 *   the `model.weights.h5` inside an archive) as a ByteSource; `config` is the model's architecture,
 *   either parsed (the object in a `.keras` archive's `config.json`, `model.get_config()` wrapped as
 *   `{ class_name, config }`, or a Keras 2 / TF.js `modelTopology`) or as a ByteSource of that JSON.
 *   A single layer's config (`layer.get_config()`, bare or as `{ class_name: "Embedding", config }`)
 *   is accepted too: its table is then found by the layer name Keras stores beside each layer's variables.
 */
export type KerasSource = ByteSource | { weights: ByteSource; config: unknown };

/** Options of `Embedding.fromKeras`. */
export interface KerasLoadOptions extends LoadOptions {
  /** Name of the Embedding layer to read (bare, or as "outer/inner/name"); needed when the model has several. */
  layer?: string;
  /** Largest weights file accepted, in bytes (after inflating, for an archive). Default 2^32 (4 GiB). */
  maxBytes?: number;
}

/** Share of progress given to getting the bytes; parsing and reading the table take the rest. */
const READ_SHARE = 0.9;

function isByteSource(value: unknown): value is ByteSource {
  return (
    value instanceof Uint8Array || value instanceof ArrayBuffer || typeof value === "string" || value instanceof URL ||
    (typeof Blob !== "undefined" && value instanceof Blob) || (typeof Response !== "undefined" && value instanceof Response)
  );
}

/** Most layers searched for a layer's variables by name. */
const MAX_LAYERS_SEARCHED = 1_000;
/** Deepest nesting of models searched (each adds "layers/<key>" to the path). */
const MAX_NESTING = 6;

/** Finds the `vars` group of `layer` in the weights file, checking the layer name Keras stores on it. */
function locateVars(file: H5Reader, layer: FoundLayer | undefined, name: string, what: string): string {
  const nameOf = (vars: string) => file.stringAttribute(vars, "name");
  if (layer !== undefined) {
    const vars = `${layer.h5Path}/vars`;
    // Files written before Keras stored names hold no attribute; then the path alone decides.
    if (file.kind(vars) === "group" && (nameOf(vars) ?? name) === name) return vars;
    // Keras 2.13 files name the list "_layer_checkpoint_dependencies" (Keras reads both).
    const legacy = vars.replaceAll("layers/", "_layer_checkpoint_dependencies/");
    if (file.kind(legacy) === "group" && (nameOf(legacy) ?? name) === name) return legacy;
  }
  // Otherwise look for the `vars` group carrying this layer's name where Keras puts layers:
  // "layers/<key>/vars", with nested models' layers under "layers/<key>/layers/…". Hard links can
  // make a group its own descendant, so the walk is bounded in depth and in layers visited.
  const found: string[] = [];
  let budget = MAX_LAYERS_SEARCHED;
  const visit = (layers: string, depth: number) => {
    if (depth > MAX_NESTING) return;
    for (const key of file.keys(layers)) {
      if (--budget < 0) throw new ValueError(`${what} has more than ${MAX_LAYERS_SEARCHED} layers to search for Embedding layer ${JSON.stringify(name)}; give the model's architecture as config.`);
      const layer = `${layers}/${key}`;
      if (!file.isMemberGroup(layer)) continue;
      const members = file.keys(layer);
      if (members.includes("vars") && file.isMemberGroup(`${layer}/vars`) && nameOf(`${layer}/vars`) === name) found.push(`${layer}/vars`);
      if (members.includes("layers") && file.isMemberGroup(`${layer}/layers`)) visit(`${layer}/layers`, depth + 1);
    }
  };
  if (file.kind("layers") === "group") visit("layers", 0);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new ValueError(`${what} holds ${found.length} variable groups named ${JSON.stringify(name)} (${found.join(", ")}); the architecture is needed to tell them apart.`);
  const expected = layer === undefined ? `a "vars" group named ${JSON.stringify(name)}` : `"${layer.h5Path}/vars"`;
  throw new ValueError(`${what} has no variables for Embedding layer ${JSON.stringify(name)}: expected ${expected}.`);
}

/** One variable a layer expects in the weights file, in Keras' save order (`vars/0`, `vars/1`, …). */
export interface FileVariable {
  name: string;
  dtype: "float32" | "float16" | "bfloat16" | "int8";
  shape: readonly number[];
}

/** A variable's values as read: float32, int8, or float16 / bfloat16 bit patterns. */
export type FileValues = Float32Array | Int8Array | Uint16Array;

/** HDF5 dtype strings (h5wasm's) of each variable dtype, as h5py writes them. */
const H5_DTYPES: Record<FileVariable["dtype"], readonly string[]> = {
  float32: ["<f"],
  float16: ["<e"],
  int8: ["<b", "|b", "|i1"],
  // Keras stores bfloat16 as 2-byte opaque elements with a "dtype" attribute (saving_lib.py, H5Entry).
  bfloat16: [],
};

/** Reads one variable at `path`, checking its shape and dtype against `spec`. */
function readVariable(file: H5Reader, path: string, spec: FileVariable, name: string, what: string): FileValues {
  if (file.kind(path) !== "dataset") {
    const vars = path.slice(0, path.lastIndexOf("/"));
    throw new ValueError(
      `${what}: Embedding layer ${JSON.stringify(name)} has no ${spec.name === "embeddings" ? "table" : spec.name} dataset at "${path}" (members: ${file.keys(vars).join(", ") || "none"}).`,
    );
  }
  const label = spec.name === "embeddings" ? "the table" : `the ${spec.name} variable`;
  const found = file.describe(path);
  if (found.shape.length !== spec.shape.length || found.shape.some((d, i) => d !== spec.shape[i])) {
    throw new ValueError(`${what}: ${label} "${path}" has shape [${found.shape.join(", ")}], but the config gives [${spec.shape.join(", ")}].`);
  }
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const bfloat16 = file.stringAttribute(path, "dtype") === "bfloat16";
  // Keras saves a mixed policy's merged LoRA table in its 16-bit compute dtype, into a float32
  // variable; its load casts it back, exactly, and so does this read.
  if (spec.dtype === "float32" && (bfloat16 || H5_DTYPES.float16.includes(found.dtype))) {
    const halves = readVariable(file, path, { ...spec, dtype: bfloat16 ? "bfloat16" : "float16" }, name, what) as Uint16Array;
    return bfloat16 ? widenBfloat16Bits(halves) : widenFloat16Bits(halves);
  }
  const matches = spec.dtype === "bfloat16" ? bfloat16 : !bfloat16 && H5_DTYPES[spec.dtype].includes(found.dtype);
  if (!matches) {
    const foundName = bfloat16 ? "bfloat16" : JSON.stringify(found.dtype);
    const expected = spec.dtype === "bfloat16" ? "bfloat16 (Keras' 2-byte elements marked dtype=bfloat16)" : `${spec.dtype} (${H5_DTYPES[spec.dtype].map((d) => JSON.stringify(d)).join(" or ")})`;
    throw new ValueError(`${what}: ${label} "${path}" has HDF5 dtype ${foundName}; the layer's config says ${expected}.`);
  }
  let data: FileValues;
  if (spec.dtype === "float32") data = file.readFloat32(path);
  else if (spec.dtype === "int8") data = file.readInt8(path);
  else {
    const bytes = file.readBytes(path);
    if (bytes.length !== size * 2) throw new ValueError(`${what}: ${label} "${path}" read ${bytes.length} bytes, not ${size * 2}.`);
    // HDF5 and h5py store these little-endian, as every platform that runs this does.
    data = new Uint16Array(bytes.buffer, bytes.byteOffset, size);
  }
  if (data.length !== size) throw new ValueError(`${what}: ${label} "${path}" read ${data.length} values, not ${size}.`);
  return data;
}

/** Reads and checks the variables `specs` of `layer` (its `vars/0`, `vars/1`, … in order) from an HDF5 weights file. */
export async function readKerasVariables(
  weights: Uint8Array, layer: FoundLayer | undefined, name: string, specs: readonly FileVariable[], what: string,
): Promise<FileValues[]> {
  return readHdf5(weights, what, (file) => {
    const vars = locateVars(file, layer, name, what);
    return specs.map((spec, i) => readVariable(file, `${vars}/${i}`, spec, name, what));
  });
}

async function readConfigSource(config: unknown, options: LoadOptions): Promise<unknown> {
  if (isPlainObject(config)) return config;
  if (isByteSource(config)) return parseJson(await readAllBytes(config, { ...options, what: "source.config", maxBytes: MAX_JSON_BYTES }), "source.config");
  return invalidArgument("source.config", "a model or layer config object, or the bytes (or file, URL) of its JSON", config);
}

/**
 * Reads an Embedding layer's options and variables from Keras 3 files (see {@link KerasSource}):
 * `variablesOf(options)` names the variables the layer saves, in Keras' order (the table alone for a
 * float32 layer; the int8 / int4 table, scales, zero points and `g_idx` for a quantized one). The
 * config is read (and checked by `readConfig`) before the weights, so a bad config fails before any
 * variable is read.
 */
export async function readKerasEmbedding<T extends { inputDim: number; outputDim: number }>(
  source: KerasSource, options: KerasLoadOptions, readConfig: ConfigReader<T>, variablesOf: (options: T) => FileVariable[],
): Promise<{ options: T; variables: FileValues[] }> {
  const { maxBytes, signal, progress } = startLoad(options);
  const reading = { signal, onProgress: (f: number) => progress.report(f * READ_SHARE) };
  /** Picks the layer and checks its config: done before the table's bytes are inflated or read. */
  const choose = (topology: unknown, where: string) => {
    const layer = pickLayer(findEmbeddingLayers(topology, where), options.layer, where);
    const parsed = readConfig(layer.serialized);
    const bytes = parsed.inputDim * parsed.outputDim * 4;
    if (bytes > maxBytes) throw new ValueError(`Embedding layer ${JSON.stringify(layer.name)} declares a ${parsed.inputDim} x ${parsed.outputDim} table (${bytes} bytes), more than maxBytes=${maxBytes}.`);
    return { layer, parsed };
  };
  let topology: unknown;
  let weights: Uint8Array;
  let what: string;
  let chosen: ReturnType<typeof choose>;
  if (isByteSource(source)) {
    what = "The .keras archive";
    const archive = await readAllBytes(source, { ...reading, what: "source", maxBytes: maxBytes + MAX_JSON_BYTES });
    const config = readZipMembers(archive, { what, maxBytes: { "config.json": MAX_JSON_BYTES } }).get("config.json");
    if (config === undefined) throw new ValueError(`${what} has no config.json member (is it a .keras file?).`);
    topology = parseJson(config, `${what}'s config.json`);
    chosen = choose(topology, `${what}'s config.json`);
    const h5 = readZipMembers(archive, { what, maxBytes: { "model.weights.h5": maxBytes } }).get("model.weights.h5");
    if (h5 === undefined) {
      throw new ValueError(`${what} has no model.weights.h5 member (weights saved in another form, such as npz, are not supported).`);
    }
    weights = h5;
  } else if (isPlainObject(source) && Object.hasOwn(source, "weights") && Object.hasOwn(source, "config")) {
    what = "source.weights";
    if (!isByteSource(source.weights)) invalidArgument("source.weights", "the .weights.h5 file as bytes, a Blob, a Response, a URL or a path", source.weights);
    topology = await readConfigSource(source.config, { signal });
    chosen = choose(topology, "source.config");
    weights = await readAllBytes(source.weights, { ...reading, what, maxBytes });
  } else {
    return invalidArgument("source", "a .keras archive (bytes, Blob, Response, URL or path) or { weights, config }", source);
  }
  throwIfAborted(signal);
  const { layer, parsed } = chosen;
  // A bare layer config says nothing about where the model put the layer: find it by name.
  const placed = isBareLayer(topology) ? undefined : layer;
  const variables = await readKerasVariables(weights, placed, layer.name, variablesOf(parsed), what);
  throwIfAborted(signal);
  progress.done();
  return { options: parsed, variables };
}

function isBareLayer(topology: unknown): boolean {
  if (!isPlainObject(topology)) return false;
  const cls = Object.hasOwn(topology, "class_name") ? topology["class_name"] : topology["className"];
  return cls === "Embedding" || (cls === undefined && Object.hasOwn(topology, "input_dim"));
}
