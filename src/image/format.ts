/** Recognises an image format from its first bytes (never from the file name). */

/** Formats `decodeImage` decodes. */
export type DecodableFormat = "jpeg" | "png" | "gif" | "bmp" | "tiff" | "ico" | "webp" | "avif";

/** Formats recognised only to name them in an "unsupported format" error. */
export type UnsupportedFormat = "heic" | "jxl" | "jp2" | "psd" | "bigtiff";

/** Every format {@link sniffFormat} can name. */
export type ImageFormat = DecodableFormat | UnsupportedFormat;

const DECODABLE: ReadonlySet<string> = new Set([
  "jpeg",
  "png",
  "gif",
  "bmp",
  "tiff",
  "ico",
  "webp",
  "avif",
]);

/** True when `format` is one `decodeImage` can decode. */
export function isDecodable(format: ImageFormat): format is DecodableFormat {
  return DECODABLE.has(format);
}

/**
 * Names the format of `bytes` from its magic numbers, or returns null when nothing matches.
 *
 * @example
 * sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // "jpeg"
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  const ascii = (start: number, text: string) => {
    if (bytes.length < start + text.length) return false;
    for (let i = 0; i < text.length; i++) {
      if (bytes[start + i] !== text.charCodeAt(i)) return false;
    }
    return true;
  };
  const starts = (...values: number[]) =>
    bytes.length >= values.length && values.every((v, i) => bytes[i] === v);

  if (starts(0xff, 0xd8, 0xff)) return "jpeg";
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "gif";
  if (ascii(0, "BM") && bytes.length >= 26) return "bmp";
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return "tiff";
  if (starts(0x49, 0x49, 0x2b, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2b)) return "bigtiff";
  if (starts(0x00, 0x00, 0x01, 0x00) && bytes.length >= 22 && bytes[4] + bytes[5] > 0) return "ico";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  if (ascii(4, "ftyp")) return isoBrand(bytes);
  if (starts(0xff, 0x0a) || (ascii(4, "JXL ") && starts(0, 0, 0, 0x0c))) return "jxl";
  if (ascii(4, "jP  ") || starts(0xff, 0x4f, 0xff, 0x51)) return "jp2";
  if (ascii(0, "8BPS")) return "psd";
  return null;
}

/** HEIF-family files share the ISO `ftyp` box; its major and compatible brands say which. */
function isoBrand(bytes: Uint8Array): ImageFormat | null {
  const boxSize = (bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) >>> 0;
  const end = Math.min(bytes.length, Math.max(boxSize, 12), 256);
  const brands: string[] = [];
  for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4) {
    brands.push(String.fromCharCode(...bytes.subarray(at, at + 4)));
  }
  if (brands.some((b) => b === "avif" || b === "avis")) return "avif";
  const heif = ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"];
  return brands.some((b) => heif.includes(b)) ? "heic" : null;
}
