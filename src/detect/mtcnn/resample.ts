/**
 * MTCNN's pixel resampling, in plain loops over typed arrays (no tensors, no per-pixel
 * closures): pyramid levels for P-Net and box crops for R-Net / O-Net. Values stay raw (0–255).
 */
import type { Box } from "../../types.ts";

/** An RGB image with float samples, row-major, 3 per pixel. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Pixels in either sample type. */
type Pixels = { width: number; height: number; data: Uint8Array | Float32Array };

/**
 * Float buffers reused from one image to the next, so resampling allocates (and the allocator
 * fragments) only when an image needs more room than any before.
 */
export class FloatScratch {
  #buffers: Float32Array<ArrayBuffer>[] = [];

  /** The first `length` values of buffer `slot` (contents left from earlier use). */
  take(slot: number, length: number): Float32Array<ArrayBuffer> {
    let buffer = this.#buffers[slot];
    if (!buffer || buffer.length < length) buffer = this.#buffers[slot] = new Float32Array(length);
    return buffer.subarray(0, length);
  }
}

/** Averages 2×2 blocks (an odd last row or column is dropped). */
function halve(image: Pixels, into: (length: number) => Float32Array): FloatImage {
  const width = image.width >> 1, height = image.height >> 1;
  const src = image.data, stride = image.width * 3;
  const data = into(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let p = 2 * y * stride;
    for (let x = 0; x < width; x++, p += 6) {
      const q = p + stride;
      data[o++] = (src[p] + src[p + 3] + src[q] + src[q + 3]) * 0.25;
      data[o++] = (src[p + 1] + src[p + 4] + src[q + 1] + src[q + 4]) * 0.25;
      data[o++] = (src[p + 2] + src[p + 5] + src[q + 2] + src[q + 5]) * 0.25;
    }
  }
  return { width, height, data };
}

/**
 * For each output index: the offset (`index × stride`) of its first source sample and the weight
 * of the next one (pixel centres aligned).
 */
function taps(from: number, to: number, stride: number): { at: Int32Array; frac: Float32Array } {
  const at = new Int32Array(to), frac = new Float32Array(to);
  const scale = from / to, last = Math.max(from - 2, 0);
  for (let i = 0; i < to; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
    const index = Math.min(Math.floor(s), last);
    at[i] = index * stride;
    frac[i] = s - index;
  }
  return { at, frac };
}

/** Linear interpolation of one source row into `out` (3 values per pixel). */
function resampleRow(
  src: Uint8Array | Float32Array,
  base: number,
  at: Int32Array,
  frac: Float32Array,
  next: number,
  out: Float32Array,
): void {
  for (let x = 0, o = 0; x < at.length; x++, o += 3) {
    const p = base + at[x], f = frac[x];
    const r = src[p], g = src[p + 1], b = src[p + 2];
    out[o] = r + (src[p + next] - r) * f;
    out[o + 1] = g + (src[p + next + 1] - g) * f;
    out[o + 2] = b + (src[p + next + 2] - b) * f;
  }
}

/** Bilinear resize with pixel centres aligned, separable (each source row resampled once). */
function bilinear(image: Pixels, width: number, height: number, data: Float32Array): FloatImage {
  const src = image.data, stride = image.width * 3;
  const xs = taps(image.width, width, 3), ys = taps(image.height, height, 1);
  const next = image.width > 1 ? 3 : 0;
  const rows = [new Float32Array(width * 3), new Float32Array(width * 3)];
  const rowOf = [-1, -1];
  const row = (sy: number): Float32Array => {
    const slot = sy & 1;
    if (rowOf[slot] !== sy) {
      resampleRow(src, sy * stride, xs.at, xs.frac, next, rows[slot]);
      rowOf[slot] = sy;
    }
    return rows[slot];
  };
  const lastRow = image.height - 1, n = width * 3;
  for (let y = 0, o = 0; y < height; y++) {
    const sy = ys.at[y], f = ys.frac[y];
    const top = row(sy), bottom = row(Math.min(sy + 1, lastRow));
    for (let i = 0; i < n; i++, o++) data[o] = top[i] + (bottom[i] - top[i]) * f;
  }
  return { width, height, data };
}

/**
 * `image` resized to `width`×`height` for a pyramid level: 2×2 averaging while that still leaves
 * at least the target size (so large steps do not alias), then bilinear. The level is written to
 * `scratch` buffer `slot` (0 or 1: alternate them, so a level can be made from the previous one;
 * the halving steps use slots 2 and 3).
 *
 * @example
 * const level = pyramidLevel(photo, Math.floor(photo.width * 0.6), Math.floor(photo.height * 0.6));
 */
export function pyramidLevel(
  image: Pixels,
  width: number,
  height: number,
  scratch = new FloatScratch(),
  slot = 0,
): FloatImage {
  let x = image;
  for (let step = 0; x.width >= 2 * width && x.height >= 2 * height; step++) {
    x = halve(x, (length) => scratch.take(2 + (step & 1), length));
  }
  return bilinear(x, width, height, scratch.take(slot, width * height * 3));
}

/**
 * Crops each box resampled to `side`×`side` (bilinear, sampling the centres of a side×side grid
 * over the box) into one `[n, side, side, 3]` array (`out`, when given, is filled and returned).
 * Samples outside the image are 0 (black), like `tf.image.cropAndResize` with extrapolation 0.
 *
 * @example
 * const crops = cropBoxes(photo, candidates.map((c) => c.box), 24);
 */
export function cropBoxes(
  image: { width: number; height: number; data: Uint8Array },
  boxes: readonly Box[],
  side: number,
  out = new Float32Array(boxes.length * side * side * 3),
): Float32Array {
  const { width, height, data: src } = image;
  const x0 = new Int32Array(side), x1 = new Int32Array(side), fx = new Float32Array(side);
  const inside = new Uint8Array(side);
  let o = 0;
  for (const box of boxes) {
    const stepX = box.width / side, stepY = box.height / side;
    for (let i = 0; i < side; i++) {
      const x = box.x + (i + 0.5) * stepX - 0.5;
      inside[i] = x >= 0 && x <= width - 1 ? 1 : 0;
      x0[i] = Math.floor(x) * 3;
      x1[i] = Math.ceil(x) * 3;
      fx[i] = x - Math.floor(x);
    }
    for (let j = 0; j < side; j++) {
      const y = box.y + (j + 0.5) * stepY - 0.5;
      if (y < 0 || y > height - 1) {
        out.fill(0, o, o + side * 3);
        o += side * 3;
        continue;
      }
      const top = Math.floor(y) * width * 3, bottom = Math.ceil(y) * width * 3;
      const fy = y - Math.floor(y);
      for (let i = 0; i < side; i++, o += 3) {
        if (!inside[i]) {
          out[o] = out[o + 1] = out[o + 2] = 0;
          continue;
        }
        const f = fx[i], a = top + x0[i], b = top + x1[i], c = bottom + x0[i], d = bottom + x1[i];
        for (let k = 0; k < 3; k++) {
          const upper = src[a + k] + (src[b + k] - src[a + k]) * f;
          const lower = src[c + k] + (src[d + k] - src[c + k]) * f;
          out[o + k] = upper + (lower - upper) * fy;
        }
      }
    }
  }
  return out;
}
