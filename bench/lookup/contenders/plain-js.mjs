// The lookup written directly in JavaScript: what a caller could do with no library at all.
// One `Float32Array.prototype.set` of a row subarray per index, into an output allocated once
// (so it is compared with callInto / zero-copy, which do not allocate either).

export const jsLoop = {
  name: "js-loop",
  group: "peer",
  async prepare(data) {
    const { table, indices, n, dim } = data;
    const out = new Float32Array(n * dim);
    return {
      setup: {},
      step: () => {
        for (let i = 0; i < n; i++) {
          const src = indices[i] * dim;
          out.set(table.subarray(src, src + dim), i * dim);
        }
      },
      output: () => out,
      dispose: () => {},
    };
  },
};
