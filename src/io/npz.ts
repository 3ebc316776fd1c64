// Reading numpy's .npz archives (np.savez / np.savez_compressed): a zip of .npy members. Member
// names become plain keys (never paths: nothing touches a file system), and the total
// decompressed size is bounded so a zip bomb fails fast instead of filling memory.
import { ValueError, show, typeName } from "../errors.ts";
import { readNpy, type NpyArray } from "./npy.ts";
import { listZipMembers, readZipMembers } from "./zip.ts";

/** Options of {@link readNpz}. */
export interface NpzOptions {
  /** Most bytes all members may decompress to together (default 2^31, 2 GiB). */
  maxBytes?: number;
}

/**
 * Reads an .npz archive: one {@link NpyArray} per `.npy` member, keyed by the member name without
 * `.npy` (as numpy's `np.load(...)[key]`). The record has no prototype, so any name (`__proto__`,
 * `../x`) is just a key. Members that are not `.npy` files are skipped.
 *
 * Throws a `ValueError` for archives that are not zip, truncated or corrupt members (CRC-32
 * checked), unsupported compression, duplicate names, sizes over `maxBytes` (checked from the
 * declared sizes before inflating, and again while inflating) and any member `readNpy` refuses.
 */
export function readNpz(bytes: Uint8Array, options: NpzOptions = {}): Record<string, NpyArray> {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`bytes must be a Uint8Array. Received: ${show(bytes)} (of type ${typeName(bytes)})`);
  const maxBytes = options.maxBytes ?? 2 ** 31;
  if (typeof maxBytes !== "number" || !(maxBytes >= 0)) throw new ValueError(`maxBytes must be a non-negative number. Received: maxBytes=${show(maxBytes)}`);
  const members = listZipMembers(bytes, "The .npz archive").filter((m) => m.name.endsWith(".npy"));
  const declared = members.reduce((sum, m) => sum + m.size, 0);
  if (declared > maxBytes) throw new ValueError(`.npz members declare ${declared} bytes uncompressed in total, more than maxBytes=${maxBytes}.`);
  const arrays: Record<string, NpyArray> = Object.create(null);
  let budget = maxBytes;
  for (const member of members) {
    const key = member.name.slice(0, -4);
    if (key in arrays) throw new ValueError(`.npz archive has two members named ${JSON.stringify(member.name)}.`);
    const raw = readZipMembers(bytes, { maxBytes: { [member.name]: budget }, what: "The .npz archive" }).get(member.name)!;
    budget -= raw.length;
    try {
      arrays[key] = readNpy(raw);
    } catch (cause) {
      if (cause instanceof ValueError) throw new ValueError(`.npz member ${JSON.stringify(member.name)}: ${cause.message}`, { cause });
      throw cause;
    }
  }
  return arrays;
}
