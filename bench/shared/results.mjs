// Where a suite's full report goes: bench/results/<name>.md (every table) and <name>.json (every
// number), gitignored. Returns the paths, relative to the repository, for the terminal to name.
import { mkdirSync, writeFileSync } from "node:fs";

const DIR = new URL("../results/", import.meta.url);

export function writeResults(name, markdown, report) {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(new URL(`${name}.md`, DIR), markdown);
  writeFileSync(new URL(`${name}.json`, DIR), JSON.stringify(report, null, 2) + "\n");
  return [`bench/results/${name}.md`, `bench/results/${name}.json`];
}
