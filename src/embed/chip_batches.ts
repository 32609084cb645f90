/**
 * Chips to unit vectors for models that take normalised pixels: the pixel normalisations,
 * batching, mirror averaging and L2 normalisation shared by the tfjs-graph and TFLite embedders.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { EmbedOptions, RgbImage } from "../types.ts";

/**
 * How chip pixels (0..255) become model input:
 * - "dlib": `(x − mean) / 256` with dlib's RGB mean (122.782, 117.001, 104.298)
 * - "zero-one": `x / 255`
 * - "minus-one-one": `x / 127.5 − 1`
 * - "arcface": `(x − 127.5) / 128` (InsightFace / ArcFace / MobileFaceNet models)
 * - "standardize": per chip `(x − mean) / max(std, 1/√n)` over all n values (FaceNet's prewhiten)
 * - "raw": `x` unchanged (e.g. @vladmandic/human's faceres)
 */
export type ChipNormalization = typeof CHIP_NORMALIZATIONS[number];

/** Every {@link ChipNormalization}, e.g. for validating a command-line value. */
export const CHIP_NORMALIZATIONS = [
  "dlib",
  "zero-one",
  "minus-one-one",
  "arcface",
  "standardize",
  "raw",
] as const;

/** dlib's per-channel input mean (RGB). */
const DLIB_MEAN_RGB = [122.782, 117.001, 104.298];

/** How a model sees chips: their side, their normalisation, and how to run one batch. */
export interface ChipModel {
  /** Name used in error messages, e.g. "graph embedder". */
  label: string;
  inputSize: number;
  /** Length of each output vector. */
  size: number;
  normalization: ChipNormalization;
  /** Most images (chips and mirrors) per forward pass. */
  batch: number;
  /** Runs one NHWC batch, one raw output vector per image (the caller disposes the input). */
  run: (input: tf.Tensor4D) => Promise<Float32Array[]>;
}

/**
 * Embeds aligned chips with a model: pixels normalised, batched, run, each output L2-normalised;
 * with `flip`, each chip's vector is the normalised sum of its own and its mirror image's unit
 * vectors. Throws for chips of the wrong size.
 *
 * @example
 * const vectors = await embedChips(chips, { flip: false }, { label: "graph embedder",
 *   inputSize: 112, size: 192, normalization: "arcface", batch: 8, run });
 */
export async function embedChips(
  chips: RgbImage[],
  { flip }: EmbedOptions,
  { label, inputSize, size, normalization, batch: BATCH, run }: ChipModel,
): Promise<Float32Array[]> {
  for (const chip of chips) {
    if (chip.width !== inputSize || chip.height !== inputSize) {
      throw new Error(
        `${label}: chips must be ${inputSize}x${inputSize}, got ${chip.width}x${chip.height}`,
      );
    }
  }
  const views = flip ? chips.length * 2 : chips.length;
  const chipValues = inputSize * inputSize * 3;
  const vectors: Float32Array[] = [];
  for (let start = 0; start < views; start += BATCH) {
    const count = Math.min(BATCH, views - start);
    const data = new Float32Array(count * chipValues);
    for (let i = 0; i < count; i++) {
      const view = start + i;
      const chip = flip ? chips[view >> 1] : chips[view];
      const values = data.subarray(i * chipValues, (i + 1) * chipValues);
      writePixels(chip, flip && (view & 1) === 1, values);
      normalize(values, normalization);
    }
    const input = tf.tensor4d(data, [count, inputSize, inputSize, 3]);
    const outputs = await run(input).finally(() => input.dispose());
    for (const vector of outputs) vectors.push(l2Normalize(vector));
  }
  if (!flip) return vectors;
  return chips.map((_, i) => {
    const a = vectors[2 * i], b = vectors[2 * i + 1];
    for (let j = 0; j < size; j++) a[j] += b[j];
    return l2Normalize(a);
  });
}

/** Copies a chip's RGB values (mirrored left-right if asked) into `dst` as floats 0..255. */
function writePixels(chip: RgbImage, mirror: boolean, dst: Float32Array): void {
  const side = chip.width;
  let o = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const p = (y * side + (mirror ? side - 1 - x : x)) * 3;
      dst[o++] = chip.data[p];
      dst[o++] = chip.data[p + 1];
      dst[o++] = chip.data[p + 2];
    }
  }
}

/** Applies `normalization` in place to one chip's interleaved RGB values. */
function normalize(values: Float32Array, normalization: ChipNormalization): void {
  switch (normalization) {
    case "raw":
      return;
    case "zero-one":
      for (let i = 0; i < values.length; i++) values[i] /= 255;
      return;
    case "minus-one-one":
      for (let i = 0; i < values.length; i++) values[i] = values[i] / 127.5 - 1;
      return;
    case "arcface":
      for (let i = 0; i < values.length; i++) values[i] = (values[i] - 127.5) / 128;
      return;
    case "dlib":
      for (let i = 0; i < values.length; i++) values[i] = (values[i] - DLIB_MEAN_RGB[i % 3]) / 256;
      return;
    case "standardize": {
      const n = values.length;
      let sum = 0, sumSquares = 0;
      for (let i = 0; i < n; i++) {
        sum += values[i];
        sumSquares += values[i] * values[i];
      }
      const mean = sum / n;
      const std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
      const divisor = Math.max(std, 1 / Math.sqrt(n));
      for (let i = 0; i < n; i++) values[i] = (values[i] - mean) / divisor;
      return;
    }
  }
}

/** Scales `v` in place to unit length (a zero vector stays zero) and returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
