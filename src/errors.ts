/**
 * Errors thrown by embedding-wasm. Messages name the argument, the value received and what was
 * expected, in the shape Keras uses: `inputDim must be a positive integer. Received: inputDim=12.5
 * (of type number)`.
 */

/** An argument or configuration value that is not acceptable (Keras raises `ValueError` here). */
export class ValueError extends Error {
  override name = "ValueError";
}

/**
 * Renders a received value for an error message: strings quoted, arrays and plain objects as JSON.
 * Only own data properties are read (no getters, no toJSON), so rendering never runs caller code.
 */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  const text = renderData(value, 0, new Set());
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function renderData(value: unknown, depth: number, seen: Set<object>): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
    if (typeof value === "boolean") return String(value);
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
    return "null";
  }
  if (seen.has(value)) return "[Circular]";
  if (depth > 8) return "…";
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < Math.min(value.length, 50); i++) {
        const d = Object.getOwnPropertyDescriptor(value, i);
        items.push(d && "value" in d ? renderData(d.value, depth + 1, seen) : "null");
      }
      return `[${items.join(",")}${value.length > 50 ? ",…" : ""}]`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `[object ${proto?.constructor?.name ?? "Object"}]`;
    const parts: string[] = [];
    for (const key of Object.keys(value).slice(0, 50)) {
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      parts.push(`${JSON.stringify(key)}:${"value" in d ? renderData(d.value, depth + 1, seen) : "[getter]"}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    seen.delete(value);
  }
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
