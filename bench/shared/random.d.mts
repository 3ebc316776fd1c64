// Types of random.mjs, for the TypeScript tests that share the generator.
/** mulberry32: a small, fast, seeded 32-bit generator; returns floats in [0, 1). */
export declare function generator(seed: number): () => number;
