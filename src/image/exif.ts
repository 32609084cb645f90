/** EXIF orientation: where JPEG, PNG and TIFF files keep it, and reading it leniently. */
import { sniffFormat } from "./format.ts";
import { readJpegHeader } from "./jpeg.ts";
import { pngChunks } from "./png.ts";
import { readIfd0, TIFF_TAG } from "./tiff_ifd.ts";
import { readWebpHeader } from "./webp.ts";
import { inflateSync } from "node:zlib";

/**
 * The EXIF orientation (1–8) of a JPEG (APP1 Exif), PNG (`eXIf` chunk, or ImageMagick's
 * "Raw profile type exif" text chunk), WebP (`EXIF` chunk) or TIFF (its own IFD0 tag). Returns 1 (upright) for other
 * formats and for missing, corrupt or out-of-range values: it never throws.
 *
 * @example
 * readOrientation(Deno.readFileSync("photo.jpg")); // 6: stored rotated, turn 90° clockwise
 */
export function readOrientation(bytes: Uint8Array): number {
  try {
    const found = locateExif(bytes);
    if (!found) return 1;
    const value = readIfd0(found.bytes, found.start, [TIFF_TAG.orientation])?.get(
      TIFF_TAG.orientation,
    );
    return value !== undefined && value >= 1 && value <= 8 ? value : 1;
  } catch {
    return 1;
  }
}

/** The bytes holding a TIFF structure with the EXIF IFD0, and where its header starts. */
function locateExif(bytes: Uint8Array): { bytes: Uint8Array; start: number } | null {
  const format = sniffFormat(bytes);
  if (format === "tiff") return { bytes, start: 0 };
  if (format === "jpeg") {
    const exif = readJpegHeader(bytes).exif;
    return exif ? { bytes: exif, start: 0 } : null;
  }
  if (format === "webp") {
    const exif = readWebpHeader(bytes).exif;
    return exif ? { bytes: exif, start: 0 } : null;
  }
  if (format !== "png") return null;
  for (const chunk of pngChunks(bytes)) {
    if (chunk.type === "IDAT" || chunk.type === "IEND") break;
    if (chunk.type === "eXIf") return { bytes: chunk.data, start: hasExifId(chunk.data) ? 6 : 0 };
    if (chunk.type === "tEXt" || chunk.type === "zTXt") {
      const profile = rawExifProfile(chunk.type, chunk.data);
      if (profile) return { bytes: profile, start: hasExifId(profile) ? 6 : 0 };
    }
  }
  return null;
}

/**
 * ImageMagick stores EXIF in PNG text chunks keyed "Raw profile type exif": after the key, a
 * (possibly deflated) text "\nexif\n<length>\n<hex digits...>".
 */
function rawExifProfile(type: string, data: Uint8Array): Uint8Array | null {
  const key = "Raw profile type exif";
  if (String.fromCharCode(...data.subarray(0, key.length + 1)) !== key + "\0") return null;
  const body = type === "zTXt"
    ? inflateSync(data.subarray(key.length + 2), { maxOutputLength: 1 << 20 })
    : data.subarray(key.length + 1);
  const text = new TextDecoder("latin1").decode(body);
  const match = /^\s*\w+\s+(\d+)\s+([0-9a-fA-F\s]+)/.exec(text);
  if (!match) return null;
  const hex = match[2].replace(/\s+/g, "");
  const length = Math.min(Number(match[1]), hex.length >> 1);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function hasExifId(data: Uint8Array): boolean {
  return data.length > 6 && data[0] === 0x45 && data[1] === 0x78 && data[2] === 0x69 &&
    data[3] === 0x66 && data[4] === 0 && data[5] === 0;
}
