/**
 * Image bytes to an RGB image (provisional: JPEG only; being extended with PNG, GIF, TIFF, BMP,
 * EXIF orientation and pixel limits).
 */
import jpegWasm from "../../models/imagescript-jpeg.wasm" with { type: "bytes" };
import type { RgbImage } from "../types.ts";

let jpegModule: WebAssembly.Module | null = null;

/** Decodes a baseline or progressive JPEG to RGB. */
export function decodeJpeg(bytes: Uint8Array): RgbImage {
  jpegModule ??= new WebAssembly.Module(jpegWasm);
  const wasm = new WebAssembly.Instance(jpegModule).exports as Record<string, CallableFunction> & {
    memory: WebAssembly.Memory;
  };
  const inPtr = wasm.walloc(bytes.length) as number;
  new Uint8Array(wasm.memory.buffer, inPtr, bytes.length).set(bytes);
  const ptr = wasm.decode(inPtr, bytes.length, 0, 0) as number;
  if (ptr === 0) throw new Error("jpeg: failed to decode");
  const width = wasm.decode_width(ptr) as number;
  const height = wasm.decode_height(ptr) as number;
  const format = wasm.decode_format(ptr) as number;
  const raw = new Uint8Array(
    wasm.memory.buffer,
    wasm.decode_buffer(ptr) as number,
    wasm.wlen() as number,
  ).slice();
  wasm.decode_free(ptr);
  if (format !== 1) throw new Error(`jpeg: unsupported pixel format ${format}`);
  return { width, height, data: raw.subarray(0, width * height * 3) };
}
