/**
 * A TFLite model's constant tensors as plain arrays: float32 as stored, float16 widened,
 * int8/uint8/int16 weights dequantised (per tensor or per axis), int32/int64 as integers.
 */
import { TENSOR_TYPES, type TfliteTensor } from "./model.ts";

/** A constant's values and shape. */
export interface Constant {
  shape: number[];
  /** Float values for float and dequantised tensors, integers for int32/int64 tensors. */
  values: Float32Array | Int32Array;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function count(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Dequantises integer values: `scale · (q − zeroPoint)`, per axis when the tensor has several. */
function dequantize(tensor: TfliteTensor, raw: ArrayLike<number>): Float32Array {
  const q = tensor.quantization;
  if (!q) {
    throw new Error(`constant "${tensor.name}" is an integer tensor without quantisation scales`);
  }
  const out = new Float32Array(raw.length);
  if (q.scale.length === 1) {
    const [scale] = q.scale, zero = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < raw.length; i++) out[i] = scale * (raw[i] - zero);
    return out;
  }
  // Per-axis: the index along `axis` picks the scale and zero point.
  const inner = count(tensor.shape.slice(q.axis + 1));
  const channels = tensor.shape[q.axis];
  if (channels !== q.scale.length) {
    throw new Error(
      `constant "${tensor.name}" has ${q.scale.length} scales for ${channels} channels`,
    );
  }
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = q.scale[c] * (raw[i] - (q.zeroPoint[c] ?? q.zeroPoint[0] ?? 0));
  }
  return out;
}

/**
 * The values of a constant tensor. Throws naming the tensor when its data is shorter than its
 * shape needs or its type is not one faceprint reads.
 *
 * @example
 * const weights = readConstant(model.tensors[op.inputs[1]]); // Float32Array, shape OHWI
 */
export function readConstant(tensor: TfliteTensor): Constant {
  const data = tensor.data;
  if (!data) throw new Error(`tensor "${tensor.name}" has no constant data`);
  const n = count(tensor.shape);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (bytesPerValue: number) => {
    if (data.length < n * bytesPerValue) {
      throw new Error(
        `constant "${tensor.name}" holds ${data.length} bytes, its shape [${tensor.shape}] needs ${
          n * bytesPerValue
        }`,
      );
    }
  };
  const shape = tensor.shape;
  switch (tensor.type) {
    case TENSOR_TYPES.FLOAT32: {
      need(4);
      return {
        shape,
        values: Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true)),
      };
    }
    case TENSOR_TYPES.FLOAT16: {
      need(2);
      return {
        shape,
        values: Float32Array.from(
          { length: n },
          (_, i) => halfToFloat(view.getUint16(2 * i, true)),
        ),
      };
    }
    case TENSOR_TYPES.INT32: {
      need(4);
      return {
        shape,
        values: Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true)),
      };
    }
    case TENSOR_TYPES.INT64: {
      need(8);
      return {
        shape,
        values: Int32Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, true))),
      };
    }
    case TENSOR_TYPES.INT8:
      need(1);
      return { shape, values: dequantize(tensor, new Int8Array(data.buffer, data.byteOffset, n)) };
    case TENSOR_TYPES.UINT8:
      need(1);
      return { shape, values: dequantize(tensor, data.subarray(0, n)) };
    case TENSOR_TYPES.INT16:
      need(2);
      return {
        shape,
        values: dequantize(
          tensor,
          Int16Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true)),
        ),
      };
    default:
      throw new Error(`constant "${tensor.name}" has unsupported tensor type ${tensor.type}`);
  }
}
