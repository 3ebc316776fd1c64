// Reading named members out of a zip archive held in memory, and writing a small archive. Archives
// come from strangers, so the reader trusts nothing it is told: it locates members through the
// central directory, reads only the names the caller asks for (a member called "../x" is never
// looked at, and nothing is ever written to a file system), refuses encrypted or unknown
// compression, checks every offset against the buffer, allocates at most the declared size of a
// member after checking that size against a limit and against what deflate can produce from the
// stored bytes, stops inflating as soon as the output would pass the declared size, and checks the
// CRC-32. Layout from PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.16, 4.4).
import { Inflate, zipSync } from "fflate";
import { ValueError } from "../errors.ts";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
/** Deflate cannot expand input by more than about 1032:1 (258-byte matches coded in 2 bits). */
const DEFLATE_MAX_RATIO = 1032;
/** Compressed bytes handed to the inflater per step, so an over-long stream is caught early. */
const INFLATE_STEP = 1 << 16;

/** Limits for `readZipMembers`. */
export interface ZipLimits {
  /** Largest inflated size accepted for each member, by name. */
  maxBytes: Readonly<Record<string, number>>;
  /** Names the archive in error messages. */
  what: string;
}

interface Entry {
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3 polynomial 0xEDB88320, reflected), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function findEndRecord(bytes: Uint8Array, what: string): number {
  if (bytes.length < END_RECORD_BYTES) throw new ValueError(`${what} is not a zip archive: it is only ${bytes.length} bytes long.`);
  const lowest = Math.max(0, bytes.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_RECORD_BYTES; at >= lowest; at--) {
    if (u32(bytes, at) === END_OF_DIRECTORY && at + END_RECORD_BYTES + u16(bytes, at + 20) === bytes.length) return at;
  }
  const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new ValueError(`${what} is not a zip archive (or is truncated): no end-of-central-directory record found. It starts with bytes ${magic}.`);
}

/**
 * The central directory's entries for `wanted` names (every name when `wanted` is null, with its
 * declared size); a name given twice is an error (which one would be meant?).
 */
function readDirectory(bytes: Uint8Array, wanted: ReadonlySet<string> | null, what: string): Map<string, Entry> {
  const end = findEndRecord(bytes, what);
  const count = u16(bytes, end + 10);
  const directorySize = u32(bytes, end + 12);
  const directoryOffset = u32(bytes, end + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    throw new ValueError(`${what} is a zip64 archive, which this reader does not support.`);
  }
  if (directoryOffset + directorySize > end) {
    throw new ValueError(`${what} is corrupt: its central directory (${directorySize} bytes at offset ${directoryOffset}) runs past the end record at ${end}.`);
  }
  const decoder = new TextDecoder();
  const found = new Map<string, Entry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directoryOffset + directorySize || u32(bytes, at) !== CENTRAL_HEADER) {
      throw new ValueError(`${what} is corrupt: central directory entry ${i} of ${count} is missing or malformed.`);
    }
    const nameLength = u16(bytes, at + 28);
    const next = at + 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (next > directoryOffset + directorySize) throw new ValueError(`${what} is corrupt: central directory entry ${i} runs past the directory.`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (wanted === null || wanted.has(name)) {
      if (found.has(name)) throw new ValueError(`${what} holds two members named ${JSON.stringify(name)}; refusing to guess which one is meant.`);
      found.set(name, {
        flags: u16(bytes, at + 8),
        method: u16(bytes, at + 10),
        crc: u32(bytes, at + 16),
        compressedSize: u32(bytes, at + 20),
        size: u32(bytes, at + 24),
        localOffset: u32(bytes, at + 42),
      });
    }
    at = next;
  }
  return found;
}

function inflateCapped(compressed: Uint8Array, size: number, name: string, what: string): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > size) {
      throw new ValueError(`${what}: member ${JSON.stringify(name)} inflates to more than the ${size} bytes its header declares.`);
    }
    out.set(chunk, written);
    written += chunk.length;
    if (final) finished = true;
  });
  try {
    for (let at = 0; at < compressed.length; at += INFLATE_STEP) {
      inflater.push(compressed.subarray(at, Math.min(compressed.length, at + INFLATE_STEP)), at + INFLATE_STEP >= compressed.length);
    }
    if (compressed.length === 0) inflater.push(compressed, true);
  } catch (cause) {
    if (cause instanceof ValueError) throw cause;
    throw new ValueError(`${what}: member ${JSON.stringify(name)} is not valid deflate data (${(cause as Error).message}).`, { cause });
  }
  if (!finished || written !== size) {
    throw new ValueError(`${what}: member ${JSON.stringify(name)} inflates to ${written} bytes, not the ${size} its header declares.`);
  }
  return out;
}

function readMember(bytes: Uint8Array, name: string, entry: Entry, maxBytes: number, what: string): Uint8Array {
  const quoted = JSON.stringify(name);
  if (entry.flags & 1) throw new ValueError(`${what}: member ${quoted} is encrypted.`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ValueError(`${what}: member ${quoted} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported.`);
  }
  if (entry.size > maxBytes) {
    throw new ValueError(`${what}: member ${quoted} declares ${entry.size} bytes, more than the ${maxBytes} bytes accepted for it.`);
  }
  const plausible = entry.method === 0 ? entry.size === entry.compressedSize : entry.size <= entry.compressedSize * DEFLATE_MAX_RATIO + 1024;
  if (!plausible) {
    throw new ValueError(`${what}: member ${quoted} declares ${entry.size} bytes from ${entry.compressedSize} stored bytes, which its compression cannot produce.`);
  }
  const local = entry.localOffset;
  if (local + 30 > bytes.length || u32(bytes, local) !== LOCAL_HEADER) {
    throw new ValueError(`${what} is corrupt: the local header of member ${quoted} is missing at offset ${local}.`);
  }
  // The local header must name the same member: readers that trust one or the other copy of the
  // name could otherwise be shown different files.
  const localNameLength = u16(bytes, local + 26);
  const localName = new TextDecoder().decode(bytes.subarray(local + 30, Math.min(bytes.length, local + 30 + localNameLength)));
  if (localName !== name) throw new ValueError(`${what} is corrupt: member ${quoted} has a local header naming ${JSON.stringify(localName)}.`);
  const dataStart = local + 30 + localNameLength + u16(bytes, local + 28);
  if (dataStart + entry.compressedSize > bytes.length) {
    throw new ValueError(`${what} is truncated: member ${quoted} needs ${entry.compressedSize} bytes at offset ${dataStart}, past the end of the ${bytes.length}-byte archive.`);
  }
  const stored = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  const data = entry.method === 0 ? stored.slice() : inflateCapped(stored, entry.size, name, what);
  if (crc32(data) !== entry.crc) throw new ValueError(`${what} is corrupt: member ${quoted} fails its CRC-32 check.`);
  return data;
}

/**
 * Reads the members named in `limits.maxBytes` from a zip archive. Missing members are absent from
 * the result (the caller decides whether that is an error); every other problem throws a
 * `ValueError` naming the archive and the member.
 */
export function readZipMembers(bytes: Uint8Array, limits: ZipLimits): Map<string, Uint8Array> {
  const wanted = new Set(Object.keys(limits.maxBytes));
  const entries = readDirectory(bytes, wanted, limits.what);
  const members = new Map<string, Uint8Array>();
  for (const [name, entry] of entries) members.set(name, readMember(bytes, name, entry, limits.maxBytes[name]!, limits.what));
  return members;
}

/** The names of an archive's members and the sizes they declare, from its central directory. */
export function listZipMembers(bytes: Uint8Array, what: string): { name: string; size: number }[] {
  return [...readDirectory(bytes, null, what)].map(([name, entry]) => ({ name, size: entry.size }));
}

/** A zip archive holding `members` (name → bytes), deflated, in the order given. */
export function writeZip(members: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, data] of members) files[name] = data;
  // A fixed timestamp keeps the archive a pure function of its contents.
  return zipSync(files, { level: 6, mtime: new Date(1980, 0, 1) });
}
