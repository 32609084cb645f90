/** Adds a border around an image by repeating its edge pixels. */
import type { RgbImage } from "../types.ts";

/**
 * Returns a copy of `image` with `pad` pixels added on every side, each filled with the nearest
 * edge pixel (so a detector sees a face that filled the frame with some context around it).
 *
 * @example
 * const bigger = padEdges(crop, 40); // (w + 80) × (h + 80)
 */
export function padEdges(image: RgbImage, pad: number): RgbImage {
  const { width, height, data } = image;
  const w = width + 2 * pad, h = height + 2 * pad;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - pad));
    const src = sy * width * 3;
    const dst = y * w * 3;
    out.set(data.subarray(src, src + width * 3), dst + pad * 3);
    const left = data.subarray(src, src + 3),
      right = data.subarray(src + (width - 1) * 3, src + width * 3);
    for (let x = 0; x < pad; x++) {
      out.set(left, dst + x * 3);
      out.set(right, dst + (pad + width + x) * 3);
    }
  }
  return { width: w, height: h, data: out };
}
