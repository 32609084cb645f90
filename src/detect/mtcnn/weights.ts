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
 */
import * as tf from "@tensorflow/tfjs-core";
import shard from "../../../models/mtcnn_model-shard1" with { type: "bytes" };
import manifest from "../../../models/mtcnn_model-weights_manifest.json" with { type: "json" };

/** A layer `y = prelu(x · W + b)` (conv or dense); no `alpha` means no activation. */
export interface Layer<W extends tf.Tensor> {
  weights: W;
  bias: tf.Tensor1D;
  alpha?: tf.Tensor1D;
}

/** P-Net (12×12 proposal net, fully convolutional). */
export interface PNetWeights {
  conv1: Layer<tf.Tensor4D>;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  score: Layer<tf.Tensor4D>;
  box: Layer<tf.Tensor4D>;
}

/** R-Net (24×24 refinement net). */
export interface RNetWeights {
  conv1: Layer<tf.Tensor4D>;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  fc: Layer<tf.Tensor2D>;
  score: Layer<tf.Tensor2D>;
  box: Layer<tf.Tensor2D>;
}

/** O-Net (48×48 output net, with five landmarks). */
export interface ONetWeights {
  conv1: Layer<tf.Tensor4D>;
  conv2: Layer<tf.Tensor4D>;
  conv3: Layer<tf.Tensor4D>;
  conv4: Layer<tf.Tensor4D>;
  fc: Layer<tf.Tensor2D>;
  score: Layer<tf.Tensor2D>;
  box: Layer<tf.Tensor2D>;
  landmarks: Layer<tf.Tensor2D>;
}

/** The three cascaded nets. */
export interface MtcnnWeights {
  pnet: PNetWeights;
  rnet: RNetWeights;
  onet: ONetWeights;
}

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
  const dense = (net: string, name: string, prelu?: string): Layer<tf.Tensor2D> => ({
    weights: take(`${net}/${name}/weights`),
    bias: take(`${net}/${name}/bias`),
    alpha: prelu ? take(`${net}/${prelu}`) : undefined,
  });
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
      conv1: upright("pnet", "conv1", "prelu1_alpha"),
      conv2: upright("pnet", "conv2", "prelu2_alpha"),
      conv3: upright("pnet", "conv3", "prelu3_alpha"),
      score: upright("pnet", "conv4_1"),
      box: upright("pnet", "conv4_2"),
    },
    rnet: {
      conv1: upright("rnet", "conv1", "prelu1_alpha"),
      conv2: upright("rnet", "conv2", "prelu2_alpha"),
      conv3: upright("rnet", "conv3", "prelu3_alpha"),
      fc: uprightDense("rnet", 3, "prelu4_alpha"),
      score: dense("rnet", "fc2_1"),
      box: dense("rnet", "fc2_2"),
    },
    onet: {
      conv1: upright("onet", "conv1", "prelu1_alpha"),
      conv2: upright("onet", "conv2", "prelu2_alpha"),
      conv3: upright("onet", "conv3", "prelu3_alpha"),
      conv4: upright("onet", "conv4", "prelu4_alpha"),
      fc: uprightDense("onet", 3, "prelu5_alpha"),
      score: dense("onet", "fc2_1"),
      box: dense("onet", "fc2_2"),
      landmarks: dense("onet", "fc2_3"),
    },
  };
}
