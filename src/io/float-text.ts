// Shortest decimal text of a float32 value that reads back (as float32) to the same value, so
// text formats written here round-trip bit for bit. Nine significant digits always suffice for
// float32; shorter ones are tried first because most tables come from 5-7 digit text.

/** The shortest decimal string `s` with `Math.fround(Number(s)) === value`; "nan", "inf", "-inf" otherwise. */
export function float32Text(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  for (let digits = 6; ; digits++) {
    const text = value.toPrecision(digits);
    if (digits === 9 || Math.fround(Number(text)) === value) return trimZeros(text);
  }
}

/** "0.418000" → "0.418", "1.50000e-7" → "1.5e-7", "2.00000" → "2". */
function trimZeros(text: string): string {
  const e = text.indexOf("e");
  let mantissa = e < 0 ? text : text.slice(0, e);
  if (mantissa.includes(".")) mantissa = mantissa.replace(/\.?0+$/, "");
  return e < 0 ? mantissa : mantissa + text.slice(e);
}
