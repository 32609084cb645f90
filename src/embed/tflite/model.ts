/**
 * Reads a TFLite model file (the `TFL3` FlatBuffer of TensorFlow Lite's schema.fbs) into plain
 * records: the main subgraph's tensors with their constant data, its operators in execution order
 * with their builtin options table, and its inputs and outputs. Field numbers follow schema.fbs.
 */
import { FlatBufferError, rootTable, type Table } from "./flatbuffer.ts";

/** Builtin operator names by code (schema.fbs `BuiltinOperator`, 0–126), for messages and lookup. */
const OPERATOR_NAMES = (
  "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE " +
  "EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D " +
  "LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 " +
  "RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS " +
  "SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER " +
  "BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE " +
  "UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT " +
  "LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG " +
  "PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE " +
  "EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD " +
  "REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV " +
  "REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU " +
  "SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE " +
  "RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE " +
  "NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM " +
  "BATCH_MATMUL"
).split(" ");

/** schema.fbs `TensorType` values faceprint handles, by name. */
export const TENSOR_TYPES = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  INT16: 7,
  INT8: 9,
} as const;

/** Linear quantisation of a tensor: `real = scale · (q − zeroPoint)`, per `axis` when several. */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  axis: number;
}

/** One tensor of the subgraph. */
export interface TfliteTensor {
  name: string;
  shape: number[];
  /** schema.fbs `TensorType` code. */
  type: number;
  /** Constant data (little-endian, `type`), or null for activations. */
  data: Uint8Array | null;
  quantization: Quantization | null;
}

/** One operator: its builtin name, tensor indices (−1 = optional input absent) and options. */
export interface TfliteOperator {
  /** Builtin name, e.g. "CONV_2D"; "CUSTOM:<code>" for custom operators. */
  op: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table (fields per schema.fbs for that operator), or null. */
  options: Table | null;
}

/** The main subgraph of a model. */
export interface TfliteModel {
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

/** A builtin operator's name from its code (`BUILTIN_<code>` past the known list). */
export function operatorName(code: number): string {
  return OPERATOR_NAMES[code] ?? `BUILTIN_${code}`;
}

function readQuantization(table: Table | null): Quantization | null {
  if (!table) return null;
  const scale = table.float32s(2);
  if (!scale.length) return null;
  const zeroPoint = table.int64s(3);
  return { scale, zeroPoint: zeroPoint.length ? zeroPoint : [0], axis: table.int32(6) };
}

function readOperatorCode(code: Table): string {
  // Field 0 is the old byte code; field 3 the int32 code, used when the byte says 127.
  const small = code.int8(0);
  const full = code.int32(3);
  const builtin = Math.max(small, full);
  return builtin === 32 ? `CUSTOM:${code.string(1)}` : operatorName(builtin);
}

/**
 * Parses a `.tflite` file's main subgraph. Throws with a one-line reason for a file that is not a
 * TFLite model or is damaged (an offset outside the file, a buffer index out of range).
 *
 * @example
 * const model = parseTflite(await Deno.readFile("MobileFaceNet.tflite"));
 * model.operators.filter((o) => o.op === "CONV_2D").length; // 35
 */
export function parseTflite(bytes: Uint8Array): TfliteModel {
  try {
    const model = rootTable(bytes, "TFL3");
    const codes = model.tables(1).map(readOperatorCode);
    const buffers = model.tables(4);
    const [subgraph] = model.tables(2);
    if (!subgraph) throw new Error("the model has no subgraph");
    const tensors = subgraph.tables(0).map((t): TfliteTensor => {
      const bufferIndex = t.uint32(2);
      if (bufferIndex >= buffers.length && bufferIndex !== 0) {
        throw new Error(`tensor "${t.string(3)}" names buffer ${bufferIndex} of ${buffers.length}`);
      }
      const buffer = buffers[bufferIndex];
      if (buffer && buffer.uint32(1) > 1) {
        throw new Error(
          "buffers stored outside the FlatBuffer (models over 2 GB) are not supported",
        );
      }
      const data = buffer?.bytes(0) ?? null;
      return {
        name: t.string(3),
        shape: t.int32s(0),
        type: t.int8(1),
        data: data && data.length ? data : null,
        quantization: readQuantization(t.table(4)),
      };
    });
    const operators = subgraph.tables(3).map((o): TfliteOperator => {
      const op = codes[o.uint32(0)];
      if (op === undefined) throw new Error(`operator code index ${o.uint32(0)} out of range`);
      return { op, inputs: o.int32s(1), outputs: o.int32s(2), options: o.table(4) };
    });
    const inRange = (i: number) => i >= -1 && i < tensors.length;
    for (const o of operators) {
      if (![...o.inputs, ...o.outputs].every(inRange)) {
        throw new Error(`${o.op} refers to a tensor outside the ${tensors.length} tensors`);
      }
    }
    return { tensors, operators, inputs: subgraph.int32s(1), outputs: subgraph.int32s(2) };
  } catch (e) {
    if (e instanceof FlatBufferError) throw new Error(`not a valid TFLite model: ${e.message}`);
    throw e;
  }
}
