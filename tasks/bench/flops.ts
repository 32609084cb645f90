/**
 * Floating-point operation counts (multiply and add counted separately) of the networks, for the
 * benchmark's GFLOP/s figures. Only convolutions and dense layers are counted.
 */

/** The dlib ResNet per 150×150 face. */
export const DLIB_FLOPS_PER_FACE = 0.542e9;

/**
 * MobileFaceNet per 112×112 face: its 35 convs and 17 depthwise convs, counted from the TFLite
 * file by tests/embed/tflite_test.ts (which checks this figure; the file's fixed batch of 2
 * costs twice this).
 */
export const MOBILEFACENET_FLOPS_PER_FACE = 0.2341e9;

/** FLOPs per face of a built-in embedder part, by the name it stamps. */
export function embedderFlops(name: string): number {
  if (name === "dlib-resnet-v1") return DLIB_FLOPS_PER_FACE;
  if (name === "mobilefacenet-v1") return MOBILEFACENET_FLOPS_PER_FACE;
  throw new Error(`no FLOP count for embedder ${name}`);
}

const conv = (outH: number, outW: number, k: number, cin: number, cout: number) =>
  2 * outH * outW * k * k * cin * cout;

/**
 * P-Net over one `height`×`width` pyramid level: conv 3×3 3→10, max-pool 2 ("same"), conv 3×3
 * 10→16, conv 3×3 16→32, then the 1×1 heads 32→6.
 *
 * @example
 * pnetFlops(768, 1152); // ≈ 3.2e9
 */
export function pnetFlops(height: number, width: number): number {
  const h1 = height - 2, w1 = width - 2;
  const h2 = Math.ceil(h1 / 2), w2 = Math.ceil(w1 / 2);
  return conv(h1, w1, 3, 3, 10) + conv(h2 - 2, w2 - 2, 3, 10, 16) +
    conv(h2 - 4, w2 - 4, 3, 16, 32) + conv(h2 - 4, w2 - 4, 1, 32, 6);
}

/** R-Net per 24×24 crop: conv 3→28, pool, conv 28→48, pool, conv 2×2 48→64, fc 576→128, 128→6. */
export const RNET_FLOPS_PER_CROP = conv(22, 22, 3, 3, 28) + conv(9, 9, 3, 28, 48) +
  conv(3, 3, 2, 48, 64) + 2 * 576 * 128 + 2 * 128 * 6;

/**
 * O-Net per 48×48 crop: conv 3→32, pool, conv 32→64, pool, conv 64→64, pool, conv 2×2 64→128,
 * fc 1152→256, 256→16.
 */
export const ONET_FLOPS_PER_CROP = conv(46, 46, 3, 3, 32) + conv(21, 21, 3, 32, 64) +
  conv(8, 8, 3, 64, 64) + conv(3, 3, 2, 64, 128) + 2 * 1152 * 256 + 2 * 256 * 16;
