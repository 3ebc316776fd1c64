// What the Keras and TF.js layer readers share: their result, their size limits, JSON parsing.
import { ValueError, invalidArgument } from "../errors.ts";
import { checkLoadOptions, progressReporter, type LoadOptions } from "./source.ts";

/** What a reader hands back: the layer's options (as the config reader made them) and its table. */
export interface LoadedLayer<T> {
  options: T;
  table: { data: Float32Array; shape: [number, number] };
}

/** Turns a serialized layer into options, throwing on anything unsupported (the Embedding config reader). */
export type ConfigReader<T> = (serialized: unknown) => T;

/** Largest JSON document (config.json, model.json) accepted: architectures are small. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/** Default limit on weight bytes read, and on a table's size: 4 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 32;

/** The `maxBytes` option, checked, or its default. */
export function checkMaxBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) invalidArgument("maxBytes", "a positive integer (bytes)", value);
  return value;
}

/** A reader's options, checked: the byte limit, the abort signal and a progress reporter. */
export function startLoad(options: LoadOptions & { maxBytes?: number }): {
  maxBytes: number;
  signal: AbortSignal | undefined;
  progress: ReturnType<typeof progressReporter>;
} {
  if (options === null || typeof options !== "object") invalidArgument("options", "an object", options);
  checkLoadOptions(options);
  return { maxBytes: checkMaxBytes(options.maxBytes), signal: options.signal, progress: progressReporter(options.onProgress) };
}

/** Parses UTF-8 JSON, naming `what` when it is not. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ValueError(`${what} is not valid UTF-8 JSON (${(cause as Error).message}).`, { cause });
  }
}
