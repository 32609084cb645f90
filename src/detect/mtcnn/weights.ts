/**
 * MTCNN weights: decoded from the embedded face-api.js weight map (float32) and re-laid-out once so
 * the nets run on upright RGB images.
 *
 * The original Caffe MTCNN was trained on transposed images (MATLAB hands Caffe column-major
 * arrays), so face-api.js transposes every input. Transposing the spatial axes of each conv kernel
 * (and permuting the first dense layer's rows to match) gives the same network on upright images:
 * conv, PReLU and max-pool ("same" padding pads both axes alike) all commute with a transpose.
 *
 * Channel order: face-api.js feeds BGR, but these weights (the original Caffe model, trained on
 * MATLAB's RGB arrays) expect RGB. Measured on tests/fixtures/npm: fed BGR, sample4 loses 2 of its
 * 4 faces and every score drops; fed RGB, all are found with scores ≥ 0.998.
 *
 * For speed the input normalisation is folded into each net's first conv (the nets take raw
 * pixel values) and each net's output layers are joined into one, so a forward pass ends in a
 * single tensor.
 */
import * as tf from "@tensorflow/tfjs-core";
import shard from "../../../models/mtcnn_model-shard1" with { type: "bytes" };
import manifest from "../../../models/mtcnn_model-weights_manifest.json" with { type: "json" };
import { PNetFirstLayer } from "./pnet_first_layer.ts";

/** A layer `y = prelu(x · W + b)` (conv or dense); no `alpha` means no activation. */
export interface Layer<W extends tf.Tensor> {
  weights: W;
  bias: tf.Tensor1D;
  alpha?: tf.Tensor1D;
}

/** P-Net (12×12 proposal net, fully convolutional). */
export interface PNetWeights {
  /** The first conv with its PReLU and 2×2 max pooling, on faceprint's own WASM kernel. */
  conv1: PNetFirstLayer;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  /** Face logits (2) and box offsets (4) in one 1×1 conv: `[1, 1, 32, 6]`. */
  head: Layer<tf.Tensor4D>;
}

/** R-Net (24×24 refinement net). */
export interface RNetWeights {
  conv1: Layer<tf.Tensor4D>;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  fc: Layer<tf.Tensor2D>;
  /** Face logits (2) and box offsets (4) in one dense layer: `[128, 6]`. */
  head: Layer<tf.Tensor2D>;
}

/** O-Net (48×48 output net, with five landmarks). */
export interface ONetWeights {
  conv1: Layer<tf.Tensor4D>;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  conv4: Layer<tf.Tensor4D>;
  fc: Layer<tf.Tensor2D>;
  /** Face logits (2), box offsets (4) and landmarks (10) in one dense layer: `[256, 16]`. */
  head: Layer<tf.Tensor2D>;
}

/** The three cascaded nets. */
export interface MtcnnWeights {
  pnet: PNetWeights;
  rnet: RNetWeights;
  onet: ONetWeights;
}

/** The nets' input mapping, `(pixel − 127.5) × 0.0078125`, folded into each first conv. */
const INPUT_SCALE = 0.0078125;
const INPUT_SHIFT = -127.5 * INPUT_SCALE;

/**
 * Decodes the embedded weights into tensors laid out for upright RGB input (call `initTf()` first).
 * The tensors live as long as the detector; nothing else is allocated.
 *
 * @example
 * const { pnet } = loadMtcnnWeights();
 */
export function loadMtcnnWeights(): MtcnnWeights {
  const specs = manifest[0].weights as tf.io.WeightsManifestEntry[];
  const bytes = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength);
  const map = tf.io.decodeWeights(bytes, specs);
  const take = <T extends tf.Tensor>(name: string): T => {
    const t = map[name];
    if (!t) throw new Error(`mtcnn weights: missing ${name}`);
    return t as T;
  };
  const upright = (net: string, name: string, prelu?: string): Layer<tf.Tensor4D> => {
    const raw = take<tf.Tensor4D>(`${net}/${name}/weights`);
    const weights = tf.transpose(raw, [1, 0, 2, 3]);
    raw.dispose();
    return {
      weights,
      bias: take(`${net}/${name}/bias`),
      alpha: prelu ? take(`${net}/${prelu}`) : undefined,
    };
  };
  /**
   * A first conv taking raw pixels: `conv(x·s + c, W) + b = conv(x, W·s) + (b + c·ΣW)`, exact for
   * these unpadded ("valid") convs.
   */
  const rawInput = (net: string): Layer<tf.Tensor4D> => {
    const layer = upright(net, "conv1", "prelu1_alpha");
    const folded = tf.tidy(() => ({
      weights: tf.mul(layer.weights, INPUT_SCALE) as tf.Tensor4D,
      bias: tf.add(
        layer.bias,
        tf.mul(tf.sum(layer.weights, [0, 1, 2]), INPUT_SHIFT),
      ) as tf.Tensor1D,
    }));
    tf.dispose([layer.weights, layer.bias]);
    return { ...layer, ...folded };
  };
  /** P-Net's first layer moved onto its kernel (the tensors are freed). */
  const firstLayer = (layer: Layer<tf.Tensor4D>): PNetFirstLayer => {
    const values = (t: tf.Tensor) => t.dataSync() as Float32Array;
    const moved = new PNetFirstLayer(
      values(layer.weights),
      values(layer.bias),
      values(layer.alpha!),
    );
    tf.dispose([layer.weights, layer.bias, layer.alpha!]);
    return moved;
  };
  const dense = (net: string, name: string, prelu?: string): Layer<tf.Tensor2D> => ({
    weights: take(`${net}/${name}/weights`),
    bias: take(`${net}/${name}/bias`),
    alpha: prelu ? take(`${net}/${prelu}`) : undefined,
  });
  /** Output layers side by side, so one matmul (or 1×1 conv) computes them all. */
  const joined = <W extends tf.Tensor>(layers: Layer<W>[]): Layer<W> => {
    const axis = layers[0].weights.rank - 1;
    const out = {
      weights: tf.concat(layers.map((l) => l.weights), axis) as W,
      bias: tf.concat(layers.map((l) => l.bias)) as tf.Tensor1D,
    };
    tf.dispose(layers.flatMap((l) => [l.weights, l.bias]));
    return out;
  };
  /** First dense layer: rows are the flattened transposed feature map (x, y, c); reorder to (y, x, c). */
  const uprightDense = (net: string, side: number, prelu: string): Layer<tf.Tensor2D> => {
    const layer = dense(net, "fc1", prelu);
    const [rows, cols] = layer.weights.shape;
    const weights = tf.tidy(() =>
      tf.reshape(
        tf.transpose(tf.reshape(layer.weights, [side, side, rows / side / side, cols]), [
          1,
          0,
          2,
          3,
        ]),
        [rows, cols],
      ) as tf.Tensor2D
    );
    layer.weights.dispose();
    return { ...layer, weights };
  };
  return {
    pnet: {
      conv1: firstLayer(rawInput("pnet")),
      conv2: upright("pnet", "conv2", "prelu2_alpha"),
      conv3: upright("pnet", "conv3", "prelu3_alpha"),
      head: joined([upright("pnet", "conv4_1"), upright("pnet", "conv4_2")]),
    },
    rnet: {
      conv1: rawInput("rnet"),
      conv2: upright("rnet", "conv2", "prelu2_alpha"),
      conv3: upright("rnet", "conv3", "prelu3_alpha"),
      fc: uprightDense("rnet", 3, "prelu4_alpha"),
      head: joined([dense("rnet", "fc2_1"), dense("rnet", "fc2_2")]),
    },
    onet: {
      conv1: rawInput("onet"),
      conv2: upright("onet", "conv2", "prelu2_alpha"),
      conv3: upright("onet", "conv3", "prelu3_alpha"),
      conv4: upright("onet", "conv4", "prelu4_alpha"),
      fc: uprightDense("onet", 3, "prelu5_alpha"),
      head: joined([dense("onet", "fc2_1"), dense("onet", "fc2_2"), dense("onet", "fc2_3")]),
    },
  };
}
