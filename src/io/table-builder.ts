// A float32 table filled row by row: exactly sized when the row count is known, otherwise grown
// geometrically (×1.5, so growing never holds more than 2.5 tables) and trimmed at the end: by a
// view when the excess is under 1/8 of the buffer (no copy), by a copy otherwise.
import { ValueError } from "../errors.ts";

/** The most values a table may hold (4 GiB of float32, the WebAssembly memory limit). */
export const MAX_TABLE_VALUES = 2 ** 30;

/**
 * Rows to allocate first when a header declares `declared` rows but the source's size is unknown
 * (a stream): the header cannot be checked against the size, so trust it only up to 16 MiB of
 * table and grow from there.
 */
export function initialRows(declared: number, dim: number): number {
  return Math.min(declared, Math.max(1, Math.floor((1 << 24) / (4 * dim))));
}

export class TableBuilder {
  data: Float32Array;
  /** Rows written so far, reserved leading rows included. */
  rows: number;

  /** `capacity` rows to start with; the first `reserved` rows stay zero (padding). */
  constructor(
    readonly dim: number,
    capacity: number,
    reserved: number,
    readonly what: string,
  ) {
    this.rows = reserved;
    this.data = this.allocate(Math.max(capacity, reserved + 1));
  }

  private allocate(rows: number): Float32Array {
    if (rows * this.dim > MAX_TABLE_VALUES) {
      throw new ValueError(`${this.what}: ${rows} rows of ${this.dim} values are more than the ${MAX_TABLE_VALUES} values a table can hold.`);
    }
    return new Float32Array(rows * this.dim);
  }

  /** Offset of the next row, growing the table when full. */
  nextRow(): number {
    const at = this.rows * this.dim;
    if (at + this.dim > this.data.length) {
      const grown = this.allocate(Math.max(this.rows + 1, Math.ceil((this.data.length / this.dim) * 1.5)));
      grown.set(this.data);
      this.data = grown;
    }
    return at;
  }

  /** Exactly `rows + extra` rows: the extra rows (zeros) follow the written ones. */
  finish(extra: number): Float32Array {
    const length = (this.rows + extra) * this.dim;
    if (length === this.data.length) return this.data;
    // A small excess (an estimate slightly too high) is left in place rather than copied away.
    if (length < this.data.length) return length >= this.data.length * 0.875 ? this.data.subarray(0, length) : this.data.slice(0, length);
    const grown = this.allocate(this.rows + extra);
    grown.set(this.data.subarray(0, this.rows * this.dim));
    return grown;
  }
}
