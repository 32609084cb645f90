/**
 * The TFLite reader: MobileFaceNet against the official TFLite runtime's outputs, the fusions it
 * relies on for speed, every supported operator on small generated models, and clear refusals.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../../src/runtime/tf.ts";
import { parseTflite } from "../../src/embed/tflite/model.ts";
import { compileTflite } from "../../src/embed/tflite/graph.ts";
import { tfliteEmbedder } from "../../src/embed/tflite_embedder.ts";
import { createMobileFaceNetEmbedder } from "../../src/embed/mobilefacenet.ts";
import { decodeImage } from "../../src/image/decode.ts";
import { MOBILEFACENET_FLOPS_PER_FACE } from "../../tasks/bench/flops.ts";
import { buildTflite, f32, i32, type TensorSpec } from "./tflite_builder.ts";

const MODEL = new URL("../../models/MobileFaceNet.tflite", import.meta.url);
const FIXTURES = new URL("../fixtures/tflite/", import.meta.url);
const reference = JSON.parse(
  Deno.readTextFileSync(new URL("mobilefacenet_sample2.json", FIXTURES)),
) as { plain: number[]; mirror: number[] };
const chip = decodeImage(Deno.readFileSync(new URL("sample2_chip112.png", FIXTURES)));

function unit(v: ArrayLike<number>): number[] {
  const n = Math.hypot(...Array.from(v));
  return Array.from(v, (x) => x / n);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The chip (row 0) and its mirror (row 1) as the model's input, `(v − 127.5) / 128`. */
function chipBatch(): tf.Tensor4D {
  const data = new Float32Array(2 * 112 * 112 * 3);
  for (let y = 0; y < 112; y++) {
    for (let x = 0; x < 112; x++) {
      for (let c = 0; c < 3; c++) {
        const o = (y * 112 + x) * 3 + c;
        data[o] = (chip.data[o] - 127.5) / 128;
        data[112 * 112 * 3 + o] = (chip.data[(y * 112 + 111 - x) * 3 + c] - 127.5) / 128;
      }
    }
  }
  return tf.tensor4d(data, [2, 112, 112, 3]);
}

Deno.test("MobileFaceNet.tflite parses: operators, shapes, FLOPs", () => {
  const model = parseTflite(Deno.readFileSync(MODEL));
  const counts: Record<string, number> = {};
  for (const o of model.operators) counts[o.op] = (counts[o.op] ?? 0) + 1;
  assert.deepEqual(counts, {
    CONV_2D: 35,
    DEPTHWISE_CONV_2D: 17,
    ADD: 45,
    MUL: 33,
    SUB: 33,
    RELU: 33,
    ABS: 33,
    RESHAPE: 1,
  });
  assert.deepEqual(model.tensors[model.inputs[0]].shape, [2, 112, 112, 3]);
  assert.deepEqual(model.tensors[model.outputs[0]].shape, [2, 192]);
  // Multiply-adds of every conv (×2), per face: the figure the benchmark's GFLOP/s uses.
  let flops = 0;
  for (const o of model.operators) {
    if (o.op !== "CONV_2D" && o.op !== "DEPTHWISE_CONV_2D") continue;
    const [, kh, kw, cin] = model.tensors[o.inputs[1]].shape;
    const [batch, oh, ow, cout] = model.tensors[o.outputs[0]].shape;
    flops += 2 * oh * ow * kh * kw * cout * (o.op === "CONV_2D" ? cin : 1) / batch;
  }
  assert.ok(Math.abs(flops - MOBILEFACENET_FLOPS_PER_FACE) / flops < 1e-3, `${flops}`);
});

Deno.test("MobileFaceNet on tfjs equals the official TFLite runtime's output", async () => {
  await initTf();
  const program = compileTflite(parseTflite(Deno.readFileSync(MODEL)));
  const input = chipBatch();
  const before = tf.memory().numTensors;
  const output = program.run(input);
  const values = await output.data();
  output.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked by a run");
  assert.ok(maxAbsDiff(values.slice(0, 192), reference.plain) < 1e-4);
  assert.ok(maxAbsDiff(values.slice(192), reference.mirror) < 1e-4);
  // The rewrites: PReLU's five operators and the conv before it became one fused op each.
  const profile = await tf.profile(() => program.run(input));
  const kernels: Record<string, number> = {};
  for (const k of profile.kernels) {
    if (!k.name.endsWith("__op")) kernels[k.name] = (kernels[k.name] ?? 0) + 1;
  }
  assert.deepEqual(kernels, { FusedConv2D: 35, FusedDepthwiseConv2D: 17, Add: 12, Reshape: 1 });
  tf.dispose([input, profile.result as tf.Tensor]);
  program.dispose();
});

Deno.test("the MobileFaceNet embedder: unit vectors, mirror average, batch of any size", async () => {
  const embedder = await createMobileFaceNetEmbedder();
  assert.equal(embedder.name, "mobilefacenet-v1");
  assert.equal(embedder.size, 192);
  assert.equal(embedder.inputSize, 112);
  assert.equal(
    embedder.hash,
    "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b",
  );
  const vectors = await embedder.embed([chip, chip, chip], { flip: false });
  assert.equal(vectors.length, 3);
  for (const v of vectors) assert.ok(maxAbsDiff(v, unit(reference.plain)) < 1e-5);
  const [flipped] = await embedder.embed([chip], { flip: true });
  const a = unit(reference.plain), b = unit(reference.mirror);
  assert.ok(maxAbsDiff(flipped, unit(a.map((v, i) => v + b[i]))) < 1e-5);
});

/** A float32 tensor spec. */
const t = (shape: number[], data?: number[]): TensorSpec => ({
  shape,
  data: data ? f32(data) : undefined,
});

async function runModel(bytes: Uint8Array, input: tf.Tensor): Promise<Float32Array> {
  await initTf();
  const program = compileTflite(parseTflite(bytes));
  const out = program.run(input);
  const values = await out.data<"float32">();
  out.dispose();
  program.dispose();
  return values;
}

Deno.test("FULLY_CONNECTED + PRELU + LOGISTIC, with int8 per-channel weights", async () => {
  const w = [[1, -2, 3, 0.5], [0, 1, -1, 2], [-1, 0.5, 0, 1]];
  const scales = [0.5, 0.25, 0.5];
  const q = w.map((row, o) => row.map((v) => Math.round(v / scales[o])));
  const bytes = buildTflite({
    tensors: [
      t([2, 4]),
      {
        shape: [3, 4],
        type: 9,
        data: new Uint8Array(Int8Array.from(q.flat()).buffer),
        quantization: { scale: scales, zeroPoint: [0, 0, 0], axis: 0 },
      },
      t([3], [0.1, -0.2, 0.3]),
      t([2, 3]),
      t([3], [0.1, 0.2, 0.3]),
      t([2, 3]),
      t([2, 3]),
    ],
    operators: [
      { code: 9, inputs: [0, 1, 2], outputs: [3] },
      { code: 54, inputs: [3, 4], outputs: [5] },
      { code: 14, inputs: [5], outputs: [6] },
    ],
    inputs: [0],
    outputs: [6],
  });
  const x = [[1, 2, 3, 4], [-1, 0.5, 2, -3]];
  const got = await runModel(bytes, tf.tensor2d(x));
  const expected = x.flatMap((row) =>
    w.map((wr, o) => {
      const z = wr.reduce((s, v, i) => s + v * row[i], [0.1, -0.2, 0.3][o]);
      const p = z >= 0 ? z : [0.1, 0.2, 0.3][o] * z;
      return 1 / (1 + Math.exp(-p));
    })
  );
  assert.ok(maxAbsDiff(got, expected) < 1e-5, `${got} vs ${expected}`);
});

Deno.test("PAD, pools, CONCATENATION, MEAN, HARD_SWISH, L2_NORMALIZATION", async () => {
  const pool = (filter: number, stride: number, padding: number) => [
    { int8: padding },
    { int32: stride },
    { int32: stride },
    { int32: filter },
    { int32: filter },
  ];
  const bytes = buildTflite({
    tensors: [
      t([1, 4, 4, 2]),
      { shape: [4, 2], type: 2, data: i32([0, 0, 1, 1, 1, 1, 0, 0]) },
      t([1, 6, 6, 2]),
      t([1, 3, 3, 2]),
      t([1, 3, 3, 2]),
      t([1, 3, 3, 4]),
      { shape: [2], type: 2, data: i32([1, 2]) },
      t([1, 4]),
      t([1, 4]),
      t([1, 4]),
    ],
    operators: [
      { code: 34, inputs: [0, 1], outputs: [2] },
      { code: 1, inputs: [2], outputs: [3], options: pool(2, 2, 1) },
      { code: 17, inputs: [3], outputs: [4], options: pool(3, 1, 0) },
      { code: 2, inputs: [3, 4], outputs: [5], options: [{ int32: -1 }] },
      { code: 40, inputs: [5, 6], outputs: [7], options: [{ int8: 0 }] },
      { code: 117, inputs: [7], outputs: [8] },
      { code: 11, inputs: [8], outputs: [9] },
    ],
    inputs: [0],
    outputs: [9],
  });
  const input = tf.tensor4d(Array.from({ length: 32 }, (_, i) => Math.sin(i) * 4), [1, 4, 4, 2]);
  const got = await runModel(bytes, input);
  const expected = tf.tidy(() => {
    const padded = tf.pad(input, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const avg = tf.avgPool(padded as tf.Tensor4D, 2, 2, "valid");
    const max = tf.maxPool(avg, 3, 1, "same");
    const mean = tf.mean(tf.concat([avg, max], -1), [1, 2]).dataSync();
    const hs = Array.from(mean, (v) => v * Math.min(Math.max(v + 3, 0), 6) / 6);
    return unit(hs);
  });
  assert.ok(maxAbsDiff(got, expected) < 1e-5, `${got} vs ${expected}`);
});

Deno.test("CONV_2D (int8 weights) + split-up PReLU + DEPTHWISE_CONV_2D (float16 via DEQUANTIZE)", async () => {
  const convW = [1, -1, 2, 0.5]; // OHWI [2,1,1,2]
  const half = new Uint16Array([0x3c00, 0xbc00, 0x3800, 0x4000]); // 1, -1, 0.5, 2
  const dw = [1, -1, 0.5, 2]; // [1,1,2,2] → H=1, W=2, C=2
  const bytes = buildTflite({
    tensors: [
      t([1, 3, 3, 2]),
      {
        shape: [2, 1, 1, 2],
        type: 9,
        data: new Uint8Array(Int8Array.from(convW.map((v) => v * 4)).buffer),
        quantization: { scale: [0.25], zeroPoint: [0] },
      },
      t([2], [0.5, -0.5]),
      t([1, 3, 3, 2]), // conv out
      t([1, 3, 3, 2]), // relu
      t([1, 3, 3, 2]), // abs
      t([1, 3, 3, 2]), // sub
      t([2], [0.05, 0.1]), // c = alpha / 2
      t([1, 3, 3, 2]), // mul
      t([1, 3, 3, 2]), // add = prelu
      { shape: [1, 1, 2, 2], type: 1, data: new Uint8Array(half.buffer) },
      t([1, 1, 2, 2]), // dequantized
      t([1, 3, 3, 2]), // depthwise out
    ],
    operators: [
      {
        code: 3,
        inputs: [0, 1, 2],
        outputs: [3],
        options: [{ int8: 0 }, { int32: 1 }, { int32: 1 }],
      },
      { code: 19, inputs: [3], outputs: [4] },
      { code: 101, inputs: [3], outputs: [5] },
      { code: 41, inputs: [3, 5], outputs: [6] },
      { code: 18, inputs: [7, 6], outputs: [8] },
      { code: 0, inputs: [4, 8], outputs: [9] },
      { code: 6, inputs: [10], outputs: [11] },
      {
        code: 4,
        inputs: [9, 11, -1],
        outputs: [12],
        options: [{ int8: 0 }, { int32: 1 }, { int32: 1 }, { int32: 1 }],
      },
    ],
    inputs: [0],
    outputs: [12],
  });
  const input = tf.tensor4d(Array.from({ length: 18 }, (_, i) => Math.cos(i * 1.3) * 3), [
    1,
    3,
    3,
    2,
  ]);
  const got = await runModel(bytes, input);
  const expected = tf.tidy(() => {
    const filter = tf.transpose(tf.tensor4d(convW, [2, 1, 1, 2]), [1, 2, 3, 0]) as tf.Tensor4D;
    const conv = tf.add(tf.conv2d(input, filter, 1, "same"), tf.tensor1d([0.5, -0.5]));
    const act = tf.prelu(conv, tf.tensor1d([0.1, 0.2]));
    const dwFilter = tf.tensor4d(dw, [1, 2, 2, 1]);
    return tf.depthwiseConv2d(act as tf.Tensor4D, dwFilter, 1, "same").dataSync();
  });
  assert.ok(maxAbsDiff(got, expected) < 1e-5, `${got} vs ${expected}`);
});

Deno.test("refused at load time with one line: unsupported operator, quantised model, not a model", async () => {
  await initTf();
  const div = buildTflite({
    tensors: [t([1, 2]), t([1, 2]), t([1, 2])],
    operators: [{ code: 42, inputs: [0, 1], outputs: [2] }],
    inputs: [0],
    outputs: [2],
  });
  assert.throws(
    () => compileTflite(parseTflite(div)),
    /^Error: unsupported TFLite operator DIV \(1 use\)$/,
  );
  const int8 = buildTflite({
    tensors: [
      { shape: [1, 2], type: 9, quantization: { scale: [0.1], zeroPoint: [0] } },
      { shape: [1, 2], type: 9 },
    ],
    operators: [{ code: 19, inputs: [0], outputs: [1] }],
    inputs: [0],
    outputs: [1],
  });
  assert.throws(() => compileTflite(parseTflite(int8)), /quantised activations \(INT8 input\)/);
  assert.throws(
    () => parseTflite(new TextEncoder().encode("not a model at all")),
    /not a valid TFLite model/,
  );
  // Cut short anywhere, the file gives an error, never a crash or a hang.
  const whole = Deno.readFileSync(MODEL);
  for (const end of [8, 100, 5000, 400_000, whole.length - 1000]) {
    assert.throws(() => compileTflite(parseTflite(whole.slice(0, end))), Error);
  }
});

Deno.test("a .tflite embedder of any input size: square RGB input required", async () => {
  const meanModel = (inputShape: number[]) =>
    buildTflite({
      tensors: [
        t(inputShape),
        { shape: [2], type: 2, data: i32([1, 2]) },
        t([inputShape[0], inputShape[3]]),
      ],
      operators: [{ code: 40, inputs: [0, 1], outputs: [2], options: [{ int8: 0 }] }],
      inputs: [0],
      outputs: [2],
    });
  const embedder = await tfliteEmbedder(meanModel([1, 8, 8, 3]), {
    name: "mean",
    normalization: "zero-one",
  });
  assert.equal(embedder.size, 3);
  assert.equal(embedder.inputSize, 8);
  const solid = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(0) };
  for (let i = 0; i < 64; i++) solid.data.set([0, 30, 40], i * 3);
  const [v] = await embedder.embed([solid], { flip: false });
  assert.ok(maxAbsDiff(v, [0, 0.6, 0.8]) < 1e-6);
  await assert.rejects(
    tfliteEmbedder(meanModel([1, 8, 6, 3]), { name: "m", normalization: "raw" }),
    /input shape \[1,8,6,3\] is not \[batch, size, size, 3\]/,
  );
});
