/**
 * The decoders that are large (WebP 0.1 MB, AVIF 1.2 MB of WASM) live in modules imported only
 * when a file of their format arrives: a run over JPEGs never compiles or even loads them.
 */
import type { ImageFormat } from "./format.ts";

/** Decodes one still image to RGBA, or null when the codec refuses the data. */
export type RgbaDecoder = (
  bytes: Uint8Array,
) => { width: number; height: number; data: Uint8Array } | null;

/** Formats whose decoder is loaded on demand. */
export type LazyFormat = "webp" | "avif";

interface LazyCodec {
  ready: () => Promise<void>;
  isReady: () => boolean;
  decode: RgbaDecoder;
}

const loaded = new Map<LazyFormat, LazyCodec>();

async function importCodec(format: LazyFormat): Promise<LazyCodec> {
  if (format === "webp") {
    const m = await import("./codecs/webp_codec.ts");
    return { ready: m.readyWebpCodec, isReady: m.webpCodecReady, decode: m.decodeWebpRgba };
  }
  const m = await import("./codecs/avif_codec.ts");
  return { ready: m.readyAvifCodec, isReady: m.avifCodecReady, decode: m.decodeAvifRgba };
}

/** True for the formats whose decoder {@link loadCodec} loads. */
export function isLazyFormat(format: ImageFormat | null): format is LazyFormat {
  return format === "webp" || format === "avif";
}

/**
 * Imports and starts the decoder of `format` (again, after a failure dropped it). Resolves at
 * once when it is already running.
 *
 * @example
 * await loadCodec("webp"); // then decodeImage() decodes WebP synchronously
 */
export async function loadCodec(format: LazyFormat): Promise<void> {
  let codec = loaded.get(format);
  if (!codec) {
    codec = await importCodec(format);
    loaded.set(format, codec);
  }
  if (!codec.isReady()) await codec.ready();
}

/**
 * The synchronous decoder of `format`, or null when {@link loadCodec} has not started it (or a
 * failure or a large image dropped it since).
 */
export function loadedDecoder(format: LazyFormat): RgbaDecoder | null {
  const codec = loaded.get(format);
  return codec?.isReady() ? codec.decode : null;
}
