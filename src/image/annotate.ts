/** Draws labelled boxes onto a copy of an image (for annotated output images). */
import type { Box, RgbImage } from "../types.ts";
import { GLYPH_HEIGHT, GLYPH_WIDTH, labelGlyphs } from "./font.ts";

/** One box to draw, with an optional label and colour (default green). */
export interface Annotation {
  box: Box;
  label?: string;
  color?: [number, number, number];
}

const DEFAULT_COLOR: [number, number, number] = [0, 200, 0];

/**
 * Returns a copy of `image` with each box outlined and its label written on a filled band just
 * above the box (inside the box when there is no room above). Line width and text size scale
 * with the image (lines 1/320 of the shorter side, at least 2 px; 6x13 glyph cells, a font pixel
 * 1/550 of the shorter side, at least 1 px), so labels stay legible from 640 px thumbnails to
 * 6000 px photos. Labels draw Latin, Greek and Cyrillic (see font.ts); other characters show as
 * U+FFFD. The label text is black or white, whichever contrasts with the colour.
 *
 * @example
 * const out = drawAnnotations(image, [{ box: face.box, label: "amy (93%)" }]);
 */
export function drawAnnotations(image: RgbImage, items: Annotation[]): RgbImage {
  const out: RgbImage = { width: image.width, height: image.height, data: image.data.slice() };
  const short = Math.min(image.width, image.height);
  const thickness = Math.max(2, Math.round(short / 320));
  const scale = Math.max(1, Math.round(short / 550));
  for (const { box, label, color = DEFAULT_COLOR } of items) {
    const x0 = Math.round(box.x);
    const y0 = Math.round(box.y);
    const x1 = Math.round(box.x + box.width);
    const y1 = Math.round(box.y + box.height);
    fillRect(out, x0, y0, x1, y0 + thickness, color);
    fillRect(out, x0, y1 - thickness, x1, y1, color);
    fillRect(out, x0, y0, x0 + thickness, y1, color);
    fillRect(out, x1 - thickness, y0, x1, y1, color);
    if (label) drawLabel(out, label, x0, y0, scale, color);
  }
  return out;
}

function drawLabel(
  image: RgbImage,
  label: string,
  boxX: number,
  boxY: number,
  scale: number,
  color: [number, number, number],
) {
  const glyphs = labelGlyphs(label);
  const cells = glyphs.filter((g) => !g.combining).length;
  const pad = scale;
  const width = cells * GLYPH_WIDTH * scale + 2 * pad;
  const height = GLYPH_HEIGHT * scale + 2 * pad;
  const top = boxY - height >= 0 ? boxY - height : Math.max(0, boxY);
  const left = Math.max(0, Math.min(boxX, image.width - width));
  fillRect(image, left, top, left + width, top + height, color);
  const luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
  const ink: [number, number, number] = luminance > 140 ? [0, 0, 0] : [255, 255, 255];
  let cell = -1;
  for (const { rows, combining } of glyphs) {
    if (!combining || cell < 0) cell++; // an accent is drawn over the glyph before it
    const gx = left + pad + cell * GLYPH_WIDTH * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (!(rows[row] & (0x80 >> col))) continue;
        const px = gx + col * scale;
        const py = top + pad + row * scale;
        fillRect(image, px, py, px + scale, py + scale, ink);
      }
    }
  }
}

/** Fills [x0, x1) x [y0, y1), clipped to the image. */
function fillRect(
  image: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  [r, g, b]: [number, number, number],
) {
  const left = Math.max(0, x0);
  const right = Math.min(image.width, x1);
  const top = Math.max(0, y0);
  const bottom = Math.min(image.height, y1);
  const data = image.data;
  for (let y = top; y < bottom; y++) {
    for (let x = left, o = (y * image.width + left) * 3; x < right; x++, o += 3) {
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    }
  }
}
