/** GIF: screen and first-frame geometry read in TypeScript, LZW decoding by imagescript WASM. */
import gifWasm from "../../models/imagescript-gif.wasm" with { type: "bytes" };
import type { RgbImage } from "../types.ts";
import { ImageError } from "./errors.ts";
import { copyOut, guardTrap, instantiateWith } from "./wasm.ts";

/** The logical screen size and where the first frame sits on it. */
export interface GifHeader {
  width: number;
  height: number;
  frame: { x: number; y: number; width: number; height: number };
}

let gifModule: WebAssembly.Module | null = null;

/**
 * Reads the logical screen and the first image descriptor, skipping extension blocks. Throws
 * {@link ImageError} when the file ends first or has no frame.
 */
export function readGifHeader(bytes: Uint8Array): GifHeader {
  if (bytes.length < 13) throw new ImageError("truncated GIF");
  const u16 = (at: number) => bytes[at] | bytes[at + 1] << 8;
  let at = 13 + colorTableSize(bytes[10]);
  while (at < bytes.length) {
    const block = bytes[at];
    if (block === 0x2c) {
      if (at + 10 > bytes.length) break;
      const frame = { x: u16(at + 1), y: u16(at + 3), width: u16(at + 5), height: u16(at + 7) };
      if (u16(6) === 0 || u16(8) === 0) throw new ImageError("corrupt GIF (zero size)");
      return { width: u16(6), height: u16(8), frame };
    }
    if (block === 0x3b) throw new ImageError("corrupt GIF (no frames)");
    if (block !== 0x21) throw new ImageError("corrupt GIF (bad block)");
    at += 2;
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
    at++;
  }
  throw new ImageError("truncated GIF");
}

/**
 * Decodes the first frame, placed on the logical screen. Transparent pixels and screen area the
 * frame does not cover are white.
 */
export function decodeGifPixels(bytes: Uint8Array, header: GifHeader): RgbImage {
  gifModule ??= new WebAssembly.Module(gifWasm);
  const frame = guardTrap("corrupt GIF", () => {
    const imports = { env: { push_to_stream() {} } };
    const { wasm, ptr } = instantiateWith(gifModule!, bytes, imports);
    const decoder = wasm.decoder_new(ptr, bytes.length, 0);
    if (decoder === 0) throw new ImageError("corrupt GIF");
    const handle = wasm.decoder_frame(decoder);
    if (handle === 0) throw new ImageError(isComplete(bytes) ? "corrupt GIF" : "truncated GIF");
    if (handle === 1) throw new ImageError("corrupt GIF (no frames)");
    const width = wasm.decoder_frame_width(handle);
    const height = wasm.decoder_frame_height(handle);
    const buffer = wasm.decoder_frame_buffer(handle);
    return {
      x: wasm.decoder_frame_x(handle),
      y: wasm.decoder_frame_y(handle),
      width,
      height,
      rgba: copyOut(wasm, buffer, width * height * 4),
    };
  });
  const { width, height } = header;
  const out = new Uint8Array(width * height * 3).fill(255);
  const x1 = Math.min(width, frame.x + frame.width);
  const y1 = Math.min(height, frame.y + frame.height);
  for (let y = frame.y; y < y1; y++) {
    let i = ((y - frame.y) * frame.width) * 4;
    let o = (y * width + frame.x) * 3;
    for (let x = frame.x; x < x1; x++, i += 4, o += 3) {
      if (frame.rgba[i + 3] === 0) continue;
      out[o] = frame.rgba[i];
      out[o + 1] = frame.rgba[i + 1];
      out[o + 2] = frame.rgba[i + 2];
    }
  }
  return { width, height, data: out };
}

function colorTableSize(flags: number): number {
  return flags & 0x80 ? 3 * (2 << (flags & 7)) : 0;
}

/** A complete GIF ends with the trailer byte (0x3B). */
function isComplete(bytes: Uint8Array): boolean {
  return bytes[bytes.length - 1] === 0x3b;
}
