// Word vectors with a vocabulary: most-similar words and analogies (a − b + c, as gensim's
// most_similar(positive=[a, c], negative=[b])) over an Embedding's table with `nearest`. The table
// here is a toy one; a table read from a word-vector file with its `vocab` works the same way.
import { Embedding, Vocabulary } from "embedding-wasm";

// Four dimensions: royalty, maleness, femaleness, fruitiness (plus a little noise).
const words = {
  king: [0.9, 0.8, 0.1, 0], queen: [0.9, 0.1, 0.8, 0], man: [0.1, 0.9, 0.1, 0.05], woman: [0.1, 0.1, 0.9, 0.05],
  prince: [0.5, 0.8, 0.1, 0.3], princess: [0.5, 0.1, 0.8, 0.3], apple: [0, 0.05, 0.05, 0.9], pear: [0.05, 0, 0.1, 0.85],
};
// A Vocabulary maps tokens to rows, as loadWordVectors returns it with its layer.
const vocab = new Vocabulary(Object.keys(words));
const layer = new Embedding({ inputDim: vocab.size, outputDim: 4, weights: [Object.values(words)] });
const id = (word) => vocab.id(word); // a ValueError names an unknown word

/** The `k` words closest to `word` by cosine similarity (the word itself left out). */
function mostSimilar(word, k = 3) {
  const { indices, scores } = layer.nearest(id(word), { k });
  return Array.from(indices, (i, j) => [vocab.token(i), +scores[j].toFixed(3)]);
}

/** a − b + c on unit vectors (gensim's 3CosAdd), the three words left out of the answer. */
function analogy(a, b, c, k = 1) {
  const table = layer.getWeights()[0].data;
  const unit = (w) => {
    const row = table.subarray(id(w) * 4, id(w) * 4 + 4);
    const n = Math.hypot(...row);
    return Array.from(row, (v) => v / n);
  };
  const [va, vb, vc] = [unit(a), unit(b), unit(c)];
  const query = va.map((v, i) => v - vb[i] + vc[i]);
  const { indices, scores } = layer.nearest(query, { k, exclude: [id(a), id(b), id(c)] });
  return Array.from(indices, (i, j) => [vocab.token(i), +scores[j].toFixed(3)]);
}

console.log("most similar to king:", mostSimilar("king"));
console.log("king - man + woman:", analogy("king", "man", "woman"));
console.log("prince - man + woman:", analogy("prince", "man", "woman"));
console.log("closest to apple (dot):", Array.from(layer.nearest(id("apple"), { k: 1, metric: "dot" }).indices, (i) => vocab.token(i)));
