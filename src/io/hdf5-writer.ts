// A small synchronous HDF5 writer for what Keras weight files hold: nested groups carrying string
// attributes, and contiguous little-endian datasets of float32, int8, float16, or bfloat16 (which
// Keras stores as 2-byte opaque elements marked by a "dtype" attribute). Section numbers below are those of
// the HDF5 File Format Specification (version 3.0). The layout is the one the HDF5 library writes
// with `libver="v108"` or later, reduced to what is needed:
//
//   superblock version 2 (II.A) | object headers, version 2 (IV.A.1.b), root group first |
//   one global heap collection holding the attribute strings (III.E) | dataset bytes, 8-aligned
//
// Groups are "new style" with compact link storage: a Link Info, a Group Info and one Link message
// per member, all in the group's object header (IV.A.2.c, IV.A.2.j, IV.A.2.g). Attributes are
// Attribute messages in the object header (IV.A.2.m); like h5py (and so Keras), a string attribute
// is a scalar variable-length UTF-8 string whose bytes sit in the global heap. Offsets and lengths
// are 8 bytes wide; metadata is checksummed with Jenkins' lookup3 (hdf5-checksum.ts).
import { ValueError, show } from "../errors.ts";
import { lookup3 } from "./hdf5-checksum.ts";

/** Element types of a dataset: `data` is a Float32Array, an Int8Array, or (float16, bfloat16) a Uint16Array of bit patterns. */
export type H5Dtype = "float32" | "int8" | "float16" | "bfloat16";

/** What `writeHdf5` puts in a file: groups and datasets (both with string attributes), by absolute path. */
export interface H5Content {
  groups: ReadonlyArray<{ path: string; attributes?: Readonly<Record<string, string>> }>;
  datasets: ReadonlyArray<{
    path: string;
    data: Float32Array | Int8Array | Uint16Array;
    shape: readonly number[];
    /** Default "float32". */
    dtype?: H5Dtype;
    attributes?: Readonly<Record<string, string>>;
  }>;
}

/** The typed array each dtype's data comes in, and its element size. */
const DTYPE_ARRAYS: Record<H5Dtype, [Float32ArrayConstructor | Int8ArrayConstructor | Uint16ArrayConstructor, number]> = {
  float32: [Float32Array, 4],
  int8: [Int8Array, 1],
  float16: [Uint16Array, 2],
  bfloat16: [Uint16Array, 2],
};

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEFINED_ADDRESS = -1;
const SUPERBLOCK_BYTES = 48;
/** The HDF5 library never writes a global heap collection smaller than this (III.E). */
const MIN_HEAP_BYTES = 4096;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Header message types (IV.A.2). */
const enum Message {
  Dataspace = 0x01,
  LinkInfo = 0x02,
  Datatype = 0x03,
  FillValue = 0x05,
  Link = 0x06,
  DataLayout = 0x08,
  GroupInfo = 0x0a,
  Attribute = 0x0c,
}
/** Header message flag bit 0: the message's contents never change (IV.A.1.b). */
const CONSTANT = 1;

/** A little-endian byte buffer that grows as it is written. */
class Bytes {
  private buf = new Uint8Array(64);
  length = 0;

  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
    }
    this.length += n;
    return at;
  }
  u8(...values: number[]): this {
    // `room` may replace the buffer: take the offset before touching `this.buf`.
    for (const v of values) {
      const at = this.room(1);
      this.buf[at] = v;
    }
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = v >>> 8;
    return this;
  }
  u32(v: number): this {
    this.u16(v & 0xffff);
    return this.u16(v >>> 16);
  }
  /** An 8-byte offset or length; UNDEFINED_ADDRESS writes all ones (II.A: "undefined address"). */
  u64(v: number): this {
    if (v === UNDEFINED_ADDRESS) return this.u32(0xffffffff).u32(0xffffffff);
    this.u32(v % 2 ** 32);
    return this.u32(Math.floor(v / 2 ** 32));
  }
  bytes(data: Uint8Array): this {
    const at = this.room(data.length);
    this.buf.set(data, at);
    return this;
  }
  zeros(n: number): this {
    const at = this.room(n);
    this.buf.fill(0, at, this.length);
    return this;
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

interface AttributeNode {
  name: Uint8Array;
  ascii: boolean;
  value: Uint8Array;
  heapIndex: number;
}
interface GroupNode {
  kind: "group";
  path: string;
  links: { name: Uint8Array; ascii: boolean; target: Node }[];
  attributes: AttributeNode[];
  address: number;
}
interface DatasetNode {
  kind: "dataset";
  path: string;
  data: Float32Array | Int8Array | Uint16Array;
  dtype: H5Dtype;
  shape: readonly number[];
  attributes: AttributeNode[];
  address: number;
  dataAddress: number;
}
type Node = GroupNode | DatasetNode;

const utf8 = new TextEncoder();

/** A link or attribute name, or an attribute value, as UTF-8; refuses what HDF5 cannot store. */
function encodeText(text: unknown, what: string, allowEmpty: boolean): { bytes: Uint8Array; ascii: boolean } {
  if (typeof text !== "string") throw new ValueError(`${what} must be a string. Received: ${show(text)}`);
  if (!allowEmpty && text === "") throw new ValueError(`${what} must not be empty.`);
  // HDF5 stores names and these strings null-terminated: a NUL inside would cut them short.
  if (text.includes("\0")) throw new ValueError(`${what} must not contain a NUL character. Received: ${show(text)}`);
  if (LONE_SURROGATE.test(text)) throw new ValueError(`${what} is not valid Unicode (it holds a lone surrogate), so it has no UTF-8 form. Received: ${show(text)}`);
  return { bytes: utf8.encode(text), ascii: /^[\x00-\x7f]*$/.test(text) };
}

/** The group tree of `content`, checked: absolute paths, parents first, no name used twice. */
function buildTree(content: H5Content): { root: GroupNode; groups: GroupNode[]; datasets: DatasetNode[] } {
  if (content === null || typeof content !== "object" || !Array.isArray(content.groups) || !Array.isArray(content.datasets)) {
    throw new ValueError(`content must be { groups: [...], datasets: [...] }. Received: ${show(content)}`);
  }
  const root: GroupNode = { kind: "group", path: "/", links: [], attributes: [], address: 0 };
  const byPath = new Map<string, Node>([["/", root]]);
  const place = (path: unknown, what: string): { parent: GroupNode; name: Uint8Array; ascii: boolean; path: string } => {
    if (typeof path !== "string" || !path.startsWith("/") || path.length < 2 || path.endsWith("/")) {
      throw new ValueError(`${what} must be an absolute path such as "/a/b". Received: ${show(path)}`);
    }
    if (byPath.has(path)) throw new ValueError(`${what} ${show(path)} is listed twice.`);
    const slash = path.lastIndexOf("/");
    const parentPath = slash === 0 ? "/" : path.slice(0, slash);
    const parent = byPath.get(parentPath);
    if (parent?.kind !== "group") throw new ValueError(`${what} ${show(path)}: its parent group ${show(parentPath)} must be listed (in content.groups) before it.`);
    const leaf = path.slice(slash + 1);
    if (leaf === "." || leaf === "..") throw new ValueError(`${what} ${show(path)}: "." and ".." are not names HDF5 can store.`);
    const { bytes, ascii } = encodeText(leaf, `${what} ${show(path)}: the name`, false);
    return { parent, name: bytes, ascii, path };
  };
  const readAttributes = (given: unknown, what: string): AttributeNode[] => {
    const attributes = given ?? {};
    if (attributes === null || typeof attributes !== "object") throw new ValueError(`${what}.attributes must be an object of strings. Received: ${show(attributes)}`);
    return Object.entries(attributes).map(([key, value]) => {
      const name = encodeText(key, `${what} attribute name`, false);
      const text = encodeText(value, `${what}.attributes[${JSON.stringify(key)}]`, true);
      return { name: name.bytes, ascii: name.ascii, value: text.bytes, heapIndex: 0 };
    });
  };
  const groups: GroupNode[] = [];
  content.groups.forEach((spec, i) => {
    const where = place(spec?.path, `content.groups[${i}].path`);
    const group: GroupNode = { kind: "group", path: where.path, links: [], attributes: readAttributes(spec.attributes, `content.groups[${i}]`), address: 0 };
    where.parent.links.push({ name: where.name, ascii: where.ascii, target: group });
    byPath.set(where.path, group);
    groups.push(group);
  });
  const datasets: DatasetNode[] = [];
  content.datasets.forEach((spec, i) => {
    const where = place(spec?.path, `content.datasets[${i}].path`);
    const { data, shape } = spec;
    const dtype: H5Dtype = spec.dtype ?? "float32";
    if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_ARRAYS, dtype)) throw new ValueError(`content.datasets[${i}].dtype must be "float32", "int8", "float16" or "bfloat16". Received: ${show(dtype)}`);
    const [arrayType] = DTYPE_ARRAYS[dtype];
    if (!(data instanceof arrayType)) throw new ValueError(`content.datasets[${i}].data must be ${arrayType === Int8Array ? "an" : "a"} ${arrayType.name} for dtype ${dtype}. Received: ${show(data)}`);
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > 32 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ValueError(`content.datasets[${i}].shape must be 1 to 32 non-negative integers. Received: ${show(shape)}`);
    }
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    if (count !== data.length) throw new ValueError(`content.datasets[${i}].shape [${shape.join(", ")}] holds ${count} values, but its data has ${data.length}.`);
    const attributes = readAttributes(spec.attributes, `content.datasets[${i}]`);
    const dataset: DatasetNode = { kind: "dataset", path: where.path, data, dtype, shape, attributes, address: 0, dataAddress: UNDEFINED_ADDRESS };
    where.parent.links.push({ name: where.name, ascii: where.ascii, target: dataset });
    byPath.set(where.path, dataset);
    datasets.push(dataset);
  });
  return { root, groups, datasets };
}

/** One header message: type, flags, body (IV.A.1.b: type 1 byte, size 2 bytes, flags 1 byte). */
function message(out: Bytes, type: Message, flags: number, body: Uint8Array): void {
  if (body.length > 0xffff) throw new ValueError(`An HDF5 header message of ${body.length} bytes is more than the 65535 bytes one message can hold (a name or attribute that long cannot be stored).`);
  out.u8(type).u16(body.length).u8(flags).bytes(body);
}

/** An object header, version 2 (IV.A.1.b): "OHDR", version, flags, chunk size, messages, checksum. */
function objectHeader(messages: Uint8Array): Uint8Array {
  const size = messages.length;
  // Flags bits 0-1 give the width of the "size of chunk #0" field; no times, no attribute limits.
  const [flags, width] = size < 0x100 ? [0, 1] : size < 0x10000 ? [1, 2] : [2, 4];
  const out = new Bytes().u8(0x4f, 0x48, 0x44, 0x52, 2, flags);
  if (width === 1) out.u8(size);
  else if (width === 2) out.u16(size);
  else out.u32(size);
  out.bytes(messages);
  const body = out.done();
  return new Bytes().bytes(body).u32(lookup3(body)).done();
}

/** A Datatype message for a little-endian IEEE float32 (IV.A.2.d, class 1 "floating-point"). */
function float32Type(): Uint8Array {
  // Class 1, version 1; bit field: byte order LE, mantissa normalization "msb implied" (2 << 4),
  // sign at bit 31. Properties: offset 0, precision 32, exponent at 23 (8 bits), mantissa at 0
  // (23 bits), exponent bias 127.
  return new Bytes().u8(0x11, 0x20, 31, 0).u32(4).u16(0).u16(32).u8(23, 8, 0, 23).u32(127).done();
}

/** A little-endian IEEE float16 (class 1): sign at bit 15, exponent at 10 (5 bits), mantissa at 0 (10 bits), bias 15. */
function float16Type(): Uint8Array {
  return new Bytes().u8(0x11, 0x20, 15, 0).u32(2).u16(0).u16(16).u8(10, 5, 0, 10).u32(15).done();
}

/** A signed 8-bit integer (IV.A.2.d, class 0 "fixed-point"; bit field: little-endian, signed): offset 0, precision 8. */
function int8Type(): Uint8Array {
  return new Bytes().u8(0x10, 0x08, 0, 0).u32(1).u16(0).u16(8).done();
}

/** A 2-byte opaque type without a tag (class 5), as h5py stores numpy's bfloat16 elements for Keras. */
function opaque2Type(): Uint8Array {
  return new Bytes().u8(0x15, 0, 0, 0).u32(2).done();
}

const DATATYPES: Record<H5Dtype, () => Uint8Array> = { float32: float32Type, int8: int8Type, float16: float16Type, bfloat16: opaque2Type };

/** A variable-length UTF-8 string type, null-terminated padding, as h5py writes `str` (IV.A.2.d, class 9). */
function utf8StringType(): Uint8Array {
  // Class 9 version 1; bit field: type 1 (string), padding 0 (null terminate), charset 1 (UTF-8).
  // Size 16: a 4-byte length and a global heap ID (8-byte collection address, 4-byte index). The
  // base type is an unsigned 8-bit integer (class 0, size 1, offset 0, precision 8).
  return new Bytes().u8(0x19, 0x01, 0x01, 0x00).u32(16).u8(0x10, 0, 0, 0).u32(1).u16(0).u16(8).done();
}

/** Link Info, Group Info and one Link message per member: a compact "new style" group. */
function groupMessages(group: GroupNode, heapAddress: number): Uint8Array {
  const out = new Bytes();
  // Link Info (IV.A.2.c): version 0, no creation order; no fractal heap nor name index (compact).
  message(out, Message.LinkInfo, 0, new Bytes().u8(0, 0).u64(UNDEFINED_ADDRESS).u64(UNDEFINED_ADDRESS).done());
  // Group Info (IV.A.2.j): version 0, default limits.
  message(out, Message.GroupInfo, CONSTANT, new Bytes().u8(0, 0).done());
  for (const link of group.links) {
    // Link (IV.A.2.g): version 1; flags: name length in 1, 2 or 4 bytes (bits 0-1), a character
    // set field (bit 4) only for non-ASCII names; a hard link (no type field) to the object header.
    const n = link.name.length;
    const [lengthFlag, lengthBytes] = n < 0x100 ? [0, 1] : n < 0x10000 ? [1, 2] : [2, 4];
    const body = new Bytes().u8(1, lengthFlag | (link.ascii ? 0 : 0x10));
    if (!link.ascii) body.u8(1);
    if (lengthBytes === 1) body.u8(n);
    else if (lengthBytes === 2) body.u16(n);
    else body.u32(n);
    body.bytes(link.name).u64(link.target.address);
    message(out, Message.Link, 0, body.done());
  }
  attributeMessages(out, group.attributes, heapAddress);
  return out.done();
}

/** One Attribute message per string attribute of a group or dataset. */
function attributeMessages(out: Bytes, attributes: readonly AttributeNode[], heapAddress: number): void {
  for (const attribute of attributes) {
    // Attribute (IV.A.2.m), version 3: name (null-terminated) with its character set, datatype,
    // a scalar dataspace (IV.A.2.b, version 2, rank 0, type 0), and the value: the string's byte
    // length and its global heap ID.
    const type = utf8StringType();
    const space = new Bytes().u8(2, 0, 0, 0).done();
    const body = new Bytes()
      .u8(3, 0)
      .u16(attribute.name.length + 1)
      .u16(type.length)
      .u16(space.length)
      .u8(attribute.ascii ? 0 : 1)
      .bytes(attribute.name)
      .u8(0)
      .bytes(type)
      .bytes(space)
      .u32(attribute.value.length)
      .u64(heapAddress)
      .u32(attribute.heapIndex);
    message(out, Message.Attribute, 0, body.done());
  }
}

function datasetMessages(dataset: DatasetNode, heapAddress: number): Uint8Array {
  const out = new Bytes();
  // Dataspace (IV.A.2.b), version 2: simple, no maximum dimensions (they equal the current ones).
  const space = new Bytes().u8(2, dataset.shape.length, 0, 1);
  for (const d of dataset.shape) space.u64(d);
  message(out, Message.Dataspace, 0, space.done());
  message(out, Message.Datatype, CONSTANT, DATATYPES[dataset.dtype]());
  // Fill Value (IV.A.2.f), version 3: allocation "late", fill written "if set", none set (as h5py).
  message(out, Message.FillValue, CONSTANT, new Bytes().u8(3, 0x0a).done());
  // Data Layout (IV.A.2.i), version 3, contiguous: address and size of the raw data. An empty
  // dataset has no storage (undefined address), as the HDF5 library leaves it.
  message(out, Message.DataLayout, 0, new Bytes().u8(3, 1).u64(dataset.dataAddress).u64(dataset.data.byteLength).done());
  attributeMessages(out, dataset.attributes, heapAddress);
  return out.done();
}

/** The global heap collection (III.E) holding each attribute value as object 1, 2, … */
function globalHeap(values: Uint8Array[]): Uint8Array {
  const pad8 = (n: number) => Math.ceil(n / 8) * 8;
  const used = 16 + values.reduce((sum, v) => sum + 16 + pad8(v.length), 0);
  // The rest of the collection is free space, described by object 0 (which needs its 16-byte header).
  const size = Math.max(MIN_HEAP_BYTES, pad8(used + 16));
  const out = new Bytes().u8(0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0).u64(size);
  values.forEach((value, i) => {
    // Object: index, reference count (0, as h5py leaves it for attribute strings), reserved, size, data padded to 8.
    out.u16(i + 1).u16(0).u32(0).u64(value.length).bytes(value).zeros(pad8(value.length) - value.length);
  });
  out.u16(0).u16(0).u32(0).u64(size - used).zeros(size - used - 16);
  return out.done();
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Writes an HDF5 file holding `content` and returns its bytes. Parents must be listed before
 * children; the root group "/" exists already. Throws a `ValueError` (before building anything)
 * for a relative or repeated path, a missing parent, a name HDF5 cannot store, or a dataset whose
 * shape does not match its data.
 */
export function writeHdf5(content: H5Content): Uint8Array {
  const { root, groups, datasets } = buildTree(content);
  const heapValues: Uint8Array[] = [];
  for (const node of [root, ...groups, ...datasets]) {
    for (const attribute of node.attributes) attribute.heapIndex = heapValues.push(attribute.value);
  }
  if (heapValues.length > 0xffff) throw new ValueError(`content holds ${heapValues.length} attributes; one global heap collection holds at most 65535.`);
  const heap = heapValues.length > 0 ? globalHeap(heapValues) : new Uint8Array(0);
  // Header sizes do not depend on the addresses written in them: measure, place, then write.
  const objects: Node[] = [root, ...groups, ...datasets];
  const encode = (node: Node, heapAddress: number) => objectHeader(node.kind === "group" ? groupMessages(node, heapAddress) : datasetMessages(node, heapAddress));
  let at = SUPERBLOCK_BYTES;
  for (const node of objects) {
    node.address = at;
    at = align8(at + encode(node, 0).length);
  }
  const heapAddress = heap.length > 0 ? at : UNDEFINED_ADDRESS;
  at = align8(at + heap.length);
  for (const dataset of datasets) {
    if (dataset.data.length === 0) continue;
    dataset.dataAddress = at;
    at = align8(at + dataset.data.byteLength);
  }
  const end = at;
  const file = new Uint8Array(end);
  // Superblock version 2 (II.A): sizes of offsets and lengths 8, no consistency flags, base
  // address 0, no superblock extension, end-of-file address, root group object header, checksum.
  const superblock = new Bytes().u8(...SIGNATURE, 2, 8, 8, 0).u64(0).u64(UNDEFINED_ADDRESS).u64(end).u64(root.address).done();
  file.set(new Bytes().bytes(superblock).u32(lookup3(superblock)).done(), 0);
  for (const node of objects) file.set(encode(node, heapAddress), node.address);
  if (heap.length > 0) file.set(heap, heapAddress);
  for (const dataset of datasets) {
    if (dataset.data.length === 0) continue;
    const target = file.subarray(dataset.dataAddress, dataset.dataAddress + dataset.data.byteLength);
    target.set(new Uint8Array(dataset.data.buffer, dataset.data.byteOffset, dataset.data.byteLength));
    const size = DTYPE_ARRAYS[dataset.dtype][1];
    if (!LITTLE_ENDIAN_HOST && size > 1) for (let i = 0; i < target.length; i += size) target.subarray(i, i + size).reverse();
  }
  return file;
}
