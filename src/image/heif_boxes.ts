/**
 * Reads the ISO base media file boxes of a HEIF-family image (AVIF, HEIC) far enough to know the
 * primary image's size and its rotation/mirror properties, without decoding anything.
 */
import { ImageError } from "./errors.ts";

/** A box: its four-character type and a view of its payload (after the size and type). */
interface Box {
  type: string;
  data: Uint8Array;
}

/** A transform the container asks for, applied in file order after decoding. */
export type HeifTransform =
  /** `irot`: turn anti-clockwise by `quarterTurns` × 90°. */
  | { kind: "rotate"; quarterTurns: number }
  /**
   * `imir` (ISO/IEC 23008-12:2022 calls the bit `mode`): 0 exchanges top and bottom, 1 left and
   * right (libavif and libheif read it so).
   */
  | { kind: "mirror"; mode: number };

/** What the container says about the primary image. */
export interface HeifPrimary {
  /** `ispe`: the image's size before the transforms. */
  width: number;
  height: number;
  transforms: HeifTransform[];
}

const u16 = (b: Uint8Array, at: number) => b[at] << 8 | b[at + 1];
const u32 = (b: Uint8Array, at: number) => (u16(b, at) << 16 | u16(b, at + 2)) >>> 0;

/** Splits `data` into boxes; `truncated` names the format in the error when one overruns. */
function boxesOf(data: Uint8Array, name: string): Box[] {
  const boxes: Box[] = [];
  for (let at = 0; at + 8 <= data.length;) {
    let size = u32(data, at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > data.length) throw new ImageError(`truncated ${name}`);
      if (u32(data, at + 8) !== 0) throw new ImageError(`corrupt ${name} (box over 4 GB)`);
      size = u32(data, at + 12);
      header = 16;
    } else if (size === 0) {
      size = data.length - at;
    }
    if (size < header) throw new ImageError(`corrupt ${name} (bad box size)`);
    if (at + size > data.length) throw new ImageError(`truncated ${name}`);
    const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
    boxes.push({ type, data: data.subarray(at + header, at + size) });
    at += size;
  }
  return boxes;
}

function child(boxes: Box[], type: string, name: string): Box {
  const found = boxes.find((b) => b.type === type);
  if (!found) throw new ImageError(`corrupt ${name} (no ${type} box)`);
  return found;
}

/**
 * The primary image's `ispe` size and its `irot`/`imir` transforms, in the order its property
 * associations list them. `name` ("AVIF", "HEIC") goes into the error messages. Throws
 * {@link ImageError} for a truncated or malformed container.
 *
 * @example
 * readHeifPrimary(bytes, "AVIF"); // { width: 4032, height: 3024, transforms: [{ kind: "rotate", quarterTurns: 3 }] }
 */
export function readHeifPrimary(bytes: Uint8Array, name: string): HeifPrimary {
  const meta = child(boxesOf(bytes, name), "meta", name);
  const inMeta = boxesOf(meta.data.subarray(4), name); // full box: version and flags first
  const pitm = child(inMeta, "pitm", name).data;
  if (pitm.length < 6) throw new ImageError(`truncated ${name}`);
  const primary = pitm[0] === 0 ? u16(pitm, 4) : u32(pitm, 4);
  const iprp = boxesOf(child(inMeta, "iprp", name).data, name);
  const properties = boxesOf(child(iprp, "ipco", name).data, name);
  const indices = iprp.filter((b) => b.type === "ipma").flatMap((b) =>
    associations(b.data, primary, name)
  );
  let size: { width: number; height: number } | null = null;
  const transforms: HeifTransform[] = [];
  for (const index of indices) {
    const property = properties[index - 1];
    if (!property) throw new ImageError(`corrupt ${name} (missing property ${index})`);
    const d = property.data;
    if (property.type === "ispe" && d.length >= 12) {
      size = { width: u32(d, 4), height: u32(d, 8) };
    } else if (property.type === "irot" && d.length >= 1) {
      transforms.push({ kind: "rotate", quarterTurns: d[0] & 3 });
    } else if (property.type === "imir" && d.length >= 1) {
      transforms.push({ kind: "mirror", mode: d[0] & 1 });
    }
  }
  if (!size || size.width === 0 || size.height === 0) {
    throw new ImageError(`corrupt ${name} (no image size)`);
  }
  return { ...size, transforms };
}

/** The 1-based property indices `ipma` associates with `item`. */
function associations(ipma: Uint8Array, item: number, name: string): number[] {
  if (ipma.length < 8) throw new ImageError(`truncated ${name}`);
  const version = ipma[0];
  const wide = (ipma[3] & 1) === 1;
  const count = u32(ipma, 4);
  let at = 8;
  for (let e = 0; e < count; e++) {
    const idSize = version < 1 ? 2 : 4;
    if (at + idSize + 1 > ipma.length) throw new ImageError(`truncated ${name}`);
    const id = idSize === 2 ? u16(ipma, at) : u32(ipma, at);
    const n = ipma[at + idSize];
    at += idSize + 1;
    if (at + n * (wide ? 2 : 1) > ipma.length) throw new ImageError(`truncated ${name}`);
    const found: number[] = [];
    for (let k = 0; k < n; k++) {
      found.push(wide ? u16(ipma, at) & 0x7fff : ipma[at] & 0x7f);
      at += wide ? 2 : 1;
    }
    if (id === item) return found;
  }
  return [];
}

/** The EXIF orientation (as `applyOrientation` takes it) that performs `transform`. */
export function transformOrientation(transform: HeifTransform): number {
  if (transform.kind === "mirror") return transform.mode === 0 ? 4 : 2;
  return [1, 8, 3, 6][transform.quarterTurns];
}
