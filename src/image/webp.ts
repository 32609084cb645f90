/**
 * WebP: the RIFF container read in TypeScript (canvas size, animation, EXIF), pixels by libwebp
 * (loaded on demand, see lazy_codecs.ts). Animated files give their first frame.
 */
import type { RgbImage } from "../types.ts";
import { overWhite } from "./alpha.ts";
import { ImageError } from "./errors.ts";
import type { RgbaDecoder } from "./lazy_codecs.ts";

/** One RIFF chunk: its four-character type and a view of its payload. */
interface Chunk {
  type: string;
  data: Uint8Array;
}

/** What a WebP's chunks say before any pixel is decoded. */
export interface WebpHeader {
  /** Canvas size (the whole image; an animation's first frame may cover only part of it). */
  width: number;
  height: number;
  /** The still image to hand to libwebp: the file itself, or its first frame rebuilt as one. */
  still: Uint8Array;
  /** Where `still` goes on the canvas, and its size. */
  frame: { x: number; y: number; width: number; height: number };
  /** The EXIF chunk's TIFF structure, or null. */
  exif: Uint8Array | null;
}

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));
const u24 = (b: Uint8Array, at: number) => b[at] | b[at + 1] << 8 | b[at + 2] << 16;
const u32 = (b: Uint8Array, at: number) => (u24(b, at) | b[at + 3] << 24) >>> 0;

/** Splits `bytes[start, end)` into RIFF chunks; throws `truncated WebP` when one overruns. */
function chunksOf(bytes: Uint8Array, start: number, end: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = start; at + 8 <= end;) {
    const size = u32(bytes, at + 4);
    if (at + 8 + size > end) throw new ImageError("truncated WebP");
    chunks.push({ type: ascii(bytes, at, 4), data: bytes.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size & 1);
  }
  return chunks;
}

/** The size a VP8 (lossy) or VP8L (lossless) bitstream declares. */
function bitstreamSize(chunk: Chunk): { width: number; height: number } {
  const d = chunk.data;
  if (chunk.type === "VP8 ") {
    if (d.length < 10) throw new ImageError("truncated WebP");
    if (d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a) {
      throw new ImageError("corrupt WebP (bad VP8 start code)");
    }
    return { width: (d[6] | d[7] << 8) & 0x3fff, height: (d[8] | d[9] << 8) & 0x3fff };
  }
  if (d.length < 5) throw new ImageError("truncated WebP");
  if (d[0] !== 0x2f) throw new ImageError("corrupt WebP (bad VP8L signature)");
  const bits = u32(d, 1);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/**
 * Throws unless the bitstream's own size is the one the container declared: the pixel limit was
 * checked against the container, and libwebp would allocate what the bitstream says.
 */
function sameSize(
  stream: { width: number; height: number },
  declared: { width: number; height: number },
): void {
  if (stream.width !== declared.width || stream.height !== declared.height) {
    throw new ImageError(
      `corrupt WebP (image is ${stream.width}x${stream.height}, header says ${declared.width}x${declared.height})`,
    );
  }
}

function riffChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  for (let i = 0; i < 4; i++) out[i] = type.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

/** A standalone WebP file made of `chunks` (with a VP8X header when there is an ALPH chunk). */
function stillWebp(chunks: Chunk[], width: number, height: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (chunks.some((c) => c.type === "ALPH")) {
    const vp8x = new Uint8Array(10);
    vp8x[0] = 0x10; // alpha
    vp8x.set([(width - 1) & 255, (width - 1) >> 8 & 255, (width - 1) >> 16], 4);
    vp8x.set([(height - 1) & 255, (height - 1) >> 8 & 255, (height - 1) >> 16], 7);
    parts.push(riffChunk("VP8X", vp8x));
  }
  for (const c of chunks) parts.push(riffChunk(c.type, c.data));
  const body = parts.reduce((n, p) => n + p.length, 4);
  const out = new Uint8Array(8 + body);
  out.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(out.buffer).setUint32(4, body, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Reads a WebP's chunks: canvas size, EXIF and the still image to decode (for an animation,
 * its first frame rebuilt as a file of its own). Throws {@link ImageError} for a truncated or
 * malformed container.
 */
export function readWebpHeader(bytes: Uint8Array): WebpHeader {
  if (bytes.length < 20) throw new ImageError("truncated WebP");
  const end = Math.min(bytes.length, 8 + u32(bytes, 4));
  const chunks = chunksOf(bytes, 12, end);
  const first = chunks[0];
  if (!first) throw new ImageError("truncated WebP");
  if (first.type === "VP8 " || first.type === "VP8L") {
    const size = bitstreamSize(first);
    return { ...size, still: bytes, frame: { x: 0, y: 0, ...size }, exif: null };
  }
  if (first.type !== "VP8X" || first.data.length < 10) {
    throw new ImageError(`corrupt WebP (unexpected first chunk "${first.type}")`);
  }
  const width = u24(first.data, 4) + 1;
  const height = u24(first.data, 7) + 1;
  const exifChunk = chunks.find((c) => c.type === "EXIF")?.data ?? null;
  const exif = exifChunk && ascii(exifChunk, 0, 6) === "Exif\0\0"
    ? exifChunk.subarray(6)
    : exifChunk;
  const frame = chunks.find((c) => c.type === "ANMF");
  if (!frame) {
    const image = chunks.find((c) => c.type === "VP8 " || c.type === "VP8L");
    if (!image) throw new ImageError("corrupt WebP (no image data)");
    sameSize(bitstreamSize(image), { width, height });
    return { width, height, still: bytes, frame: { x: 0, y: 0, width, height }, exif };
  }
  if (frame.data.length < 16) throw new ImageError("truncated WebP");
  const d = frame.data;
  const box = {
    x: u24(d, 0) * 2,
    y: u24(d, 3) * 2,
    width: u24(d, 6) + 1,
    height: u24(d, 9) + 1,
  };
  if (box.x + box.width > width || box.y + box.height > height) {
    throw new ImageError("corrupt WebP (first frame outside the canvas)");
  }
  const parts = chunksOf(d, 16, d.length).filter((c) =>
    c.type === "ALPH" || c.type === "VP8 " || c.type === "VP8L"
  );
  const image = parts.find((c) => c.type !== "ALPH");
  if (!image) throw new ImageError("corrupt WebP (first frame has no image data)");
  sameSize(bitstreamSize(image), box);
  return { width, height, still: stillWebp(parts, box.width, box.height), frame: box, exif };
}

/**
 * Decodes the image (or first frame) `header` describes with libwebp's `decode` and composites
 * it over a white canvas: transparency becomes white, like every other format here.
 */
export function decodeWebpPixels(header: WebpHeader, decode: RgbaDecoder): RgbImage {
  const rgba = decode(header.still);
  if (!rgba) throw new ImageError("corrupt WebP");
  const { frame, width, height } = header;
  sameSize(rgba, frame);
  const data = new Uint8Array(width * height * 3).fill(255);
  for (let y = 0; y < frame.height; y++) {
    let i = y * frame.width * 4;
    let o = ((frame.y + y) * width + frame.x) * 3;
    for (let x = 0; x < frame.width; x++, i += 4, o += 3) {
      const alpha = rgba.data[i + 3];
      data[o] = overWhite(rgba.data[i], alpha);
      data[o + 1] = overWhite(rgba.data[i + 1], alpha);
      data[o + 2] = overWhite(rgba.data[i + 2], alpha);
    }
  }
  return { width, height, data };
}
