/** ICO: picks the largest image in the icon directory (a PNG or a headerless BMP). */
import { ImageError } from "./errors.ts";

/**
 * Returns the bytes of the largest image in an ICO file (ties go to the later entry). Throws
 * {@link ImageError} when the directory or the chosen image runs past the end of the file.
 */
export function largestIcoImage(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(4, true);
  if (6 + count * 16 > bytes.length) throw new ImageError("truncated ICO");
  let best = -1;
  let bestArea = -1;
  for (let i = 0; i < count; i++) {
    const entry = 6 + i * 16;
    const area = (bytes[entry] || 256) * (bytes[entry + 1] || 256);
    if (area >= bestArea) {
      best = entry;
      bestArea = area;
    }
  }
  const size = view.getUint32(best + 8, true);
  const offset = view.getUint32(best + 12, true);
  if (offset + size > bytes.length || size < 16) throw new ImageError("truncated ICO");
  return bytes.subarray(offset, offset + size);
}
