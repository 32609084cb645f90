/**
 * BMP decoding in TypeScript: uncompressed 1/4/8-bit palette, 16/24/32-bit and bit-field
 * layouts, bottom-up or top-down; also the headerless bitmaps inside ICO files.
 */
import type { RgbImage } from "../types.ts";
import { overWhite } from "./alpha.ts";
import { ImageError } from "./errors.ts";

/** What the file and DIB headers say. */
export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  /** Offset of the first pixel row in the bytes. */
  pixelOffset: number;
  /** Palette as 4-byte BGRX (or 3-byte BGR for OS/2 headers) entries, empty when none. */
  palette: Uint8Array;
  paletteEntrySize: number;
  /** Red, green, blue, alpha masks for 16/32-bit pixels (alpha 0: none). */
  masks: [number, number, number, number];
  /** An icon bitmap: height is halved, a 1-bit AND mask follows, 32-bit pixels carry alpha. */
  icon: boolean;
}

const COMPRESSION_NAMES: Record<number, string> = { 1: "RLE8", 2: "RLE4", 4: "JPEG", 5: "PNG" };

/**
 * Reads a BMP file header (`icon` false) or the bitmap header of an ICO image (`icon` true,
 * `bytes` starting at the DIB header). Throws {@link ImageError} for truncated headers and
 * compressed or unknown layouts.
 */
export function readBmpHeader(bytes: Uint8Array, icon = false): BmpHeader {
  const dib = icon ? 0 : 14;
  if (bytes.length < dib + 16) throw new ImageError("truncated BMP");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(dib, true);
  const core = headerSize === 12;
  if (!core && headerSize < 40) throw new ImageError("corrupt BMP (bad header size)");
  if (bytes.length < dib + (core ? 12 : 40)) throw new ImageError("truncated BMP");
  const width = core ? view.getUint16(dib + 4, true) : view.getInt32(dib + 4, true);
  let height = core ? view.getInt16(dib + 6, true) : view.getInt32(dib + 8, true);
  const bitsPerPixel = view.getUint16(dib + (core ? 10 : 14), true);
  const compression = core ? 0 : view.getUint32(dib + 16, true);
  if (COMPRESSION_NAMES[compression]) {
    throw new ImageError(`unsupported BMP (${COMPRESSION_NAMES[compression]} compression)`);
  }
  if (![0, 3, 6].includes(compression)) throw new ImageError("corrupt BMP (unknown compression)");
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new ImageError(`unsupported BMP (${bitsPerPixel} bits per pixel)`);
  }
  if (icon) height = height / 2;
  if (width <= 0 || height === 0) throw new ImageError("corrupt BMP (zero size)");

  let at = dib + headerSize;
  let masks: [number, number, number, number] = bitsPerPixel === 16
    ? [0x7c00, 0x03e0, 0x001f, 0]
    : [0xff0000, 0x00ff00, 0x0000ff, icon && bitsPerPixel === 32 ? 0xff000000 : 0];
  if (compression === 3 || compression === 6) {
    const inHeader = headerSize >= 52;
    const from = inHeader ? dib + 40 : at;
    const count = compression === 6 || headerSize >= 56 ? 4 : 3;
    if (from + count * 4 > bytes.length) throw new ImageError("truncated BMP");
    masks = [0, 1, 2, 3].map((i) => i < count ? view.getUint32(from + i * 4, true) : 0) as [
      number,
      number,
      number,
      number,
    ];
    if (!inHeader) at += count * 4;
  }
  const paletteEntrySize = core ? 3 : 4;
  const colorsUsed = core ? 0 : view.getUint32(dib + 32, true);
  const entries = bitsPerPixel <= 8 ? Math.min(colorsUsed || 1 << bitsPerPixel, 256) : 0;
  const palette = bytes.subarray(at, Math.min(bytes.length, at + entries * paletteEntrySize));
  const pixelOffset = icon ? at + entries * paletteEntrySize : view.getUint32(10, true);
  return {
    width,
    height: Math.abs(height),
    topDown: height < 0,
    bitsPerPixel,
    pixelOffset,
    palette,
    paletteEntrySize,
    masks,
    icon,
  };
}

/** Decodes the pixels to RGB; alpha (32-bit with an alpha mask, icons) is composited over white. */
export function decodeBmpPixels(bytes: Uint8Array, header: BmpHeader): RgbImage {
  const { width, height, bitsPerPixel: bpp, pixelOffset } = header;
  const stride = ((width * bpp + 31) >> 5) * 4;
  const lastRowEnd = pixelOffset + stride * (height - 1) + Math.ceil(width * bpp / 8);
  if (lastRowEnd > bytes.length) throw new ImageError("truncated BMP");
  const out = new Uint8Array(width * height * 3);
  const rowStart = (y: number) => pixelOffset + (header.topDown ? y : height - 1 - y) * stride;
  if (bpp <= 8) decodePaletteRows(bytes, header, stride, out);
  else if (bpp === 24) {
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = rowStart(y), o = y * width * 3; x < width; x++, i += 3, o += 3) {
        out[o] = bytes[i + 2];
        out[o + 1] = bytes[i + 1];
        out[o + 2] = bytes[i];
      }
    }
  } else decodeMaskedRows(bytes, header, rowStart, out);
  if (header.icon && bpp < 32) applyAndMask(bytes, header, lastRowEnd, out);
  return { width, height, data: out };
}

function decodePaletteRows(bytes: Uint8Array, h: BmpHeader, stride: number, out: Uint8Array) {
  const { width, height, bitsPerPixel: bpp, palette, paletteEntrySize: size } = h;
  const perByte = 8 / bpp;
  const mask = (1 << bpp) - 1;
  const entries = Math.floor(palette.length / size);
  for (let y = 0; y < height; y++) {
    const row = h.pixelOffset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      const byte = bytes[row + Math.floor(x / perByte)];
      const index = (byte >> (8 - bpp * (1 + (x % perByte)))) & mask;
      if (index >= entries) continue;
      const p = index * size;
      out[o] = palette[p + 2];
      out[o + 1] = palette[p + 1];
      out[o + 2] = palette[p];
    }
  }
}

function decodeMaskedRows(
  bytes: Uint8Array,
  h: BmpHeader,
  rowStart: (y: number) => number,
  out: Uint8Array,
) {
  const { width, height, bitsPerPixel: bpp } = h;
  const fields = h.masks.map(maskField);
  const [red, green, blue, alpha] = fields;
  const pixelBytes = bpp / 8;
  const wide = bpp === 32;
  // A 32-bit BMP whose alpha is zero everywhere was written without alpha: treat it as opaque.
  let useAlpha = alpha.mask !== 0;
  if (useAlpha) {
    useAlpha = false;
    for (let y = 0; y < height && !useAlpha; y++) {
      for (let x = 0, i = rowStart(y); x < width; x++, i += pixelBytes) {
        const v = wide ? bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 | bytes[i + 3] << 24 : 0;
        if ((v & alpha.mask) !== 0) {
          useAlpha = true;
          break;
        }
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = rowStart(y), o = y * width * 3; x < width; x++, i += pixelBytes, o += 3) {
      const v = wide
        ? (bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 | bytes[i + 3] << 24) >>> 0
        : bytes[i] | bytes[i + 1] << 8;
      const a = useAlpha ? extract(v, alpha) : 255;
      out[o] = overWhite(extract(v, red), a);
      out[o + 1] = overWhite(extract(v, green), a);
      out[o + 2] = overWhite(extract(v, blue), a);
    }
  }
}

/** Icon bitmaps below 32 bits mark transparent pixels with 1 bits in a trailing AND mask. */
function applyAndMask(bytes: Uint8Array, h: BmpHeader, maskStart: number, out: Uint8Array) {
  const { width, height } = h;
  const stride = ((width + 31) >> 5) * 4;
  if (maskStart + stride * height > bytes.length) return;
  for (let y = 0; y < height; y++) {
    const row = maskStart + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      if (bytes[row + (x >> 3)] & (0x80 >> (x & 7))) {
        out.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
  }
}

interface MaskField {
  mask: number;
  shift: number;
  max: number;
}

function maskField(mask: number): MaskField {
  if (mask === 0) return { mask: 0, shift: 0, max: 1 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1 && bits < 32 - shift) bits++;
  return { mask, shift, max: 2 ** bits - 1 };
}

function extract(value: number, field: MaskField): number {
  if (field.mask === 0) return 0;
  const raw = ((value & field.mask) >>> 0) >>> field.shift;
  return field.max === 255 ? raw : Math.round(raw * 255 / field.max);
}
