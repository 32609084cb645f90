/**
 * AVIF: the HEIF container read in TypeScript (size, rotation, mirroring), pixels by libavif
 * (loaded on demand, see lazy_codecs.ts).
 */
import type { RgbImage } from "../types.ts";
import { overWhite } from "./alpha.ts";
import { ImageError } from "./errors.ts";
import { type HeifPrimary, readHeifPrimary, transformOrientation } from "./heif_boxes.ts";
import type { RgbaDecoder } from "./lazy_codecs.ts";
import { applyOrientation } from "./orientation.ts";

/** Reads an AVIF's primary image size and transforms from its boxes (no pixel decoded). */
export function readAvifHeader(bytes: Uint8Array): HeifPrimary {
  return readHeifPrimary(bytes, "AVIF");
}

/**
 * Decodes an AVIF's primary image (8/10/12-bit, alpha over white) to RGB with libavif's `decode`,
 * then applies its `irot`/`imir` properties in file order. The HEIF rules make these, not an
 * EXIF orientation, what turns the image upright.
 */
export function decodeAvifPixels(
  bytes: Uint8Array,
  header: HeifPrimary,
  decode: RgbaDecoder,
): RgbImage {
  const rgba = decode(bytes);
  if (!rgba) throw new ImageError("corrupt AVIF");
  const { width, height } = rgba;
  if (width !== header.width || height !== header.height) {
    throw new ImageError(
      `corrupt AVIF (image is ${width}x${height}, header says ${header.width}x${header.height})`,
    );
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    const alpha = rgba.data[i + 3];
    data[o] = overWhite(rgba.data[i], alpha);
    data[o + 1] = overWhite(rgba.data[i + 1], alpha);
    data[o + 2] = overWhite(rgba.data[i + 2], alpha);
  }
  return header.transforms.reduce(
    (image, t) => applyOrientation(image, transformOrientation(t)),
    { width, height, data } as RgbImage,
  );
}
