/**
 * @internal Test instrumentation; not part of the public API (not exported by the package entry).
 * Guard bands of sentinel bytes around every region of a layer's memory, and access to them.
 */
import type { Embedding } from "./embedding.ts";
import { GUARD_BYTE, setDefaultGuardBytes, type KernelMemory } from "./core/memory.ts";

export { GUARD_BYTE };

/** Layers created while `fn` runs get `bytes` of guard band around each memory region. */
export function withGuardBands<T>(bytes: number, fn: () => T): T {
  setDefaultGuardBytes(bytes);
  try {
    return fn();
  } finally {
    setDefaultGuardBytes(0);
  }
}

/** The layer's KernelMemory (its regions, pointers and kernel). */
export function layerMemory(layer: Embedding): KernelMemory {
  const mem = (layer as unknown as { mem: KernelMemory | undefined }).mem;
  if (mem === undefined) throw new Error("the layer has been disposed");
  return mem;
}

/** Names of the guard bands of a layer's memory whose bytes changed (empty when intact). */
export function brokenGuards(layer: Embedding): string[] {
  return layerMemory(layer).brokenGuards();
}
