// A table in a WebAssembly memory of its own, for initializers, constraints and regularizers used
// outside a layer (`apply`). It grows for scratch like a layer's memory does.
import { ValueError, show } from "./errors.ts";
import type { FillTarget } from "./initializers/initializer.ts";
import { instantiateKernel, kernelDataEnd } from "./wasm.ts";

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE;

export const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function checkShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`shape must be an array of non-negative integers. Received: shape=${show(shape)}`);
  }
  return shape;
}

/** A FillTarget holding a table of `shape` (zeros, or a copy of `data`). */
export function standaloneTable(shape: readonly number[], data?: ArrayLike<number>): FillTarget & { view(): Float32Array } {
  checkShape(shape);
  const n = count(shape);
  const tablePtr = kernelDataEnd();
  const scratchPtr = Math.ceil((tablePtr + n * 4) / 64) * 64;
  if (scratchPtr > MAX_BYTES) throw new RangeError(`A table of shape [${shape.join(", ")}] does not fit in one WebAssembly memory (4 GiB).`);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(scratchPtr / PAGE)) });
  const view = () => new Float32Array(memory.buffer, tablePtr, n);
  if (data !== undefined) view().set(data);
  return {
    kernel: instantiateKernel(memory),
    ptr: tablePtr,
    shape,
    view,
    scratch(bytes: number): number {
      const end = scratchPtr + bytes;
      if (end > MAX_BYTES) throw new RangeError(`${bytes} bytes of scratch memory beside the table exceed one WebAssembly memory (4 GiB).`);
      if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
      return scratchPtr;
    },
  };
}
