// The embedding-wasm command line, run as a child process on the built package: conversions
// through every format (values checked bit for bit), --limit, format sniffing, exit codes, clear
// messages, no output left behind by a failure and no progress bar when stderr is not a TTY.
import { spawnSync, execSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readNpy } from "../../src/index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "bin", "embedding-wasm.mjs");
// The command line imports ../dist: build it when missing or older than the io sources.
if (!existsSync(join(root, "dist", "io", "word-vectors.js")) || !readFileSync(join(root, "dist", "index.js"), "utf8").includes("loadWordVectors")) {
  execSync("npm run build", { cwd: root, stdio: "ignore" });
}

const dir = mkdtempSync(join(tmpdir(), "embedding-wasm-cli-"));
const at = (name: string) => join(dir, name);

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: dir });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TOKENS = ["the", "cat", "naïve", "dog"];
const TEXT = ["0.418 0.24968 -0.41242", "-1.5e-3 7 0.1", "1e-45 -0 3.4028235e38", "0.30000001192092896 2.5E-10 -9"];
const EXPECTED = TEXT.flatMap((line) => line.split(" ").map((t) => Math.fround(Number(t))));
const bits = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

function gloveFile(): string {
  const path = at("in.txt");
  writeFileSync(path, TOKENS.map((t, r) => `${t} ${TEXT[r]}`).join("\n") + "\n");
  return path;
}

/** Reads a word2vec text file written by the CLI: tokens and float32 values (parsed independently). */
function readW2vText(path: string): { tokens: string[]; values: number[]; header: string } {
  const [header, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  return { header: header!, tokens: lines.map((l) => l.split(" ")[0]!), values: lines.flatMap((l) => l.split(" ").slice(1).map((t) => Math.fround(Number(t)))) };
}

// ---------------------------------------------------------------------------------------------
const convert = suite("embedding-wasm convert");

convert("glove → word2vec → fasttext → tsv → npy → word2vec-text keeps every value bit for bit", () => {
  gloveFile();
  for (const [from, to, ...extra] of [
    ["in.txt", "a.bin"], ["a.bin", "b.vec"], ["b.vec", "c.tsv"], ["c.tsv", "d.npy", "--vocab", "d.vocab"], ["d.npy", "e.out", "--vocab", "d.vocab", "--to", "word2vec-text"],
  ] as const) {
    const r = run("convert", from, to, ...extra);
    assert.is(r.status, 0, `${from} → ${to}: ${r.stderr}`);
    assert.is(r.stderr, "", "no progress bar when stderr is not a TTY");
  }
  const out = readW2vText(at("e.out"));
  assert.is(out.header, "4 3");
  assert.equal(out.tokens, TOKENS);
  assert.equal(bits(out.values), bits(EXPECTED));
  // The intermediate files, read independently.
  const npy = readNpy(new Uint8Array(readFileSync(at("d.npy"))));
  assert.equal(npy.shape, [4, 3]);
  assert.equal(bits(npy.data as Float32Array), bits(EXPECTED));
  assert.is(readFileSync(at("c.metadata.tsv"), "utf8"), TOKENS.join("\n") + "\n");
  assert.is(readFileSync(at("c.tsv"), "utf8").split("\n")[0], "0.418\t0.24968\t-0.41242");
  const bin = readFileSync(at("a.bin"));
  assert.is(bin.subarray(0, 4).toString(), "4 3\n");
  assert.equal(bits(new Float32Array(bin.buffer.slice(bin.byteOffset + 8, bin.byteOffset + 20))), bits(EXPECTED.slice(0, 3)));
});

convert("--limit keeps the first vectors; a .txt with an 'N D' header is read as word2vec text", () => {
  writeFileSync(at("h.txt"), "3 2\na 1 2\nb 3 4\nc 5 6\n");
  const r = run("convert", "h.txt", "h2.vec", "--limit", "2");
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(at("h2.vec"), "utf8"), "2 2\na 1 2\nb 3 4\n");
  assert.is(run("convert", "--format=glove", "h.txt", "x.vec").status, 1, "forced glove: the header line is not a vector");
});

convert("--help prints the usage and exits 0", () => {
  const r = run("--help");
  assert.is(r.status, 0);
  assert.match(r.stdout, /^Usage: embedding-wasm convert <in> <out> \[options\]/);
});

// ---------------------------------------------------------------------------------------------
const failures = suite("embedding-wasm: errors and exit codes");

failures("usage errors exit 2 with the reason and the usage", () => {
  const cases: [string[], RegExp][] = [
    [[], /^embedding-wasm: no command given\n\nUsage:/],
    [["merge", "a", "b"], /^embedding-wasm: unknown command "merge"/],
    [["convert", "in.txt"], /^embedding-wasm: convert needs <in> and <out>/],
    [["convert", "in.txt", "out.xyz"], /^embedding-wasm: cannot tell the output format of "out.xyz" from its extension; give --to/],
    [["convert", "in.txt", "out.bin", "--limit", "-3"], /^embedding-wasm: --limit must be a positive integer, got "-3"/],
    [["convert", "in.txt", "out.bin", "--to", "gensim"], /^embedding-wasm: unknown output format "gensim"; expected one of word2vec, word2vec-text, glove, fasttext, npy, tsv/],
    [["convert", "in.txt", "out.bin", "--colour"], /^embedding-wasm: unknown option --colour/],
  ];
  gloveFile();
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.is(r.status, 2, args.join(" "));
    assert.match(r.stderr, message);
  }
});

failures("a failed conversion exits 1, names the problem and leaves no output", () => {
  writeFileSync(at("bad.txt"), "a 1 2\nb 1 x\n");
  const before = readdirSync(dir).length;
  const r = run("convert", "bad.txt", "bad.bin");
  assert.is(r.status, 1);
  assert.is(r.stderr, `embedding-wasm: error: bad.txt: line 2: value 2 "x" is not a number.\n`);
  assert.is(readdirSync(dir).length, before);
  const missing = run("convert", "nope.txt", "x.bin");
  assert.is(missing.status, 1);
  assert.is(missing.stderr, 'embedding-wasm: error: input file "nope.txt" does not exist\n');
  writeFileSync(at("t.npy"), new Uint8Array([1, 2, 3]));
  const npy = run("convert", "t.npy", "t.bin");
  assert.is(npy.status, 1);
  assert.match(npy.stderr, /^embedding-wasm: error: Not an \.npy file/);
});

failures("word-vector output from a table without tokens asks for --vocab", () => {
  gloveFile();
  assert.is(run("convert", "in.txt", "plain.npy").status, 0);
  const r = run("convert", "plain.npy", "plain.bin");
  assert.is(r.status, 1);
  assert.is(r.stderr, "embedding-wasm: error: word2vec output needs a token per row: give --vocab (for .npy input) or --metadata (for .tsv input)\n");
  assert.not.ok(existsSync(at("plain.bin")));
});

convert.run();
failures.run();
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
