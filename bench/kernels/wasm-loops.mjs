// The WebAssembly side of the bounds: a module assembled here, byte by byte (as contenders/bound.mjs
// does for memory.copy), with two v128 loops over a float32 region of an imported memory:
//
//   scale(ptr, bytes, s)  a[i] *= s: one read-and-write pass (64 bytes per iteration, 4 × v128)
//   sumSquares(ptr, bytes) → f32: Σ a[i]², four independent f32x4 accumulators: one read-only pass
//
// `bytes` must be a multiple of 64. Nothing here is clever: it is the shortest loop that moves the
// bytes at full width, so a kernel that does real work on the same bytes can be compared with it.

const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const name = (s) => vec([...Buffer.from(s)]);

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const get = (i) => [0x20, i], set = (i) => [0x21, i], tee = (i) => [0x22, i];
const simd = (op, ...rest) => [0xfd, ...uleb(op), ...rest];
const load = (offset) => simd(0x00, 4, ...uleb(offset)); // v128.load align=16
const store = (offset) => simd(0x0b, 4, ...uleb(offset)); // v128.store align=16
const F32X4_SPLAT = simd(0x13), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6);
const lane = (i) => simd(0x1f, i); // f32x4.extract_lane
const I32_ADD = [0x6a], I32_GE_U = [0x4f], F32_ADD = [0x92];
const i32 = (n) => [0x41, ...sleb(n)];

/** for (; ptr < end; ptr += 64) body */
const loop64 = (ptr, end, body) => [
  0x02, 0x40, 0x03, 0x40, // block, loop
  ...get(ptr), ...get(end), ...I32_GE_U, 0x0d, 1, // br_if out
  ...body,
  ...get(ptr), ...i32(64), ...I32_ADD, ...set(ptr),
  0x0c, 0, 0x0b, 0x0b, // br loop, end, end
];

// scale: params ptr 0, bytes 1, s 2; locals end 3 (i32), k 4 (v128)
const scaleBody = [
  ...vec([[1, I32], [1, V128]]),
  ...get(0), ...get(1), ...I32_ADD, ...set(3),
  ...get(2), ...F32X4_SPLAT, ...set(4),
  ...loop64(0, 3, [0, 16, 32, 48].flatMap((o) => [...get(0), ...get(0), ...load(o), ...get(4), ...F32X4_MUL, ...store(o)])),
  0x0b,
];

// sumSquares: params ptr 0, bytes 1; locals end 2 (i32), acc 3..6 (v128), x 7 (v128)
const sumBody = [
  ...vec([[1, I32], [5, V128]]),
  ...get(0), ...get(1), ...I32_ADD, ...set(2),
  ...loop64(0, 2, [0, 1, 2, 3].flatMap((k) => [...get(0), ...load(16 * k), ...tee(7), ...get(7), ...F32X4_MUL, ...get(3 + k), ...F32X4_ADD, ...set(3 + k)])),
  ...get(3), ...get(4), ...F32X4_ADD, ...get(5), ...F32X4_ADD, ...get(6), ...F32X4_ADD, ...tee(7),
  ...lane(0), ...get(7), ...lane(1), ...F32_ADD, ...get(7), ...lane(2), ...F32_ADD, ...get(7), ...lane(3), ...F32_ADD,
  0x0b,
];

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, ...vec([I32, I32, F32]), ...vec([])], [0x60, ...vec([I32, I32]), ...vec([F32])]])),
  ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
  ...section(3, vec([[0], [1]])),
  ...section(7, vec([[...name("scale"), 0x00, 0], [...name("sumSquares"), 0x00, 1]])),
  ...section(10, vec([[...uleb(scaleBody.length), ...scaleBody], [...uleb(sumBody.length), ...sumBody]])),
]);

let compiled;

/**
 * A memory holding a copy of `values` (a Float32Array whose byte length is a multiple of 64) at
 * offset 0, and the two loops bound to it.
 */
export function wasmLoops(values) {
  if (values.byteLength % 64) throw new Error(`wasmLoops: ${values.byteLength} bytes is not a multiple of 64`);
  compiled ??= new WebAssembly.Module(MODULE);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(values.byteLength / 65536)) });
  const view = new Float32Array(memory.buffer, 0, values.length);
  view.set(values);
  const { scale, sumSquares } = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
  return { view, bytes: values.byteLength, scale: (s) => scale(0, values.byteLength, s), sumSquares: () => sumSquares(0, values.byteLength) };
}
