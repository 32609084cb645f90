/**
 * `cluster --sheets DIR`: one contact sheet per group (`DIR/cluster-0007.png`) and one for the
 * faces left alone (`DIR/unclustered.png`), each face aligned from its image and landmarks.
 */
import { alignFace } from "../embed/align.ts";
import { decodeImage } from "../image/decode.ts";
import { encodePng } from "../image/encode_png.ts";
import { contactSheet, SHEET_MAX_CHIPS } from "../cluster/contact_sheet.ts";
import type { FaceSource } from "../cluster/face_table.ts";
import type { RgbImage } from "../types.ts";
import { warn } from "./log.ts";

/** Side of a chip on a sheet, in pixels. */
const CHIP = 96;

/**
 * Writes the sheets for `groups` (rows of `faces`, largest first; a group below `minSize` is
 * unclustered). Each image is decoded once; an image that cannot be read leaves a grey chip.
 */
export async function writeSheets(
  dir: string,
  faces: FaceSource[],
  groups: number[][],
  minSize: number,
  maxPixels: number,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const sheets: { name: string; title: string; rows: number[] }[] = [];
  const alone: number[] = [];
  groups.forEach((rows, id) => {
    if (rows.length < minSize) alone.push(...rows);
    else {
      sheets.push({
        name: `cluster-${String(id).padStart(4, "0")}`,
        title: `cluster ${id}: ${rows.length} faces`,
        rows,
      });
    }
  });
  if (alone.length) {
    sheets.push({ name: "unclustered", title: `unclustered: ${alone.length} faces`, rows: alone });
  }
  const shown = sheets.map((s) => s.rows.slice(0, SHEET_MAX_CHIPS));
  const byFile = new Map<string, number[]>();
  for (const rows of shown) {
    for (const row of rows) {
      const list = byFile.get(faces[row].file) ?? [];
      list.push(row);
      byFile.set(faces[row].file, list);
    }
  }
  const chips = new Map<number, RgbImage>();
  for (const [file, rows] of byFile) {
    try {
      const image = decodeImage(await Deno.readFile(file), { maxPixels });
      for (const row of rows) chips.set(row, alignFace(image, faces[row].landmarks, CHIP));
    } catch (e) {
      warn(`${file}: no chip for the sheets: ${(e as Error).message}`);
    }
  }
  const blank: RgbImage = { width: CHIP, height: CHIP, data: new Uint8Array(CHIP * CHIP * 3) };
  for (const [k, sheet] of sheets.entries()) {
    const images = shown[k].map((row) => chips.get(row) ?? blank);
    const title = sheet.rows.length > images.length
      ? `${sheet.title} (${images.length} shown)`
      : sheet.title;
    await Deno.writeFile(`${dir}/${sheet.name}.png`, encodePng(contactSheet(images, CHIP, title)));
  }
}
