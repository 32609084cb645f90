import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { readOrientation } from "../../src/image/exif.ts";
import { applyOrientation } from "../../src/image/orientation.ts";
import type { RgbImage } from "../../src/types.ts";
import { exifPayload, exifTiff, pngChunk, withApp1, writePng, writeTiff } from "./builders.ts";

const sample = Deno.readFileSync(new URL("../fixtures/npm/sample1.jpg", import.meta.url));

/** A 3x2 image whose pixel k (1..6, row-major) is [k, k, k]. */
const grid: RgbImage = {
  width: 3,
  height: 2,
  data: new Uint8Array([1, 2, 3, 4, 5, 6].flatMap((k) => [k, k, k])),
};
const labels = (image: RgbImage) => [...image.data].filter((_, i) => i % 3 === 0);

Deno.test("applyOrientation: all eight EXIF orientations of a 3x2 grid", () => {
  // Rows of the upright result, as printed: 1 2 3 / 4 5 6 stored.
  const cases: [number, number, number[]][] = [
    [1, 3, [1, 2, 3, 4, 5, 6]],
    [2, 3, [3, 2, 1, 6, 5, 4]],
    [3, 3, [6, 5, 4, 3, 2, 1]],
    [4, 3, [4, 5, 6, 1, 2, 3]],
    [5, 2, [1, 4, 2, 5, 3, 6]],
    [6, 2, [4, 1, 5, 2, 6, 3]],
    [7, 2, [6, 3, 5, 2, 4, 1]],
    [8, 2, [3, 6, 2, 5, 1, 4]],
  ];
  for (const [orientation, width, order] of cases) {
    const out = applyOrientation(grid, orientation);
    assert.equal(out.width, width, `orientation ${orientation}`);
    assert.equal(out.height, 6 / width);
    assert.deepEqual(labels(out), order, `orientation ${orientation}`);
  }
  assert.equal(applyOrientation(grid, 0), grid);
  assert.equal(applyOrientation(grid, 9), grid);
});

Deno.test("readOrientation: JPEG APP1 Exif in both byte orders", () => {
  assert.equal(readOrientation(sample), 1);
  for (let o = 1; o <= 8; o++) {
    for (const bigEndian of [false, true]) {
      assert.equal(readOrientation(withApp1(sample, exifPayload(exifTiff(o, bigEndian)))), o);
    }
  }
});

Deno.test("readOrientation: corrupt or odd EXIF counts as upright, never throws", () => {
  const tiff = exifTiff(6, false);
  const badOffset = tiff.slice();
  badOffset.set([200, 0, 0, 0], 4); // IFD0 beyond the segment
  const badType = tiff.slice();
  badType[12] = 2; // ASCII instead of SHORT
  const badOrder = tiff.slice();
  badOrder.set([0x41, 0x41], 0);
  const cut = tiff.subarray(0, 16);
  for (
    const payload of [badOffset, badType, badOrder, cut, exifTiff(9, false), exifTiff(0, true)]
  ) {
    const jpeg = withApp1(sample, exifPayload(payload));
    assert.equal(readOrientation(jpeg), 1);
  }
  const garbage = withApp1(sample, exifPayload(new Uint8Array(64).fill(0xff)));
  assert.equal(readOrientation(garbage), 1);
  assert.equal(decodeImage(garbage).width, 1920, "corrupt EXIF does not stop decoding");
  assert.equal(readOrientation(new Uint8Array(0)), 1);
  assert.equal(readOrientation(new Uint8Array([0xff, 0xd8, 0xff])), 1);
  assert.equal(readOrientation(new TextEncoder().encode("RIFF\0\0\0\0WEBP")), 1);
});

Deno.test("readOrientation: PNG eXIf chunk, ImageMagick raw profile, TIFF tag", () => {
  const png = (extra: Uint8Array[]) =>
    writePng({
      width: 3,
      height: 2,
      colorType: 0,
      bitDepth: 8,
      samples: [1, 2, 3, 4, 5, 6],
      extra,
    });
  assert.equal(readOrientation(png([])), 1);
  assert.equal(readOrientation(png([pngChunk("eXIf", exifTiff(8, true))])), 8);
  assert.equal(readOrientation(png([pngChunk("eXIf", exifPayload(exifTiff(5, false)))])), 5);
  const hex = [...exifPayload(exifTiff(3, false))].map((b) => b.toString(16).padStart(2, "0"));
  const text = `Raw profile type exif\0\nexif\n      ${hex.length}\n${hex.join("")}\n`;
  assert.equal(readOrientation(png([pngChunk("tEXt", new TextEncoder().encode(text))])), 3);
  const tiff = writeTiff({ width: 1, height: 1, samplesPerPixel: 1, samples: [0], orientation: 7 });
  assert.equal(readOrientation(tiff), 7);
});

Deno.test("decodeImage applies JPEG EXIF orientation (sample1 with inserted APP1)", () => {
  const plain = decodeImage(sample);
  for (let o = 2; o <= 8; o++) {
    const tagged = withApp1(sample, exifPayload(exifTiff(o, o % 2 === 0)));
    const decoded = decodeImage(tagged);
    const want = applyOrientation(plain, o);
    assert.equal(decoded.width, o >= 5 ? 1280 : 1920, `orientation ${o}`);
    assert.equal(decoded.height, o >= 5 ? 1920 : 1280);
    assert.ok(decoded.data.every((v, i) => v === want.data[i]), `orientation ${o} pixels`);
  }
});

Deno.test("decodeImage applies PNG eXIf orientation", () => {
  const bytes = writePng({
    width: 3,
    height: 2,
    colorType: 0,
    bitDepth: 8,
    samples: [1, 2, 3, 4, 5, 6],
    extra: [pngChunk("eXIf", exifTiff(6, false))],
  });
  const image = decodeImage(bytes);
  assert.deepEqual([image.width, image.height], [2, 3]);
  assert.deepEqual(labels(image), [4, 1, 5, 2, 6, 3]);
});
