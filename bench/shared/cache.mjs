// The last-level cache size, which decides how large a table must be for its rows to come from DRAM
// (bench/lookup/dram.mjs). Linux's sysfs gives the size of one cache instance; where the machine
// (a VM, say) has no cache entries there, glibc's getconf reads it from CPUID, which on some
// hypervisors reports the whole socket's L3 rather than the share one core sees. The larger of the
// two is the safe choice for "beyond the cache", and the report names where the number came from.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

function fromSysfs() {
  const base = "/sys/devices/system/cpu/cpu0/cache";
  try {
    let best;
    for (const entry of readdirSync(base).filter((e) => e.startsWith("index"))) {
      const level = Number(readFileSync(`${base}/${entry}/level`, "utf8"));
      const type = readFileSync(`${base}/${entry}/type`, "utf8").trim();
      const size = readFileSync(`${base}/${entry}/size`, "utf8").trim();
      const bytes = Number.parseInt(size, 10) * (size.endsWith("K") ? 1024 : size.endsWith("M") ? 1 << 20 : 1);
      if (type !== "Instruction" && (!best || level > best.level)) best = { level, bytes };
    }
    return best && { bytes: best.bytes, source: `sysfs (L${best.level} of cpu0)` };
  } catch {
    return undefined;
  }
}

function fromGetconf() {
  try {
    for (const level of [4, 3, 2]) {
      const bytes = Number(execFileSync("getconf", [`LEVEL${level}_CACHE_SIZE`], { encoding: "utf8" }).trim());
      if (bytes > 0) return { bytes, source: `getconf LEVEL${level}_CACHE_SIZE` };
    }
  } catch {
    // no getconf (not Linux/glibc)
  }
  return undefined;
}

/** Fallback when neither source answers: larger than any one core's L3 in common server parts. */
const FALLBACK = { bytes: 64 << 20, source: "no cache information: assumed 64 MiB" };

/** { bytes, source } of the last-level cache, the larger of what sysfs and getconf report. */
export function lastLevelCache() {
  const found = [fromSysfs(), fromGetconf()].filter(Boolean).sort((a, b) => b.bytes - a.bytes);
  return found[0] ?? FALLBACK;
}
