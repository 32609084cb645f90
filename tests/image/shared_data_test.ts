/** Extra checks over /work/shared/data (formats, edge, nonface); skipped when it is absent. */
import assert from "node:assert/strict";
import { decodeImage, prepareDecoder, readImageSize } from "../../src/image/decode.ts";
import { ImageError } from "../../src/image/errors.ts";
import { readOrientation } from "../../src/image/exif.ts";
import { applyOrientation } from "../../src/image/orientation.ts";
import type { RgbImage } from "../../src/types.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const present = (() => {
  try {
    return Deno.statSync(DATA).isDirectory;
  } catch {
    return false;
  }
})();
if (!present) console.log(`shared data tests skipped: ${DATA.pathname} not found`);

const read = (path: string) => Deno.readFileSync(new URL(path, DATA));
const exists = (path: string) => {
  try {
    Deno.statSync(new URL(path, DATA));
    return true;
  } catch {
    return false;
  }
};
function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}
function errorOf(bytes: Uint8Array): string {
  try {
    decodeImage(bytes);
  } catch (error) {
    assert.ok(error instanceof ImageError, String(error));
    return error.message;
  }
  return "decoded";
}

Deno.test({
  name: "shared formats: einstein in six formats decodes alike; broken files name the reason",
  ignore: !present,
  async fn() {
    const reference = decodeImage(read("formats/einstein.png"));
    assert.deepEqual([reference.width, reference.height], [256, 256]);
    for (const ext of ["bmp", "gif", "ico", "jpeg", "tiff"]) {
      const image = decodeImage(read(`formats/einstein.${ext}`));
      assert.ok(meanAbsDiff(image, reference) < 3, `einstein.${ext} matches the PNG`);
    }
    await prepareDecoder(read("formats/einstein.webp"));
    assert.ok(meanAbsDiff(decodeImage(read("formats/einstein.webp")), reference) < 3);
    assert.equal(errorOf(read("formats/empty.png")), "not an image (unknown format)");
    assert.equal(errorOf(read("formats/corrupted.png")), "corrupt PNG (missing IHDR)");
    assert.equal(errorOf(read("formats/truncated.jpg")), "truncated JPEG");
  },
});

Deno.test({
  name: "shared edge: hopper_orientation_2..8 (JPEG and WebP) all match hopper.jpg once upright",
  ignore: !present,
  async fn() {
    const hopper = decodeImage(read("edge/hopper.jpg"));
    await prepareDecoder(read("edge/hopper.webp"));
    for (let o = 2; o <= 8; o++) {
      const webp = read(`edge/hopper_orientation_${o}.webp`);
      assert.equal(readOrientation(webp), o);
      assert.ok(meanAbsDiff(decodeImage(webp), hopper) < 8, `WebP orientation ${o} upright`);
      const bytes = read(`edge/hopper_orientation_${o}.jpg`);
      assert.equal(readOrientation(bytes), o);
      assert.ok(meanAbsDiff(decodeImage(bytes), hopper) < 8, `orientation ${o} upright`);
      // Without the transform the stored pixels are far from upright.
      const stored = decodeImage(bytes);
      const undone = applyOrientation(stored, [0, 1, 2, 3, 4, 5, 8, 7, 6][o]);
      assert.ok(meanAbsDiff(undone, hopper) > 20, `orientation ${o} stored differently`);
    }
    assert.equal(readOrientation(read("edge/exif_imagemagick_orientation.png")), 3);
  },
});

Deno.test({
  name: "shared edge: CMYK, greyscale, 16-bit tables, corrupt EXIF, truncated",
  ignore: !present,
  fn() {
    const cmyk = decodeImage(read("edge/pil_sample_cmyk.jpg"));
    const rgb = decodeImage(read("edge/pil_sample_rgb.jpg"));
    assert.ok(meanAbsDiff(cmyk, rgb) < 8, "CMYK converts to the same picture");
    const gray = decodeImage(read("edge/hopper_gray.jpg"));
    assert.ok(
      gray.data.every((v, i) => i % 3 !== 0 || (v === gray.data[i + 1] && v === gray.data[i + 2])),
    );
    const hopper = decodeImage(read("edge/hopper.jpg"));
    // A coarser re-encoding (16-bit quantisation tables): libjpeg-turbo's decode of it is also
    // 11 from hopper.jpg on average, and ours is within 0.1 of libjpeg-turbo's.
    assert.ok(meanAbsDiff(decodeImage(read("edge/hopper_16bit_qtables.jpg")), hopper) < 13);
    assert.ok(meanAbsDiff(decodeImage(read("edge/hopper.png")), hopper) < 1);
    // Its EXIF is corrupt (ignored) and its scan data too (libjpeg warns of extraneous bytes).
    assert.equal(readOrientation(read("edge/hopper_bad_exif.jpg")), 1);
    assert.equal(errorOf(read("edge/hopper_bad_exif.jpg")), "corrupt JPEG");
    assert.equal(errorOf(read("edge/truncated_jpeg.jpg")), "truncated JPEG");
  },
});

Deno.test({
  name: "shared nonface: every PNG decodes at its header size; odd pixel formats exact",
  ignore: !present,
  fn() {
    for (const entry of Deno.readDirSync(new URL("nonface/", DATA))) {
      if (!entry.name.endsWith(".png")) continue;
      const bytes = read(`nonface/${entry.name}`);
      const { width, height } = readImageSize(bytes);
      const image = decodeImage(bytes);
      assert.deepEqual([image.width, image.height], [width, height], entry.name);
    }
    const gray8 = decodeImage(read("nonface/chessboard_GRAY.png"));
    const rgb16 = decodeImage(read("nonface/chessboard_RGB.png"));
    assert.ok(meanAbsDiff(gray8, rgb16) < 1, "16-bit RGB matches its 8-bit grey twin");
    const bilevel = decodeImage(read("nonface/checker_bilevel.png"));
    assert.ok(bilevel.data.every((v) => v === 0 || v === 255));
    const indexed = decodeImage(read("nonface/foo3x5x4indexed.png"));
    assert.deepEqual([indexed.width, indexed.height], [5, 3]);
    assert.deepEqual([...indexed.data.subarray(0, 3)], [127, 0, 255]);
    assert.equal(errorOf(read("nonface/truncated.jpg")), "truncated JPEG");
  },
});

Deno.test({
  name: "shared groups/deepface: 36 MP header read cheaply, limit respected, WEBP named .jpg",
  ignore: !present || !exists("groups/001_A.jpg") || !exists("deepface/img47.jpg"),
  async fn() {
    const huge = read("groups/001_A.jpg");
    assert.deepEqual(readImageSize(huge), { format: "jpeg", width: 4912, height: 7360 });
    const image = decodeImage(huge); // 36 MP: under the default limit
    assert.deepEqual([image.width, image.height], [4912, 7360]);
    assert.throws(
      () => decodeImage(huge, { maxPixels: 30_000_000 }),
      /image is 4912x7360 \(36.2 MP\), above the limit of 30 MP/,
    );
    const img47 = read("deepface/img47.jpg");
    assert.deepEqual(readImageSize(img47), { format: "webp", width: 1350, height: 1800 });
    await prepareDecoder(img47);
    assert.deepEqual([decodeImage(img47).width, decodeImage(img47).height], [1350, 1800]);
  },
});
