// The bound: one contiguous copy of as many bytes as a lookup writes (n × dim float32s, the first
// n × dim values of the table). A gather cannot beat this: it writes the same bytes and also reads
// scattered rows. Two ways are measured and the faster one per workload is "the bound":
// JavaScript's TypedArray.set (a memmove in V8) and WebAssembly's bulk-memory `memory.copy`.

/** Expected output of both: the table's first n × dim values. */
const expected = (data) => data.table.subarray(0, data.n * data.dim);

export const boundJs = {
  name: "bound-js",
  group: "bound",
  expected,
  async prepare(data) {
    const src = expected(data);
    const out = new Float32Array(src.length);
    return {
      setup: {},
      step: () => {
        out.set(src);
      },
      output: () => out,
      dispose: () => {},
    };
  },
};

// A hand-assembled module: imports env.memory and exports copy(dst, src, bytes) = memory.copy.
// prettier-ignore
const COPY_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32, i32, i32) -> ()
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00, // import env.memory (min 0)
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x07, 0x08, 0x01, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, // export "copy" = function 0
  0x0a, 0x0e, 0x01, 0x0c, 0x00, // code: one body of 12 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfc, 0x0a, 0x00, 0x00, // memory.copy 0 0
  0x0b, // end
]);

export const boundWasm = {
  name: "bound-wasm",
  group: "bound",
  expected,
  async prepare(data) {
    const src = expected(data);
    const bytes = src.byteLength;
    const dst = Math.ceil(bytes / 64) * 64;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((dst + bytes) / 65536) || 1 });
    const { copy } = new WebAssembly.Instance(new WebAssembly.Module(COPY_MODULE), { env: { memory } }).exports;
    new Float32Array(memory.buffer, 0, src.length).set(src);
    const out = new Float32Array(memory.buffer, dst, src.length);
    return {
      setup: {},
      step: () => {
        copy(dst, 0, bytes);
      },
      output: () => out,
      dispose: () => {},
    };
  },
};

/**
 * The floor of any lookup that returns a fresh array, `call` and the peers included: a new
 * Float32Array holding the same bytes, made exactly as `call` makes its result (the package's own
 * `freshCopy`), from a contiguous source. It is not "the bound": it measures what a fresh result
 * costs on this machine, so `call`'s ratio to it shows what the lookup adds on top.
 */
export const boundFresh = {
  name: "bound-fresh",
  group: "fresh-bound",
  expected,
  async prepare(data) {
    const { freshCopy } = await import("../../../dist/core/fresh.js");
    const src = expected(data);
    let last;
    return {
      setup: {},
      step: () => {
        last = freshCopy(src);
      },
      output: () => last,
      dispose: () => {},
    };
  },
};
