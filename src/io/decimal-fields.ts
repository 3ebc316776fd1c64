// Parsing whitespace-separated decimal numbers straight from bytes into a Float32Array, without
// building strings: the hot loop of the text word-vector formats.
//
// Exactness: each value is the float32 nearest to the correctly rounded float64 of its text, i.e.
// exactly `Math.fround(Number(text))`, as numpy's `np.float32(float(text))` and gensim give. The
// fast path is Clinger's: a decimal whose significand m < 2^53 and whose power of ten |e| ≤ 22
// is m × 10^e or m / 10^e with both operands exact doubles, so one IEEE operation rounds it
// correctly (W. D. Clinger, "How to Read Floating Point Numbers Accurately", PLDI 1990). Longer
// significands, larger exponents, nan and inf go through `Number` on the field's text.

/** Exact powers of ten as doubles (10^22 is the largest exact one). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** `parseFields` result: a field is not a number. */
export const NOT_A_NUMBER = -1;
/** `parseFields` result: there are more than `max` fields. */
export const TOO_MANY = -2;

/** Where `parseFields` stopped early: the field's index and byte range. */
export const stopped = { field: 0, start: 0, end: 0 };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** The value of a field the fast path declined, or undefined when it is not a number. */
function slowField(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (end - start > 400) return undefined;
  const text = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  if (DECIMAL.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (special === null) return undefined;
  if (special[2]!.toLowerCase() === "nan") return NaN;
  return special[1] === "-" ? -Infinity : Infinity;
}

/**
 * Parses the numbers separated by spaces or tabs in `bytes[start, end)` into `out[at …]`, at most
 * `max` of them. Returns how many were parsed, or NOT_A_NUMBER or TOO_MANY with `stopped` set.
 */
export function parseFields(bytes: Uint8Array, start: number, end: number, out: Float32Array, at: number, max: number): number {
  let p = start;
  let n = 0;
  for (;;) {
    let c = 0;
    while (p < end && ((c = bytes[p]!) === 32 || c === 9)) p++;
    if (p >= end) return n;
    const fieldStart = p;
    if (n === max) {
      while (p < end && (c = bytes[p]!) !== 32 && c !== 9) p++;
      stopped.field = n;
      stopped.start = fieldStart;
      stopped.end = p;
      return TOO_MANY;
    }
    let negative = false;
    if (c === 45) {
      negative = true;
      p++;
    } else if (c === 43) p++;
    let m = 0;
    let scale = 0;
    let digits = 0;
    let d = 0;
    while (p < end && ((d = bytes[p]! - 48) >>> 0) <= 9) {
      m = m * 10 + d;
      digits++;
      p++;
    }
    if (p < end && bytes[p] === 46) {
      p++;
      while (p < end && ((d = bytes[p]! - 48) >>> 0) <= 9) {
        m = m * 10 + d;
        scale--;
        digits++;
        p++;
      }
    }
    // Every partial significand is at most the final one, so all were exact when it is ≤ 2^53.
    let fast = digits > 0 && m <= 9007199254740992;
    if (p < end && ((c = bytes[p]!) === 101 || c === 69) && digits > 0) {
      p++;
      let expNegative = false;
      if (p < end && ((c = bytes[p]!) === 45 || c === 43)) {
        expNegative = c === 45;
        p++;
      }
      let e = 0;
      let expDigits = 0;
      while (p < end && ((d = bytes[p]! - 48) >>> 0) <= 9) {
        if (e < 100000) e = e * 10 + d;
        expDigits++;
        p++;
      }
      if (expDigits === 0) fast = false;
      scale += expNegative ? -e : e;
    }
    if (p < end && (c = bytes[p]!) !== 32 && c !== 9) {
      fast = false;
      while (p < end && (c = bytes[p]!) !== 32 && c !== 9) p++;
    }
    let value: number;
    if (fast && m === 0) value = 0;
    else if (fast && scale >= 0 && scale <= 22) value = m * POW10[scale]!;
    else if (fast && scale < 0 && scale >= -22) value = m / POW10[-scale]!;
    else {
      const slow = slowField(bytes, fieldStart, p);
      if (slow === undefined) {
        stopped.field = n;
        stopped.start = fieldStart;
        stopped.end = p;
        return NOT_A_NUMBER;
      }
      out[at + n++] = slow;
      continue;
    }
    out[at + n++] = negative ? -value : value;
  }
}

/** Whether the field text is a number `parseFields` accepts. */
export function isNumberField(text: string): boolean {
  return DECIMAL.test(text) || SPECIAL.test(text);
}
