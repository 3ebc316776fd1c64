// Shortest decimal text of a float32 value that reads back (as float32) to the same value, so
// text formats written here round-trip bit for bit. Nine significant digits always suffice for
// float32; shorter ones are tried first because most tables come from 5-7 digit text.

/** The shortest decimal string `s` with `Math.fround(Number(s)) === value`; "nan", "inf", "-inf" otherwise. */
export function float32Text(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  // Six digits or fewer are found by trimming the 6-digit text, since a float32 is within half a
  // unit of its 24-bit significand of any shorter decimal that reads back to it; subnormals have
  // fewer significand bits, so for them every length is tried.
  for (let digits = Math.abs(value) < 1.1754943508222875e-38 ? 1 : 6; ; digits++) {
    const text = value.toPrecision(digits);
    if (digits === 9 || Math.fround(+text) === value) return trimZeros(text);
  }
}

/** "0.418000" → "0.418", "1.50000e-7" → "1.5e-7", "2.00000" → "2" (no regular expression: this runs per value). */
function trimZeros(text: string): string {
  const e = text.indexOf("e");
  const end = e < 0 ? text.length : e;
  const dot = text.indexOf(".");
  if (dot < 0 || dot > end) return text;
  let cut = end;
  while (text.charCodeAt(cut - 1) === 48) cut--;
  if (text.charCodeAt(cut - 1) === 46) cut--;
  if (cut === end) return text;
  return e < 0 ? text.slice(0, cut) : text.slice(0, cut) + text.slice(e);
}
