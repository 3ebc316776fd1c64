// An independent, scalar TypeScript implementation of assembly/random.ts (xoshiro128+ in 8 streams
// seeded by SplitMix64; uniform, Box–Muller normal, truncated normal by rejection; the same float32
// polynomials for log, sin and cos). Every float32 operation is rounded with Math.fround, so the
// kernel's SIMD path must agree with it bit for bit.
const f = Math.fround;
const MASK64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): bigint {
  let z = state & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** The 8 streams for a seed; next() returns the 8 raw outputs of one step. */
export function streams(seed: number): { next(): Uint32Array } {
  const s64 = BigInt.asUintN(64, BigInt(seed));
  const st = Array.from({ length: 8 }, (_, s) => {
    const words = new Uint32Array(4);
    for (let w = 0; w < 4; w++) {
      const draw = splitmix64(s64 + 0x9e3779b97f4a7c15n * BigInt(2 * s + (w >> 1) + 1));
      words[w] = Number(w & 1 ? draw >> 32n : draw & 0xffffffffn);
    }
    return words;
  });
  return {
    next() {
      const out = new Uint32Array(8);
      for (let s = 0; s < 8; s++) {
        const w = st[s]!;
        out[s] = (w[0]! + w[3]!) >>> 0;
        const t = (w[1]! << 9) >>> 0;
        w[2]! ^= w[0]!; w[3]! ^= w[1]!; w[1]! ^= w[2]!; w[0]! ^= w[3]!; w[2]! ^= t;
        w[3] = ((w[3]! << 11) | (w[3]! >>> 21)) >>> 0;
      }
      return out;
    },
  };
}

const unit = (x: number, plusOne = false) => f(((x >>> 8) + (plusOne ? 1 : 0)) * 2 ** -24);

const bits = new DataView(new ArrayBuffer(4));
function log(x: number): number {
  bits.setFloat32(0, x);
  const b = bits.getUint32(0);
  let e = (b >>> 23) - 127;
  bits.setUint32(0, (b & 0x007fffff) | 0x3f800000);
  let m = bits.getFloat32(0);
  if (m > f(Math.SQRT2)) {
    m = f(m * 0.5);
    e += 1;
  }
  const s = f(f(m - 1) / f(m + 1));
  const s2 = f(s * s);
  let p = f(1 / 9);
  for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) p = f(f(p * s2) + f(c));
  return f(f(e * f(Math.LN2)) + f(f(s * 2) * p));
}

function sinQuarter(phi: number): number {
  const x2 = f(phi * phi);
  let p = f(-1 / 39916800);
  for (const c of [1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1]) p = f(f(p * x2) + f(c));
  return f(p * phi);
}

function cosQuarter(phi: number): number {
  const x2 = f(phi * phi);
  let p = f(1 / 479001600);
  for (const c of [-1 / 3628800, 1 / 40320, -1 / 720, 1 / 24, -0.5, 1]) p = f(f(p * x2) + f(c));
  return p;
}

/** [cos(2 pi t), sin(2 pi t)] by quadrant and quarter-circle polynomials. */
function cosSin(t: number): [number, number] {
  const t4 = f(t * 4);
  const q = Math.trunc(t4);
  const phi = f(f(t4 - q) * f(Math.PI / 2));
  const c = cosQuarter(phi);
  const s = sinQuarter(phi);
  const odd = (q & 1) === 1;
  const cb = odd ? s : c;
  const sb = odd ? c : s;
  return [q === 1 || q === 2 ? -cb : cb, q >= 2 ? -sb : sb];
}

/** Eight standard normals from one step: [z_cos of streams 0..3 paired with 4..7, then z_sin]. */
function normals(raw: Uint32Array): number[] {
  const out = new Array<number>(8);
  for (let l = 0; l < 4; l++) {
    const r = f(Math.sqrt(f(-2 * log(unit(raw[l]!, true)))));
    const [c, s] = cosSin(unit(raw[4 + l]!));
    out[l] = f(r * c);
    out[4 + l] = f(r * s);
  }
  return out;
}

export type Kind = "uniform" | "symmetric" | "normal" | "truncated";

/** The kernel's fill, scalar: n float32s for (seed, kind, p0, p1, p2) as in assembly/random.ts. */
export function referenceFill(seed: number, n: number, kind: Kind, p0: number, p1: number, p2: number): Float32Array {
  const gen = streams(seed);
  const out = new Float32Array(n);
  const [a, b, c] = [f(p0), f(p1), f(p2)];
  for (let g = 0; g * 8 < n; g++) {
    let group: number[];
    if (kind === "uniform") {
      const raw = gen.next();
      group = Array.from(raw, (x) => Math.min(f(f(unit(x) * b) + a), c));
    } else if (kind === "symmetric") {
      // j · step for the signed top 24 bits j: a float64 product of a 24-bit integer and a float32 is
      // exact, so f() rounds it once, as the kernel's float32 multiply does.
      group = Array.from(gen.next(), (x) => f((x >> 8) * b)); // >> reads x as int32: the signed j
    } else if (kind === "normal") {
      group = normals(gen.next()).map((z) => f(f(z * b) + a));
    } else {
      const slots = new Array<number | undefined>(8).fill(undefined);
      while (slots.some((v) => v === undefined)) {
        const z = normals(gen.next());
        for (let l = 0; l < 8; l++) if (slots[l] === undefined && Math.abs(z[l]!) <= c) slots[l] = z[l];
      }
      group = slots.map((z) => f(f(z! * b) + a));
    }
    for (let l = 0; l < 8 && g * 8 + l < n; l++) out[g * 8 + l] = group[l]!;
  }
  return out;
}

/** RandomUniform(minval, maxval) as the kernel computes it (upper cap = float below maxval). */
export function referenceUniform(seed: number, n: number, minval: number, maxval: number): Float32Array {
  const min = f(minval);
  if (min === -f(maxval) && min < 0 && -min * 2 ** -31 >= 2 ** -126) return referenceFill(seed, n, "symmetric", 0, f(maxval) * 2 ** -23, 0);
  const range = f(f(maxval) - min);
  const below = new Float32Array([f(maxval)]);
  const view = new Int32Array(below.buffer);
  view[0] = below[0]! > 0 ? view[0]! - 1 : below[0]! < 0 ? view[0]! + 1 : 0x80000001 | 0;
  return referenceFill(seed, n, "uniform", min, range, range > 0 ? below[0]! : Infinity);
}
