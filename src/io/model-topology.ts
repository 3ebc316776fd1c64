// Finding the Embedding layers in a saved model's architecture: Keras 3 `config.json`, a Keras 2 /
// TF.js `modelTopology`, Sequential or functional, with models nested as layers. Each layer found
// carries the path Keras 3 gives its variables in `model.weights.h5`: a model's layers are saved
// under `<model path>/layers/<name>`, where <name> is the snake_case class name made unique within
// that list by `_1`, `_2`, … in order (keras/src/saving/saving_lib.py, `_save_container_state`;
// Sequential skips its InputLayer, which changes nothing here because names are counted per class).
import { ValueError, show } from "../errors.ts";
import { own } from "../serialization.ts";
import { isPlainObject } from "../validate.ts";

/** An Embedding layer found in a model's architecture. */
export interface FoundLayer {
  /** The layer's name (`config.name`). */
  name: string;
  /** Names of the models holding it, outermost first. */
  models: string[];
  /** The layer's serialized form (`{ class_name, config, … }`), for the config reader. */
  serialized: Record<string, unknown>;
  /** Where Keras 3 saves its variables in `model.weights.h5`, e.g. "layers/embedding". */
  h5Path: string;
}

const MODEL_CLASSES = new Set(["Sequential", "Functional", "Model"]);
/** Layer classes read as an Embedding: Keras' own, and ReversibleEmbedding (Keras core since 3.12, and Keras Hub). */
const EMBEDDING_CLASSES = new Set(["Embedding", "ReversibleEmbedding"]);
const MAX_DEPTH = 32;

/** Keras' `naming.to_snake_case`: "InputLayer" → "input_layer", "Embedding" → "embedding". */
export function toKerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

function className(layer: Record<string, unknown>): string | undefined {
  const name = own(layer, "class_name") ?? own(layer, "className");
  return typeof name === "string" ? name : undefined;
}

function layerList(model: Record<string, unknown>, what: string): unknown[] {
  const config = own(model, "config");
  // Keras 2 wrote a Sequential's config as the bare list of its layers.
  const layers = Array.isArray(config) ? config : isPlainObject(config) ? own(config, "layers") : undefined;
  if (!Array.isArray(layers)) throw new ValueError(`${what}: a ${className(model)} model config must hold a "layers" list. Received: ${show(config)}`);
  return layers;
}

function modelName(model: Record<string, unknown>): string {
  const config = own(model, "config");
  const name = isPlainObject(config) ? own(config, "name") : undefined;
  return typeof name === "string" ? name : String(className(model));
}

function walk(model: Record<string, unknown>, h5Path: string, models: string[], depth: number, out: FoundLayer[], what: string): void {
  if (depth > MAX_DEPTH) throw new ValueError(`${what}: models are nested more than ${MAX_DEPTH} deep.`);
  const used = new Map<string, number>();
  for (const layer of layerList(model, what)) {
    if (!isPlainObject(layer)) throw new ValueError(`${what}: every entry of a model's "layers" must be an object. Received: ${show(layer)}`);
    const cls = className(layer);
    if (cls === undefined) throw new ValueError(`${what}: a layer entry has no class_name. Received: ${show(layer)}`);
    const base = toKerasSnakeCase(cls);
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    const path = `${h5Path === "" ? "" : `${h5Path}/`}layers/${seen === undefined ? base : `${base}_${seen + 1}`}`;
    if (MODEL_CLASSES.has(cls)) {
      walk(layer, path, [...models, modelName(layer)], depth + 1, out, what);
    } else if (EMBEDDING_CLASSES.has(cls)) {
      const config = own(layer, "config");
      const name = isPlainObject(config) ? own(config, "name") : undefined;
      out.push({ name: typeof name === "string" ? name : base, models, serialized: layer, h5Path: path });
    }
  }
}

/**
 * Lists the Embedding layers of a serialized model (`{ class_name, config: { layers } }`; a Keras 2
 * `{ model_config }` wrapper is unwrapped), or of a bare layer config, which is its own only layer.
 */
export function findEmbeddingLayers(topology: unknown, what: string): FoundLayer[] {
  if (!isPlainObject(topology)) throw new ValueError(`${what} must be a model or layer config object. Received: ${show(topology)}`);
  const inner = own(topology, "model_config");
  const model = isPlainObject(inner) ? inner : topology;
  const cls = className(model);
  if (cls === undefined && (own(model, "input_dim") !== undefined || own(model, "inputDim") !== undefined)) {
    // A bare `get_config()` dict.
    const name = own(model, "name");
    return [{ name: typeof name === "string" ? name : "embedding", models: [], serialized: model, h5Path: "layers/embedding" }];
  }
  if (cls !== undefined && EMBEDDING_CLASSES.has(cls)) {
    const config = own(model, "config");
    const name = isPlainObject(config) ? own(config, "name") : undefined;
    return [{ name: typeof name === "string" ? name : "embedding", models: [], serialized: model, h5Path: `layers/${toKerasSnakeCase(cls)}` }];
  }
  if (cls === undefined || !MODEL_CLASSES.has(cls)) {
    throw new ValueError(`${what} must describe a Sequential or functional model (or an Embedding layer). Received class_name=${show(cls)}`);
  }
  const found: FoundLayer[] = [];
  walk(model, "", [modelName(model)], 0, found, what);
  return found;
}

const describe = (layer: FoundLayer) => [...layer.models, layer.name].join("/");

/** The layer named `name`, or the only Embedding when `name` is undefined; otherwise an error listing the candidates. */
export function pickLayer(layers: readonly FoundLayer[], name: string | undefined, what: string): FoundLayer {
  const list = layers.map((l) => JSON.stringify(describe(l))).join(", ");
  if (name === undefined) {
    if (layers.length === 1) return layers[0]!;
    if (layers.length === 0) throw new ValueError(`${what} holds no Embedding layer.`);
    throw new ValueError(`${what} holds ${layers.length} Embedding layers (${list}); pass options.layer to choose one.`);
  }
  if (typeof name !== "string" || name === "") throw new ValueError(`options.layer must be a non-empty string (a layer name). Received: layer=${show(name)}`);
  // A name may be given bare ("emb") or with the models holding it ("outer/inner/emb").
  const matches = layers.filter((l) => l.name === name || describe(l) === name || describe(l).endsWith(`/${name}`));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new ValueError(`${what} holds ${matches.length} Embedding layers matching layer=${JSON.stringify(name)} (${matches.map((l) => JSON.stringify(describe(l))).join(", ")}); give the full path.`);
  throw new ValueError(`${what} has no Embedding layer named ${JSON.stringify(name)}. Embedding layers: ${list || "(none)"}.`);
}
