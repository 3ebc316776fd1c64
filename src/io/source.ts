// Where file loaders get their bytes: in-memory bytes, a Blob, a fetch Response, a URL (fetched), or a
// file path in Node. Big files are read as a stream of chunks so that a parser can work through them
// without holding the whole file; formats that need every byte at once (zip archives, HDF5) use
// `readAllBytes`. Both report progress as a fraction of the known size and honour an AbortSignal.
import { ValueError, show, typeName } from "../errors.ts";

/** A file's bytes, or where to get them: a path (Node), a URL string or `URL` (fetched), a `Blob` or a `Response`. */
export type ByteSource = Uint8Array | ArrayBuffer | Blob | Response | URL | string;

/** Options every loader takes. */
export interface LoadOptions {
  /** Called with the fraction done, in [0, 1], never decreasing, and 1 at the end. */
  onProgress?: (fraction: number) => void;
  /** Aborts the load: the promise rejects with a `DOMException` named `AbortError`. */
  signal?: AbortSignal;
}

/** A stream of a source's bytes, with its total size when known. */
export interface ByteStream {
  /** Total bytes, or undefined when the source does not say (a Response without Content-Length). */
  readonly size: number | undefined;
  /** A name for error messages (the path or URL, or a description). */
  readonly name: string;
  readonly chunks: AsyncIterable<Uint8Array>;
}

const CHUNK_BYTES = 1 << 20;

/** Throws the `AbortError` DOMException when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error && signal.reason.name === "AbortError"
      ? signal.reason
      : new DOMException("The operation was aborted.", "AbortError");
  }
}

function checkOptions(options: LoadOptions): void {
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new ValueError(`onProgress must be a function. Received: onProgress=${show(options.onProgress)}`);
  }
  const signal = options.signal as unknown;
  if (signal !== undefined && !(typeof signal === "object" && signal !== null && "aborted" in signal)) {
    throw new ValueError(`signal must be an AbortSignal. Received: signal=${show(signal)}`);
  }
}

/** A progress reporter that never goes backwards and reports 1 exactly once, at `done()`. */
export function progressReporter(onProgress: ((fraction: number) => void) | undefined): {
  report(fraction: number): void;
  done(): void;
} {
  let last = 0;
  return {
    report(fraction) {
      if (onProgress === undefined || !(fraction > last)) return;
      last = Math.min(fraction, 0.999999);
      onProgress(last);
    },
    done() {
      onProgress?.(1);
    },
  };
}

const isNodePath = (s: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith("file://");

async function* fromBytes(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES));
}

async function* fromReadable(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* fromFile(path: string | URL, size: number): AsyncIterable<Uint8Array> {
  const fs = await nodeFs();
  const handle = await fs.open(path, "r");
  try {
    let at = 0;
    while (at < size) {
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, size - at));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) return;
      at += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Node's fs/promises, imported only when a path is read. The specifier is built at run time and
 * marked for the bundlers, so browser builds (esbuild, Vite, webpack) neither resolve nor include it.
 */
function nodeFs(): Promise<typeof import("node:fs/promises")> {
  const specifier = ["node", "fs/promises"].join(":");
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}

function hasNodeFs(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}

async function fetched(url: string | URL, signal: AbortSignal | undefined): Promise<Response> {
  const response = await fetch(url, signal === undefined ? {} : { signal });
  if (!response.ok) throw new ValueError(`Could not fetch ${String(url)}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

function fromResponse(response: Response, name: string): ByteStream {
  if (response.bodyUsed) throw new ValueError(`source is a Response whose body was already read (${name}).`);
  // No Content-Length header means unknown (Number(null) would read it as 0).
  const header = response.headers.get("content-length");
  const length = header === null || header.trim() === "" ? NaN : Number(header);
  const size = Number.isSafeInteger(length) && length >= 0 && !response.headers.get("content-encoding") ? length : undefined;
  return { size, name, chunks: response.body === null ? fromBytes(new Uint8Array(0)) : fromReadable(response.body) };
}

/**
 * Opens `source` as a stream of chunks. `what` names the argument in errors (e.g. "source").
 * A string is a file path in Node (or a `file://` URL) and a URL elsewhere.
 */
export async function openSource(source: ByteSource, what = "source", signal?: AbortSignal): Promise<ByteStream> {
  throwIfAborted(signal);
  if (source instanceof Uint8Array) return { size: source.length, name: `${what} (bytes)`, chunks: fromBytes(source) };
  if (source instanceof ArrayBuffer) return { size: source.byteLength, name: `${what} (bytes)`, chunks: fromBytes(new Uint8Array(source)) };
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    return { size: source.size, name: `${what} (Blob)`, chunks: fromReadable(source.stream() as ReadableStream<Uint8Array>) };
  }
  if (typeof Response !== "undefined" && source instanceof Response) return fromResponse(source, `${what} (Response)`);
  if (typeof source === "string" || source instanceof URL) {
    const text = String(source);
    const local = source instanceof URL ? source.protocol === "file:" : isNodePath(text);
    if (local && hasNodeFs()) {
      const fs = await nodeFs();
      let size: number;
      try {
        const stat = await fs.stat(source);
        if (!stat.isFile()) throw new ValueError(`${what} ${JSON.stringify(text)} is not a file.`);
        size = stat.size;
      } catch (cause) {
        if (cause instanceof ValueError) throw cause;
        throw new ValueError(`Could not read ${what} ${JSON.stringify(text)}: ${(cause as Error).message}`, { cause });
      }
      return { size, name: text, chunks: fromFile(source, size) };
    }
    return fromResponse(await fetched(source, signal), text);
  }
  throw new ValueError(
    `${what} must be a Uint8Array, an ArrayBuffer, a Blob, a Response, a URL or a file path. Received: ${what}=${show(source)} (of type ${typeName(source)})`,
  );
}

/** A file on the local disk, read at any position into the caller's buffer (no intermediate copy). */
export interface LocalFile {
  readonly size: number;
  readonly name: string;
  /** Reads up to `target.length` bytes from byte `position` into `target`; the count read (0 at the end). */
  read(target: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens `source` for positioned reads when it is a file path (or `file:` URL) in Node, so that a
 * loader can read a file straight into its destination; undefined for every other source.
 */
export async function openLocalFile(source: ByteSource, what = "source"): Promise<LocalFile | undefined> {
  if (!(typeof source === "string" || source instanceof URL) || !hasNodeFs()) return undefined;
  const text = String(source);
  if (!(source instanceof URL ? source.protocol === "file:" : isNodePath(text))) return undefined;
  const fs = await nodeFs();
  let handle: Awaited<ReturnType<typeof fs.open>>;
  let size: number;
  try {
    handle = await fs.open(source, "r");
  } catch (cause) {
    throw new ValueError(`Could not read ${what} ${JSON.stringify(text)}: ${(cause as Error).message}`, { cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ValueError(`${what} ${JSON.stringify(text)} is not a file.`);
    size = stat.size;
  } catch (cause) {
    await handle.close();
    if (cause instanceof ValueError) throw cause;
    throw new ValueError(`Could not read ${what} ${JSON.stringify(text)}: ${(cause as Error).message}`, { cause });
  }
  return {
    size,
    name: text,
    read: async (target, position) => (await handle.read(target, 0, target.length, position)).bytesRead,
    close: () => handle.close(),
  };
}

/**
 * Bytes read from a local file per read: large, as every read is a round trip through Node's
 * thread pool; `signal` and progress are checked between reads.
 */
const FILE_PIECE_BYTES = 32 << 20;

/**
 * Fills `target()` (re-derived before each read, so a view that can move is fine) with the bytes
 * of `file` from byte `position`, reporting the fraction done after each read. Throws when the file
 * ends early (it shrank after it was opened).
 */
export async function readFileInto(
  file: LocalFile, target: () => Uint8Array, position: number, signal: AbortSignal | undefined, report: (fraction: number) => void,
): Promise<void> {
  const total = target().length;
  for (let done = 0; done < total; ) {
    throwIfAborted(signal);
    const n = await file.read(target().subarray(done, Math.min(total, done + FILE_PIECE_BYTES)), position + done);
    if (n === 0) throw new ValueError(`${file.name} ended at byte ${position + done}, before the ${file.size} bytes it had when opened.`);
    done += n;
    report(done / total);
  }
}

/**
 * Reads all of `source` into one Uint8Array (for formats that need random access), reporting progress
 * and checking `signal` between chunks. `maxBytes` bounds what a source may declare or deliver.
 */
export async function readAllBytes(source: ByteSource, options: LoadOptions & { what?: string; maxBytes?: number } = {}): Promise<Uint8Array> {
  checkOptions(options);
  const { signal } = options;
  const what = options.what ?? "source";
  const maxBytes = options.maxBytes ?? 2 ** 32;
  if (source instanceof Uint8Array) {
    options.onProgress?.(1);
    return source;
  }
  throwIfAborted(signal);
  const progress = progressReporter(options.onProgress);
  // A file on disk is read straight into one buffer of its size (no chunks to join).
  const file = await openLocalFile(source, what);
  if (file !== undefined) {
    try {
      if (file.size > maxBytes) throw new ValueError(`${file.name} is ${file.size} bytes, more than the ${maxBytes} bytes this loader accepts.`);
      const bytes = new Uint8Array(file.size);
      await readFileInto(file, () => bytes, 0, signal, (f) => progress.report(f));
      throwIfAborted(signal);
      progress.done();
      return bytes;
    } finally {
      await file.close();
    }
  }
  const stream = await openSource(source, what, signal);
  if (stream.size !== undefined && stream.size > maxBytes) {
    throw new ValueError(`${stream.name} is ${stream.size} bytes, more than the ${maxBytes} bytes this loader accepts.`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream.chunks) {
    throwIfAborted(signal);
    total += chunk.length;
    if (total > maxBytes) throw new ValueError(`${stream.name} holds more than the ${maxBytes} bytes this loader accepts.`);
    parts.push(chunk);
    if (stream.size) progress.report(total / stream.size);
  }
  throwIfAborted(signal);
  const bytes = parts.length === 1 && parts[0]!.byteOffset === 0 && parts[0]!.byteLength === parts[0]!.buffer.byteLength ? parts[0]! : new Uint8Array(total);
  if (bytes !== parts[0]) {
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
  }
  progress.done();
  return bytes;
}

export { checkOptions as checkLoadOptions };
