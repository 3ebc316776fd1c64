// The checksum HDF5 puts on its version-2 metadata (superblock, object headers): Bob Jenkins'
// lookup3 `hashlittle` with an initial value of 0, reading the bytes in little-endian order
// (HDF5 File Format Specification, section II.A "Superblock Checksum" and appendix "Checksums";
// algorithm from Jenkins' lookup3.c, public domain).

const rotate = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** lookup3 `hashlittle(bytes, initval)` as an unsigned 32-bit integer. */
export function lookup3(bytes: Uint8Array, initval = 0): number {
  let length = bytes.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let at = 0;
  const word = (p: number) => bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
  while (length > 12) {
    a = (a + word(at)) | 0;
    b = (b + word(at + 4)) | 0;
    c = (c + word(at + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rotate(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rotate(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rotate(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rotate(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rotate(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rotate(b, 4); b = (b + a) | 0;
    length -= 12;
    at += 12;
  }
  if (length === 0) return c >>> 0;
  // The last 1-12 bytes, zero-padded, into a, b and c.
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2]! |= bytes[at + i]! << (8 * (i & 3));
  a = (a + tail[0]!) | 0;
  b = (b + tail[1]!) | 0;
  c = (c + tail[2]!) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rotate(b, 14)) | 0;
  a ^= c; a = (a - rotate(c, 11)) | 0;
  b ^= a; b = (b - rotate(a, 25)) | 0;
  c ^= b; c = (c - rotate(b, 16)) | 0;
  a ^= c; a = (a - rotate(c, 4)) | 0;
  b ^= a; b = (b - rotate(a, 14)) | 0;
  c ^= b; c = (c - rotate(b, 24)) | 0;
  return c >>> 0;
}
