/**
 * libwebp's decoder (from `@jsquash/webp@1.5.0`, Apache-2.0 wrapper, libwebp BSD-3-Clause) with
 * its WASM embedded. Imported dynamically by `lazy_codecs.ts` when the first WebP arrives, so
 * nobody else loads these bytes.
 */
import webpWasm from "../../../models/jsquash-webp_dec.wasm" with { type: "bytes" };
import webpFactory from "@jsquash/webp/codec/dec/webp_dec.js";
import { KeptCodec } from "./emscripten.ts";

interface WebpModule {
  decode(data: Uint8Array): { width: number; height: number; data: Uint8ClampedArray } | null;
}

/** Kept while its memory is at most 64 MiB (a 12-MP WebP needs ~50 MB of RGBA). */
const codec = new KeptCodec<WebpModule>(
  webpWasm,
  webpFactory as unknown as (options: Record<string, unknown>) => Promise<WebpModule>,
  64 << 20,
);

/** Starts the decoder (compiling its WASM on first use). */
export function readyWebpCodec(): Promise<void> {
  return codec.ready();
}

/** True when {@link readyWebpCodec} has run and the decoder can be used synchronously. */
export function webpCodecReady(): boolean {
  return codec.isReady;
}

/**
 * Decodes a still WebP (lossy, lossless, with or without alpha) to RGBA; null when libwebp
 * refuses the data. The codec must be ready.
 */
export function decodeWebpRgba(
  bytes: Uint8Array,
): { width: number; height: number; data: Uint8Array } | null {
  return codec.use((webp) => {
    const image = webp.decode(bytes);
    if (!image) return null;
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
    return { width: image.width, height: image.height, data };
  });
}
