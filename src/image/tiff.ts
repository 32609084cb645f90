/** TIFF: size from IFD0, pixels by imagescript's TIFF WASM (with its stack fixed, see below). */
import tiffWasm from "../../models/imagescript-tiff.wasm" with { type: "bytes" };
import type { RgbImage } from "../types.ts";
import { overWhite } from "./alpha.ts";
import { ImageError } from "./errors.ts";
import { readIfd0, TIFF_TAG } from "./tiff_ifd.ts";
import { copyOut, guardTrap, instantiateWith } from "./wasm.ts";

/** Pages of linear memory below the relocated stack pointer (about 1.1 MiB of stack). */
const STACK_PAGES = 18;

let tiffModule: WebAssembly.Module | null = null;

/** Compressions imagescript's TIFF decoder reads: none, LZW, PackBits. */
const DECODED_COMPRESSIONS = new Set([1, 5, 32773]);

/**
 * Why the decoder cannot read this TIFF, from its IFD0 tags, for the variants known to fail
 * (CMYK, palette, Deflate or JPEG compression, separate colour planes), with what to do about
 * it; null when the tags name none of them.
 *
 * @example
 * unsupportedTiffReason(cmykTiff); // "unsupported TIFF (CMYK): convert it first, e.g. ..."
 */
export function unsupportedTiffReason(bytes: Uint8Array): string | null {
  const tags = readIfd0(bytes, 0, [
    TIFF_TAG.compression,
    TIFF_TAG.photometric,
    TIFF_TAG.planarConfiguration,
  ]);
  if (!tags) return null;
  const compression = tags.get(TIFF_TAG.compression) ?? 1;
  const photometric = tags.get(TIFF_TAG.photometric);
  const variant = photometric === 5
    ? "CMYK"
    : photometric === 3
    ? "palette colour"
    : compression === 8 || compression === 32946
    ? "Deflate compression"
    : compression === 6 || compression === 7
    ? "JPEG compression"
    : !DECODED_COMPRESSIONS.has(compression)
    ? `compression ${compression}`
    : tags.get(TIFF_TAG.planarConfiguration) === 2
    ? "separate colour planes"
    : null;
  return variant &&
    `unsupported TIFF (${variant}): convert it first, e.g. \`magick photo.tif photo.png\``;
}

/** Reads the first image's width and height from IFD0. */
export function readTiffSize(bytes: Uint8Array): { width: number; height: number } {
  const tags = readIfd0(bytes, 0, [TIFF_TAG.imageWidth, TIFF_TAG.imageLength]);
  if (!tags) throw new ImageError("truncated TIFF");
  const width = tags.get(TIFF_TAG.imageWidth);
  const height = tags.get(TIFF_TAG.imageLength);
  if (!width || !height) throw new ImageError("corrupt TIFF (no image size)");
  return { width, height };
}

/**
 * Decodes the first image of a TIFF to RGB (greyscale replicated, alpha over white).
 * Compressions and layouts are whatever imagescript's TIFF decoder handles (none, LZW, PackBits;
 * 8 and 16 bits; strips and tiles); for the variants it cannot read, the error says which (see
 * {@link unsupportedTiffReason}).
 */
export function decodeTiffPixels(bytes: Uint8Array): RgbImage {
  tiffModule ??= new WebAssembly.Module(withStack(tiffWasm, STACK_PAGES));
  const failure = unsupportedTiffReason(bytes) ??
    "cannot decode TIFF (corrupt or unsupported variant)";
  const { width, height, raw } = guardTrap(failure, () => {
    const { wasm, ptr } = instantiateWith(tiffModule!, bytes);
    const image = wasm.decode(ptr, bytes.length);
    if (image === 0) throw new ImageError(failure);
    const buffer = wasm.decode_buffer(image);
    return {
      width: wasm.decode_width(image),
      height: wasm.decode_height(image),
      raw: copyOut(wasm, buffer, wasm.wlen()),
    };
  });
  const pixels = width * height;
  const channels = raw.length / pixels;
  if (![1, 2, 3, 4].includes(channels)) throw new ImageError("unsupported TIFF pixel format");
  const out = new Uint8Array(pixels * 3);
  const hasColor = channels >= 3;
  const hasAlpha = channels === 2 || channels === 4;
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += channels, o += 3) {
    const alpha = hasAlpha ? raw[i + channels - 1] : 255;
    const r = raw[i];
    const g = hasColor ? raw[i + 1] : r;
    const b = hasColor ? raw[i + 2] : r;
    out[o] = overWhite(r, alpha);
    out[o + 1] = overWhite(g, alpha);
    out[o + 2] = overWhite(b, alpha);
  }
  return { width, height, data: out };
}

/**
 * imagescript 1.3.1's tiff.wasm was linked with its stack pointer at address 16 and no stack
 * space (its data starts right there), so every decode traps with "memory access out of bounds".
 * This rewrites the module's memory section (initial size `pages` pages) and the stack-pointer
 * global (top of that memory). The allocator grows memory past the initial size, so the stack
 * region below the new pointer is never handed out.
 */
function withStack(module: Uint8Array, pages: number): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let at = 8;
  const uleb = () => {
    let value = 0;
    for (let shift = 0;; shift += 7) {
      const byte = module[at++];
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value >>> 0;
    }
  };
  while (at < module.length) {
    const id = module[at++];
    const size = uleb();
    let body = module.subarray(at, at + size);
    at += size;
    if (id === 5) body = new Uint8Array([1, 0, ...encodeUleb(pages)]);
    if (id === 6) {
      // body: count, then global 0 = i32 (0x7f), mutable (1), i32.const (0x41) <sleb> end (0x0b)
      let end = 4;
      while (body[end] & 0x80) end++;
      body = new Uint8Array([
        ...body.subarray(0, 4),
        ...encodeSleb(pages * 65536),
        ...body.subarray(end + 1),
      ]);
    }
    parts.push(new Uint8Array([id, ...encodeUleb(body.length)]), body);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function encodeUleb(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    out.push(value ? byte | 0x80 : byte);
  } while (value);
  return out;
}

function encodeSleb(value: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && (byte & 0x40))) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
