/** JPEG: frame header parsing in TypeScript, pixel decoding by imagescript's JPEG WASM. */
import jpegWasm from "../../models/imagescript-jpeg.wasm" with { type: "bytes" };
import type { RgbImage } from "../types.ts";
import { ImageError } from "./errors.ts";
import type { PixelScratch } from "./pixel_scratch.ts";
import { copyIn, copyOut, guardTrap, withReusedInstance } from "./wasm.ts";

/** What the JPEG markers before the first scan say. */
export interface JpegHeader {
  width: number;
  height: number;
  /** Sample precision in bits (8 for nearly every JPEG). */
  precision: number;
  /** The TIFF structure inside the first APP1 Exif segment (a view), or null. */
  exif: Uint8Array | null;
  /** Offset of the first SOS (start of scan) marker. */
  scanOffset: number;
}

let jpegModule: WebAssembly.Module | null = null;

/**
 * The decoder instance is reused while its memory is at most this (a 1920-px photo needs ~25 MB;
 * after a larger image the instance is dropped, so its memory can be freed).
 */
const REUSE_MAX_BYTES = 64 << 20;

/**
 * Walks the JPEG marker segments up to the first scan: frame size and EXIF position. Throws
 * {@link ImageError} for a truncated or malformed header and for lossless or arithmetic-coded
 * JPEGs, which the decoder does not support.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  let at = 2;
  let frame: { width: number; height: number; precision: number } | null = null;
  let exif: Uint8Array | null = null;
  while (true) {
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++;
    if (at + 4 > bytes.length) throw new ImageError("truncated JPEG");
    if (bytes[at] !== 0xff) throw new ImageError("corrupt JPEG (bad marker)");
    const marker = bytes[at + 1];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = bytes[at + 2] << 8 | bytes[at + 3];
    const body = at + 4;
    if (marker === 0xd9) break;
    if (body + length - 2 > bytes.length) throw new ImageError("truncated JPEG");
    if (isSof(marker)) {
      if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) {
        throw new ImageError("unsupported JPEG (lossless)");
      }
      if (marker >= 0xc9) throw new ImageError("unsupported JPEG (arithmetic coding)");
      frame ??= {
        precision: bytes[body],
        height: bytes[body + 1] << 8 | bytes[body + 2],
        width: bytes[body + 3] << 8 | bytes[body + 4],
      };
    } else if (marker === 0xe1 && !exif && isExifId(bytes, body)) {
      exif = bytes.subarray(body + 6, body + length - 2);
    } else if (marker === 0xda) {
      break;
    }
    at = body + length - 2;
  }
  if (!frame) throw new ImageError("corrupt JPEG (no frame header)");
  if (frame.width === 0 || frame.height === 0) {
    throw new ImageError("unsupported JPEG (height defined after the scan)");
  }
  return { ...frame, exif, scanOffset: at };
}

/**
 * Decodes a baseline or progressive JPEG to RGB. Greyscale is replicated to three channels; CMYK
 * and YCCK (as Adobe writes them) are converted with R = (255-C)(255-K)/255 (likewise G, B), no
 * colour profile. A file cut short (no EOI marker after the scans) is `truncated JPEG`. EXIF
 * orientation is NOT applied here (see `decodeImage`). With `scratch`, the decoder's output is
 * copied into its buffer (an RGB image's data is then that buffer, valid until its next use).
 * With `reduce` 2, 4 or 8 the decoder scales its inverse DCT and returns ceil(width / reduce) ×
 * ceil(height / reduce) pixels: a 36 MP photo at 1/2 decodes in about a third of the time.
 */
export function decodeJpegPixels(
  bytes: Uint8Array,
  header: JpegHeader,
  scratch?: PixelScratch,
  reduce = 1,
): RgbImage {
  if (!reachesEoi(bytes, header.scanOffset)) throw new ImageError("truncated JPEG");
  jpegModule ??= new WebAssembly.Module(jpegWasm);
  const failure = header.precision === 8
    ? "corrupt JPEG"
    : `unsupported JPEG (${header.precision}-bit)`;
  const { width, height, format, raw } = guardTrap(
    failure,
    () =>
      withReusedInstance(jpegModule!, REUSE_MAX_BYTES, (wasm) => {
        // decode() takes ownership of the input buffer; the frame is ours to free.
        const [w, h] = reduce > 1
          ? [Math.ceil(header.width / reduce), Math.ceil(header.height / reduce)]
          : [0, 0];
        const frame = wasm.decode(copyIn(wasm, bytes), bytes.length, w, h);
        if (frame === 0 || frame === 1) throw new ImageError(failure);
        try {
          return {
            width: wasm.decode_width(frame),
            height: wasm.decode_height(frame),
            format: wasm.decode_format(frame),
            raw: copyOut(wasm, wasm.decode_buffer(frame), wasm.wlen(), scratch),
          };
        } finally {
          wasm.decode_free(frame);
        }
      }),
  );
  const pixels = width * height;
  if (format === 1 && raw.length >= pixels * 3) {
    return { width, height, data: raw.length === pixels * 3 ? raw : raw.slice(0, pixels * 3) };
  }
  if (format === 0 && raw.length >= pixels) return { width, height, data: greyToRgb(raw, pixels) };
  if (format === 2 && raw.length >= pixels * 4) {
    return { width, height, data: cmykToRgb(raw, pixels) };
  }
  throw new ImageError(`unsupported JPEG (pixel format ${format})`);
}

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
    marker !== 0xcc;
}

function isExifId(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x45 && bytes[at + 1] === 0x78 && bytes[at + 2] === 0x69 &&
    bytes[at + 3] === 0x66 && bytes[at + 4] === 0 && bytes[at + 5] === 0;
}

/**
 * Follows the segments from the marker at `at` to EOI, skipping entropy-coded data (where 0xFF
 * is always followed by 0x00 or RSTn). False when the file ends first. A layout it cannot follow
 * counts as complete, leaving the verdict to the decoder.
 */
function reachesEoi(bytes: Uint8Array, at: number): boolean {
  let i = at;
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) return true;
    const marker = bytes[i + 1];
    if (marker === 0xd9) return true;
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7)) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    if (i + 4 > bytes.length) return false;
    i += 2 + (bytes[i + 2] << 8 | bytes[i + 3]);
    if (marker !== 0xda) continue;
    while (i + 1 < bytes.length) {
      const next = bytes[i + 1];
      if (bytes[i] === 0xff && next !== 0 && !(next >= 0xd0 && next <= 0xd7)) break;
      i++;
    }
  }
  return false;
}

function greyToRgb(grey: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    const v = grey[i];
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  }
  return out;
}

function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    const white = 255 - cmyk[i + 3];
    out[o] = ((255 - cmyk[i]) * white + 127) / 255;
    out[o + 1] = ((255 - cmyk[i + 1]) * white + 127) / 255;
    out[o + 2] = ((255 - cmyk[i + 2]) * white + 127) / 255;
  }
  return out;
}
