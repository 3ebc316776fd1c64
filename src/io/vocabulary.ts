// A vocabulary: the token of every table row and the row of every token, with optional padding
// (row 0, for maskZero layers) and out-of-vocabulary rows.
import { ValueError, invalidArgument, show, typeName } from "../errors.ts";
import { isPlainObject } from "../validate.ts";

/** The JSON form of a {@link Vocabulary}. */
export interface VocabularyJSON {
  /** One token per table row, in row order (the padding and OOV tokens included). */
  tokens: string[];
  /** Token of row 0 when row 0 is padding, else null. */
  paddingToken: string | null;
  /** Token of the out-of-vocabulary row, else null. */
  oovToken: string | null;
}

/** Options of the {@link Vocabulary} constructor. */
export interface VocabularyOptions {
  /** Token of row 0 when row 0 is padding (must be `tokens[0]`). */
  paddingToken?: string | null;
  /** Token whose row stands for every unknown token (must be in `tokens`). */
  oovToken?: string | null;
}

/**
 * Maps tokens to table rows and back. Ids are row numbers of the embedding table.
 *
 * Unknown tokens: when the vocabulary has an OOV token, `id(unknown)` is the OOV row; otherwise
 * `id` throws a `ValueError` naming the token (check with `has` first, or configure an OOV row).
 */
export class Vocabulary {
  /** Token of each row, in row order. */
  readonly tokens: readonly string[];
  /** Token of the padding row (row 0), or null. */
  readonly paddingToken: string | null;
  /** Token of the out-of-vocabulary row, or null. */
  readonly oovToken: string | null;
  /** Row of the OOV token, or -1. */
  readonly oovId: number;
  private readonly index: Map<string, number>;

  /** Builds a vocabulary from one token per row; tokens must be distinct strings. */
  constructor(tokens: readonly string[], options: VocabularyOptions = {}) {
    if (!Array.isArray(tokens)) invalidArgument("tokens", "an array of strings", tokens);
    const index = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as unknown;
      if (typeof token !== "string") throw new ValueError(`tokens[${i}] must be a string. Received: ${show(token)} (of type ${typeName(token)})`);
      const before = index.get(token);
      if (before !== undefined) throw new ValueError(`tokens[${i}] ${JSON.stringify(token)} repeats tokens[${before}]: tokens must be distinct.`);
      index.set(token, i);
    }
    const padding = options.paddingToken ?? null;
    if (padding !== null && (typeof padding !== "string" || tokens[0] !== padding)) {
      throw new ValueError(`paddingToken must be the token of row 0 (${show(tokens[0])}). Received: paddingToken=${show(padding)}`);
    }
    const oov = options.oovToken ?? null;
    if (oov !== null && (typeof oov !== "string" || !index.has(oov))) {
      throw new ValueError(`oovToken must be one of the tokens. Received: oovToken=${show(oov)}`);
    }
    if (oov !== null && oov === padding) throw new ValueError(`oovToken and paddingToken must differ. Received: both ${show(oov)}`);
    this.tokens = Object.freeze([...tokens]);
    this.paddingToken = padding;
    this.oovToken = oov;
    this.oovId = oov === null ? -1 : index.get(oov)!;
    this.index = index;
  }

  /** Number of rows (tokens), the padding and OOV rows included. */
  get size(): number {
    return this.tokens.length;
  }

  /** Whether `token` has its own row (the OOV fallback does not count). */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Row of `token`; the OOV row for an unknown token when there is one, else throws a `ValueError`. */
  id(token: string): number {
    const id = this.index.get(token);
    if (id !== undefined) return id;
    if (typeof token !== "string") invalidArgument("token", "a string", token);
    if (this.oovId >= 0) return this.oovId;
    throw new ValueError(`Unknown token ${JSON.stringify(token)}: it is not in the vocabulary of ${this.size} tokens, which has no out-of-vocabulary row.`);
  }

  /** Token of row `id`; throws a `ValueError` outside [0, size). */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) invalidArgument("id", `an integer in [0, ${this.tokens.length})`, id);
    return this.tokens[id]!;
  }

  /** Rows of `tokens`, as layer input. Unknown tokens map to the OOV row, or throw naming their position. */
  encode(tokens: readonly string[]): Int32Array {
    if (!Array.isArray(tokens)) invalidArgument("tokens", "an array of strings", tokens);
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const id = this.index.get(tokens[i]!);
      if (id !== undefined) ids[i] = id;
      else if (typeof tokens[i] !== "string") throw new ValueError(`tokens[${i}] must be a string. Received: ${show(tokens[i])} (of type ${typeName(tokens[i])})`);
      else if (this.oovId >= 0) ids[i] = this.oovId;
      else throw new ValueError(`Unknown token ${JSON.stringify(tokens[i])} at tokens[${i}]: the vocabulary has no out-of-vocabulary row.`);
    }
    return ids;
  }

  /** The JSON form (`JSON.stringify(vocab)` uses it). */
  toJSON(): VocabularyJSON {
    return { tokens: [...this.tokens], paddingToken: this.paddingToken, oovToken: this.oovToken };
  }

  /** Rebuilds a vocabulary from {@link Vocabulary.toJSON}'s output (or its parsed JSON text). */
  static fromJSON(json: VocabularyJSON | string): Vocabulary {
    const value: unknown = typeof json === "string" ? JSON.parse(json) : json;
    if (!isPlainObject(value) || !Array.isArray(value.tokens)) invalidArgument("json", "an object { tokens, paddingToken, oovToken }", value);
    for (const key of ["paddingToken", "oovToken"] as const) {
      const v = value[key];
      if (v !== undefined && v !== null && typeof v !== "string") throw new ValueError(`json.${key} must be a string or null. Received: ${show(v)}`);
    }
    return new Vocabulary(value.tokens as string[], { paddingToken: (value.paddingToken as string | null) ?? null, oovToken: (value.oovToken as string | null) ?? null });
  }
}
