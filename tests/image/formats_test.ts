/**
 * WebP and AVIF decoding (fixtures in tests/fixtures/formats, made by the commands in its
 * README), HEIC's refusal, and broken files of each: one ImageError, never a crash.
 */
import assert from "node:assert/strict";
import {
  decodeImage,
  HEIC_REFUSAL,
  prepareDecoder,
  readImageSize,
  resizeBilinear,
} from "../../src/image/decode.ts";
import { ImageError } from "../../src/image/errors.ts";
import { readOrientation } from "../../src/image/exif.ts";
import { applyOrientation } from "../../src/image/orientation.ts";
import type { RgbImage } from "../../src/types.ts";
import { concat, exifTiff } from "./builders.ts";

const FIXTURES = new URL("../fixtures/formats/", import.meta.url);
const read = (name: string) => Deno.readFileSync(new URL(name, FIXTURES));

async function decode(bytes: Uint8Array): Promise<RgbImage> {
  await prepareDecoder(bytes);
  return decodeImage(bytes);
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [...image.data.subarray(at, at + 3)];
}

function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

async function errorOf(bytes: Uint8Array): Promise<string> {
  try {
    await decode(bytes);
  } catch (error) {
    assert.ok(error instanceof ImageError, `expected ImageError, got ${error}`);
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  return "decoded";
}

const portrait = decodeImage(read("portrait.jpg"));

Deno.test("WebP lossy and AVIF 8/10/12-bit decode to the JPEG's picture", async () => {
  assert.deepEqual([portrait.width, portrait.height], [480, 384]);
  for (
    const name of ["portrait.webp", "portrait.avif", "portrait_10bit.avif", "portrait_12bit.avif"]
  ) {
    const image = await decode(read(name));
    // Each is a lossy re-encoding of the JPEG: a few levels apart on average, no more.
    const diff = meanAbsDiff(image, portrait);
    assert.ok(diff < 4, `${name}: mean difference ${diff.toFixed(2)}`);
  }
  assert.deepEqual(readImageSize(read("portrait.avif")), {
    format: "avif",
    width: 480,
    height: 384,
  });
  assert.deepEqual(readImageSize(read("portrait.webp")), {
    format: "webp",
    width: 480,
    height: 384,
  });
});

Deno.test("WebP lossless is exact; alpha (WebP, AVIF) is composited over white", async () => {
  const png = decodeImage(read("lossless.png"));
  assert.deepEqual(await decode(read("lossless.webp")), png);
  for (const name of ["alpha.webp", "alpha.avif"]) {
    const image = await decode(read(name));
    // Left half: red at 50% coverage over white; right half: opaque blue.
    for (const [x, y] of [[2, 2], [20, 40]]) {
      pixel(image, x, y).forEach((v, i) =>
        assert.ok(Math.abs(v - [255, 127, 127][i]) <= 3, `${name} (${x},${y}): ${v}`)
      );
    }
    pixel(image, 50, 20).forEach((v, i) =>
      assert.ok(Math.abs(v - [0, 0, 255][i]) <= 3, `${name} blue: ${pixel(image, 50, 20)}`)
    );
  }
});

Deno.test("animated WebP: the first frame, placed on its canvas over white", async () => {
  // Frame 1: lime 40x30 at (10,8) on a 64x48 canvas; frame 2: all red (must not show).
  const image = await decode(read("animated.webp"));
  assert.deepEqual([image.width, image.height], [64, 48]);
  assert.deepEqual(pixel(image, 2, 2), [255, 255, 255]);
  assert.deepEqual(pixel(image, 10, 8), [0, 255, 0]);
  assert.deepEqual(pixel(image, 49, 37), [0, 255, 0]);
  assert.deepEqual(pixel(image, 50, 38), [255, 255, 255]);
});

Deno.test("AVIF irot/imir are applied in file order (as libheif's heif-convert shows it)", async () => {
  const stored = await decode(read("portrait.avif"));
  const image = await decode(read("portrait_irot1_imir1.avif"));
  assert.deepEqual([image.width, image.height], [384, 480]);
  // irot 1 = 90° anti-clockwise (EXIF 8), then imir 1 = left/right mirror (EXIF 2).
  const expected = applyOrientation(applyOrientation(stored, 8), 2);
  assert.ok(meanAbsDiff(image, expected) < 1);
  assert.ok(meanAbsDiff(image, applyOrientation(stored, 6)) > 20, "not a plain rotation");
});

/** A VP8X WebP wrapping `webp`'s VP8 chunk with an EXIF chunk (orientation `o`). */
function withExif(webp: Uint8Array, width: number, height: number, o: number): Uint8Array {
  const le = (n: number, bytes: number) => Array.from({ length: bytes }, (_, i) => n >> (8 * i));
  const chunk = (type: string, data: Uint8Array) =>
    concat(new TextEncoder().encode(type), le(data.length, 4), data, data.length & 1 ? [0] : []);
  const vp8x = new Uint8Array([0x08, 0, 0, 0, ...le(width - 1, 3), ...le(height - 1, 3)]);
  const body = concat(
    new TextEncoder().encode("WEBP"),
    chunk("VP8X", vp8x),
    webp.subarray(12),
    chunk("EXIF", exifTiff(o, false)),
  );
  return concat(new TextEncoder().encode("RIFF"), le(body.length, 4), body);
}

Deno.test("WebP EXIF orientation is read from its EXIF chunk and applied", async () => {
  const plain = await decode(read("portrait.webp"));
  const tagged = withExif(read("portrait.webp"), 480, 384, 6);
  assert.equal(readOrientation(tagged), 6);
  const image = await decode(tagged);
  assert.deepEqual(image, applyOrientation(plain, 6));
});

Deno.test("HEIC is refused with the reason and a converter to use", async () => {
  assert.equal(await errorOf(read("portrait.heic")), HEIC_REFUSAL);
  assert.match(HEIC_REFUSAL, /heif-convert/);
});

/** `bytes` with `values` written at `at`. */
function patch(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

/** Offset of the first `type` box/chunk name in `bytes`. */
function find(bytes: Uint8Array, type: string): number {
  const at = new TextDecoder("latin1").decode(bytes).indexOf(type);
  assert.ok(at >= 0, `${type} present`);
  return at;
}

Deno.test("declared 100000x100000 WebP and AVIF are refused from the header", async () => {
  const limit = "image is 100000x100000 (10000 MP), above the limit of 50 MP";
  const le24 = [0x9f, 0x86, 0x01]; // 99999
  // An animation's canvas may be far larger than its frames: the canvas is what is checked.
  const animation = read("animated.webp");
  const canvas = find(animation, "VP8X") + 8;
  assert.equal(await errorOf(patch(animation, canvas + 4, [...le24, ...le24])), limit);
  // A still image's bitstream must have the canvas's size (VP8 stores at most 16383x16383).
  const webp = withExif(read("portrait.webp"), 480, 384, 1);
  const vp8x = find(webp, "VP8X") + 8;
  assert.equal(
    await errorOf(patch(webp, vp8x + 4, [...le24, ...le24])),
    "corrupt WebP (image is 480x384, header says 100000x100000)",
  );
  const avif = read("portrait.avif");
  const ispe = find(avif, "ispe") + 8;
  assert.equal(await errorOf(patch(avif, ispe, [0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0])), limit);
  // A plain VP8 stream's 14-bit size tops out at 16383x16383 (268 MP).
  const vp8 = find(read("portrait.webp"), "VP8 ") + 8;
  assert.equal(
    await errorOf(patch(read("portrait.webp"), vp8 + 6, [0xff, 0x3f, 0xff, 0x3f])),
    "image is 16383x16383 (268 MP), above the limit of 50 MP",
  );
});

Deno.test("truncated and corrupted WebP/AVIF files give one-line errors, decoders recover", async () => {
  const names = ["portrait.webp", "lossless.webp", "alpha.webp", "animated.webp", "portrait.avif"];
  const errors = new Set<string>();
  for (const name of names) {
    const bytes = read(name);
    for (const fraction of [0.1, 0.5, 0.9, 0.99]) {
      const message = await errorOf(bytes.subarray(0, Math.floor(bytes.length * fraction)));
      assert.notEqual(message, "decoded", `${name} cut at ${fraction}`);
      errors.add(message);
    }
    // Garbage over the middle of the compressed data.
    const middle = Math.floor(bytes.length / 2);
    const corrupt = patch(bytes, middle, Array.from({ length: 64 }, (_, i) => (i * 97) & 255));
    const message = await errorOf(corrupt);
    if (message !== "decoded") errors.add(message);
  }
  for (const message of errors) assert.match(message, /^(truncated|corrupt) (WebP|AVIF)/);
  // After all those failures both decoders still decode.
  assert.ok(meanAbsDiff(await decode(read("portrait.webp")), portrait) < 4);
  assert.ok(meanAbsDiff(await decode(read("portrait.avif")), portrait) < 4);
});

Deno.test("TIFF: 16-bit RGB decodes like its 8-bit twin; CMYK and Deflate are refused with the reason", async () => {
  const rgb8 = decodeImage(read("rgb8.tiff"));
  assert.deepEqual([rgb8.width, rgb8.height], [32, 26]);
  assert.ok(meanAbsDiff(decodeImage(read("rgb16.tiff")), rgb8) < 1);
  const convert = ": convert it first, e.g. `magick photo.tif photo.png`";
  assert.equal(await errorOf(read("cmyk.tiff")), `unsupported TIFF (CMYK)${convert}`);
  assert.equal(
    await errorOf(read("deflate.tiff")),
    `unsupported TIFF (Deflate compression)${convert}`,
  );
});

Deno.test("AVIF grid: four tiles make the whole picture", async () => {
  const image = await decode(read("grid_2x2.avif"));
  assert.deepEqual([image.width, image.height], [128, 128]);
  const diff = meanAbsDiff(image, resizeBilinear(portrait, 128, 128));
  assert.ok(diff < 8, `mean difference ${diff.toFixed(2)} from the JPEG resized`);
});
