// Reading HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; writing is our own,
// synchronous code in hdf5-writer.ts). h5wasm is loaded on first use so that code which never reads
// an HDF5 file never downloads or compiles it. Files live only in h5wasm's in-memory file system,
// under a fresh name, and are removed when done.
//
// The "h5wasm" entry (its ESM build, in-memory file system) is used in Node too, on purpose: the
// "h5wasm/node" build is compiled with Emscripten's NODERAWFS, where a file name is a path on the
// host disk, and a loader must never write to or read from the caller's disk behind their back.
import { ValueError } from "../errors.ts";

type H5Module = typeof import("h5wasm");
type H5Api = H5Module["default"];
type H5Group = InstanceType<H5Api["Group"]>;
type H5File = InstanceType<H5Api["File"]>;
/** The emscripten FS object h5wasm exposes (only the calls used here). */
interface MemoryFs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
}

/**
 * The Emscripten module behind h5wasm, for reading a dataset's bytes as stored: h5wasm's `value`
 * turns them into a typed array, and has none for float16 (it throws).
 */
interface RawReader {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
}

let loading: Promise<{ h5: H5Api; fs: MemoryFs; groupType: number; datasetType: number; raw: RawReader }> | undefined;

let provided: H5Module | undefined;

/**
 * Hands the package the h5wasm module for reading HDF5 (`.weights.h5`, `.keras`):
 * `import * as h5wasm from "h5wasm"; useH5wasm(h5wasm);`. Needed in bundled browser apps only: Node
 * (and pages whose import map maps "h5wasm") load it by themselves on first use. The package never
 * imports h5wasm by a name bundlers follow, so apps that do not read Keras files do not carry its
 * 4 MB.
 */
export function useH5wasm(module: unknown): void {
  const api = (module as { default?: unknown } | null)?.default ?? module;
  if (api === null || typeof api !== "object" || typeof (api as { File?: unknown }).File !== "function" || !("ready" in api)) {
    throw new ValueError('useH5wasm(module) takes the h5wasm module: import * as h5wasm from "h5wasm"; useH5wasm(h5wasm).');
  }
  provided = { default: api } as unknown as H5Module;
  loading = undefined;
}

async function h5wasm() {
  loading ??= (async () => {
    // A specifier built at run time, which bundlers neither follow nor inline (see useH5wasm).
    const specifier = ["h5", "wasm"].join("");
    const module = provided ?? ((await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as H5Module);
    const h5 = module.default;
    const ready = (await h5.ready) as unknown as RawReader & { FS: MemoryFs; H5G_GROUP: number; H5G_DATASET: number };
    return { h5, fs: ready.FS, groupType: ready.H5G_GROUP, datasetType: ready.H5G_DATASET, raw: ready };
  })();
  try {
    return await loading;
  } catch (cause) {
    loading = undefined;
    throw new ValueError(`Could not load h5wasm, which reading HDF5 files needs: ${(cause as Error).message}`, { cause });
  }
}

let fileCount = 0;
const freshName = () => `/embedding-wasm-${Date.now().toString(36)}-${(fileCount++).toString(36)}.h5`;

/** A read-only view of an HDF5 file's groups, attributes and float32 datasets. */
export interface H5Reader {
  /** Kind of the object at `path`: a group, a dataset, or "other" (links to elsewhere, named types, nothing). */
  kind(path: string): "group" | "dataset" | "other";
  /** Names of the members of the group at `path`. */
  keys(path: string): string[];
  /** True when the existing member `path` is a group reached by a hard link (soft and external links are not followed). */
  isMemberGroup(path: string): boolean;
  /** A string attribute of the object at `path`, or undefined. */
  stringAttribute(path: string, name: string): string | undefined;
  /** Shape and HDF5 dtype string (e.g. "<f" for little-endian float32) of the dataset at `path`. */
  describe(path: string): { shape: number[]; dtype: string };
  /** The dataset's values; call `describe` first to check shape and dtype. */
  readFloat32(path: string): Float32Array;
  /** The dataset's int8 values; call `describe` first to check shape and dtype. */
  readInt8(path: string): Int8Array;
  /**
   * The dataset's elements as stored (C order, the file's byte order), for 16-bit floats: float16
   * ("<e"), and bfloat16, which Keras stores as 2-byte opaque elements marked with a "dtype" attribute.
   */
  readBytes(path: string): Uint8Array;
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` starts with the HDF5 signature (at offset 0, where Keras and h5py put it). */
export const isHdf5 = (bytes: Uint8Array) => HDF5_MAGIC.every((b, i) => bytes[i] === b);

/**
 * HDF5's superblock records the file's end address; a file cut short is named as such here rather
 * than failing somewhere inside the library. Layout: HDF5 File Format Specification, section II.A
 * (version 0/1: base address at byte 24 or 28, end address two addresses later; version 2/3: base
 * address at byte 12, end address two addresses later).
 */
function checkDeclaredLength(bytes: Uint8Array, what: string): void {
  const version = bytes[8];
  const offsetSize = version === 0 || version === 1 ? bytes[13] : bytes[9];
  const at = version === 0 ? 24 : version === 1 ? 28 : version === 2 || version === 3 ? 12 : -1;
  if (at < 0 || (offsetSize !== 4 && offsetSize !== 8) || bytes.length < at + 3 * offsetSize) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (p: number) => (offsetSize === 8 ? Number(view.getBigUint64(p, true)) : view.getUint32(p, true));
  const base = read(at);
  const end = read(at + 2 * offsetSize);
  if (base + end > bytes.length) {
    throw new ValueError(`${what} is truncated: its HDF5 superblock says the file is ${base + end} bytes long, but it has ${bytes.length}.`);
  }
}

/**
 * Opens `bytes` as an HDF5 file and passes a reader to `use`; the file is closed and deleted after.
 * `what` names the file in errors.
 */
export async function readHdf5<T>(bytes: Uint8Array, what: string, use: (reader: H5Reader) => T): Promise<T> {
  if (!isHdf5(bytes)) {
    const start = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new ValueError(`${what} is not an HDF5 file: it starts with bytes ${start || "(none)"}, not the HDF5 signature 89 48 44 46 0d 0a 1a 0a.`);
  }
  checkDeclaredLength(bytes, what);
  const { h5, fs, groupType, datasetType, raw } = await h5wasm();
  const name = freshName();
  fs.writeFile(name, bytes);
  let file: H5File | undefined;
  try {
    try {
      file = new h5.File(name, "r");
    } catch (cause) {
      throw new ValueError(`${what} could not be opened as an HDF5 file (${(cause as Error).message}).`, { cause });
    }
    const root = file;
    const fail = (path: string, cause: unknown): never => {
      throw new ValueError(`${what}: could not read ${JSON.stringify(path)} (${(cause as Error).message}).`, { cause });
    };
    const kind = (path: string): "group" | "dataset" | "other" => {
      // Walk one level at a time so a missing path is an answer, not an HDF5 error; a soft link
      // (which h5wasm would follow) is "other", as Keras refuses links too.
      let at = "";
      for (const part of path.split("/").filter((p) => p !== "")) {
        if (!(root.get(at || "/") instanceof h5.Group)) return "other";
        const group = root.get(at || "/") as H5Group;
        if (!group.keys().includes(part)) return "other";
        at = `${at}/${part}`;
        if (root.get_link(at)) return "other";
      }
      const type = root.get_type(at || "/");
      return type === groupType ? "group" : type === datasetType ? "dataset" : "other";
    };
    /** The dataset's values as h5wasm reads them, which must be a `type` array. */
    const readValues = <T extends Float32Array | Int8Array>(path: string, type: new (n: number) => T, name: string): T => {
      let value: unknown;
      try {
        value = (root.get(path) as InstanceType<H5Api["Dataset"]>).value;
      } catch (cause) {
        fail(path, cause);
      }
      if (!(value instanceof type)) throw new ValueError(`${what}: ${JSON.stringify(path)} did not read as ${name} values.`);
      return value;
    };
    const reader: H5Reader = {
      kind,
      keys(path) {
        const group = root.get(path);
        return group instanceof h5.Group ? group.keys() : [];
      },
      isMemberGroup(path) {
        return !root.get_link(path) && root.get_type(path) === groupType;
      },
      stringAttribute(path, attribute) {
        try {
          const entity = root.get(path) as H5Group | null;
          const attrs = entity?.attrs;
          if (attrs === undefined || !Object.hasOwn(attrs, attribute)) return undefined;
          const value = attrs[attribute]!.value;
          return typeof value === "string" ? value : undefined;
        } catch (cause) {
          return fail(`${path}@${attribute}`, cause);
        }
      },
      describe(path) {
        try {
          const dataset = root.get(path) as InstanceType<H5Api["Dataset"]>;
          return { shape: [...(dataset.shape ?? [])], dtype: String(dataset.dtype) };
        } catch (cause) {
          return fail(path, cause);
        }
      },
      readFloat32: (path) => readValues(path, Float32Array, "float32"),
      readInt8: (path) => readValues(path, Int8Array, "int8"),
      readBytes(path) {
        try {
          const dataset = root.get(path) as InstanceType<H5Api["Dataset"]> & { file_id: bigint; path: string };
          const { size, total_size: count, vlen } = dataset.metadata as { size: number; total_size: number; vlen: boolean };
          if (vlen) throw new Error("variable-length elements");
          const bytes = size * count;
          const ptr = raw._malloc(Math.max(1, bytes));
          if (ptr === 0) throw new Error(`could not allocate ${bytes} bytes`);
          try {
            raw.get_dataset_data(dataset.file_id, dataset.path, null, null, null, BigInt(ptr));
            return raw.HEAPU8.slice(ptr, ptr + bytes);
          } finally {
            raw._free(ptr);
          }
        } catch (cause) {
          return fail(path, cause);
        }
      },
    };
    try {
      return use(reader);
    } catch (cause) {
      if (cause instanceof ValueError) throw cause;
      // h5wasm reports a damaged file with plain Errors from deep inside the C library.
      throw new ValueError(`${what} is damaged or not a readable HDF5 file (${(cause as Error).message}).`, { cause });
    }
  } finally {
    try {
      file?.close();
    } finally {
      fs.unlink(name);
    }
  }
}
