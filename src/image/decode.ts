/**
 * Image bytes to an upright RGB image: format sniffed from magic bytes, size checked against a
 * pixel limit before any pixel memory is allocated, EXIF orientation applied.
 */
import type { RgbImage } from "../types.ts";
import { decodeAvifPixels, readAvifHeader } from "./avif.ts";
import { decodeBmpPixels, readBmpHeader } from "./bmp.ts";
import { ImageError } from "./errors.ts";
import { readOrientation } from "./exif.ts";
import { type DecodableFormat, isDecodable, sniffFormat } from "./format.ts";
import { decodeGifPixels, readGifHeader } from "./gif.ts";
import { largestIcoImage } from "./ico.ts";
import { decodeJpegPixels, readJpegHeader } from "./jpeg.ts";
import {
  isLazyFormat,
  type LazyFormat,
  loadCodec,
  loadedDecoder,
  type RgbaDecoder,
} from "./lazy_codecs.ts";
import { applyOrientation } from "./orientation.ts";
import type { PixelScratch } from "./pixel_scratch.ts";
import { decodePngPixels, readPngHeader } from "./png.ts";
import { decodeTiffPixels, readTiffSize } from "./tiff.ts";
import { guardTrap } from "./wasm.ts";
import { decodeWebpPixels, readWebpHeader } from "./webp.ts";

/** Re-exported for callers that downscale right after decoding (defined in resize.ts). */
export { resizeBilinear } from "./resize.ts";

/** Largest image `decodeImage` accepts by default: 50 megapixels (150 MB of RGB). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /** Refuse images with more pixels than this (default {@link DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
  /**
   * Decode JPEG pixels into this reused buffer instead of a fresh one: the image returned may then
   * share it, so it is only valid until the scratch's next use.
   */
  scratch?: PixelScratch;
  /**
   * Decode a JPEG at 1/`reduce` of its size (2, 4 or 8: JPEG's DCT scaling, much cheaper than a
   * full decode); other formats ignore it. The image returned is then ceil(width / reduce) ×
   * ceil(height / reduce). The pixel limit still applies to the full size.
   */
  reduce?: 1 | 2 | 4 | 8;
}

/** A format, the size its header declares, and how to decode its pixels. */
interface Probe {
  format: DecodableFormat;
  width: number;
  height: number;
  /** Pixels the decoder allocates (can exceed width × height, e.g. an oversized GIF frame). */
  decodedPixels: number;
  decode: () => RgbImage;
}

/** What a HEIC file is answered with: why not, and how to convert it (see README, Formats). */
export const HEIC_REFUSAL = "HEIC is not supported in this build (libheif is LGPL-3.0): " +
  "convert with `heif-convert photo.heic photo.jpg` (libheif-examples) or " +
  "`magick photo.heic photo.jpg`";

/**
 * Loads the decoder `bytes` need when it is one loaded on demand (WebP, AVIF: their WASM is
 * compiled only when such a file arrives); resolves at once for every other format. Call it
 * before {@link decodeImage} for files that may be WebP or AVIF.
 *
 * @example
 * await prepareDecoder(bytes);
 * const image = decodeImage(bytes);
 */
export async function prepareDecoder(bytes: Uint8Array): Promise<void> {
  const format = sniffFormat(bytes);
  if (isLazyFormat(format)) await loadCodec(format);
}

/**
 * Decodes a JPEG, PNG, GIF (first frame), BMP, TIFF (first image), ICO (largest image), WebP
 * (first frame) or AVIF to upright 8-bit RGB. The format comes from the magic bytes, never the
 * file name. Greyscale, palette, 16-bit, 10/12-bit images become 8-bit RGB; transparency is
 * composited over white; CMYK JPEGs are converted without a colour profile; EXIF orientation 2–8
 * is applied (AVIF: its rotation and mirror properties). WebP and AVIF need
 * {@link prepareDecoder} first.
 *
 * Throws {@link ImageError} with a one-line reason: `empty file`, `not an image (unknown
 * format)`, `unsupported format: jxl`, `truncated JPEG`, `image is 40000x30000 (1200 MP), above
 * the limit of 50 MP` (checked from the header before decoding), ...
 *
 * @example
 * const image = decodeImage(await Deno.readFile("group.jpg"), { maxPixels: 80_000_000 });
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbImage {
  const probe = probeImage(bytes, options.scratch, options.reduce ?? 1);
  const limit = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (probe.width * probe.height > limit || probe.decodedPixels > limit) {
    const { width, height } = probe;
    throw new ImageError(
      `image is ${width}x${height} (${megapixels(width * height)} MP), above the limit of ${
        megapixels(limit)
      } MP`,
    );
  }
  const image = guardTrap(`corrupt ${probe.format.toUpperCase()}`, probe.decode);
  return applyOrientation(image, readOrientation(bytes));
}

/**
 * Decodes a JPEG exactly as {@link decodeImage} does (pixel limit, EXIF orientation) and
 * throws `ImageError("not a JPEG")` for anything else.
 */
export function decodeJpeg(bytes: Uint8Array): RgbImage {
  if (bytes.length > 0 && sniffFormat(bytes) !== "jpeg") throw new ImageError("not a JPEG");
  return decodeImage(bytes);
}

/**
 * Reads only the headers: the format and the declared width and height, without decoding
 * pixels. Throws {@link ImageError} like {@link decodeImage} for unknown, unsupported or
 * truncated files.
 *
 * @example
 * readImageSize(bytes); // { format: "png", width: 640, height: 480 }
 */
export function readImageSize(
  bytes: Uint8Array,
): { format: DecodableFormat; width: number; height: number } {
  const { format, width, height } = probeImage(bytes);
  return { format, width, height };
}

function probeImage(bytes: Uint8Array, scratch?: PixelScratch, reduce = 1): Probe {
  if (bytes.length === 0) throw new ImageError("empty file");
  const format = sniffFormat(bytes);
  if (format === null) throw new ImageError("not an image (unknown format)");
  if (format === "heic") throw new ImageError(HEIC_REFUSAL);
  if (!isDecodable(format)) throw new ImageError(`unsupported format: ${format}`);
  return guardTrap(
    `corrupt ${format.toUpperCase()}`,
    () => probeFormat(bytes, format, scratch, reduce),
  );
}

function probeFormat(
  bytes: Uint8Array,
  format: DecodableFormat,
  scratch?: PixelScratch,
  reduce = 1,
): Probe {
  const probe = (width: number, height: number, decode: () => RgbImage): Probe => ({
    format,
    width,
    height,
    decodedPixels: width * height,
    decode,
  });
  switch (format) {
    case "jpeg": {
      const header = readJpegHeader(bytes);
      return probe(
        header.width,
        header.height,
        () => decodeJpegPixels(bytes, header, scratch, reduce),
      );
    }
    case "png": {
      const header = readPngHeader(bytes);
      return probe(header.width, header.height, () => decodePngPixels(bytes, header));
    }
    case "gif": {
      const header = readGifHeader(bytes);
      return {
        ...probe(header.width, header.height, () => decodeGifPixels(bytes, header)),
        decodedPixels: Math.max(
          header.width * header.height,
          header.frame.width * header.frame.height,
        ),
      };
    }
    case "bmp": {
      const header = readBmpHeader(bytes);
      return probe(header.width, header.height, () => decodeBmpPixels(bytes, header));
    }
    case "tiff": {
      const { width, height } = readTiffSize(bytes);
      return probe(width, height, () => decodeTiffPixels(bytes));
    }
    case "webp": {
      const header = readWebpHeader(bytes);
      return {
        ...probe(header.width, header.height, () => decodeWebpPixels(header, decoder("webp"))),
        decodedPixels: Math.max(
          header.width * header.height,
          header.frame.width * header.frame.height,
        ),
      };
    }
    case "avif": {
      const header = readAvifHeader(bytes);
      return probe(
        header.width,
        header.height,
        () => decodeAvifPixels(bytes, header, decoder("avif")),
      );
    }
    case "ico": {
      const inner = largestIcoImage(bytes);
      if (sniffFormat(inner) === "png") {
        return { ...probeFormat(inner, "png"), format };
      }
      const header = readBmpHeader(inner, true);
      return probe(header.width, header.height, () => decodeBmpPixels(inner, header));
    }
  }
}

/** The loaded decoder of `format`; an error that says so when prepareDecoder was not awaited. */
function decoder(format: LazyFormat): RgbaDecoder {
  const decode = loadedDecoder(format);
  if (!decode) throw new ImageError(`${format} decoder not loaded (await prepareDecoder first)`);
  return decode;
}

/** Megapixels with up to three significant digits: 1200, 50, 3.6, 0.0001. */
function megapixels(pixels: number): string {
  return String(Number((pixels / 1e6).toPrecision(3)));
}
