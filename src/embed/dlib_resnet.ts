/**
 * dlib's face-recognition ResNet-34 (128-d, 150×150 chips) on tfjs, with each conv's scale layer
 * folded into its filters and bias so every conv is one fused conv + bias (+ relu) op.
 */
import * as tf from "@tensorflow/tfjs-core";
import weightBytes from "../../models/face_recognition_model.weights" with { type: "bytes" };
import pinned from "../../models/manifest.json" with { type: "json" };
import { initTf } from "../runtime/tf.ts";
import type { Embedder, EmbedOptions, RgbImage } from "../types.ts";
import { DLIB_TEMPLATE_150 } from "./align.ts";
import {
  decodeDlibFloat32Weights,
  DLIB_RESNET_WEIGHT_SPECS,
  type NamedWeights,
} from "./dlib_weights.ts";

/** dlib's per-channel input mean (RGB); inputs are `(pixel - mean) / 256` as in dlib. */
const MEAN_RGB = [122.782, 117.001, 104.298];
const INPUT_SIZE = 150;
const EMBEDDING_SIZE = 128;
/**
 * Most images (chips and mirrors) per forward pass. Measured faces/s is the same from 1 to 16
 * (the convolutions are as efficient at batch 1); 4 keeps the activations, and so the WASM heap,
 * small (16 grew it by ~50 MB on a 15-face photo).
 */
const CHUNK = 4;

/** The residual blocks after the stem, in order; `down` blocks halve the resolution. */
const BLOCKS: readonly { name: string; down: boolean }[] = [
  { name: "conv32_1", down: false },
  { name: "conv32_2", down: false },
  { name: "conv32_3", down: false },
  { name: "conv64_down", down: true },
  { name: "conv64_1", down: false },
  { name: "conv64_2", down: false },
  { name: "conv64_3", down: false },
  { name: "conv128_down", down: true },
  { name: "conv128_1", down: false },
  { name: "conv128_2", down: false },
  { name: "conv256_down", down: true },
  { name: "conv256_1", down: false },
  { name: "conv256_2", down: false },
  { name: "conv256_down_out", down: true },
];

interface ConvLayer {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

interface Network {
  stem: ConvLayer;
  blocks: { conv1: ConvLayer; conv2: ConvLayer; down: boolean }[];
  fc: tf.Tensor2D;
}

/** An {@link Embedder} that owns its weight tensors. */
export interface DlibEmbedder extends Embedder {
  /** Frees the weight tensors; the embedder is unusable afterwards. */
  dispose(): void;
}

let shared: Promise<Embedder> | null = null;

/**
 * The dlib ResNet embedder on the embedded float32 weights (starts tfjs if needed; built once,
 * later calls return the same instance).
 *
 * @example
 * const embedder = await createDlibEmbedder();
 * const [vector] = await embedder.embed([alignFace(image, face.landmarks)], { flip: false });
 */
export function createDlibEmbedder(): Promise<Embedder> {
  shared ??= initTf().then(() =>
    buildDlibEmbedder(decodeDlibFloat32Weights(weightBytes), weightsHash())
  );
  return shared;
}

/**
 * Builds the network from named weights in tfjs layouts (see `DLIB_RESNET_WEIGHT_SPECS`),
 * folding each scale layer into its conv. tfjs must be initialised.
 *
 * @example
 * const embedder = buildDlibEmbedder(decodeDlibFloat32Weights(bytes), sha256Hex);
 */
export function buildDlibEmbedder(weights: NamedWeights, hash: string): DlibEmbedder {
  const net: Network = {
    stem: foldConvLayer(weights, "conv32_down"),
    blocks: BLOCKS.map(({ name, down }) => ({
      conv1: foldConvLayer(weights, `${name}/conv1`),
      conv2: foldConvLayer(weights, `${name}/conv2`),
      down,
    })),
    fc: tf.tensor2d(need(weights, "fc"), [256, EMBEDDING_SIZE]),
  };
  return {
    name: "dlib-resnet-v1",
    hash,
    size: EMBEDDING_SIZE,
    inputSize: INPUT_SIZE,
    template: DLIB_TEMPLATE_150,
    embed: (chips, options) => embed(net, chips, options),
    dispose: () => {
      for (const t of [net.stem, ...net.blocks.flatMap((b) => [b.conv1, b.conv2])]) {
        t.filter.dispose();
        t.bias.dispose();
      }
      net.fc.dispose();
    },
  };
}

function weightsHash(): string {
  const entry = pinned.files.find((f) => f.name === "dlib-resnet");
  if (!entry) throw new Error("models/manifest.json has no dlib-resnet entry");
  return entry.sha256;
}

function filterShape(name: string): [number, number, number, number] {
  const spec = DLIB_RESNET_WEIGHT_SPECS.find((w) => w.name === name);
  if (spec?.shape.length !== 4) throw new Error(`dlib weights: no 4-D tensor ${name}`);
  return spec.shape as [number, number, number, number];
}

function need(weights: NamedWeights, name: string): Float32Array {
  const values = weights.get(name);
  if (!values) throw new Error(`dlib weights: missing ${name}`);
  return values;
}

/**
 * `scale(conv(x, W) + b) = conv(x, W·s) + (b·s + t)`: one conv with per-output-channel scaled
 * filters and a combined bias.
 */
function foldConvLayer(weights: NamedWeights, prefix: string): ConvLayer {
  const filters = need(weights, `${prefix}/conv/filters`);
  const bias = need(weights, `${prefix}/conv/bias`);
  const s = need(weights, `${prefix}/scale/weights`);
  const t = need(weights, `${prefix}/scale/biases`);
  const shape = filterShape(`${prefix}/conv/filters`);
  const out = shape[3];
  if (bias.length !== out || s.length !== out || t.length !== out) {
    throw new Error(`dlib weights: inconsistent shapes under ${prefix}`);
  }
  const folded = new Float32Array(filters.length);
  for (let row = 0; row < filters.length; row += out) {
    for (let o = 0; o < out; o++) folded[row + o] = filters[row + o] * s[o];
  }
  const foldedBias = new Float32Array(out);
  for (let o = 0; o < out; o++) foldedBias[o] = bias[o] * s[o] + t[o];
  return { filter: tf.tensor4d(folded, shape), bias: tf.tensor1d(foldedBias) };
}

async function embed(
  net: Network,
  chips: RgbImage[],
  { flip }: EmbedOptions,
): Promise<Float32Array[]> {
  for (const chip of chips) {
    if (chip.width !== INPUT_SIZE || chip.height !== INPUT_SIZE) {
      throw new Error(
        `dlib embedder: chips must be ${INPUT_SIZE}x${INPUT_SIZE}, got ${chip.width}x${chip.height}`,
      );
    }
  }
  const views = flip ? chips.length * 2 : chips.length;
  const raw: Float32Array[] = [];
  for (let start = 0; start < views; start += CHUNK) {
    const count = Math.min(CHUNK, views - start);
    const input = new Float32Array(count * INPUT_SIZE * INPUT_SIZE * 3);
    for (let i = 0; i < count; i++) {
      const view = start + i;
      const chip = flip ? chips[view >> 1] : chips[view];
      writeNormalised(chip, flip && (view & 1) === 1, input, i * INPUT_SIZE * INPUT_SIZE * 3);
    }
    const output = tf.tidy(() =>
      forward(net, tf.tensor4d(input, [count, INPUT_SIZE, INPUT_SIZE, 3]))
    );
    const values = await output.data() as Float32Array;
    output.dispose();
    for (let i = 0; i < count; i++) {
      raw.push(normalise(values.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE)));
    }
  }
  if (!flip) return raw;
  return chips.map((_, i) => {
    const a = raw[2 * i], b = raw[2 * i + 1];
    for (let j = 0; j < EMBEDDING_SIZE; j++) a[j] += b[j];
    return normalise(a);
  });
}

/** Writes a chip's `(pixel - mean) / 256` values (optionally mirrored) into `dst` at `offset`. */
function writeNormalised(chip: RgbImage, mirror: boolean, dst: Float32Array, offset: number) {
  const { data } = chip;
  const [mr, mg, mb] = MEAN_RGB;
  let o = offset;
  for (let y = 0; y < INPUT_SIZE; y++) {
    const row = y * INPUT_SIZE;
    for (let x = 0; x < INPUT_SIZE; x++) {
      const p = (row + (mirror ? INPUT_SIZE - 1 - x : x)) * 3;
      dst[o++] = (data[p] - mr) / 256;
      dst[o++] = (data[p + 1] - mg) / 256;
      dst[o++] = (data[p + 2] - mb) / 256;
    }
  }
}

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

function conv(x: tf.Tensor4D, layer: ConvLayer, stride: 1 | 2, relu: boolean): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: layer.filter,
    bias: layer.bias,
    strides: stride,
    pad: stride === 1 ? "same" : "valid",
    activation: relu ? "relu" : "linear",
  });
}

/**
 * The ResNet forward pass: `[n, 150, 150, 3]` normalised input to `[n, 128]` raw embeddings.
 * Each activation is freed as soon as the layers that read it have run (not at the end of the
 * pass), so the WASM heap holds a few activations at a time instead of all ~70.
 */
function forward(net: Network, input: tf.Tensor4D): tf.Tensor2D {
  let x = consume(conv(input, net.stem, 2, true), (s) => tf.maxPool(s, 3, 2, "valid"));
  for (const block of net.blocks) {
    const stride = block.down ? 2 : 1;
    let h = consume(conv(x, block.conv1, stride, true), (a) => conv(a, block.conv2, 1, false));
    let shortcut = x;
    if (block.down) {
      shortcut = poolShortcut(x, h.shape[3]);
      h = consume(h, (t) => padBottomRight(t, shortcut.shape[1], shortcut.shape[2]));
    }
    const sum = tf.add(h, shortcut);
    for (const t of new Set([h, shortcut, x])) t.dispose();
    x = consume(sum, (t) => tf.relu(t) as tf.Tensor4D);
  }
  const pooled = consume(x, (t) => tf.mean(t, [1, 2]) as tf.Tensor2D);
  return consume(pooled, (p) => tf.matMul(p, net.fc));
}

/** `f(x)`, then `x` disposed unless `f` returned it (x is an intermediate nothing else reads). */
function consume<T extends tf.Tensor, R extends tf.Tensor>(x: T, f: (x: T) => R): R {
  const y = f(x);
  if ((y as tf.Tensor) !== x) x.dispose();
  return y;
}

/** The down-sampling shortcut: a 2×2 average pool with zero channels appended up to `channels`. */
function poolShortcut(x: tf.Tensor4D, channels: number): tf.Tensor4D {
  const extra = channels - x.shape[3];
  return consume(
    tf.avgPool(x, 2, 2, "valid"),
    (pooled) => extra > 0 ? tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, extra]]) : pooled,
  );
}

/**
 * Zero-pads at the bottom/right up to `height`×`width`: where the unpadded strided conv comes out
 * one pixel smaller than the pool (odd sizes), dlib adds the smaller operand as if zero-extended.
 */
function padBottomRight(h: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const dy = height - h.shape[1], dx = width - h.shape[2];
  return dy > 0 || dx > 0 ? tf.pad(h, [[0, 0], [0, dy], [0, dx], [0, 0]]) : h;
}
