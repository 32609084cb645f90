/**
 * Turns a parsed TFLite model into a tfjs program on the current backend: constants become
 * tensors once, operators become tfjs ops, with two rewrites that make converted face models fast:
 * - PReLU stored split up as `relu(x) + c·(x − |x|)` (five operators) runs as one PReLU with
 *   `alpha = 2c`;
 * - a conv / depthwise conv / fully-connected layer followed by its activation (PReLU, ReLU,
 *   ReLU6, logistic) runs as one `tf.fused.*` call.
 * Unsupported operators and quantised activations are refused when the program is built.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Constant, readConstant } from "./constants.ts";
import { TENSOR_TYPES, type TfliteModel, type TfliteOperator } from "./model.ts";

/** Operators a program can run (DEQUANTIZE only on constants). */
export const SUPPORTED_OPERATORS = [
  "ADD",
  "SUB",
  "MUL",
  "ABS",
  "RELU",
  "RELU6",
  "LOGISTIC",
  "TANH",
  "HARD_SWISH",
  "PRELU",
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "FULLY_CONNECTED",
  "AVERAGE_POOL_2D",
  "MAX_POOL_2D",
  "CONCATENATION",
  "MEAN",
  "PAD",
  "RESHAPE",
  "L2_NORMALIZATION",
  "SOFTMAX",
  "DEQUANTIZE",
] as const;

/** A compiled model: run it on a float32 NHWC batch. */
export interface TfliteProgram {
  /** The input's declared shape (its batch size is not enforced). */
  inputShape: number[];
  /** The output's declared shape. */
  outputShape: number[];
  /** Runs the model; the caller disposes the input and the returned tensor. */
  run(input: tf.Tensor): tf.Tensor;
  /** Frees the constant tensors. */
  dispose(): void;
}

/** tfjs activations a fused op can apply. */
type Activation = "linear" | "relu" | "relu6" | "prelu" | "sigmoid";

/** One step after the rewrites. */
interface Step {
  op: string;
  inputs: number[];
  output: number;
  options: TfliteOperator["options"];
  /** For "PRELU" made from the split-up pattern: the alpha values. */
  alpha?: Float32Array;
  /** An activation fused into a conv / fully-connected step. */
  activation?: { kind: Activation; alpha?: Float32Array };
}

/** schema.fbs `ActivationFunctionType` → what to apply. */
const FUSED_ACTIVATIONS: Record<number, Activation | "clip1" | "tanh"> = {
  0: "linear",
  1: "relu",
  2: "clip1",
  3: "relu6",
  4: "tanh",
};

/**
 * Builds the program for `model` (tfjs must be started). Throws one line naming the problem:
 * `unsupported TFLite operator DIV (2 uses)`, `quantised activations (INT8 input) are not
 * supported`, a bad constant.
 *
 * @example
 * const program = compileTflite(parseTflite(bytes));
 * const out = program.run(tf.zeros([1, 112, 112, 3]));
 */
export function compileTflite(model: TfliteModel): TfliteProgram {
  refuseUnsupported(model);
  const constants = new Map<number, Constant>();
  for (const [i, t] of model.tensors.entries()) if (t.data) constants.set(i, readConstant(t));
  const steps: Step[] = [];
  for (const o of model.operators) {
    if (o.op === "DEQUANTIZE" && constants.has(o.inputs[0])) {
      const c = constants.get(o.inputs[0])!;
      constants.set(o.outputs[0], { shape: c.shape, values: Float32Array.from(c.values) });
      continue;
    }
    if (o.op === "DEQUANTIZE") {
      throw new Error("DEQUANTIZE of a non-constant tensor is not supported");
    }
    if (o.outputs.length !== 1) {
      throw new Error(`${o.op} with ${o.outputs.length} outputs is not supported`);
    }
    steps.push({ op: o.op, inputs: o.inputs, output: o.outputs[0], options: o.options });
  }
  refuseQuantisedActivations(model, constants);
  const rewritten = fuseActivations(rewritePrelu(steps, constants), constants, model);
  return buildProgram(model, rewritten, constants);
}

function refuseUnsupported(model: TfliteModel): void {
  const supported: readonly string[] = SUPPORTED_OPERATORS;
  const unsupported = new Map<string, number>();
  for (const o of model.operators) {
    if (!supported.includes(o.op)) unsupported.set(o.op, (unsupported.get(o.op) ?? 0) + 1);
  }
  if (unsupported.size) {
    const list = [...unsupported].map(([op, n]) => `${op} (${n} use${n > 1 ? "s" : ""})`);
    throw new Error(`unsupported TFLite operator ${list.join(", ")}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`,
    );
  }
}

function refuseQuantisedActivations(model: TfliteModel, constants: Map<number, Constant>): void {
  const names = Object.fromEntries(Object.entries(TENSOR_TYPES).map(([k, v]) => [v, k]));
  const input = model.tensors[model.inputs[0]];
  if (input.type !== TENSOR_TYPES.FLOAT32) {
    throw new Error(
      `quantised activations (${
        names[input.type] ?? input.type
      } input) are not supported: use a float32 model`,
    );
  }
  for (const o of model.operators) {
    for (const i of o.outputs) {
      const t = model.tensors[i];
      if (!constants.has(i) && t.type !== TENSOR_TYPES.FLOAT32) {
        throw new Error(
          `quantised activations (${o.op} outputs ${
            names[t.type] ?? t.type
          }) are not supported: use a float32 model`,
        );
      }
    }
  }
}

/** How many steps read each tensor (graph outputs count as one more reader). */
function readers(steps: Step[], outputs: number[]): Map<number, number> {
  const n = new Map<number, number>();
  for (const s of steps) for (const i of s.inputs) n.set(i, (n.get(i) ?? 0) + 1);
  for (const i of outputs) n.set(i, (n.get(i) ?? 0) + 1);
  return n;
}

/**
 * Replaces `ADD(RELU(x), MUL(c, SUB(x, ABS(x))))` (operands in either order, intermediates read
 * only there) with one PRELU step of `alpha = 2c`.
 */
function rewritePrelu(steps: Step[], constants: Map<number, Constant>): Step[] {
  const producer = new Map(steps.map((s) => [s.output, s]));
  const counts = readers(steps, []);
  const only = (t: number) => counts.get(t) === 1;
  const removed = new Set<Step>();
  const replacement = new Map<Step, Step>();
  for (const add of steps) {
    if (add.op !== "ADD" || add.inputs.length !== 2 || fusedCode(add) !== 0) continue;
    for (const [a, b] of [add.inputs, [add.inputs[1], add.inputs[0]]]) {
      const relu = producer.get(a), mul = producer.get(b);
      if (relu?.op !== "RELU" || mul?.op !== "MUL" || fusedCode(mul) !== 0) continue;
      const x = relu.inputs[0];
      const cIndex = mul.inputs.find((i) => constants.has(i));
      const sub = producer.get(mul.inputs.find((i) => !constants.has(i)) ?? -1);
      if (cIndex === undefined || sub?.op !== "SUB" || fusedCode(sub) !== 0) continue;
      const abs = producer.get(sub.inputs[1]);
      if (sub.inputs[0] !== x || abs?.op !== "ABS" || abs.inputs[0] !== x) continue;
      if (![a, b, sub.output, abs.output].every(only)) continue;
      const alpha = Float32Array.from(constants.get(cIndex)!.values, (v) => 2 * v);
      for (const s of [relu, mul, sub, abs]) removed.add(s);
      replacement.set(add, { op: "PRELU", inputs: [x], output: add.output, options: null, alpha });
      break;
    }
  }
  return steps.filter((s) => !removed.has(s)).map((s) => replacement.get(s) ?? s);
}

/** The fused activation code of a step's options (field per operator, 0 when absent). */
function fusedCode(step: Step): number {
  const field: Record<string, number> = {
    ADD: 0,
    SUB: 0,
    MUL: 0,
    CONV_2D: 3,
    DEPTHWISE_CONV_2D: 4,
    FULLY_CONNECTED: 0,
    AVERAGE_POOL_2D: 5,
    MAX_POOL_2D: 5,
    CONCATENATION: 1,
  };
  const index = field[step.op];
  return index === undefined ? 0 : step.options?.int8(index) ?? 0;
}

/** The alpha of a PRELU step (rewritten, or a native PRELU whose alpha is a constant). */
function preluAlpha(step: Step, constants: Map<number, Constant>): Float32Array | undefined {
  if (step.op !== "PRELU") return undefined;
  if (step.alpha) return step.alpha;
  const c = constants.get(step.inputs[1]);
  return c ? Float32Array.from(c.values) : undefined;
}

/** Folds an activation step into the conv / fully-connected step before it. */
function fuseActivations(
  steps: Step[],
  constants: Map<number, Constant>,
  model: TfliteModel,
): Step[] {
  const producer = new Map(steps.map((s) => [s.output, s]));
  const counts = readers(steps, model.outputs);
  const removed = new Set<Step>();
  const layers = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"];
  for (const act of steps) {
    const layer = producer.get(act.inputs[0]);
    if (!layer || !layers.includes(layer.op) || fusedCode(layer) !== 0) continue;
    if (counts.get(layer.output) !== 1) continue;
    let activation: Step["activation"];
    const alpha = preluAlpha(act, constants);
    const channels = model.tensors[layer.output].shape.at(-1);
    if (alpha && (alpha.length === channels || alpha.length === 1)) {
      activation = { kind: "prelu", alpha };
    } else if (act.op === "RELU") activation = { kind: "relu" };
    else if (act.op === "RELU6") activation = { kind: "relu6" };
    else if (act.op === "LOGISTIC") activation = { kind: "sigmoid" };
    if (!activation) continue;
    layer.activation = activation;
    layer.output = act.output;
    removed.add(act);
  }
  return steps.filter((s) => !removed.has(s));
}

/** Builds the runnable program: constant tensors, one closure per step, reference counting. */
function buildProgram(
  model: TfliteModel,
  steps: Step[],
  constants: Map<number, Constant>,
): TfliteProgram {
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  const constTensor = new Map<number, tf.Tensor>();
  const constantTensor = (i: number): tf.Tensor => {
    let t = constTensor.get(i);
    if (!t) {
      const c = constants.get(i)!;
      const dtype = c.values instanceof Int32Array ? "int32" : "float32";
      t = keep(tf.tensor(c.values, c.shape, dtype));
      constTensor.set(i, t);
    }
    return t;
  };
  const inputShape = model.tensors[model.inputs[0]].shape;
  const shapes = (i: number) => model.tensors[i].shape;
  const kernels = steps.map((s) =>
    makeKernel(s, constants, constantTensor, keep, shapes, inputShape[0])
  );
  const counts = readers(steps, model.outputs);
  const output = model.outputs[0];
  return {
    inputShape,
    outputShape: model.tensors[output].shape,
    run(input) {
      const values = new Map<number, tf.Tensor>([[model.inputs[0], input]]);
      const left = new Map(counts);
      const read = (i: number): tf.Tensor => {
        const v = values.get(i) ?? (constants.has(i) ? constantTensor(i) : undefined);
        if (!v) throw new Error(`TFLite program: tensor ${i} read before it was computed`);
        return v;
      };
      steps.forEach((step, k) => {
        const result = tf.tidy(() => kernels[k](read));
        values.set(step.output, result);
        for (const i of step.inputs) {
          const n = (left.get(i) ?? 0) - 1;
          left.set(i, n);
          const v = values.get(i);
          if (n === 0 && v && i !== model.inputs[0]) {
            v.dispose();
            values.delete(i);
          }
        }
      });
      const result = values.get(output);
      if (!result) throw new Error("TFLite program: the output was never computed");
      return result;
    },
    dispose() {
      for (const t of owned) t.dispose();
    },
  };
}

type Read = (i: number) => tf.Tensor;

/** Applies a TFLite fused activation code outside a fused op. */
function applyActivation(x: tf.Tensor, code: number, op: string): tf.Tensor {
  const kind = FUSED_ACTIVATIONS[code];
  if (kind === undefined) throw new Error(`${op}: unsupported fused activation ${code}`);
  if (kind === "linear") return x;
  if (kind === "relu") return tf.relu(x);
  if (kind === "relu6") return tf.relu6(x);
  if (kind === "clip1") return tf.clipByValue(x, -1, 1);
  return tf.tanh(x);
}

function padding(options: TfliteOperator["options"]): "same" | "valid" {
  return (options?.int8(0) ?? 0) === 0 ? "same" : "valid";
}

/** Splits a fused activation into what tf.fused ops take, plus any activation applied after. */
function layerActivation(
  step: Step,
  code: number,
  keep: <T extends tf.Tensor>(t: T) => T,
): { activation: Activation; prelu?: tf.Tensor; after: number } {
  if (step.activation) {
    const prelu = step.activation.alpha ? keep(tf.tensor1d(step.activation.alpha)) : undefined;
    return { activation: step.activation.kind, prelu, after: 0 };
  }
  const kind = FUSED_ACTIVATIONS[code];
  if (kind === "relu" || kind === "relu6") return { activation: kind, after: 0 };
  return { activation: "linear", after: code };
}

/** The closure that computes one step from its inputs. */
function makeKernel(
  step: Step,
  constants: Map<number, Constant>,
  constantTensor: (i: number) => tf.Tensor,
  keep: <T extends tf.Tensor>(t: T) => T,
  shapes: (i: number) => number[],
  declaredBatch: number,
): (read: Read) => tf.Tensor {
  const o = step.options;
  const [x, ...rest] = step.inputs;
  const constInts = (i: number): number[] => {
    const c = constants.get(i);
    if (!c) throw new Error(`${step.op}: input ${i} must be a constant`);
    return Array.from(c.values);
  };
  const bias = () => (rest[1] !== undefined && rest[1] >= 0 ? constantTensor(rest[1]) : undefined);
  /**
   * A conv or depthwise conv with its bias and activation as one tfjs fused op. Strides are
   * options 2 (height) and 1 (width); `dilationFields` are the option fields of the dilations
   * (height, width), which differ between the two ops' option tables.
   */
  const convolution = (
    op: typeof tf.fused.conv2d | typeof tf.fused.depthwiseConv2d,
    filter: tf.Tensor,
    [dilationH, dilationW]: [number, number],
  ): (read: Read) => tf.Tensor => {
    const strides: [number, number] = [o?.int32(2, 1) ?? 1, o?.int32(1, 1) ?? 1];
    const dilations: [number, number] = [o?.int32(dilationH, 1) ?? 1, o?.int32(dilationW, 1) ?? 1];
    const act = layerActivation(step, fusedCode(step), keep);
    const pad = padding(o);
    const b = bias();
    return (read) =>
      applyActivation(
        op({
          x: read(x) as tf.Tensor4D,
          filter: filter as tf.Tensor4D,
          strides,
          pad,
          dilations,
          bias: b,
          activation: act.activation,
          preluActivationWeights: act.prelu,
        }),
        act.after,
        step.op,
      );
  };
  switch (step.op) {
    case "ADD":
    case "SUB":
    case "MUL": {
      const f = step.op === "ADD" ? tf.add : step.op === "SUB" ? tf.sub : tf.mul;
      const code = fusedCode(step);
      return (read) => applyActivation(f(read(x), read(rest[0])), code, step.op);
    }
    case "ABS":
      return (read) => tf.abs(read(x));
    case "RELU":
      return (read) => tf.relu(read(x));
    case "RELU6":
      return (read) => tf.relu6(read(x));
    case "LOGISTIC":
      return (read) => tf.sigmoid(read(x));
    case "TANH":
      return (read) => tf.tanh(read(x));
    case "HARD_SWISH":
      return (read) => {
        const v = read(x);
        return tf.mul(v, tf.div(tf.relu6(tf.add(v, 3)), 6));
      };
    case "PRELU": {
      const alpha = keep(tf.tensor1d(preluAlpha(step, constants) ?? new Float32Array(0)));
      if (!alpha.size) throw new Error("PRELU: alpha must be a constant");
      return (read) => tf.prelu(read(x), alpha);
    }
    case "CONV_2D": {
      // TFLite filters are OHWI; tfjs wants HWIO.
      const filter = keep(tf.tidy(() => tf.transpose(constantTensor(rest[0]), [1, 2, 3, 0])));
      return convolution(tf.fused.conv2d, filter, [5, 4]);
    }
    case "DEPTHWISE_CONV_2D": {
      // TFLite stores [1, H, W, C·M]; tfjs wants [H, W, C, M].
      const [, h, w, cm] = shapes(rest[0]);
      const channels = shapes(x)[3];
      const filter = keep(tf.reshape(constantTensor(rest[0]), [h, w, channels, cm / channels]));
      return convolution(tf.fused.depthwiseConv2d, filter, [6, 5]);
    }
    case "FULLY_CONNECTED": {
      // Not tf.fused.matMul: tfjs-wasm 4.22 adds the wrong bias values to rows after the first.
      const weights = constantTensor(rest[0]); // [out, in]
      const units = shapes(rest[0])[1];
      const keepDims = o?.uint8(2) === 1;
      const alpha = step.activation?.alpha ? keep(tf.tensor1d(step.activation.alpha)) : undefined;
      const kind = step.activation?.kind;
      const code = fusedCode(step);
      const b = bias();
      return (read) => {
        const v = read(x);
        let out: tf.Tensor = tf.matMul(tf.reshape(v, [-1, units]), weights, false, true);
        if (b) out = tf.add(out, b);
        if (alpha) out = tf.prelu(out, alpha);
        else if (kind === "relu") out = tf.relu(out);
        else if (kind === "relu6") out = tf.relu6(out);
        else if (kind === "sigmoid") out = tf.sigmoid(out);
        if (keepDims) out = tf.reshape(out, [...v.shape.slice(0, -1), out.shape[1] ?? -1]);
        return applyActivation(out, code, step.op);
      };
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D": {
      const f = step.op === "MAX_POOL_2D" ? tf.maxPool : tf.avgPool;
      const size: [number, number] = [o?.int32(4, 1) ?? 1, o?.int32(3, 1) ?? 1];
      const strides: [number, number] = [o?.int32(2, 1) ?? 1, o?.int32(1, 1) ?? 1];
      const code = fusedCode(step);
      const pad = padding(o);
      return (read) =>
        applyActivation(f(read(x) as tf.Tensor4D, size, strides, pad), code, step.op);
    }
    case "CONCATENATION": {
      const axis = o?.int32(0) ?? 0;
      const code = fusedCode(step);
      return (read) => {
        const parts = step.inputs.map(read);
        return applyActivation(
          tf.concat(parts, axis < 0 ? axis + parts[0].rank : axis),
          code,
          step.op,
        );
      };
    }
    case "MEAN": {
      const axes = constInts(rest[0]);
      const keepDims = o?.uint8(0) === 1;
      return (read) => tf.mean(read(x), axes, keepDims);
    }
    case "PAD": {
      const flat = constInts(rest[0]);
      const pairs = Array.from({ length: flat.length / 2 }, (_, i): [number, number] => [
        flat[2 * i],
        flat[2 * i + 1],
      ]);
      return (read) => tf.pad(read(x), pairs);
    }
    case "RESHAPE": {
      const fromOptions = o?.int32s(0) ?? [];
      const target = fromOptions.length ? fromOptions : constInts(rest[0]);
      // The file fixes a batch size; the leading dimension follows the actual batch instead.
      return (read) => {
        const v = read(x);
        const shape = [...target];
        if (shape.length && shape[0] === declaredBatch) shape[0] = v.shape[0];
        return tf.reshape(v, shape);
      };
    }
    case "L2_NORMALIZATION":
      return (read) => {
        const v = read(x);
        const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(v), -1, true), 1e-12));
        return tf.div(v, norm);
      };
    case "SOFTMAX": {
      const beta = o?.float32(0, 1) ?? 1;
      return (read) => tf.softmax(beta === 1 ? read(x) : tf.mul(read(x), beta));
    }
    default:
      throw new Error(`unsupported TFLite operator ${step.op}`);
  }
}
