/**
 * Reads numeric tags from the first image file directory (IFD0) of a TIFF structure: the layout
 * of TIFF files and of EXIF blocks alike.
 */

/** TIFF tag numbers this stage reads. */
export const TIFF_TAG = {
  imageWidth: 256,
  imageLength: 257,
  compression: 259,
  photometric: 262,
  orientation: 274,
  planarConfiguration: 284,
} as const;

/**
 * Returns the first value of each wanted SHORT or LONG tag in IFD0 of the TIFF structure that
 * starts at `start` (its "II*\0" or "MM\0*" header). Tags that are absent or of another type are
 * left out. Returns null when the header or directory does not fit in `bytes`.
 */
export function readIfd0(
  bytes: Uint8Array,
  start: number,
  wanted: readonly number[],
): Map<number, number> | null {
  if (start < 0 || start + 8 > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = view.getUint16(start);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  if (view.getUint16(start + 2, little) !== 42) return null;
  const ifd = start + view.getUint32(start + 4, little);
  if (ifd + 2 > bytes.length) return null;
  const count = view.getUint16(ifd, little);
  const found = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > bytes.length) return found.size > 0 ? found : null;
    const tag = view.getUint16(entry, little);
    if (!wanted.includes(tag)) continue;
    const type = view.getUint16(entry + 2, little);
    if (type === 3) found.set(tag, view.getUint16(entry + 8, little));
    else if (type === 4) found.set(tag, view.getUint32(entry + 8, little));
  }
  return found;
}
