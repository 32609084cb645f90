/**
 * PNG decoding in TypeScript (inflate by `node:zlib`, built into Deno): every colour type and bit
 * depth of the PNG spec, palette with tRNS, colour-key transparency and Adam7 interlacing.
 */
import { inflateSync } from "node:zlib";
import type { RgbImage } from "../types.ts";
import { overWhite } from "./alpha.ts";
import { ImageError } from "./errors.ts";

/** The IHDR fields. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

/** One chunk: its four-letter type and its data (a view into the file). */
export interface PngChunk {
  type: string;
  data: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Yields the chunks after the signature up to and including IEND. Stops early (without error)
 * when a chunk runs past the end of the file; `decodePngPixels` reports that as truncation.
 */
export function* pngChunks(bytes: Uint8Array): Generator<PngChunk> {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = (bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]) >>>
      0;
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (at + 8 + length > bytes.length) return;
    yield { type, data: bytes.subarray(at + 8, at + 8 + length) };
    if (type === "IEND") return;
    at += 12 + length;
  }
}

/** Reads and validates IHDR. Throws {@link ImageError} when it is missing or invalid. */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 33) throw new ImageError("truncated PNG");
  const first = pngChunks(bytes).next();
  if (first.done || first.value.type !== "IHDR" || first.value.data.length !== 13) {
    throw new ImageError("corrupt PNG (missing IHDR)");
  }
  const d = first.value.data;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const header = {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: d[8],
    colorType: d[9],
    interlaced: d[12] === 1,
  };
  if (header.width === 0 || header.height === 0) throw new ImageError("corrupt PNG (zero size)");
  if (
    !DEPTHS[header.colorType]?.includes(header.bitDepth) || d[10] !== 0 || d[11] !== 0 || d[12] > 1
  ) {
    throw new ImageError(
      `corrupt PNG (colour type ${header.colorType} with bit depth ${header.bitDepth})`,
    );
  }
  return header;
}

/**
 * Decodes the pixels of a PNG whose header has been read (and size-checked) to RGB. Alpha
 * (alpha channel, palette tRNS or colour key) is composited over white; 16-bit samples are
 * rounded to 8 bits; sub-byte greyscale is scaled to 0–255.
 */
export function decodePngPixels(bytes: Uint8Array, header: PngHeader): RgbImage {
  const { width, height, bitDepth, colorType } = header;
  const channels = CHANNELS[colorType];
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (const chunk of pngChunks(bytes)) {
    if (chunk.type === "PLTE") palette = chunk.data;
    else if (chunk.type === "tRNS") transparency = chunk.data;
    else if (chunk.type === "IDAT") idat.push(chunk.data);
  }
  if (idat.length === 0) throw new ImageError("truncated PNG");
  if (colorType === 3 && !palette) throw new ImageError("corrupt PNG (palette missing)");

  const passes = header.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil(pw * channels * bitDepth / 8));
  }
  const raw = inflate(concatBytes(idat), expected);

  const out = new Uint8Array(width * height * 3);
  const converter = new RowConverter(header, palette, transparency);
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  let at = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil(pw * channels * bitDepth / 8);
    for (let y = 0; y < ph; y++) {
      unfilter(raw, at, rowBytes, bpp, y === 0);
      converter.convert(raw, at + 1, pw, out, ((y0 + y * dy) * width + x0) * 3, dx * 3);
      at += rowBytes + 1;
    }
  }
  return { width, height, data: out };
}

/** Joins byte arrays into one (the array itself when there is just one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function inflate(data: Uint8Array, expected: number): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateSync(data, { maxOutputLength: expected + 65536 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "Z_BUF_ERROR") throw new ImageError("truncated PNG");
    if (error instanceof RangeError) throw new ImageError("corrupt PNG (too much pixel data)");
    throw new ImageError("corrupt PNG (bad compressed data)");
  }
  if (raw.length < expected) throw new ImageError("truncated PNG");
  return raw;
}

/** Reverses the PNG row filter in place; `at` is the filter-type byte of the row. */
function unfilter(buf: Uint8Array, at: number, rowBytes: number, bpp: number, first: boolean) {
  const filter = buf[at];
  const row = at + 1;
  const end = row + rowBytes;
  const up = rowBytes + 1; // distance to the same byte in the previous row
  if (filter === 0 || (filter === 2 && first)) return;
  if (filter === 1 || (filter === 4 && first)) {
    // Paeth with no row above always predicts from the left.
    for (let i = row + bpp; i < end; i++) buf[i] += buf[i - bpp];
  } else if (filter === 2) {
    for (let i = row; i < end; i++) buf[i] += buf[i - up];
  } else if (filter === 3) {
    const firstEnd = Math.min(row + bpp, end);
    for (let i = row; i < firstEnd; i++) buf[i] += first ? 0 : buf[i - up] >> 1;
    if (first) { for (let i = firstEnd; i < end; i++) buf[i] += buf[i - bpp] >> 1; }
    else for (let i = firstEnd; i < end; i++) buf[i] += (buf[i - bpp] + buf[i - up]) >> 1;
  } else if (filter === 4) {
    const firstEnd = Math.min(row + bpp, end);
    for (let i = row; i < firstEnd; i++) buf[i] += buf[i - up];
    for (let i = firstEnd; i < end; i++) {
      buf[i] += paeth(buf[i - bpp], buf[i - up], buf[i - up - bpp]);
    }
  } else {
    throw new ImageError(`corrupt PNG (filter type ${filter})`);
  }
}

/**
 * PNG's Paeth predictor of a byte from its left (`a`), upper (`b`) and upper-left (`c`) neighbours.
 *
 * @example
 * paeth(10, 20, 15); // 15
 */
export function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Turns unfiltered rows of any colour type and depth into RGB, alpha over white. */
class RowConverter {
  private readonly samples: Uint16Array;
  private readonly channels: number;
  private readonly scale: number;
  /** Palette as RGB with alpha already composited over white (256 entries). */
  private readonly paletteRgb: Uint8Array | null = null;
  /** Colour key for grey or RGB images (raw sample values), or null. */
  private readonly key: number[] | null = null;

  constructor(
    private readonly header: PngHeader,
    palette: Uint8Array | null,
    transparency: Uint8Array | null,
  ) {
    this.channels = CHANNELS[header.colorType];
    this.samples = new Uint16Array(header.width * this.channels);
    this.scale = header.bitDepth === 16 ? 1 / 257 : 255 / ((1 << header.bitDepth) - 1);
    if (palette) {
      const rgb = new Uint8Array(256 * 3);
      for (let i = 0; i < 256 && i * 3 + 2 < palette.length; i++) {
        const alpha = transparency && i < transparency.length ? transparency[i] : 255;
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = overWhite(palette[i * 3 + c], alpha);
      }
      this.paletteRgb = rgb;
    }
    const keyCount = header.colorType === 0 ? 1 : header.colorType === 2 ? 3 : 0;
    if (transparency && keyCount > 0 && transparency.length >= keyCount * 2) {
      this.key = [];
      for (let c = 0; c < keyCount; c++) {
        this.key.push(transparency[c * 2] << 8 | transparency[c * 2 + 1]);
      }
    }
  }

  /** Converts `width` pixels from `buf[at..]` into `out` from `o`, `step` bytes apart. */
  convert(buf: Uint8Array, at: number, width: number, out: Uint8Array, o: number, step: number) {
    const s = this.unpack(buf, at, width * this.channels);
    const { colorType, bitDepth } = this.header;
    if (colorType === 2 && bitDepth === 8 && !this.key && step === 3) {
      out.set(s, o);
      return;
    }
    const scale = this.scale;
    const key = this.key;
    if (colorType === 3) {
      const pal = this.paletteRgb!;
      for (let x = 0; x < width; x++, o += step) {
        const p = s[x] * 3;
        out[o] = pal[p];
        out[o + 1] = pal[p + 1];
        out[o + 2] = pal[p + 2];
      }
    } else if (colorType === 0) {
      for (let x = 0; x < width; x++, o += step) {
        const v = key && s[x] === key[0] ? 255 : Math.round(s[x] * scale);
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    } else if (colorType === 2) {
      for (let x = 0, i = 0; x < width; x++, i += 3, o += step) {
        const hidden = key !== null && s[i] === key[0] && s[i + 1] === key[1] &&
          s[i + 2] === key[2];
        out[o] = hidden ? 255 : Math.round(s[i] * scale);
        out[o + 1] = hidden ? 255 : Math.round(s[i + 1] * scale);
        out[o + 2] = hidden ? 255 : Math.round(s[i + 2] * scale);
      }
    } else if (colorType === 4) {
      for (let x = 0, i = 0; x < width; x++, i += 2, o += step) {
        const v = overWhite(Math.round(s[i] * scale), Math.round(s[i + 1] * scale));
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    } else {
      for (let x = 0, i = 0; x < width; x++, i += 4, o += step) {
        const alpha = Math.round(s[i + 3] * scale);
        out[o] = overWhite(Math.round(s[i] * scale), alpha);
        out[o + 1] = overWhite(Math.round(s[i + 1] * scale), alpha);
        out[o + 2] = overWhite(Math.round(s[i + 2] * scale), alpha);
      }
    }
  }

  /** Raw sample values of one row: 8-bit rows as they are, others unpacked into `samples`. */
  private unpack(buf: Uint8Array, at: number, count: number): Uint8Array | Uint16Array {
    const s = this.samples;
    const depth = this.header.bitDepth;
    if (depth === 8) return buf.subarray(at, at + count);
    if (depth === 16) {
      for (let i = 0, j = at; i < count; i++, j += 2) s[i] = buf[j] << 8 | buf[j + 1];
    } else {
      const perByte = 8 / depth;
      const mask = (1 << depth) - 1;
      for (let i = 0; i < count; i++) {
        const shift = 8 - depth * (1 + (i % perByte));
        s[i] = (buf[at + Math.floor(i / perByte)] >> shift) & mask;
      }
    }
    return s;
  }
}
