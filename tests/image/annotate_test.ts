import assert from "node:assert/strict";
import { drawAnnotations } from "../../src/image/annotate.ts";
import { hasGlyph, labelGlyphs } from "../../src/image/font.ts";
import type { RgbImage } from "../../src/types.ts";

function grey(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(100) };
}
function pixel(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [...image.data.subarray(at, at + 3)];
}
/** Rows [y0, y1) that contain at least one pixel of `color`, within columns [x0, x1). */
function rowsWith(image: RgbImage, color: number[], x0: number, x1: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = x0; x < x1; x++) {
      if (pixel(image, x, y).every((v, i) => v === color[i])) {
        rows.push(y);
        break;
      }
    }
  }
  return rows;
}

Deno.test("drawAnnotations: outline on a copy, 2 px lines on a 640x480 image", () => {
  const image = grey(640, 480);
  const out = drawAnnotations(image, [{
    box: { x: 100, y: 200, width: 80, height: 60 },
    color: [255, 0, 0],
  }]);
  assert.ok(image.data.every((v) => v === 100), "input untouched");
  assert.deepEqual(pixel(out, 100, 200), [255, 0, 0]);
  assert.deepEqual(pixel(out, 101, 230), [255, 0, 0]);
  assert.deepEqual(pixel(out, 102, 230), [100, 100, 100], "line is 2 px");
  assert.deepEqual(pixel(out, 179, 259), [255, 0, 0]);
  assert.deepEqual(pixel(out, 140, 230), [100, 100, 100], "interior untouched");
  assert.deepEqual(pixel(out, 99, 199), [100, 100, 100]);
});

Deno.test("drawAnnotations: label band above the box with contrasting text, scaled to size", () => {
  for (const [size, scale] of [[640, 1], [6000, 11]]) {
    const image = grey(size, size);
    const box = { x: size / 4, y: size / 2, width: size / 5, height: size / 5 };
    const out = drawAnnotations(image, [{ box, label: "Ab 9%", color: [255, 220, 0] }]);
    const band = rowsWith(out, [255, 220, 0], box.x, box.x + 3);
    const bandHeight = 15 * scale; // 13 glyph rows + padding above and below
    assert.equal(band[0], box.y - bandHeight, `band starts above the box (${size}px)`);
    const ink = rowsWith(out, [0, 0, 0], box.x, box.x + 5 * 6 * scale);
    const glyphs = labelGlyphs("Ab 9%");
    const inkedRows = [...Array(13).keys()].filter((r) => glyphs.some((g) => g.rows[r]));
    assert.equal(ink.length, inkedRows.length * scale, `glyph rows of ${scale}px`);
    assert.equal(ink[0], box.y - bandHeight + scale + inkedRows[0] * scale);
  }
});

Deno.test("drawAnnotations: label inside a box at the top edge; white text on dark colour", () => {
  const out = drawAnnotations(grey(640, 480), [{
    box: { x: 600, y: 0, width: 40, height: 100 },
    label: "Unknown",
    color: [0, 0, 160],
  }]);
  assert.deepEqual(pixel(out, 639, 0), [0, 0, 160]);
  assert.ok(rowsWith(out, [255, 255, 255], 0, 640).length > 0, "white ink");
  // The label (7 cells of 6 px, 1 px padding each side) is moved left to fit the image.
  const labelWidth = 7 * 6 + 2;
  assert.deepEqual(pixel(out, 640 - labelWidth, 2), [0, 0, 160]);
  assert.deepEqual(pixel(out, 640 - labelWidth - 1, 2), [100, 100, 100]);
});

Deno.test("labelGlyphs: Latin, Greek and Cyrillic have glyphs of their own; the rest is U+FFFD", () => {
  const fallback = labelGlyphs("\ufffd")[0].rows;
  for (const char of "José Núñez Łódź Ελένη Дмитрий Ђорђе ẞ Việt €") {
    assert.ok(hasGlyph(char), char);
    assert.notDeepEqual(labelGlyphs(char)[0].rows, fallback, char);
  }
  assert.deepEqual(labelGlyphs("李")[0].rows, fallback);
  // Decomposed input is composed first: e + U+0301 is one glyph, é.
  assert.deepEqual(labelGlyphs("e\u0301"), labelGlyphs("é"));
  // A combining accent with no precomposed form is drawn over the glyph before it.
  assert.deepEqual(labelGlyphs("x\u0301").map((g) => g.combining), [false, true]);
});
