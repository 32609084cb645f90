/**
 * Forward passes of the three MTCNN nets on raw upright RGB pixel values (0–255; the input
 * normalisation is folded into the weights). Each returns one tensor holding all of a net's
 * outputs side by side; the caller owns it. Intermediate activations are freed as soon as the
 * next layer exists, so a pass holds at most two of them.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Layer, ONetWeights, PNetWeights, RNetWeights } from "./weights.ts";

/** Channels of a P-Net output cell / R-Net row: face logits (not, is) then box offsets. */
export const PNET_OUTPUTS = 6;
/** R-Net outputs per crop: face logits (2) and box offsets `(dx1, dy1, dx2, dy2)` (4). */
export const RNET_OUTPUTS = 6;
/** O-Net outputs per crop: as R-Net, then landmarks `[x1..x5, y1..y5]` as crop fractions (10). */
export const ONET_OUTPUTS = 16;

type Step = (x: tf.Tensor) => tf.Tensor;

/** Applies `steps` in order, disposing every intermediate (not `x`) once the next exists. */
function chain(x: tf.Tensor, steps: Step[]): tf.Tensor {
  let y = x;
  for (const step of steps) {
    const next = step(y);
    if (y !== x) y.dispose();
    y = next;
  }
  return y;
}

function conv(layer: Layer<tf.Tensor4D>): Step {
  return (x) =>
    tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: layer.weights,
      strides: 1,
      pad: "valid",
      bias: layer.bias,
      activation: layer.alpha ? "prelu" : "linear",
      preluActivationWeights: layer.alpha,
    });
}

function dense(layer: Layer<tf.Tensor2D>): Step {
  return (x) =>
    tf.fused.matMul({
      a: x as tf.Tensor2D,
      b: layer.weights,
      bias: layer.bias,
      activation: layer.alpha ? "prelu" : "linear",
      preluActivationWeights: layer.alpha,
    });
}

function maxPool(size: number, pad: "same" | "valid"): Step {
  return (x) => tf.maxPool(x as tf.Tensor4D, size, 2, pad);
}

const flatten: Step = (x) => tf.reshape(x, [x.shape[0], -1]);

/**
 * Runs the rest of P-Net on its first layer's pooled output `[1, h, w, 10]` (h, w ≥ 5; see
 * pnet_first_layer.ts): `[1, h − 4, w − 4, 6]`, one cell per 12×12 window of the image at stride 2.
 *
 * @example
 * const cells = runPNetTail(tf.tensor4d(pooled.data, [1, pooled.height, pooled.width, 10]), w.pnet);
 */
export function runPNetTail(x: tf.Tensor4D, w: PNetWeights): tf.Tensor4D {
  return chain(x, [conv(w.conv2), conv(w.conv3), conv(w.head)]) as tf.Tensor4D;
}

/**
 * Runs R-Net on a batch of 24×24 crops `[n, 24, 24, 3]`: `[n, 6]`.
 *
 * @example
 * const rows = runRNet(crops, weights.rnet);
 */
export function runRNet(x: tf.Tensor4D, w: RNetWeights): tf.Tensor2D {
  return chain(x, [
    conv(w.conv1),
    maxPool(3, "same"),
    conv(w.conv2),
    maxPool(3, "valid"),
    conv(w.conv3),
    flatten,
    dense(w.fc),
    dense(w.head),
  ]) as tf.Tensor2D;
}

/**
 * Runs O-Net on a batch of 48×48 crops `[n, 48, 48, 3]`: `[n, 16]`.
 *
 * @example
 * const rows = runONet(crops, weights.onet);
 */
export function runONet(x: tf.Tensor4D, w: ONetWeights): tf.Tensor2D {
  return chain(x, [
    conv(w.conv1),
    maxPool(3, "same"),
    conv(w.conv2),
    maxPool(3, "valid"),
    conv(w.conv3),
    maxPool(2, "same"),
    conv(w.conv4),
    flatten,
    dense(w.fc),
    dense(w.head),
  ]) as tf.Tensor2D;
}

/**
 * Face probability from the two logits at `values[at]`, `values[at + 1]`: the softmax's second
 * component, `1 / (1 + e^(l0 − l1))`.
 */
export function faceProbability(values: ArrayLike<number>, at: number): number {
  return 1 / (1 + Math.exp(values[at] - values[at + 1]));
}
