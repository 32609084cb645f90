/** The baseline JPEG encoder, checked by decoding its output with faceprint's own decoder. */
import assert from "node:assert/strict";
import { AC_BITS, AC_VALUES, DC_BITS, DC_VALUES, encodeJpeg } from "../../src/image/encode_jpeg.ts";
import { decodeImage } from "../../src/image/decode.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import type { RgbImage } from "../../src/types.ts";
import { SAMPLES } from "../cli/run_cli.ts";

function meanError(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

/** A smooth colour gradient with a hard-edged square, `width`×`height` (not multiples of 8). */
function testCard(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x > width / 3 && x < width / 2 && y > height / 3 && y < height / 2;
      data.set(
        inside ? [250, 250, 20] : [x * 255 / width, y * 255 / height, 128],
        (y * width + x) * 3,
      );
    }
  }
  return { width, height, data };
}

Deno.test("Huffman tables: every symbol a block can need has exactly one code, a prefix code", () => {
  const needed = [0x00, 0xf0];
  for (let run = 0; run < 16; run++) {
    for (let size = 1; size <= 10; size++) needed.push(run << 4 | size);
  }
  assert.deepEqual([...AC_VALUES].sort((a, b) => a - b), needed.sort((a, b) => a - b));
  assert.equal(AC_BITS.reduce((s, n) => s + n, 0), AC_VALUES.length);
  assert.equal(DC_BITS.reduce((s, n) => s + n, 0), DC_VALUES.length);
  // Kraft: the codes fit (strictly: the all-ones code of each length stays free).
  for (const bits of [AC_BITS, DC_BITS]) {
    assert.ok(bits.reduce((s, n, i) => s + n / 2 ** (i + 1), 0) < 1);
  }
});

Deno.test("encodeJpeg: decodes back to the same size and nearly the same pixels", () => {
  for (const [w, h] of [[61, 37], [8, 8], [1, 1], [130, 9]]) {
    const image = testCard(w, h);
    const back = decodeImage(encodeJpeg(image, 90));
    assert.deepEqual([back.width, back.height], [w, h]);
    // Broken coefficients or tables give errors of tens of levels; JPEG rings a little at edges.
    assert.ok(meanError(image, back) < 6, `${w}x${h}: mean error ${meanError(image, back)}`);
  }
  // Lower quality: smaller file, larger error.
  const card = testCard(96, 64);
  const q30 = encodeJpeg(card, 30), q90 = encodeJpeg(card, 90);
  assert.ok(q30.length < q90.length);
  assert.ok(meanError(card, decodeImage(q30)) > meanError(card, decodeImage(q90)));
});

Deno.test("encodeJpeg: a photo at quality 85 is far smaller than PNG and close to it", async () => {
  const photo = decodeImage(await Deno.readFile(`${SAMPLES}sample1.jpg`));
  const jpeg = encodeJpeg(photo, 85);
  const back = decodeImage(jpeg);
  assert.ok(meanError(photo, back) < 2.5, `mean error ${meanError(photo, back)}`);
  assert.ok(jpeg.length * 3 < encodePng(photo, 6).length);
});
