/** Resampling: bilinear, or exact area averaging along an axis shrunk by more than 2x (or any). */
import type { RgbImage } from "../types.ts";

/** For each output index, the source indices it reads and their weights (summing to 1). */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  /** `maxTaps` weights per output index. */
  weights: Float32Array;
  maxTaps: number;
}

/**
 * Resizes to `width` x `height`. Along each axis: when shrinking by more than 2x, every output
 * pixel is the area-weighted mean of the source pixels it covers (no aliasing); otherwise
 * bilinear interpolation with pixel centres aligned (as OpenCV's INTER_LINEAR). Works row by row
 * with a small cache, so memory stays near the size of the output.
 *
 * @example
 * const small = resizeBilinear(photo, 1280, Math.round(photo.height * 1280 / photo.width));
 */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  return resample(image, width, height, 2);
}

/**
 * Shrinks to `width` x `height` by area averaging along both axes, however small the shrink
 * (bilinear would skip detail at 1.5x): each output pixel is the area-weighted mean of the source
 * pixels it covers. What the detector gets from a JPEG decoded at 1/2 when the full image would
 * have been block-averaged by 3.
 *
 * @example
 * const third = resizeArea(half, Math.floor(full.width / 3), Math.floor(full.height / 3));
 */
export function resizeArea(image: RgbImage, width: number, height: number): RgbImage {
  return resample(image, width, height, 1);
}

/** Resamples; an axis shrunk by more than `areaAbove` times is area-averaged, others bilinear. */
function resample(image: RgbImage, width: number, height: number, areaAbove: number): RgbImage {
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  if (width === image.width && height === image.height) {
    return { width, height, data: image.data.slice() };
  }
  const xs = axisTaps(image.width, width, areaAbove);
  const ys = axisTaps(image.height, height, areaAbove);
  const out = new Uint8Array(width * height * 3);
  const clamped = new Uint8ClampedArray(out.buffer);
  // Ring of horizontally resampled source rows; a row is computed once.
  const ringSize = ys.maxTaps + 1;
  const ring = new Float32Array(ringSize * width * 3);
  const ringRow = new Int32Array(ringSize).fill(-1);
  const acc = new Float32Array(width * 3);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    const first = ys.start[y];
    for (let t = 0; t < ys.count[y]; t++) {
      const sy = first + t;
      const slot = sy % ringSize;
      if (ringRow[slot] !== sy) {
        resampleRow(image, sy, xs, ring, slot * width * 3);
        ringRow[slot] = sy;
      }
      const w = ys.weights[y * ys.maxTaps + t];
      const base = slot * width * 3;
      for (let i = 0; i < width * 3; i++) acc[i] += w * ring[base + i];
    }
    clamped.set(acc, y * width * 3);
  }
  return { width, height, data: out };
}

function resampleRow(image: RgbImage, sy: number, xs: AxisTaps, dst: Float32Array, at: number) {
  const src = image.data;
  const row = sy * image.width * 3;
  const n = xs.start.length;
  for (let x = 0, o = at; x < n; x++, o += 3) {
    let r = 0, g = 0, b = 0;
    const count = xs.count[x];
    let s = row + xs.start[x] * 3;
    for (let t = 0, wi = x * xs.maxTaps; t < count; t++, wi++, s += 3) {
      const w = xs.weights[wi];
      r += w * src[s];
      g += w * src[s + 1];
      b += w * src[s + 2];
    }
    dst[o] = r;
    dst[o + 1] = g;
    dst[o + 2] = b;
  }
}

/** Taps for resampling `from` source pixels to `to`: area average above `areaAbove`x shrink, else linear. */
function axisTaps(from: number, to: number, areaAbove: number): AxisTaps {
  const scale = from / to;
  const area = scale > areaAbove;
  const maxTaps = area ? Math.ceil(scale) + 1 : 2;
  const start = new Int32Array(to);
  const count = new Int32Array(to);
  const weights = new Float32Array(to * maxTaps);
  for (let o = 0; o < to; o++) {
    if (area) {
      const lo = o * scale;
      const hi = Math.min(from, (o + 1) * scale);
      const first = Math.floor(lo);
      const last = Math.min(from - 1, Math.ceil(hi) - 1);
      start[o] = first;
      count[o] = last - first + 1;
      for (let i = first; i <= last; i++) {
        const cover = Math.min(hi, i + 1) - Math.max(lo, i);
        weights[o * maxTaps + i - first] = cover / (hi - lo);
      }
    } else {
      const centre = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), from - 1);
      const first = Math.min(Math.floor(centre), Math.max(from - 2, 0));
      const frac = centre - first;
      start[o] = first;
      count[o] = from > 1 ? 2 : 1;
      weights[o * maxTaps] = from > 1 ? 1 - frac : 1;
      weights[o * maxTaps + 1] = from > 1 ? frac : 0;
    }
  }
  return { start, count, weights, maxTaps };
}

/**
 * Shrinks by a whole `factor`: each output pixel is the rounded mean of a `factor`×`factor` block
 * (partial blocks at the right and bottom edges dropped), so output pixel `(x, y)` covers source
 * `[x·factor, (x+1)·factor)`. One pass over the source; much faster than a general resize.
 *
 * @example
 * const half = shrinkByBlocks(photo, 2); // floor(w/2) x floor(h/2)
 */
export function shrinkByBlocks(image: RgbImage, factor: number): RgbImage {
  if (!(Number.isInteger(factor) && factor >= 1)) {
    throw new RangeError(`shrink factor must be a positive integer, got ${factor}`);
  }
  const width = Math.floor(image.width / factor), height = Math.floor(image.height / factor);
  if (width < 1 || height < 1) {
    throw new RangeError(`cannot shrink ${image.width}x${image.height} by ${factor}`);
  }
  const src = image.data, area = factor * factor, half = area >> 1;
  const sums = new Uint32Array(width * 3);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let p = (y * factor + dy) * image.width * 3;
      for (let x = 0, s = 0; x < width; x++, s += 3) {
        let r = 0, g = 0, b = 0;
        for (let dx = 0; dx < factor; dx++, p += 3) {
          r += src[p];
          g += src[p + 1];
          b += src[p + 2];
        }
        sums[s] += r;
        sums[s + 1] += g;
        sums[s + 2] += b;
      }
    }
    const row = y * width * 3;
    for (let i = 0; i < width * 3; i++) data[row + i] = (sums[i] + half) / area;
  }
  return { width, height, data };
}
