/** Integer-factor box-filter downscaling of an RGB image, done in JS before any tensor exists. */
import type { RgbImage } from "../../types.ts";

/** A float RGB image, channel values 0..255, row-major, interleaved. */
export interface FloatRgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Averages each `factor`×`factor` block of pixels into one (blocks cut by the right/bottom edge
 * average the pixels they have), so output pixel `(i, j)` covers original pixels
 * `[i·factor, (i+1)·factor)` in each direction.
 *
 * @example
 * const small = shrinkByBoxFilter({ width: 4, height: 2, data: new Uint8Array(24) }, 2);
 * [small.width, small.height]; // [2, 1]
 */
export function shrinkByBoxFilter(image: RgbImage, factor: number): FloatRgbImage {
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const sums = new Float32Array(width * height * 3);
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    let outPos = Math.floor(y / factor) * width * 3;
    let inPos = y * image.width * 3;
    for (let x0 = 0; x0 < image.width; x0 += factor) {
      const inEnd = inPos + Math.min(factor, image.width - x0) * 3;
      let r = 0, g = 0, b = 0;
      for (; inPos < inEnd; inPos += 3) {
        r += src[inPos];
        g += src[inPos + 1];
        b += src[inPos + 2];
      }
      sums[outPos++] += r;
      sums[outPos++] += g;
      sums[outPos++] += b;
    }
  }
  for (let row = 0; row < height; row++) {
    const rows = Math.min(factor, image.height - row * factor);
    for (let col = 0; col < width; col++) {
      const count = rows * Math.min(factor, image.width - col * factor);
      const pos = (row * width + col) * 3;
      sums[pos] /= count;
      sums[pos + 1] /= count;
      sums[pos + 2] /= count;
    }
  }
  return { width, height, data: sums };
}
