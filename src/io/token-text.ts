// Tokens of word-vector files: UTF-8 bytes turned into strings, with a fast path for ASCII (the
// common case) and a strict decoder otherwise so that invalid UTF-8 is an error, not U+FFFD.

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The token in `bytes[start, end)`, or undefined when it is not valid UTF-8. */
export function decodeToken(bytes: Uint8Array, start: number, end: number): string | undefined {
  let ascii = end - start <= 64;
  for (let i = start; ascii && i < end; i++) if (bytes[i]! >= 0x80) ascii = false;
  if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** A short, quoted preview of bytes for error messages. */
export function previewBytes(bytes: Uint8Array, start: number, end: number): string {
  const text = new TextDecoder("utf-8").decode(bytes.subarray(start, Math.min(end, start + 40)));
  return JSON.stringify(end - start > 40 ? `${text}…` : text);
}
