/**
 * Forward passes of the three MTCNN nets on normalised upright RGB batches
 * (`(pixel − 127.5) × 0.0078125`). Callers own the returned tensors (use inside `tf.tidy`).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Layer, ONetWeights, PNetWeights, RNetWeights } from "./weights.ts";

/** P-Net output maps, one cell per 12×12 window at stride 2. */
export type PNetOutput = {
  /** Face probability, `[1, h, w]`. */
  scores: tf.Tensor3D;
  /** Box offsets `(dx1, dy1, dx2, dy2)` in window sizes, `[1, h, w, 4]`. */
  offsets: tf.Tensor4D;
};

/** R-Net output, one row per crop. */
export type RNetOutput = {
  /** Face probability, `[n]`. */
  scores: tf.Tensor1D;
  /** Box offsets `(dx1, dy1, dx2, dy2)` in box sizes, `[n, 4]`. */
  offsets: tf.Tensor2D;
};

/** O-Net output, one row per crop. */
export type ONetOutput = RNetOutput & {
  /** Five landmarks as fractions of the crop: `[x1..x5, y1..y5]`, `[n, 10]`. */
  landmarks: tf.Tensor2D;
};

function conv(x: tf.Tensor4D, layer: Layer<tf.Tensor4D>): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: layer.weights,
    strides: 1,
    pad: "valid",
    bias: layer.bias,
    activation: layer.alpha ? "prelu" : "linear",
    preluActivationWeights: layer.alpha,
  });
}

function dense(x: tf.Tensor2D, layer: Layer<tf.Tensor2D>): tf.Tensor2D {
  return tf.fused.matMul({
    a: x,
    b: layer.weights,
    bias: layer.bias,
    activation: layer.alpha ? "prelu" : "linear",
    preluActivationWeights: layer.alpha,
  }) as tf.Tensor2D;
}

/** Probability of the "face" class from two-class logits `[..., 2]`. */
function faceProbability<T extends tf.Tensor>(logits: tf.Tensor): T {
  return tf.unstack(tf.softmax(logits), logits.rank - 1)[1] as T;
}

/**
 * Runs P-Net over a whole normalised image `[1, H, W, 3]` (H, W ≥ 12).
 *
 * @example
 * const { scores, offsets } = tf.tidy(() => runPNet(image, weights.pnet));
 */
export function runPNet(x: tf.Tensor4D, w: PNetWeights): PNetOutput {
  let y = conv(x, w.conv1);
  y = tf.maxPool(y, 2, 2, "same");
  y = conv(conv(y, w.conv2), w.conv3);
  return { scores: faceProbability(conv(y, w.score)), offsets: conv(y, w.box) };
}

/**
 * Runs R-Net on a batch of normalised 24×24 crops `[n, 24, 24, 3]`.
 *
 * @example
 * const { scores, offsets } = tf.tidy(() => runRNet(crops, weights.rnet));
 */
export function runRNet(x: tf.Tensor4D, w: RNetWeights): RNetOutput {
  let y = tf.maxPool(conv(x, w.conv1), 3, 2, "same");
  y = tf.maxPool(conv(y, w.conv2), 3, 2, "valid");
  y = conv(y, w.conv3);
  const features = dense(tf.reshape(y, [y.shape[0], -1]), w.fc);
  return { scores: faceProbability(dense(features, w.score)), offsets: dense(features, w.box) };
}

/**
 * Runs O-Net on a batch of normalised 48×48 crops `[n, 48, 48, 3]`.
 *
 * @example
 * const { scores, offsets, landmarks } = tf.tidy(() => runONet(crops, weights.onet));
 */
export function runONet(x: tf.Tensor4D, w: ONetWeights): ONetOutput {
  let y = tf.maxPool(conv(x, w.conv1), 3, 2, "same");
  y = tf.maxPool(conv(y, w.conv2), 3, 2, "valid");
  y = tf.maxPool(conv(y, w.conv3), 2, 2, "same");
  y = conv(y, w.conv4);
  const features = dense(tf.reshape(y, [y.shape[0], -1]), w.fc);
  return {
    scores: faceProbability(dense(features, w.score)),
    offsets: dense(features, w.box),
    landmarks: dense(features, w.landmarks),
  };
}
