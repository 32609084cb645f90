/**
 * libavif's decoder with libaom (from `@jsquash/avif@2.1.1`, Apache-2.0 wrapper; libavif and
 * libaom BSD-2-Clause) with its WASM embedded. Imported dynamically by `lazy_codecs.ts` when the
 * first AVIF arrives, so nobody else loads these bytes.
 */
import avifWasm from "../../../models/jsquash-avif_dec.wasm" with { type: "bytes" };
import avifFactory from "@jsquash/avif/codec/dec/avif_dec.js";
import { KeptCodec } from "./emscripten.ts";

interface AvifModule {
  decode(
    data: Uint8Array,
    bitDepth: 8,
  ): { width: number; height: number; data: Uint8ClampedArray } | null;
}

/** Kept while its memory is at most 96 MiB (AV1 keeps reference frames besides the RGBA). */
const codec = new KeptCodec<AvifModule>(
  avifWasm,
  avifFactory as unknown as (options: Record<string, unknown>) => Promise<AvifModule>,
  96 << 20,
);

/** Starts the decoder (compiling its WASM on first use). */
export function readyAvifCodec(): Promise<void> {
  return codec.ready();
}

/** True when {@link readyAvifCodec} has run and the decoder can be used synchronously. */
export function avifCodecReady(): boolean {
  return codec.isReady;
}

/**
 * Decodes an AVIF's primary image (8, 10 or 12 bits, any chroma subsampling, alpha) to 8-bit
 * RGBA; null when libavif refuses the data. The codec must be ready. Rotation and mirroring
 * properties are NOT applied here.
 */
export function decodeAvifRgba(
  bytes: Uint8Array,
): { width: number; height: number; data: Uint8Array } | null {
  return codec.use((avif) => {
    const image = avif.decode(bytes, 8);
    if (!image) return null;
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
    return { width: image.width, height: image.height, data };
  });
}
