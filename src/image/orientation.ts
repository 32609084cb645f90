/** Turns a decoded image upright according to its EXIF orientation. */
import type { RgbImage } from "../types.ts";

/**
 * For each orientation, the source pixel of output pixel (x, y) as sx = ax + bx·x + cx·y,
 * sy = ay + by·x + cy·y, with W/H meaning "source width/height minus one" in the offsets.
 */
const MAPS: Record<
  number,
  { swap: boolean; sx: [string, number, number]; sy: [string, number, number] }
> = {
  2: { swap: false, sx: ["W", -1, 0], sy: ["0", 0, 1] },
  3: { swap: false, sx: ["W", -1, 0], sy: ["H", 0, -1] },
  4: { swap: false, sx: ["0", 1, 0], sy: ["H", 0, -1] },
  5: { swap: true, sx: ["0", 0, 1], sy: ["0", 1, 0] },
  6: { swap: true, sx: ["0", 0, 1], sy: ["H", -1, 0] },
  7: { swap: true, sx: ["W", 0, -1], sy: ["H", -1, 0] },
  8: { swap: true, sx: ["W", 0, -1], sy: ["0", 1, 0] },
};

/**
 * Returns `image` transformed so that an image stored with EXIF `orientation` (1–8) displays
 * upright: 2 mirror, 3 rotate 180°, 4 flip vertically, 5 transpose, 6 rotate 90° clockwise,
 * 7 transverse, 8 rotate 90° counter-clockwise. 1 and unknown values return `image` itself.
 *
 * @example
 * const upright = applyOrientation(decoded, readOrientation(bytes));
 */
export function applyOrientation(image: RgbImage, orientation: number): RgbImage {
  const map = MAPS[orientation];
  if (!map) return image;
  const { width: w, height: h, data } = image;
  const outW = map.swap ? h : w;
  const outH = map.swap ? w : h;
  const offset = (name: string) => name === "W" ? w - 1 : name === "H" ? h - 1 : 0;
  // Source pixel index = start + x * stepX + y * stepY.
  const start = offset(map.sy[0]) * w + offset(map.sx[0]);
  const stepX = map.sy[1] * w + map.sx[1];
  const stepY = map.sy[2] * w + map.sx[2];
  const out = new Uint8Array(data.length);
  for (let y = 0, o = 0; y < outH; y++) {
    let s = (start + y * stepY) * 3;
    const step = stepX * 3;
    for (let x = 0; x < outW; x++, o += 3, s += step) {
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  }
  return { width: outW, height: outH, data: out };
}
