// A bounded reader of zip archives held in memory (the container of .npz files): it lists members
// from the central directory (zip64 included) and extracts one member at a time, stored or
// deflated, refusing archives whose declared sizes exceed a budget and stopping inflation as soon
// as a member produces more bytes than it declares (zip bombs). Layout: PKWARE's APPNOTE.TXT.
import { Inflate } from "fflate";
import { ValueError } from "../errors.ts";

/** One member of an archive, as its central directory describes it. */
export interface ZipMember {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** File offset of the member's local header. */
  headerOffset: number;
}

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

function need(bytes: Uint8Array, at: number, length: number, what: string): void {
  if (at < 0 || at + length > bytes.length) throw new ValueError(`zip archive: ${what} at byte offset ${at} runs past the end of the file (${bytes.length} bytes): truncated or corrupt.`);
}

/** Lists the members of the archive in `bytes`. */
export function listZipMembers(bytes: Uint8Array): ZipMember[] {
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(bytes, at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new ValueError(`Not a zip archive: no end-of-central-directory record (50 4b 05 06) in its last ${Math.min(bytes.length, 22 + 0xffff)} bytes.`);
  if (u16(bytes, end + 4) !== 0 || u16(bytes, end + 6) !== 0) throw new ValueError(`zip archive: multi-part archives are not supported (byte offset ${end + 4}).`);
  let count = u16(bytes, end + 10);
  let directory = u32(bytes, end + 16);
  if (count === 0xffff || directory === 0xffffffff) {
    const locator = end - 20;
    need(bytes, locator, 20, "the zip64 locator");
    if (u32(bytes, locator) !== 0x07064b50) throw new ValueError(`zip archive: the zip64 locator expected at byte offset ${locator} is missing.`);
    const record = u64(bytes, locator + 8);
    need(bytes, record, 56, "the zip64 end record");
    if (u32(bytes, record) !== 0x06064b50) throw new ValueError(`zip archive: no zip64 end record at byte offset ${record}.`);
    count = u64(bytes, record + 32);
    directory = u64(bytes, record + 48);
  }
  // Each directory entry takes at least 46 bytes: a count the file cannot hold is refused up front.
  if (count * 46 > bytes.length) throw new ValueError(`zip archive: the directory declares ${count} members, more than a ${bytes.length}-byte file can hold.`);
  const members: ZipMember[] = [];
  let at = directory;
  for (let i = 0; i < count; i++) {
    need(bytes, at, 46, `directory entry ${i}`);
    if (u32(bytes, at) !== 0x02014b50) throw new ValueError(`zip archive: directory entry ${i} at byte offset ${at} has a wrong signature.`);
    const flags = u16(bytes, at + 8);
    if (flags & 1) throw new ValueError(`zip archive: member ${i} (directory entry at byte offset ${at}) is encrypted.`);
    const nameLength = u16(bytes, at + 28);
    const extraLength = u16(bytes, at + 30);
    const commentLength = u16(bytes, at + 32);
    need(bytes, at + 46, nameLength + extraLength, `the name of directory entry ${i}`);
    const name = new TextDecoder("utf-8").decode(bytes.subarray(at + 46, at + 46 + nameLength));
    let size = u32(bytes, at + 24);
    let compressedSize = u32(bytes, at + 20);
    let headerOffset = u32(bytes, at + 42);
    // zip64 extra field (id 1): 8-byte values for the fields saturated at 0xffffffff, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(bytes, e);
      const length = u16(bytes, e + 2);
      if (id === 1) {
        let v = e + 4;
        if (size === 0xffffffff && v + 8 <= e + 4 + length) (size = u64(bytes, v)), (v += 8);
        if (compressedSize === 0xffffffff && v + 8 <= e + 4 + length) (compressedSize = u64(bytes, v)), (v += 8);
        if (headerOffset === 0xffffffff && v + 8 <= e + 4 + length) headerOffset = u64(bytes, v);
      }
      e += 4 + length;
    }
    members.push({ name, method: u16(bytes, at + 10), crc32: u32(bytes, at + 16), compressedSize, size, headerOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

let crcTable: Int32Array | undefined;

/** CRC-32 (the zip/PNG polynomial 0xEDB88320). */
function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * The bytes of `member`. Its declared size must be at most `budget` (checked before anything is
 * allocated), and inflation stops with an error as soon as the output passes the declared size.
 */
export function readZipMember(bytes: Uint8Array, member: ZipMember, budget: number): Uint8Array {
  const label = `zip member ${JSON.stringify(member.name)}`;
  if (member.size > budget) throw new ValueError(`${label} declares ${member.size} bytes uncompressed, more than the ${budget} bytes left of the size limit.`);
  const local = member.headerOffset;
  need(bytes, local, 30, `the local header of ${label}`);
  if (u32(bytes, local) !== 0x04034b50) throw new ValueError(`${label}: no local header at byte offset ${local}.`);
  const start = local + 30 + u16(bytes, local + 26) + u16(bytes, local + 28);
  need(bytes, start, member.compressedSize, `the data of ${label}`);
  const packed = bytes.subarray(start, start + member.compressedSize);
  let out: Uint8Array;
  if (member.method === 0) {
    if (member.compressedSize !== member.size) throw new ValueError(`${label} is stored (not compressed) but declares ${member.compressedSize} stored and ${member.size} uncompressed bytes.`);
    out = packed.slice();
  } else if (member.method === 8) {
    out = new Uint8Array(member.size);
    let written = 0;
    let finished = false;
    const inflate = new Inflate((chunk, final) => {
      if (written + chunk.length > member.size) throw new ValueError(`${label} inflates past its declared ${member.size} bytes (data at byte offset ${start}): refused as a possible zip bomb.`);
      out.set(chunk, written);
      written += chunk.length;
      if (final) finished = true;
    });
    const step = 1 << 16;
    try {
      for (let at = 0; at < packed.length; at += step) inflate.push(packed.subarray(at, Math.min(packed.length, at + step)), at + step >= packed.length);
      if (packed.length === 0) inflate.push(packed, true);
    } catch (cause) {
      if (cause instanceof ValueError) throw cause;
      throw new ValueError(`${label}: the deflated data at byte offset ${start} is corrupt (${(cause as Error).message}).`, { cause });
    }
    if (!finished || written !== member.size) throw new ValueError(`${label} inflates to ${written} bytes, but declares ${member.size}${finished ? "" : " (the deflate stream does not end)"}.`);
  } else {
    throw new ValueError(`${label} uses compression method ${member.method}; only stored (0) and deflated (8) members can be read.`);
  }
  if (crc32(out) !== member.crc32) throw new ValueError(`${label}: CRC-32 mismatch (data at byte offset ${start}): the archive is corrupt.`);
  return out;
}
