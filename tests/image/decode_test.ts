import assert from "node:assert/strict";
import {
  decodeImage,
  decodeJpeg,
  DEFAULT_MAX_PIXELS,
  HEIC_REFUSAL,
  readImageSize,
} from "../../src/image/decode.ts";
import { ImageError } from "../../src/image/errors.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { PIXEL_SCRATCH_MAX_BYTES, PixelScratch } from "../../src/image/pixel_scratch.ts";
import type { RgbImage } from "../../src/types.ts";
import { writeJpeg, ycbcrPlanes } from "../robustness/jpeg_writer.ts";
import { concat, pngHeaderOnly, writeBmp, writeGif, writeIco, writeTiff } from "./builders.ts";

const sample = Deno.readFileSync(new URL("../fixtures/npm/sample1.jpg", import.meta.url));

function pixel(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [...image.data.subarray(at, at + 3)];
}

function assertImageError(fn: () => unknown, message: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ImageError, `expected ImageError, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("JPEG: sample1 decodes to 1920x1280 RGB with known pixels (as libjpeg-turbo ±3)", () => {
  const image = decodeImage(sample);
  assert.equal(image.width, 1920);
  assert.equal(image.height, 1280);
  assert.equal(image.data.length, 1920 * 1280 * 3);
  assert.deepEqual(pixel(image, 0, 0), [21, 6, 11]);
  assert.deepEqual(pixel(image, 960, 640), [124, 84, 58]);
  assert.deepEqual(pixel(image, 1919, 1279), [23, 15, 13]);
});

Deno.test("JPEG into a reused PixelScratch: same pixels as a fresh decode, one buffer reused", () => {
  const scratch = new PixelScratch();
  const fresh = decodeImage(sample);
  const first = decodeImage(sample, { scratch });
  assert.deepEqual(first.data, fresh.data);
  const small = encodeJpegLike();
  const second = decodeImage(small, { scratch });
  // The smaller image lands in the same memory, so the first image's pixels are overwritten.
  assert.equal(second.data.buffer, first.data.buffer);
  assert.deepEqual(second.data, decodeImage(small).data);
  // Above the cap a buffer of its own: the kept one does not grow to a huge photo's size.
  assert.notEqual(scratch.take(PIXEL_SCRATCH_MAX_BYTES + 1).buffer, first.data.buffer);
  assert.equal(scratch.take(16).buffer, first.data.buffer);
});

/** sample1's top-left 64x48 corner as a baseline JPEG (written by the test JPEG writer). */
function encodeJpegLike(): Uint8Array {
  const image = decodeImage(sample);
  const width = 64, height = 48;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    data.set(
      image.data.subarray(y * image.width * 3, (y * image.width + width) * 3),
      y * width * 3,
    );
  }
  const corner = { width, height, data };
  return writeJpeg({
    width,
    height,
    planes: ycbcrPlanes(corner),
    sampling: [[1, 1], [1, 1], [1, 1]],
  });
}

Deno.test("decodeJpeg keeps working for JPEGs and refuses other formats", () => {
  const image = decodeJpeg(sample);
  assert.equal(image.width, 1920);
  assert.deepEqual(pixel(image, 960, 640), [124, 84, 58]);
  const png = encodePng({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]) });
  assertImageError(() => decodeJpeg(png), "not a JPEG");
});

Deno.test("JPEG: trailing bytes after EOI are ignored", () => {
  const image = decodeImage(concat(sample, [1, 2, 3, 4, 5]));
  assert.deepEqual(pixel(image, 960, 640), [124, 84, 58]);
});

Deno.test("truncated JPEG: cut in the scan data or just before EOI", () => {
  assertImageError(() => decodeImage(sample.subarray(0, sample.length >> 1)), "truncated JPEG");
  assertImageError(() => decodeImage(sample.subarray(0, sample.length - 2)), "truncated JPEG");
  assertImageError(() => decodeImage(sample.subarray(0, 300)), "truncated JPEG");
});

Deno.test("empty file, random bytes and broken WebP/HEIC/AVIF headers give clear errors", () => {
  assertImageError(() => decodeImage(new Uint8Array(0)), "empty file");
  let seed = 7;
  const random = new Uint8Array(4096).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  assertImageError(() => decodeImage(random), "not an image (unknown format)");
  assertImageError(
    () => decodeImage(new TextEncoder().encode("hello, this is text\n")),
    "not an image (unknown format)",
  );
  const riff = concat(
    new TextEncoder().encode("RIFF"),
    [36, 0, 0, 0],
    new TextEncoder().encode("WEBPVP8 "),
    new Uint8Array(28),
  );
  assertImageError(() => decodeImage(riff), "truncated WebP");
  const ftyp = (brand: string) =>
    concat([0, 0, 0, 24], new TextEncoder().encode(`ftyp${brand}\0\0\0\0mif1${brand}`));
  assertImageError(() => decodeImage(ftyp("heic")), HEIC_REFUSAL);
  assertImageError(() => decodeImage(ftyp("avif")), "corrupt AVIF (no meta box)");
});

Deno.test("pixel limit: header sizes are refused before decoding", () => {
  assertImageError(
    () => decodeImage(pngHeaderOnly(60000, 60000)),
    "image is 60000x60000 (3600 MP), above the limit of 50 MP",
  );
  // sample1 with its SOF0 frame header rewritten to 40000x30000.
  const big = sample.slice();
  const sof = big.findIndex((b, i) => b === 0xff && big[i + 1] === 0xc0);
  big.set([30000 >> 8, 30000 & 255, 40000 >> 8, 40000 & 255], sof + 5);
  assertImageError(
    () => decodeImage(big),
    "image is 40000x30000 (1200 MP), above the limit of 50 MP",
  );
  assertImageError(
    () => decodeImage(sample, { maxPixels: 1_000_000 }),
    "image is 1920x1280 (2.46 MP), above the limit of 1 MP",
  );
  assert.equal(DEFAULT_MAX_PIXELS, 50_000_000);
  assert.equal(decodeImage(sample, { maxPixels: 1920 * 1280 }).width, 1920);
});

Deno.test("pixel limit applies to GIF, BMP and TIFF headers too", () => {
  const gif = writeGif({
    width: 20000,
    height: 20000,
    palette: [[0, 0, 0]],
    frame: { x: 0, y: 0, width: 1, height: 1, indices: [0] },
  });
  assertImageError(
    () => decodeImage(gif),
    "image is 20000x20000 (400 MP), above the limit of 50 MP",
  );
  const bmp = writeBmp({ width: 1, height: 1, bitsPerPixel: 24, pixels: [[1, 2, 3]] });
  new DataView(bmp.buffer).setInt32(18, 100000, true);
  new DataView(bmp.buffer).setInt32(22, -100000, true);
  assertImageError(
    () => decodeImage(bmp),
    "image is 100000x100000 (10000 MP), above the limit of 50 MP",
  );
  const tiff = writeTiff({ width: 9000, height: 9000, samplesPerPixel: 1, samples: [0] });
  assertImageError(() => decodeImage(tiff), "image is 9000x9000 (81 MP), above the limit of 50 MP");
});

Deno.test("readImageSize reads only the header", () => {
  assert.deepEqual(readImageSize(sample), { format: "jpeg", width: 1920, height: 1280 });
  assert.deepEqual(readImageSize(pngHeaderOnly(60000, 40)), {
    format: "png",
    width: 60000,
    height: 40,
  });
});

Deno.test("PNG: RGB round trip through encodePng, truncation and corruption", () => {
  const image = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) };
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37 + (i >> 7)) & 255;
  const png = encodePng(image);
  assert.deepEqual(decodeImage(png), image);
  assertImageError(() => decodeImage(png.subarray(0, png.length >> 1)), "truncated PNG");
  assertImageError(() => decodeImage(png.subarray(0, 40)), "truncated PNG");
  const corrupt = png.slice();
  corrupt[41] ^= 0xff; // zlib header of IDAT
  assert.throws(() => decodeImage(corrupt), (e: unknown) => {
    assert.ok(e instanceof ImageError);
    assert.match(e.message, /^corrupt PNG \(/);
    return true;
  });
});

Deno.test("GIF: first frame on its screen, transparent and uncovered pixels white", () => {
  const gif = writeGif({
    width: 4,
    height: 3,
    palette: [[255, 0, 0], [0, 0, 255], [9, 9, 9]],
    transparentIndex: 2,
    frame: { x: 1, y: 1, width: 3, height: 2, indices: [0, 1, 2, 1, 0, 0] },
  });
  const image = decodeImage(gif);
  assert.equal(image.width, 4);
  assert.equal(image.height, 3);
  assert.deepEqual(pixel(image, 0, 0), [255, 255, 255]);
  assert.deepEqual(pixel(image, 1, 1), [255, 0, 0]);
  assert.deepEqual(pixel(image, 2, 1), [0, 0, 255]);
  assert.deepEqual(pixel(image, 3, 1), [255, 255, 255]);
  assert.deepEqual(pixel(image, 1, 2), [0, 0, 255]);
  assert.deepEqual(pixel(image, 3, 2), [255, 0, 0]);
  assertImageError(() => decodeImage(gif.subarray(0, 400)), "truncated GIF");
});

Deno.test("GIF: a larger frame with more than 255 codes decodes exactly", () => {
  const indices = Array.from({ length: 30 * 20 }, (_, i) => (i * 7) % 5);
  const palette: [number, number, number][] = [[0, 0, 0], [50, 0, 0], [0, 100, 0], [0, 0, 150], [
    200,
    200,
    200,
  ]];
  const image = decodeImage(writeGif({
    width: 30,
    height: 20,
    palette,
    frame: { x: 0, y: 0, width: 30, height: 20, indices },
  }));
  for (const [x, y] of [[0, 0], [29, 0], [13, 7], [29, 19]]) {
    assert.deepEqual(pixel(image, x, y), palette[indices[y * 30 + x]]);
  }
});

Deno.test("BMP: 24-bit bottom-up, 8-bit palette top-down, 1-bit, 32-bit with alpha", () => {
  const pixels = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [40, 50, 60], [70, 80, 90]];
  for (const topDown of [false, true]) {
    const image = decodeImage(writeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixels, topDown }));
    assert.deepEqual([image.width, image.height], [3, 2]);
    assert.deepEqual(pixel(image, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(image, 2, 0), [0, 0, 255]);
    assert.deepEqual(pixel(image, 1, 1), [40, 50, 60]);
  }
  const palette: [number, number, number][] = [[0, 0, 0], [200, 100, 50], [1, 2, 3]];
  const indexed = [0, 1, 2, 2, 1, 0, 1, 1].map((i) => palette[i]);
  const eight = decodeImage(
    writeBmp({ width: 4, height: 2, bitsPerPixel: 8, pixels: indexed, palette, topDown: true }),
  );
  assert.deepEqual(pixel(eight, 1, 0), [200, 100, 50]);
  assert.deepEqual(pixel(eight, 3, 0), [1, 2, 3]);
  assert.deepEqual(pixel(eight, 0, 1), [200, 100, 50]);
  assert.deepEqual(pixel(eight, 1, 1), [0, 0, 0]);
  const mono: [number, number, number][] = [[0, 0, 0], [255, 255, 255]];
  const bits = Array.from({ length: 10 * 3 }, (_, i) => mono[(i * 3) % 7 > 3 ? 1 : 0]);
  const one = decodeImage(
    writeBmp({ width: 10, height: 3, bitsPerPixel: 1, pixels: bits, palette: mono }),
  );
  for (let i = 0; i < 30; i++) assert.deepEqual(pixel(one, i % 10, Math.floor(i / 10)), bits[i]);
  const rgba = [[255, 0, 0, 255], [0, 0, 0, 0], [0, 0, 0, 128], [10, 20, 30, 255]];
  const alpha = decodeImage(
    writeBmp({ width: 2, height: 2, bitsPerPixel: 32, pixels: rgba, alpha: true }),
  );
  assert.deepEqual(pixel(alpha, 0, 0), [255, 0, 0]);
  assert.deepEqual(pixel(alpha, 1, 0), [255, 255, 255]);
  assert.deepEqual(pixel(alpha, 0, 1), [127, 127, 127]);
  assert.deepEqual(pixel(alpha, 1, 1), [10, 20, 30]);
  const plain32 = decodeImage(writeBmp({ width: 2, height: 2, bitsPerPixel: 32, pixels: rgba }));
  assert.deepEqual(pixel(plain32, 1, 0), [0, 0, 0], "BI_RGB 32-bit ignores the fourth byte");
  const bmp = writeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixels });
  assertImageError(() => decodeImage(bmp.subarray(0, bmp.length - 8)), "truncated BMP");
  const rle = bmp.slice();
  rle[30] = 1;
  assertImageError(() => decodeImage(rle), "unsupported BMP (RLE8 compression)");
});

Deno.test("TIFF: uncompressed RGB and grey, both byte orders, orientation tag applied", () => {
  const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90];
  for (const bigEndian of [false, true]) {
    const image = decodeImage(
      writeTiff({ width: 3, height: 2, samplesPerPixel: 3, samples: rgb, bigEndian }),
    );
    assert.deepEqual([image.width, image.height], [3, 2]);
    assert.deepEqual(pixel(image, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(image, 2, 1), [70, 80, 90]);
  }
  const grey = decodeImage(
    writeTiff({ width: 2, height: 2, samplesPerPixel: 1, samples: [0, 85, 170, 255] }),
  );
  assert.deepEqual(pixel(grey, 1, 0), [85, 85, 85]);
  assert.deepEqual(pixel(grey, 0, 1), [170, 170, 170]);
  const rotated = decodeImage(
    writeTiff({ width: 3, height: 2, samplesPerPixel: 3, samples: rgb, orientation: 6 }),
  );
  assert.deepEqual([rotated.width, rotated.height], [2, 3]);
  assert.deepEqual(pixel(rotated, 0, 0), [10, 20, 30]);
  assert.deepEqual(pixel(rotated, 1, 0), [255, 0, 0]);
  const tiff = writeTiff({ width: 3, height: 2, samplesPerPixel: 3, samples: rgb });
  assertImageError(
    () => decodeImage(tiff.subarray(0, tiff.length - 5)),
    "cannot decode TIFF (corrupt or unsupported variant)",
  );
});

Deno.test("ICO: embedded PNG and 32-bit bitmap", () => {
  const image = {
    width: 2,
    height: 2,
    data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  };
  assert.deepEqual(decodeImage(writeIco(encodePng(image), 2, 2)), image);
  // Headerless 32-bit DIB: height doubled, BGRA rows bottom-up, then a 1-bit AND mask.
  const bmp = writeBmp({
    width: 2,
    height: 2,
    bitsPerPixel: 32,
    pixels: [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [0, 0, 0, 0]],
  });
  const dib = concat(bmp.subarray(14), new Uint8Array(8));
  new DataView(dib.buffer).setInt32(8, 4, true);
  const icon = decodeImage(writeIco(dib, 2, 2));
  assert.deepEqual([icon.width, icon.height], [2, 2]);
  assert.deepEqual(pixel(icon, 0, 0), [255, 0, 0]);
  assert.deepEqual(pixel(icon, 0, 1), [0, 0, 255]);
  assert.deepEqual(pixel(icon, 1, 1), [255, 255, 255]);
});

Deno.test("errors are ImageError even for garbage after a valid magic number", () => {
  const inputs = [
    concat([0xff, 0xd8, 0xff, 0xe0], new Uint8Array(50).fill(0x41)),
    concat(pngHeaderOnly(4, 4), [0, 0, 0, 5, 73, 68, 65, 84, 1, 2, 3, 4, 5, 0, 0, 0, 0]),
    concat(new TextEncoder().encode("GIF89a"), new Uint8Array(20).fill(0xff)),
    concat([0x49, 0x49, 42, 0, 8, 0, 0, 0], new Uint8Array(40).fill(0xff)),
    concat(new TextEncoder().encode("BM"), new Uint8Array(60).fill(0xff)),
  ];
  for (const bytes of inputs) {
    assert.throws(() => decodeImage(bytes), ImageError);
  }
});
