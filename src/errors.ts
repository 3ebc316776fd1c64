/**
 * Errors thrown by embedding-wasm. Messages name the argument, the value received and what was
 * expected, in the shape Keras uses: `inputDim must be a positive integer. Received: inputDim=12.5
 * (of type number)`.
 */

/** An argument or configuration value that is not acceptable (Keras raises `ValueError` here). */
export class ValueError extends Error {
  override name = "ValueError";
}

/** Renders a received value for an error message: strings quoted, arrays and plain objects as JSON. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    // Cyclic or otherwise unserializable: fall through to the type name.
  }
  return Object.prototype.toString.call(value);
}

/** `typeof`, with `null` and arrays told apart, for the "(of type …)" part of a message. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** `Received: name=value (of type t)`, the tail every argument error ends with. */
export function received(name: string, value: unknown): string {
  return `Received: ${name}=${show(value)} (of type ${typeName(value)})`;
}

/** Throws `ValueError("<name> must be <expected>. Received: <name>=<value> (of type <type>)")`. */
export function invalidArgument(name: string, expected: string, value: unknown): never {
  throw new ValueError(`${name} must be ${expected}. ${received(name, value)}`);
}
