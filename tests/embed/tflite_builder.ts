/**
 * Writes small TFLite models for tests: a FlatBuffer writer (tables, vectors, strings; written
 * front to back, so every reference points forward as FlatBuffers requires) and a helper that
 * lays out a Model from tensors and operators, following schema.fbs field numbers.
 */

/** A field value of a table being written. */
export type Field =
  | { int8: number }
  | { int32: number }
  | { uint32: number }
  | { float32: number }
  | { table: TableSpec }
  | { tables: TableSpec[] }
  | { int32s: number[] }
  | { float32s: number[] }
  | { int64s: number[] }
  | { bytes: Uint8Array }
  | { string: string };

/** A table: its fields by schema field number (absent fields left undefined). */
export type TableSpec = (Field | undefined)[];

class Writer {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  reserve(n: number): number {
    while (this.length + n > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  align(n: number, offset = 0): void {
    while ((this.length + offset) % n) this.reserve(1);
  }

  view(): DataView {
    return new DataView(this.bytes.buffer);
  }

  /** Points the uoffset slot at `slot` to `target` (which must lie after it). */
  patch(slot: number, target: number): void {
    this.view().setUint32(slot, target - slot, true);
  }

  table(spec: TableSpec): number {
    this.align(4);
    const vtable = this.reserve(4 + 2 * spec.length);
    this.align(4);
    const table = this.reserve(4 + 4 * spec.length);
    const view = this.view();
    view.setUint16(vtable, 4 + 2 * spec.length, true);
    view.setUint16(vtable + 2, 4 + 4 * spec.length, true);
    view.setInt32(table, table - vtable, true);
    const later: [number, Field][] = [];
    spec.forEach((field, i) => {
      if (!field) return;
      const at = table + 4 + 4 * i;
      this.view().setUint16(vtable + 4 + 2 * i, at - table, true);
      if ("int8" in field) this.view().setInt8(at, field.int8);
      else if ("int32" in field) this.view().setInt32(at, field.int32, true);
      else if ("uint32" in field) this.view().setUint32(at, field.uint32, true);
      else if ("float32" in field) this.view().setFloat32(at, field.float32, true);
      else later.push([at, field]);
    });
    for (const [slot, field] of later) this.patch(slot, this.reference(field));
    return table;
  }

  reference(field: Field): number {
    if ("table" in field) return this.table(field.table);
    if ("tables" in field) {
      this.align(4);
      const at = this.reserve(4 + 4 * field.tables.length);
      this.view().setUint32(at, field.tables.length, true);
      field.tables.forEach((t, i) => this.patch(at + 4 + 4 * i, this.table(t)));
      return at;
    }
    if ("int64s" in field) {
      this.align(8, 4);
      const at = this.reserve(4 + 8 * field.int64s.length);
      this.view().setUint32(at, field.int64s.length, true);
      field.int64s.forEach((v, i) => this.view().setBigInt64(at + 4 + 8 * i, BigInt(v), true));
      return at;
    }
    if ("int32s" in field || "float32s" in field) {
      const values = "int32s" in field ? field.int32s : field.float32s;
      this.align(4);
      const at = this.reserve(4 + 4 * values.length);
      this.view().setUint32(at, values.length, true);
      values.forEach((v, i) =>
        "int32s" in field
          ? this.view().setInt32(at + 4 + 4 * i, v, true)
          : this.view().setFloat32(at + 4 + 4 * i, v, true)
      );
      return at;
    }
    if (!("bytes" in field || "string" in field)) throw new Error("scalar passed as a reference");
    const data = "bytes" in field ? field.bytes : new TextEncoder().encode(field.string);
    this.align(16, 4);
    const at = this.reserve(4 + data.length + ("string" in field ? 1 : 0));
    this.view().setUint32(at, data.length, true);
    this.bytes.set(data, at + 4);
    return at;
  }
}

/** One tensor of a test model. */
export interface TensorSpec {
  shape: number[];
  /** schema.fbs TensorType (default FLOAT32 = 0). */
  type?: number;
  /** Constant data as stored. */
  data?: Uint8Array;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
  name?: string;
}

/** One operator of a test model: builtin code, tensor indices, builtin options table. */
export interface OperatorSpec {
  code: number;
  inputs: number[];
  outputs: number[];
  options?: TableSpec;
}

/**
 * A `.tflite` file with one subgraph.
 *
 * @example
 * const bytes = buildTflite({ tensors, operators: [{ code: 19, inputs: [0], outputs: [1] }],
 *   inputs: [0], outputs: [1] }); // RELU
 */
export function buildTflite(model: {
  tensors: TensorSpec[];
  operators: OperatorSpec[];
  inputs: number[];
  outputs: number[];
}): Uint8Array<ArrayBuffer> {
  const codes = [...new Set(model.operators.map((o) => o.code))];
  const buffers: TableSpec[] = [[]];
  const tensors = model.tensors.map((t, i): TableSpec => {
    let buffer = 0;
    if (t.data) {
      buffer = buffers.length;
      buffers.push([{ bytes: t.data }]);
    }
    const q = t.quantization;
    return [
      { int32s: t.shape },
      { int8: t.type ?? 0 },
      { uint32: buffer },
      { string: t.name ?? `t${i}` },
      q
        ? {
          table: [
            undefined,
            undefined,
            { float32s: q.scale },
            { int64s: q.zeroPoint },
            undefined,
            undefined,
            { int32: q.axis ?? 0 },
          ],
        }
        : undefined,
    ];
  });
  const operators = model.operators.map((o): TableSpec => [
    { uint32: codes.indexOf(o.code) },
    { int32s: o.inputs },
    { int32s: o.outputs },
    undefined,
    o.options ? { table: o.options } : undefined,
  ]);
  const subgraph: TableSpec = [
    { tables: tensors },
    { int32s: model.inputs },
    { int32s: model.outputs },
    { tables: operators },
  ];
  const root: TableSpec = [
    { uint32: 3 },
    {
      tables: codes.map((c): TableSpec => [
        { int8: Math.min(c, 127) },
        undefined,
        { int32: 1 },
        { int32: c },
      ]),
    },
    { tables: [subgraph] },
    undefined,
    { tables: buffers },
  ];
  const w = new Writer();
  w.reserve(8);
  w.bytes.set(new TextEncoder().encode("TFL3"), 4);
  w.patch(0, w.table(root));
  return w.bytes.slice(0, w.length);
}

/** Little-endian float32 bytes. */
export function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Little-endian int32 bytes. */
export function i32(values: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}
