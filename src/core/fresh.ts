// Fresh result arrays. Every result this package returns (a lookup from `call`, `getWeights`, an
// initializer's `apply`) is a Float32Array on an ArrayBuffer of its own, so the caller may keep it,
// write it or transfer its buffer. The engine zero-fills a new ArrayBuffer, and for large results
// that fill costs about as much as the copy that then overwrites it; Node can hand out an
// uninitialized one instead (Buffer.allocUnsafeSlow: never pooled, its own ArrayBuffer of exactly
// the size asked for). Browsers have no such call and keep the zero-filled path.

/** Node's Buffer, where there is one (found structurally, so the package has no Node import). */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow?(size: number): Uint8Array } }).Buffer;
const allocUnsafeSlow = typeof NodeBuffer?.allocUnsafeSlow === "function" ? NodeBuffer.allocUnsafeSlow.bind(NodeBuffer) : undefined;

/** Below this many bytes the zero fill is cheap next to everything else a call does (measured: no gain at 80 KiB). */
const UNINITIALIZED_MIN_BYTES = 1 << 20;

/**
 * A Float32Array of `length` elements on a new ArrayBuffer of exactly `length * 4` bytes, whose
 * contents are unspecified: the caller must overwrite every element before handing it out.
 */
export function uninitializedFloat32(length: number): Float32Array<ArrayBuffer> {
  const bytes = length * 4;
  if (allocUnsafeSlow !== undefined && bytes >= UNINITIALIZED_MIN_BYTES) {
    const raw = allocUnsafeSlow(bytes);
    if (raw.byteOffset === 0 && raw.buffer.byteLength === bytes && raw.buffer instanceof ArrayBuffer) return new Float32Array(raw.buffer, 0, length);
  }
  return new Float32Array(length);
}

/** A copy of `source` in a fresh Float32Array of its own. */
export function freshCopy(source: Float32Array): Float32Array<ArrayBuffer> {
  const out = uninitializedFloat32(source.length);
  out.set(source);
  return out;
}
