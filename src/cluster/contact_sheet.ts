/** Contact sheets: a group's face chips in a grid under a title, readable at a glance. */
import { drawAnnotations } from "../image/annotate.ts";
import type { RgbImage } from "../types.ts";

/** Most chips drawn on one sheet; the title still gives the group's full count. */
export const SHEET_MAX_CHIPS = 100;

const GAP = 4;
const TITLE = 30;

/**
 * A sheet of square chips (all `side` × `side`), up to 10 per row, light grey background, with
 * `title` written above the grid.
 *
 * @example
 * const png = encodePng(contactSheet(chips, 96, "cluster 7: 23 faces"));
 */
export function contactSheet(chips: RgbImage[], side: number, title: string): RgbImage {
  const columns = Math.max(1, Math.min(10, chips.length));
  const rows = Math.max(1, Math.ceil(chips.length / columns));
  const width = Math.max(columns * (side + GAP) + GAP, 6 * title.length * 2 + 2 * GAP);
  const height = TITLE + rows * (side + GAP) + GAP;
  const sheet: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(235) };
  chips.forEach((chip, k) => {
    const x0 = GAP + (k % columns) * (side + GAP);
    const y0 = TITLE + GAP + Math.floor(k / columns) * (side + GAP);
    for (let y = 0; y < side; y++) {
      const from = y * chip.width * 3;
      sheet.data.set(chip.data.subarray(from, from + side * 3), ((y0 + y) * width + x0) * 3);
    }
  });
  return drawAnnotations(sheet, [{
    box: { x: 0, y: TITLE, width, height: height - TITLE },
    label: title,
    color: [60, 60, 60],
  }]);
}
