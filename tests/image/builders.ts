/**
 * Test-side writers for small images in exact layouts: PNG of every colour type and depth (all
 * five row filters, optional Adam7), BMP, GIF, TIFF, ICO, and JPEG EXIF segments. They are
 * written independently of src/image so tests check the decoders against the file formats.
 */
import { deflateSync } from "node:zlib";

/** CRC-32 as PNG uses it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const be32 = (v: number) => [v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255];
const le16 = (v: number) => [v & 255, v >>> 8 & 255];
const le32 = (v: number) => [v & 255, v >>> 8 & 255, v >>> 16 & 255, v >>> 24 & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

export function pngChunk(type: string, data: ArrayLike<number>): Uint8Array {
  const body = concat(ascii(type), data);
  return concat(be32(data.length), body, be32(crc32(body)));
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Raw sample values, row-major, channels interleaved. */
  samples: number[];
  palette?: [number, number, number][];
  trns?: number[];
  interlaced?: boolean;
  /** Extra chunks placed before IDAT. */
  extra?: Uint8Array[];
  /** Row y of each pass uses filter type (y + filterOffset) % 5 (default 0). */
  filterOffset?: number;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [
  1,
  0,
  2,
  2,
], [0, 1, 1, 2]];

/** Writes a PNG; rows cycle through the five filter types (see `filterOffset`). */
export function writePng(spec: PngSpec): Uint8Array {
  const { width, height, colorType, bitDepth, samples } = spec;
  const channels = CHANNELS[colorType];
  const passes = spec.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const rows: number[][] = [];
    for (let y = y0; y < height; y += dy) {
      const values: number[] = [];
      for (let x = x0; x < width; x += dx) {
        for (let c = 0; c < channels; c++) values.push(samples[(y * width + x) * channels + c]);
      }
      if (values.length > 0) rows.push(packRow(values, bitDepth));
    }
    const bpp = Math.max(1, (channels * bitDepth) >> 3);
    const offset = spec.filterOffset ?? 0;
    rows.forEach((row, y) =>
      raw.push(...filterRow(row, y > 0 ? rows[y - 1] : null, bpp, (y + offset) % 5))
    );
  }
  const ihdr = [
    ...be32(width),
    ...be32(height),
    bitDepth,
    colorType,
    0,
    0,
    spec.interlaced ? 1 : 0,
  ];
  return concat(
    PNG_SIGNATURE,
    pngChunk("IHDR", ihdr),
    ...(spec.extra ?? []),
    ...(spec.palette ? [pngChunk("PLTE", spec.palette.flat())] : []),
    ...(spec.trns ? [pngChunk("tRNS", spec.trns)] : []),
    pngChunk("IDAT", deflateSync(new Uint8Array(raw))),
    pngChunk("IEND", []),
  );
}

function packRow(values: number[], depth: number): number[] {
  if (depth === 8) return values;
  if (depth === 16) return values.flatMap((v) => [v >> 8, v & 255]);
  const out = new Array(Math.ceil(values.length * depth / 8)).fill(0);
  values.forEach((v, i) => {
    out[Math.floor(i * depth / 8)] |= v << (8 - depth - (i * depth) % 8);
  });
  return out;
}

function filterRow(row: number[], prev: number[] | null, bpp: number, type: number): number[] {
  const out = [type];
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prev ? prev[i] : 0;
    const c = prev && i >= bpp ? prev[i - bpp] : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
      ? a
      : Math.abs(p - b) <= Math.abs(p - c)
      ? b
      : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][type];
    out.push((row[i] - predictor) & 255);
  }
  return out;
}

/** A PNG with only a signature and an IHDR declaring `width` x `height` (RGB, 8-bit). */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  return concat(
    PNG_SIGNATURE,
    pngChunk("IHDR", [...be32(width), ...be32(height), 8, 2, 0, 0, 0]),
  );
}

export interface BmpSpec {
  width: number;
  height: number;
  bitsPerPixel: 1 | 8 | 24 | 32;
  /** RGB(A) per pixel, row-major from the top (alpha used for 32-bit bit-field BMPs). */
  pixels: number[][];
  topDown?: boolean;
  palette?: [number, number, number][];
  /** 32-bit only: write a BITMAPV4 header with BGRA bit-field masks. */
  alpha?: boolean;
}

/** Writes a BMP (rows padded to 4 bytes; palette entries as BGRX). */
export function writeBmp(spec: BmpSpec): Uint8Array {
  const { width, height, bitsPerPixel: bpp } = spec;
  const stride = ((width * bpp + 31) >> 5) * 4;
  const pixelData = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const row = (spec.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const p = spec.pixels[y * width + x];
      if (bpp <= 8) {
        const index = spec.palette!.findIndex((c) => c.every((v, i) => v === p[i]));
        const perByte = 8 / bpp;
        pixelData[row + Math.floor(x / perByte)] |= index << (8 - bpp * (1 + (x % perByte)));
      } else {
        const at = row + x * (bpp / 8);
        pixelData[at] = p[2];
        pixelData[at + 1] = p[1];
        pixelData[at + 2] = p[0];
        if (bpp === 32) pixelData[at + 3] = p[3] ?? 0;
      }
    }
  }
  const headerSize = spec.alpha ? 108 : 40;
  const dib = new Uint8Array(headerSize);
  const view = new DataView(dib.buffer);
  view.setUint32(0, headerSize, true);
  view.setInt32(4, width, true);
  view.setInt32(8, spec.topDown ? -height : height, true);
  view.setUint16(12, 1, true);
  view.setUint16(14, bpp, true);
  view.setUint32(16, spec.alpha ? 3 : 0, true);
  view.setUint32(32, spec.palette?.length ?? 0, true);
  if (spec.alpha) {
    view.setUint32(40, 0x00ff0000, true);
    view.setUint32(44, 0x0000ff00, true);
    view.setUint32(48, 0x000000ff, true);
    view.setUint32(52, 0xff000000, true);
  }
  const palette = (spec.palette ?? []).flatMap(([r, g, b]) => [b, g, r, 0]);
  const offset = 14 + headerSize + palette.length;
  return concat(
    ascii("BM"),
    le32(offset + pixelData.length),
    le32(0),
    le32(offset),
    dib,
    palette,
    pixelData,
  );
}

export interface GifSpec {
  width: number;
  height: number;
  /** Up to 128 colours. */
  palette: [number, number, number][];
  frame: { x: number; y: number; width: number; height: number; indices: number[] };
  transparentIndex?: number;
}

/**
 * Writes a one-frame GIF. LZW with 8-bit codes (minimum code size 7) and a clear code every 100
 * pixels, so every code is one literal byte and the code width never grows.
 */
export function writeGif(spec: GifSpec): Uint8Array {
  const table = new Array(128 * 3).fill(0);
  spec.palette.forEach((c, i) => table.splice(i * 3, 3, ...c));
  const codes: number[] = [];
  spec.frame.indices.forEach((index, i) => {
    if (i % 100 === 0) codes.push(128);
    codes.push(index);
  });
  codes.push(129);
  const blocks: number[] = [];
  for (let i = 0; i < codes.length; i += 255) {
    const part = codes.slice(i, i + 255);
    blocks.push(part.length, ...part);
  }
  const control = spec.transparentIndex === undefined
    ? []
    : [0x21, 0xf9, 4, 1, 0, 0, spec.transparentIndex, 0];
  const f = spec.frame;
  return concat(
    ascii("GIF89a"),
    le16(spec.width),
    le16(spec.height),
    [0xf6, 0, 0], // global table of 128 entries
    table,
    control,
    [0x2c, ...le16(f.x), ...le16(f.y), ...le16(f.width), ...le16(f.height), 0],
    [7],
    blocks,
    [0, 0x3b],
  );
}

export interface TiffSpec {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB), 8 bits each, uncompressed, one strip. */
  samplesPerPixel: 1 | 3;
  samples: number[];
  orientation?: number;
  bigEndian?: boolean;
}

/** Writes a baseline uncompressed TIFF. */
export function writeTiff(spec: TiffSpec): Uint8Array {
  const little = !spec.bigEndian;
  const spp = spec.samplesPerPixel;
  const entries: [number, number, number, number][] = [
    [256, 3, 1, spec.width],
    [257, 3, 1, spec.height],
    [258, 3, spp, 8],
    [259, 3, 1, 1],
    [262, 3, 1, spp === 3 ? 2 : 1],
    [273, 4, 1, 0],
    [274, 3, 1, spec.orientation ?? 1],
    [277, 3, 1, spp],
    [278, 3, 1, spec.height],
    [279, 4, 1, spec.samples.length],
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const bitsAt = 8 + ifdSize;
  const dataAt = bitsAt + 6;
  const out = new Uint8Array(dataAt + spec.samples.length);
  const view = new DataView(out.buffer);
  out.set(little ? [0x49, 0x49, 42, 0] : [0x4d, 0x4d, 0, 42]);
  view.setUint32(4, 8, little);
  view.setUint16(8, entries.length, little);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, little);
    view.setUint16(at + 2, type, little);
    view.setUint32(at + 4, count, little);
    if (tag === 258 && count === 3) view.setUint32(at + 8, bitsAt, little);
    else if (tag === 273) view.setUint32(at + 8, dataAt, little);
    else if (type === 3) view.setUint16(at + 8, value, little);
    else view.setUint32(at + 8, value, little);
  });
  for (let i = 0; i < 3; i++) view.setUint16(bitsAt + i * 2, 8, little);
  out.set(spec.samples, dataAt);
  return out;
}

/** Wraps one image (PNG bytes or a headerless BMP) in an ICO directory. */
export function writeIco(image: Uint8Array, width: number, height: number): Uint8Array {
  return concat(
    [0, 0, 1, 0, 1, 0],
    [width & 255, height & 255, 0, 0, 1, 0, 32, 0],
    le32(image.length),
    le32(22),
    image,
  );
}

/**
 * A TIFF structure holding IFD0 with one SHORT orientation tag (0x0112), in either byte order,
 * as found inside EXIF blocks.
 */
export function exifTiff(orientation: number, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(26);
  const view = new DataView(out.buffer);
  const little = !bigEndian;
  out.set(little ? [0x49, 0x49, 42, 0] : [0x4d, 0x4d, 0, 42]);
  view.setUint32(4, 8, little);
  view.setUint16(8, 1, little);
  view.setUint16(10, 0x0112, little);
  view.setUint16(12, 3, little);
  view.setUint32(14, 1, little);
  view.setUint16(18, orientation, little);
  view.setUint32(22, 0, little);
  return out;
}

/** `jpeg` with an APP1 segment holding `payload` inserted right after SOI. */
export function withApp1(jpeg: Uint8Array, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  return concat(
    jpeg.subarray(0, 2),
    [0xff, 0xe1, length >> 8, length & 255],
    payload,
    jpeg.subarray(2),
  );
}

/** APP1 payload: "Exif\0\0" followed by `tiff`. */
export function exifPayload(tiff: Uint8Array): Uint8Array {
  return concat(ascii("Exif"), [0, 0], tiff);
}
