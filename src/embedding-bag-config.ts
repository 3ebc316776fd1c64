// Reading an EmbeddingBag config: camelCase (getConfig()) or snake_case keys, bare or wrapped in
// `{ className | class_name: "EmbeddingBag", config }`. Configs are data only (no functions,
// accessors or objects with methods), as for Embedding; unknown keys are errors naming the key.
import { checkData } from "./embedding-config.ts";
import { ValueError, show } from "./errors.ts";
import { mapKeys, own, toCamelCase } from "./serialization.ts";
import { isPlainObject } from "./validate.ts";

const KEYS = new Set([
  "name", "trainable", "dtype", "inputDim", "outputDim", "mode", "paddingIdx", "maxNorm", "normType", "scaleGradByFreq",
  "includeLastOffset", "embeddingsInitializer", "embeddingsRegularizer", "embeddingsConstraint",
]);

export function readEmbeddingBagConfig(raw: unknown): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new ValueError(`An EmbeddingBag config must be a plain object. Received: ${show(raw)}`);
  checkData(raw, "config", 0, new Set(), "EmbeddingBag");
  let body: unknown = raw;
  if (own(raw, "className") !== undefined || own(raw, "class_name") !== undefined) {
    for (const field of ["className", "class_name"]) {
      const name = own(raw, field);
      if (name !== undefined && name !== "EmbeddingBag") throw new ValueError(`Expected a config of class "EmbeddingBag". Received: ${field}=${show(name)}`);
    }
    body = own(raw, "config");
  }
  const config = mapKeys("EmbeddingBag", body, (k) => k);
  const options: Record<string, unknown> = Object.create(null);
  const written = new Map<string, string>();
  for (const key of Object.keys(config)) {
    const name = toCamelCase(key);
    const earlier = written.get(name);
    if (earlier !== undefined) throw new ValueError(`This EmbeddingBag config gives ${JSON.stringify(earlier)} and ${JSON.stringify(key)}, two spellings of one key; keep one.`);
    written.set(name, key);
    if (!KEYS.has(name)) throw new ValueError(`Unrecognized key in EmbeddingBag config: ${JSON.stringify(key)}`);
    if (config[key] !== undefined) options[name] = config[key];
  }
  return options;
}
