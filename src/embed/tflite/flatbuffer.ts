/**
 * A minimal, bounds-checked FlatBuffers reader: enough to walk the tables, vectors and strings of
 * a TFLite model without generated code. Every offset is checked against the buffer, so a damaged
 * file throws {@link FlatBufferError} instead of reading garbage.
 */

/** A structural problem in the bytes (offset out of range, bad vtable). */
export class FlatBufferError extends Error {}

/** One table: typed accessors by field index (the order of fields in the schema, from 0). */
export class Table {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #pos: number;
  readonly #vtable: number;
  readonly #vtableSize: number;

  constructor(bytes: Uint8Array, pos: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = pos;
    check(bytes, pos, 4);
    this.#vtable = pos - this.#view.getInt32(pos, true);
    check(bytes, this.#vtable, 4);
    this.#vtableSize = this.#view.getUint16(this.#vtable, true);
    if (this.#vtableSize < 4 || this.#vtableSize % 2) {
      throw new FlatBufferError(`bad vtable size ${this.#vtableSize} at ${this.#vtable}`);
    }
    check(bytes, this.#vtable, this.#vtableSize);
  }

  /** Absolute position of field `index`, or 0 when the field is absent. */
  #field(index: number): number {
    const at = 4 + 2 * index;
    if (at >= this.#vtableSize) return 0;
    const offset = this.#view.getUint16(this.#vtable + at, true);
    return offset ? this.#pos + offset : 0;
  }

  /** Follows the uoffset stored at `pos`. */
  #deref(pos: number): number {
    check(this.#bytes, pos, 4);
    const target = pos + this.#view.getUint32(pos, true);
    check(this.#bytes, target, 4);
    return target;
  }

  /** True when field `index` is present. */
  has(index: number): boolean {
    return this.#field(index) !== 0;
  }

  /** Scalar fields (absent: `fallback`). */
  int8(index: number, fallback = 0): number {
    const p = this.#field(index);
    return p ? (check(this.#bytes, p, 1), this.#view.getInt8(p)) : fallback;
  }
  uint8(index: number, fallback = 0): number {
    const p = this.#field(index);
    return p ? (check(this.#bytes, p, 1), this.#view.getUint8(p)) : fallback;
  }
  int32(index: number, fallback = 0): number {
    const p = this.#field(index);
    return p ? (check(this.#bytes, p, 4), this.#view.getInt32(p, true)) : fallback;
  }
  uint32(index: number, fallback = 0): number {
    const p = this.#field(index);
    return p ? (check(this.#bytes, p, 4), this.#view.getUint32(p, true)) : fallback;
  }
  float32(index: number, fallback = 0): number {
    const p = this.#field(index);
    return p ? (check(this.#bytes, p, 4), this.#view.getFloat32(p, true)) : fallback;
  }

  /** A sub-table field, or null. */
  table(index: number): Table | null {
    const p = this.#field(index);
    return p ? new Table(this.#bytes, this.#deref(p)) : null;
  }

  /** A string field (UTF-8), or `fallback`. */
  string(index: number, fallback = ""): string {
    const bytes = this.bytes(index);
    return bytes ? new TextDecoder().decode(bytes) : fallback;
  }

  /** A `[ubyte]` vector field as a view into the buffer (no copy), or null. */
  bytes(index: number): Uint8Array | null {
    const v = this.#vector(index, 1);
    return v ? this.#bytes.subarray(v.start, v.start + v.length) : null;
  }

  /** An `[int]` vector field (empty when absent). */
  int32s(index: number): number[] {
    const v = this.#vector(index, 4);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => this.#view.getInt32(v.start + 4 * i, true));
  }

  /** A `[float]` vector field (empty when absent). */
  float32s(index: number): number[] {
    const v = this.#vector(index, 4);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => this.#view.getFloat32(v.start + 4 * i, true));
  }

  /** A `[long]` vector field as numbers (empty when absent). */
  int64s(index: number): number[] {
    const v = this.#vector(index, 8);
    if (!v) return [];
    return Array.from(
      { length: v.length },
      (_, i) => Number(this.#view.getBigInt64(v.start + 8 * i, true)),
    );
  }

  /** A vector of tables (empty when absent). */
  tables(index: number): Table[] {
    const v = this.#vector(index, 4);
    if (!v) return [];
    return Array.from(
      { length: v.length },
      (_, i) => new Table(this.#bytes, this.#deref(v.start + 4 * i)),
    );
  }

  #vector(index: number, elementSize: number): { start: number; length: number } | null {
    const p = this.#field(index);
    if (!p) return null;
    const at = this.#deref(p);
    const length = this.#view.getUint32(at, true);
    check(this.#bytes, at + 4, length * elementSize);
    return { start: at + 4, length };
  }
}

function check(bytes: Uint8Array, pos: number, size: number): void {
  if (pos < 0 || size < 0 || pos + size > bytes.length) {
    throw new FlatBufferError(`offset ${pos}+${size} outside the ${bytes.length}-byte buffer`);
  }
}

/**
 * The root table of a FlatBuffer, after checking the 4-byte file identifier at offset 4 when
 * one is given.
 *
 * @example
 * const model = rootTable(bytes, "TFL3"); // throws FlatBufferError for other files
 */
export function rootTable(bytes: Uint8Array, identifier?: string): Table {
  if (bytes.length < 8) throw new FlatBufferError(`${bytes.length} bytes is too short`);
  if (identifier !== undefined) {
    const found = String.fromCharCode(...bytes.subarray(4, 8));
    if (found !== identifier) {
      throw new FlatBufferError(`file identifier is "${found}", expected "${identifier}"`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Table(bytes, view.getUint32(0, true));
}
