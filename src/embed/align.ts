/**
 * Face alignment: a least-squares similarity transform from the five detected landmarks onto
 * dlib's 5-point template, then an inverse-mapped bilinear warp to a square chip.
 */
import type { Landmarks, Point, RgbImage } from "../types.ts";

/**
 * A 2×3 affine matrix `[[a, c, tx], [b, d, ty]]` mapping `(x, y)` to
 * `(a·x + c·y + tx, b·x + d·y + ty)`.
 */
export type Affine2x3 = [[number, number, number], [number, number, number]];

/**
 * Where dlib's face-recognition ResNet expects the landmarks in a 150×150 chip: image-left eye,
 * image-right eye, nose tip, image-left mouth corner, image-right mouth corner.
 */
export const DLIB_TEMPLATE_150: readonly Point[] = [
  [47.1, 44.6],
  [103.8, 44.1],
  [73.7, 80.6],
  [50.6, 105.5],
  [102.7, 105.2],
];

/**
 * The standard 112×112 ArcFace / InsightFace template (MobileFaceNet is trained on it), same
 * landmark order as {@link DLIB_TEMPLATE_150}.
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Alignment templates by name, for models that take other chip sizes. */
export const TEMPLATES = { dlib: DLIB_TEMPLATE_150, arcface: ARCFACE_TEMPLATE_112 } as const;
/** One of {@link TEMPLATES}. */
export type TemplateName = keyof typeof TEMPLATES;

/**
 * A template's landmark positions scaled to a `size`×`size` chip (each template is defined on its
 * own side: 150 for dlib, 112 for ArcFace).
 *
 * @example
 * scaleTemplate("arcface", 224)[0]; // [76.5892, 103.3926]
 */
export function scaleTemplate(name: TemplateName, size: number): Point[] {
  const side = name === "dlib" ? 150 : 112;
  return TEMPLATES[name].map(([x, y]): Point => [x * size / side, y * size / side]);
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; never a reflection)
 * taking `from[i]` as close as possible to `to[i]` (Umeyama's method, which in 2-D has a closed
 * form).
 *
 * @example
 * const m = similarityTransform([[0, 0], [1, 0]], [[10, 10], [10, 12]]);
 * // m ≈ [[0, -2, 10], [2, 0, 10]]: rotate 90°, scale 2, shift (10, 10)
 */
export function similarityTransform(from: readonly Point[], to: readonly Point[]): Affine2x3 {
  const n = from.length;
  if (n < 2 || to.length !== n) {
    throw new Error(`similarityTransform: need ≥ 2 matching points, got ${n} and ${to.length}`);
  }
  let fx = 0, fy = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0];
    fy += from[i][1];
    tx += to[i][0];
    ty += to[i][1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - fx, y = from[i][1] - fy;
    const u = to[i][0] - tx, v = to[i][1] - ty;
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  if (norm === 0) throw new Error("similarityTransform: source points all coincide");
  const a = dot / norm, b = cross / norm;
  return [[a, -b, tx - a * fx + b * fy], [b, a, ty - b * fx - a * fy]];
}

/**
 * Warps the face so its landmarks land on `template` (chip pixels; default
 * {@link DLIB_TEMPLATE_150} scaled to `size`), producing a `size`×`size` chip. Each chip pixel is inverse-mapped into the image and sampled bilinearly
 * (from a box-averaged copy of the face region when it is shrunk 2× or more, against aliasing).
 * Chip pixels that fall outside the image are black.
 *
 * @example
 * const chip = alignFace(image, face.landmarks); // 150×150, ready for the dlib embedder
 */
export function alignFace(
  image: RgbImage,
  landmarks: Landmarks,
  size = 150,
  template: readonly Point[] = scaleTemplate("dlib", size),
): RgbImage {
  const points: Point[] = [
    landmarks.leftEye,
    landmarks.rightEye,
    landmarks.nose,
    landmarks.mouthLeft,
    landmarks.mouthRight,
  ];
  return warpSimilarity(image, similarityTransform(points, template), size);
}

/**
 * Inverse-maps every chip pixel through the similarity `toChip` and samples the image there
 * bilinearly. When the face is shrunk by 2× or more, the region under the chip is first
 * box-averaged by that integer factor (like dlib's pyramid), so the chip is not aliased.
 */
function warpSimilarity(image: RgbImage, toChip: Affine2x3, size: number): RgbImage {
  const [[a, , tx], [b, , ty]] = toChip;
  const det = a * a + b * b;
  // Chip -> image is the inverse of [[a, -b], [b, a]], i.e. [[a, b], [-b, a]] / det.
  let ia = a / det, ib = b / det;
  let ox = -(ia * tx + ib * ty), oy = -(-ib * tx + ia * ty);
  const factor = Math.floor(1 / Math.sqrt(det) + 1e-6);
  let source = image;
  if (factor >= 2) {
    const region = footprint(image, [ia, ib, ox, oy], size, factor);
    source = boxShrink(image, region, factor);
    // Image x -> shrunk x: (x - x0 - (factor - 1) / 2) / factor, likewise for y.
    ox = (ox - region.x - (factor - 1) / 2) / factor;
    oy = (oy - region.y - (factor - 1) / 2) / factor;
    ia /= factor;
    ib /= factor;
  }
  return { width: size, height: size, data: bilinearWarp(source, ia, ib, ox, oy, size) };
}

/**
 * The image rectangle (clamped, origin and size in whole pixels) under a chip mapped by
 * `[ia, ib, ox, oy]` (chip -> image), with a margin for the filter.
 */
function footprint(
  image: RgbImage,
  [ia, ib, ox, oy]: [number, number, number, number],
  size: number,
  margin: number,
): { x: number; y: number; width: number; height: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [u, v] of [[0, 0], [size, 0], [0, size], [size, size]]) {
    const x = ia * u + ib * v + ox, y = -ib * u + ia * v + oy;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const x = Math.max(0, Math.floor(x0) - margin), y = Math.max(0, Math.floor(y0) - margin);
  return {
    x,
    y,
    width: Math.max(0, Math.min(image.width, Math.ceil(x1) + margin) - x),
    height: Math.max(0, Math.min(image.height, Math.ceil(y1) + margin) - y),
  };
}

/** Averages `factor`×`factor` pixel blocks of a region (partial blocks at the edge dropped). */
function boxShrink(
  image: RgbImage,
  region: { x: number; y: number; width: number; height: number },
  factor: number,
): RgbImage {
  const width = Math.floor(region.width / factor), height = Math.floor(region.height / factor);
  const sums = new Uint32Array(width * 3);
  const data = new Uint8Array(width * height * 3);
  const src = image.data, area = factor * factor, half = area >> 1;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let p = ((region.y + y * factor + dy) * image.width + region.x) * 3;
      for (let x = 0; x < width; x++) {
        let r = 0, g = 0, b = 0;
        for (let dx = 0; dx < factor; dx++, p += 3) {
          r += src[p];
          g += src[p + 1];
          b += src[p + 2];
        }
        sums[x * 3] += r;
        sums[x * 3 + 1] += g;
        sums[x * 3 + 2] += b;
      }
    }
    const row = y * width * 3;
    for (let i = 0; i < width * 3; i++) data[row + i] = (sums[i] + half) / area;
  }
  return { width, height, data };
}

/**
 * Samples `image` bilinearly at `(ia·u + ib·v + ox, −ib·u + ia·v + oy)` for every chip pixel
 * `(u, v)`; neighbours outside the image count as black.
 */
function bilinearWarp(
  image: RgbImage,
  ia: number,
  ib: number,
  ox: number,
  oy: number,
  size: number,
): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const { width, height, data } = image;
  const maxX = width - 1, maxY = height - 1, stride = width * 3;
  let o = 0;
  for (let v = 0; v < size; v++) {
    let x = ib * v + ox, y = ia * v + oy;
    for (let u = 0; u < size; u++, x += ia, y -= ib, o += 3) {
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const fx = x - x0, fy = y - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < maxX && y0 < maxY) {
        const p = (y0 * width + x0) * 3, q = p + stride;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        out[o] = w00 * data[p] + w01 * data[p + 3] + w10 * data[q] + w11 * data[q + 3] + 0.5;
        out[o + 1] = w00 * data[p + 1] + w01 * data[p + 4] + w10 * data[q + 1] + w11 * data[q + 4] +
          0.5;
        out[o + 2] = w00 * data[p + 2] + w01 * data[p + 5] + w10 * data[q + 2] + w11 * data[q + 5] +
          0.5;
      } else if (x0 >= -1 && y0 >= -1 && x0 <= maxX && y0 <= maxY) {
        let r = 0, g = 0, bl = 0;
        for (let dy = 0; dy < 2; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy > maxY) continue;
          const wy = dy === 0 ? 1 - fy : fy;
          for (let dx = 0; dx < 2; dx++) {
            const xx = x0 + dx;
            if (xx < 0 || xx > maxX) continue;
            const w = wy * (dx === 0 ? 1 - fx : fx);
            const p = (yy * width + xx) * 3;
            r += w * data[p];
            g += w * data[p + 1];
            bl += w * data[p + 2];
          }
        }
        out[o] = r + 0.5;
        out[o + 1] = g + 0.5;
        out[o + 2] = bl + 0.5;
      }
    }
  }
  return out;
}
