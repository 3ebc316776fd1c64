// The header of an .npy file is a Python dict literal, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// This reads the subset numpy writes (dicts, tuples, lists, strings, integers, True/False/None)
// without evaluating anything, and reports the header byte where a malformed header goes wrong.
import { ValueError } from "../errors.ts";

/** A value of the literal subset. */
export type HeaderValue = string | number | boolean | null | HeaderValue[] | { [key: string]: HeaderValue };

/** Parses `text` (the header, starting at file offset `base`); errors name the offending file offset. */
export function parseHeaderLiteral(text: string, base: number): HeaderValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new ValueError(`.npy header: ${what} at byte offset ${base + i} (header text ${JSON.stringify(text.slice(0, 120))}).`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): HeaderValue => {
    if (depth > 16) fail("nesting too deep");
    space();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      if (s.includes("\\")) fail("escape sequences in strings are not supported");
      i = end + 1;
      return s;
    }
    if (c === "{") {
      i++;
      const dict: { [key: string]: HeaderValue } = Object.create(null);
      for (;;) {
        space();
        if (text[i] === "}") {
          i++;
          return dict;
        }
        const key = value(depth + 1);
        if (typeof key !== "string") fail("a dict key that is not a string");
        space();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        if ((key as string) in dict) fail(`the key ${JSON.stringify(key)} appears twice`);
        dict[key as string] = value(depth + 1);
        space();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: HeaderValue[] = [];
      for (;;) {
        space();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        space();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const word = /^(?:True|False|None|-?\d+L?)/.exec(text.slice(i, i + 40));
    if (word === null) fail(i >= text.length ? "unexpected end of header" : `unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
    i += word![0].length;
    if (word![0] === "True") return true;
    if (word![0] === "False") return false;
    if (word![0] === "None") return null;
    const n = Number(word![0].replace("L", ""));
    if (!Number.isSafeInteger(n)) fail(`the integer ${word![0]} is too large`);
    return n;
  };
  const result = value(0);
  space();
  if (i < text.length) fail("unexpected text after the dict");
  return result;
}
