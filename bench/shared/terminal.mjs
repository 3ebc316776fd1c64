// What the bench prints while it runs: every line fits WIDTH columns, so a run reads the same in
// a 100-column terminal, a CI log or a file. The full tables go to bench/results/ instead.
// Widths are counted in UTF-8 bytes where a line could come near the limit ("µs" and "×" take two),
// so byte-counting tools (mawk's length, wc -L on some systems) agree that no line is too wide.

/** The widest line the bench prints. */
export const WIDTH = 100;

const bytes = (text) => Buffer.byteLength(text, "utf8");

/** `text` cut to at most `width` bytes, with "..." when something was cut. */
export function fit(text, width = WIDTH) {
  if (bytes(text) <= width) return text;
  let out = "";
  for (const char of text) {
    if (bytes(out) + bytes(char) + 3 > width) break;
    out += char;
  }
  return out + "...";
}

/** Prints one line to stdout, cut to WIDTH. */
export const say = (text = "") => process.stdout.write(text.split("\n").map((line) => fit(line)).join("\n") + "\n");

const length = (text) => [...text].length;
const padEnd = (text, width) => text + " ".repeat(Math.max(0, width - length(text)));
const padStart = (text, width) => " ".repeat(Math.max(0, width - length(text))) + text;

/** Seconds as a short duration with three significant digits: "58.6 µs", "1.62 ms", "2.10 s". */
export function duration(seconds) {
  const [value, unit] = seconds < 1e-6 ? [seconds * 1e9, "ns"] : seconds < 1e-3 ? [seconds * 1e6, "µs"] : seconds < 1 ? [seconds * 1e3, "ms"] : [seconds, "s"];
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`;
}

/** `text` broken at spaces into lines of at most `width` bytes (a longer word keeps its own line). */
export function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && bytes(line) + 1 + bytes(word) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/**
 * A plain-text table no wider than `width`: the first column names the rows and is repeated; the
 * other columns are split over as many tables as it takes, one under the other. Headers wrap at
 * spaces (so "uniform 20000x128" takes two short lines rather than one wide column); cells are
 * right-aligned and never cut.
 */
export function textTable(head, rows, width = WIDTH) {
  const gap = 2;
  const labelWidth = Math.max(length(head[0]), ...rows.map((r) => length(r[0])));
  const columns = head.slice(1).map((title, i) => {
    const cellWidth = Math.max(0, ...rows.map((r) => length(r[i + 1] ?? "")));
    const words = Math.max(...title.split(" ").map(length));
    const lines = wrap(title, Math.max(cellWidth, words, 16));
    // Bytes beyond one per character ("µ", "×") that a line through this column may carry.
    const extra = Math.max(0, ...[...lines, ...rows.map((r) => r[i + 1] ?? "")].map((t) => bytes(t) - length(t)));
    return { index: i + 1, lines, width: Math.max(cellWidth, ...lines.map(length)), extra };
  });
  const labelExtra = Math.max(0, ...[head[0], ...rows.map((r) => r[0])].map((t) => bytes(t) - length(t)));
  const span = (c) => gap + c.width + c.extra;
  const chunks = [];
  for (const column of columns) {
    const last = chunks.at(-1);
    const used = last ? labelWidth + labelExtra + last.reduce((sum, c) => sum + span(c), 0) : Infinity;
    if (last && used + span(column) <= width) last.push(column);
    else chunks.push([column]);
  }
  const out = [];
  for (const chunk of chunks) {
    const depth = Math.max(...chunk.map((c) => c.lines.length));
    for (let line = 0; line < depth; line++) {
      const label = line === depth - 1 ? head[0] : "";
      // Headers sit on the bottom lines, next to the cells they name.
      const cells = chunk.map((c) => padStart(c.lines[line - (depth - c.lines.length)] ?? "", c.width));
      out.push([padEnd(label, labelWidth), ...cells].join(" ".repeat(gap)).trimEnd());
    }
    out.push("-".repeat(Math.min(width, labelWidth + chunk.reduce((sum, c) => sum + gap + c.width, 0))));
    for (const row of rows) out.push([padEnd(row[0], labelWidth), ...chunk.map((c) => padStart(row[c.index] ?? "", c.width))].join(" ".repeat(gap)).trimEnd());
    out.push("");
  }
  return out.join("\n").trimEnd();
}

/** Widths the first parts of a progress line are padded to (suite, case, contender), so runs line up. */
const PROGRESS_COLUMNS = [11, 20, 16];

/**
 * The progress of a run: `step([suite, case, contender, result])` prints one line per finished
 * contender run, e.g. "lookup       10000×64 32×128       callInto          58.6 µs  (3/24)",
 * cut to WIDTH before the counter.
 */
export function progress(total) {
  let done = 0;
  return {
    step(parts) {
      const counter = `  (${++done}/${total})`;
      const padded = parts.map((part, i) => (i < PROGRESS_COLUMNS.length ? padEnd(part, PROGRESS_COLUMNS[i]) : part));
      say(fit(padded.join("  "), WIDTH - counter.length) + counter);
    },
  };
}

/** Targets under --targets: "PASS  what is asked  → measured", wrapped to WIDTH under a hanging indent. */
export function targetLines(targets) {
  const indent = "      ";
  return targets.flatMap((t) => {
    const lines = wrap(`${t.target} → ${t.measured}${t.also ? ` (${t.also})` : ""}`, WIDTH - indent.length);
    return lines.map((line, i) => (i === 0 ? t.status.padEnd(indent.length) : indent) + line);
  });
}
