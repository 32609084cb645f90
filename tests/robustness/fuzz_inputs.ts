/**
 * Fuzz inputs, reproducible from (seed, index): a corpus of small valid images in every decodable
 * format (generated, plus a face photo for the detector), and mutations of them — bit flips, byte
 * runs, truncation, insertions, and format-aware edits of header fields (width, height, bit depth,
 * colour type, chunk and segment lengths, SOF dimensions, sampling factors, LZW code size, BMP
 * layout, TIFF tags, WebP canvas/frame sizes, AVIF boxes) and of chunk/segment/box order
 * (duplicated, removed, swapped).
 */
import { encodePng } from "../../src/image/encode_png.ts";
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import type { RgbImage } from "../../src/types.ts";
import {
  concat,
  exifPayload,
  exifTiff,
  withApp1,
  writeBmp,
  writeGif,
  writeIco,
  writePng,
  writeTiff,
} from "../image/builders.ts";
import { writeJpeg, ycbcrPlanes } from "./jpeg_writer.ts";
import { cropImage } from "./helpers.ts";

/** A valid image the mutations start from. */
export interface Seed {
  name: string;
  format: "jpeg" | "png" | "gif" | "bmp" | "tiff" | "ico" | "webp" | "avif";
  bytes: Uint8Array;
  /** A photo with faces, used for the full detect path. */
  faces: boolean;
}

/** One fuzz input: the bytes, the seed they came from and the mutations applied, in order. */
export interface FuzzInput {
  seed: Seed;
  bytes: Uint8Array;
  steps: string[];
}

/** A uniform PRNG (mulberry32) returning numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 seeded with `seed` (a 32-bit integer).
 *
 * @example
 * const next = createRandom(42); next(); // 0.6011037519201636
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG for input `index` of run `seed`: independent of every other index. */
export function inputRandom(seed: number, index: number): Random {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return createRandom(h ^ (h >>> 16));
}

const int = (rng: Random, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Random, items: readonly T[]): T => items[int(rng, items.length)];

function channel(image: RgbImage, c: number): Uint8Array {
  return Uint8Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 3 + c]);
}

/**
 * The seed corpus, built from `sampleJpeg` (tests/fixtures/npm/sample1.jpg: three faces): a
 * 320×213 face photo as JPEG and PNG, and small crops in JPEG (baseline 4:2:0 with EXIF,
 * progressive, 4:4:4 with restart markers, greyscale, Adobe CMYK), PNG (RGB, grey 1/16-bit,
 * palette with tRNS, RGBA 16-bit interlaced, grey+alpha), GIF, BMP (1, 8, 24, 32-bit), TIFF and
 * ICO. Deterministic: the same sample gives the same bytes.
 */
export function buildSeeds(sampleJpeg: Uint8Array): Seed[] {
  const photo = decodeImage(sampleJpeg);
  const scene = resizeBilinear(photo, 320, 213);
  const face = resizeBilinear(cropImage(photo, 400, 330, 220, 290), 44, 58);
  const { width: w, height: h } = face;
  const grey = channel(face, 1);
  const n = w * h;
  const seeds: Seed[] = [];
  const add = (name: string, format: Seed["format"], bytes: Uint8Array, faces = false) =>
    seeds.push({ name, format, bytes, faces });

  add(
    "scene.jpg",
    "jpeg",
    writeJpeg({
      width: 320,
      height: 213,
      planes: ycbcrPlanes(scene),
      sampling: [[2, 2], [1, 1], [1, 1]],
      quality: 85,
    }),
    true,
  );
  add("scene.png", "png", encodePng(scene), true);
  const yuv = ycbcrPlanes(face);
  add(
    "face-420-exif.jpg",
    "jpeg",
    withApp1(
      writeJpeg({ width: w, height: h, planes: yuv, sampling: [[2, 2], [1, 1], [1, 1]] }),
      exifPayload(exifTiff(6, false)),
    ),
  );
  add(
    "face-progressive.jpg",
    "jpeg",
    writeJpeg({
      width: w,
      height: h,
      planes: yuv,
      sampling: [[2, 1], [1, 1], [1, 1]],
      progressive: true,
    }),
  );
  add(
    "face-444-restart.jpg",
    "jpeg",
    writeJpeg({ width: w, height: h, planes: yuv, restartInterval: 2 }),
  );
  add(
    "face-grey.jpg",
    "jpeg",
    writeJpeg({ width: w, height: h, planes: [grey], progressive: false }),
  );
  add(
    "face-cmyk.jpg",
    "jpeg",
    writeJpeg({
      width: w,
      height: h,
      planes: [0, 1, 2].map((c) => channel(face, c)).concat([new Uint8Array(n).fill(230)]),
      adobeTransform: 0,
    }),
  );

  add("face-rgb.png", "png", encodePng(face));
  add(
    "face-grey1.png",
    "png",
    writePng({
      width: w,
      height: h,
      colorType: 0,
      bitDepth: 1,
      samples: [...grey].map((v) => v >> 7),
    }),
  );
  add(
    "face-grey16.png",
    "png",
    writePng({
      width: w,
      height: h,
      colorType: 0,
      bitDepth: 16,
      samples: [...grey].map((v) => v * 257),
      filterOffset: 1,
    }),
  );
  const palette: [number, number, number][] = Array.from(
    { length: 16 },
    (_, i) => [i * 17, 255 - i * 17, (i * 53) & 255],
  );
  add(
    "face-palette4.png",
    "png",
    writePng({
      width: w,
      height: h,
      colorType: 3,
      bitDepth: 4,
      samples: [...grey].map((v) => v >> 4),
      palette,
      trns: [0, 128, 255],
      filterOffset: 2,
    }),
  );
  add(
    "face-rgba16-adam7.png",
    "png",
    writePng({
      width: w,
      height: h,
      colorType: 6,
      bitDepth: 16,
      samples: [...face.data].flatMap((v, i) => i % 3 === 2 ? [v * 257, 40000] : [v * 257]),
      interlaced: true,
      filterOffset: 3,
    }),
  );
  add(
    "face-greyalpha.png",
    "png",
    writePng({
      width: w,
      height: h,
      colorType: 4,
      bitDepth: 8,
      samples: [...grey].flatMap((v, i) => [v, i & 255]),
      filterOffset: 4,
    }),
  );

  const gifPalette: [number, number, number][] = Array.from(
    { length: 128 },
    (_, i) => [i * 2, i * 2, 255 - i * 2],
  );
  add(
    "face.gif",
    "gif",
    writeGif({
      width: w + 4,
      height: h + 2,
      palette: gifPalette,
      transparentIndex: 5,
      frame: {
        x: 2,
        y: 1,
        width: w,
        height: h,
        indices: [...grey].map((v) => v >> 1),
      },
    }),
  );

  const pixels = Array.from(
    { length: n },
    (_, i) => [...face.data.subarray(i * 3, i * 3 + 3), i & 255],
  );
  const bw: [number, number, number][] = [[0, 0, 0], [255, 255, 255]];
  add(
    "face-1bit.bmp",
    "bmp",
    writeBmp({
      width: w,
      height: h,
      bitsPerPixel: 1,
      palette: bw,
      pixels: [...grey].map((v) => bw[v >> 7]),
    }),
  );
  const greys: [number, number, number][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);
  add(
    "face-8bit.bmp",
    "bmp",
    writeBmp({
      width: w,
      height: h,
      bitsPerPixel: 8,
      palette: greys,
      pixels: [...grey].map((v) => greys[v]),
      topDown: true,
    }),
  );
  add("face-24bit.bmp", "bmp", writeBmp({ width: w, height: h, bitsPerPixel: 24, pixels }));
  add(
    "face-32bit-alpha.bmp",
    "bmp",
    writeBmp({ width: w, height: h, bitsPerPixel: 32, pixels, alpha: true }),
  );

  add(
    "face.tiff",
    "tiff",
    writeTiff({ width: w, height: h, samplesPerPixel: 3, samples: [...face.data] }),
  );
  add(
    "face-grey-be.tiff",
    "tiff",
    writeTiff({
      width: w,
      height: h,
      samplesPerPixel: 1,
      samples: [...grey],
      bigEndian: true,
      orientation: 3,
    }),
  );
  add("face.ico", "ico", writeIco(encodePng(resizeBilinear(face, 32, 32)), 32, 32));
  return seeds;
}

/** The WebP and AVIF seeds: files in tests/fixtures/formats (see its README for how they were made). */
export const FORMAT_FIXTURE_SEEDS: readonly [string, "webp" | "avif", boolean][] = [
  ["portrait.webp", "webp", true],
  ["face.webp", "webp", false],
  ["lossless.webp", "webp", false],
  ["alpha.webp", "webp", false],
  ["animated.webp", "webp", false],
  ["portrait_10bit.avif", "avif", true],
  ["face_10bit.avif", "avif", false],
  ["face_12bit_irot3_imir0.avif", "avif", false],
  ["alpha.avif", "avif", false],
];

/**
 * The WebP and AVIF seeds read with `read(name)` from tests/fixtures/formats (there is no WebP or
 * AVIF encoder in this repository to generate them). The portraits are the face photos.
 */
export function fixtureSeeds(read: (name: string) => Uint8Array): Seed[] {
  return FORMAT_FIXTURE_SEEDS.map(([name, format, faces]) => ({
    name,
    format,
    bytes: read(name),
    faces,
  }));
}

/** Values that break parsers: zero, one, sign and width boundaries, sizes near the pixel limit. */
// deno-fmt-ignore
const INTERESTING = [
  0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 512, 1024, 4096, 7071, 7072,
  32767, 32768, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
];

function interesting(rng: Random): number {
  return rng() < 0.8 ? pick(rng, INTERESTING) : int(rng, 0x100000000);
}

function setUint(bytes: Uint8Array, at: number, size: 1 | 2 | 4, value: number, little: boolean) {
  for (let i = 0; i < size && at + i < bytes.length; i++) {
    const shift = 8 * (little ? i : size - 1 - i);
    bytes[at + i] = Math.floor(value / 2 ** shift) & 255;
  }
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number> = []) {
  return concat(bytes.subarray(0, at), insert, bytes.subarray(Math.min(bytes.length, at + remove)));
}

/** A mutation: returns the new bytes and a short description. */
type Mutation = (bytes: Uint8Array, rng: Random) => [Uint8Array, string];

const GENERIC: Mutation[] = [
  (b, rng) => {
    const flips = 1 + int(rng, 8);
    const out = b.slice();
    const at: number[] = [];
    for (let i = 0; i < flips; i++) {
      const bit = int(rng, out.length * 8);
      out[bit >> 3] ^= 1 << (bit & 7);
      at.push(bit);
    }
    return [out, `flip bits ${at.join(",")}`];
  },
  (b, rng) => {
    const out = b.slice();
    const at = int(rng, out.length), len = 1 + int(rng, 32);
    const kind = pick(rng, ["zero", "ff", "random"] as const);
    for (let i = at; i < Math.min(out.length, at + len); i++) {
      out[i] = kind === "zero" ? 0 : kind === "ff" ? 255 : int(rng, 256);
    }
    return [out, `overwrite ${len} bytes at ${at} with ${kind}`];
  },
  (b, rng) => {
    const at = rng() < 0.5 ? int(rng, b.length) : b.length - 1 - int(rng, Math.min(b.length, 64));
    return [b.subarray(0, at).slice(), `truncate to ${at}`];
  },
  (b, rng) => {
    const at = int(rng, b.length + 1), len = 1 + int(rng, 64);
    return [
      splice(b, at, 0, Array.from({ length: len }, () => int(rng, 256))),
      `insert ${len} random bytes at ${at}`,
    ];
  },
  (b, rng) => {
    const at = int(rng, b.length), len = 1 + int(rng, 64);
    return [splice(b, at, len), `delete ${len} bytes at ${at}`];
  },
  (b, rng) => {
    const from = int(rng, b.length), len = 1 + int(rng, 256), to = int(rng, b.length + 1);
    return [
      splice(b, to, 0, b.subarray(from, from + len)),
      `copy ${len} bytes from ${from} to ${to}`,
    ];
  },
  (b, rng) => {
    const out = b.slice();
    const at = int(rng, out.length), size = pick(rng, [1, 2, 4] as const), little = rng() < 0.5;
    const value = interesting(rng);
    setUint(out, at, size, value, little);
    return [out, `set u${size * 8}${little ? "le" : "be"} at ${at} to ${value}`];
  },
];

interface Part {
  at: number;
  end: number;
  name: string;
  /** Where its length field is, its size and byte order (default: PNG's or JPEG's). */
  length?: { at: number; size: 4; little: boolean };
}

function pngParts(b: Uint8Array): Part[] {
  const parts: Part[] = [];
  for (let at = 8; at + 12 <= b.length;) {
    const length = (b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]) >>> 0;
    const end = Math.min(b.length, at + 12 + length);
    parts.push({ at, end, name: String.fromCharCode(...b.subarray(at + 4, at + 8)) });
    at = end;
  }
  return parts;
}

function jpegParts(b: Uint8Array): Part[] {
  const parts: Part[] = [];
  for (let at = 2; at + 4 <= b.length && b[at] === 0xff;) {
    const end = Math.min(b.length, at + 2 + (b[at + 2] << 8 | b[at + 3]));
    parts.push({ at, end, name: b[at + 1].toString(16) });
    if (b[at + 1] === 0xda) break;
    at = end;
  }
  return parts;
}

/** RIFF chunks of a WebP (top level; an ANMF frame's sub-chunks too). */
function webpParts(b: Uint8Array): Part[] {
  const parts: Part[] = [];
  const walk = (from: number, to: number) => {
    for (let at = from; at + 8 <= to;) {
      const size = (b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | b[at + 7] << 24) >>> 0;
      const end = Math.min(to, at + 8 + size + (size & 1));
      const name = String.fromCharCode(...b.subarray(at, at + 4));
      parts.push({ at, end, name, length: { at: at + 4, size: 4, little: true } });
      if (name === "ANMF") walk(at + 24, end);
      at = end;
    }
  };
  walk(12, b.length);
  return parts;
}
/** ISO boxes of an AVIF: the top level, and inside `meta`, `iprp` and `ipco`. */
function avifParts(b: Uint8Array): Part[] {
  const parts: Part[] = [];
  const walk = (from: number, to: number) => {
    for (let at = from; at + 8 <= to;) {
      const size = (b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]) >>> 0;
      const end = size < 8 ? to : Math.min(to, at + size);
      const name = String.fromCharCode(...b.subarray(at + 4, at + 8));
      parts.push({ at, end, name, length: { at, size: 4, little: false } });
      if (name === "meta") walk(at + 12, end);
      if (name === "iprp" || name === "ipco") walk(at + 8, end);
      at = end;
    }
  };
  walk(0, b.length);
  return parts;
}
/** Chunk/segment level edits shared by PNG, JPEG, WebP and AVIF. */
function partMutation(parts: (b: Uint8Array) => Part[]): Mutation {
  return (b, rng) => {
    const list = parts(b);
    if (list.length === 0) return [b, "no parts"];
    const p = pick(rng, list);
    const op = pick(rng, ["remove", "duplicate", "swap", "length"] as const);
    if (op === "remove") return [splice(b, p.at, p.end - p.at), `remove ${p.name} at ${p.at}`];
    if (op === "duplicate") {
      return [splice(b, p.end, 0, b.slice(p.at, p.end)), `duplicate ${p.name} at ${p.at}`];
    }
    if (op === "swap") {
      const q = pick(rng, list);
      if (q.at === p.at) return [b, `swap ${p.name} with itself`];
      const [x, y] = p.at < q.at ? [p, q] : [q, p];
      return [
        concat(
          b.subarray(0, x.at),
          b.subarray(y.at, y.end),
          b.subarray(x.end, y.at),
          b.subarray(x.at, x.end),
          b.subarray(y.end),
        ),
        `swap ${x.name} at ${x.at} with ${y.name} at ${y.at}`,
      ];
    }
    const out = b.slice();
    const value = interesting(rng);
    const isPng = out[0] === 0x89;
    if (p.length) setUint(out, p.length.at, p.length.size, value, p.length.little);
    else setUint(out, isPng ? p.at : p.at + 2, isPng ? 4 : 2, value, false);
    return [out, `set length of ${p.name} at ${p.at} to ${value}`];
  };
}

/** Where a field is in `b` (-1: absent); `rng` picks among repeated fields. */
type Locate = (b: Uint8Array, rng: Random) => number;

function field(
  name: string,
  at: Locate,
  size: 1 | 2 | 4,
  little: boolean,
  values?: number[],
): Mutation {
  return (b, rng) => {
    const out = b.slice();
    const where = at(out, rng);
    if (where < 0) return [out, `no ${name}`];
    const value = values && rng() < 0.7 ? pick(rng, values) : interesting(rng);
    setUint(out, where, size, value, little);
    return [out, `set ${name} to ${value}`];
  };
}

const ihdr =
  (offset: number): Locate => (b) => (pngParts(b)[0]?.name === "IHDR" ? 16 + offset : -1);
const sofAt = (b: Uint8Array) => jpegParts(b).find((p) => /^c[0-2]$/.test(p.name))?.at ?? -1;
const sof = (offset: number) => (b: Uint8Array) => {
  const at = sofAt(b);
  return at < 0 ? -1 : at + 4 + offset;
};
const segmentBody = (marker: string): Locate => (b, rng) => {
  const p = jpegParts(b).find((s) => s.name === marker);
  return p ? p.at + 4 + int(rng, Math.max(1, p.end - p.at - 4)) : -1;
};
const gifField = (offset: number): Locate => (b) => {
  const at = gifDescriptor(b);
  return at < 0 ? -1 : at + offset;
};
const webpChunk = (name: string, offset: number): Locate => (b) => {
  const p = webpParts(b).find((c) => c.name === name);
  return p ? p.at + 8 + offset : -1;
};
const avifBox = (name: string, offset: number): Locate => (b) => {
  const p = avifParts(b).find((c) => c.name === name);
  return p ? p.at + 8 + offset : -1;
};
const avifBoxByte = (name: string): Locate => (b, rng) => {
  const p = avifParts(b).find((c) => c.name === name);
  return p ? p.at + 8 + int(rng, Math.max(1, p.end - p.at - 8)) : -1;
};
const ifdEntry = (offset: number): Locate => (_, rng) => 10 + 12 * int(rng, 10) + offset;

function gifDescriptor(b: Uint8Array): number {
  let at = 13 + (b[10] & 0x80 ? 3 * (2 << (b[10] & 7)) : 0);
  while (at < b.length && b[at] === 0x21) {
    at += 2;
    while (at < b.length && b[at] !== 0) at += b[at] + 1;
    at++;
  }
  return at < b.length && b[at] === 0x2c ? at : -1;
}

const FORMAT_MUTATIONS: Record<Seed["format"], Mutation[]> = {
  png: [
    field("IHDR width", ihdr(0), 4, false),
    field("IHDR height", ihdr(4), 4, false),
    field("IHDR bit depth", ihdr(8), 1, false, [0, 1, 2, 3, 4, 8, 16, 32, 255]),
    field("IHDR colour type", ihdr(9), 1, false, [0, 1, 2, 3, 4, 5, 6, 7, 255]),
    field("IHDR interlace", ihdr(12), 1, false, [0, 1, 2]),
    partMutation(pngParts),
  ],
  jpeg: [
    field("SOF height", sof(1), 2, false, [0, 1, 7, 8, 9, 65535, 7072]),
    field("SOF width", sof(3), 2, false, [0, 1, 7, 8, 9, 65535, 7072]),
    field("SOF precision", sof(0), 1, false, [0, 1, 8, 12, 16, 255]),
    field("SOF components", sof(5), 1, false, [0, 1, 2, 3, 4, 5, 255]),
    field("SOF sampling", (b, rng) => (sofAt(b) < 0 ? -1 : sof(7)(b) + 3 * int(rng, 3)), 1, false, [
      0x11,
      0x12,
      0x21,
      0x22,
      0x44,
      0x00,
      0xff,
      0x13,
    ]),
    field("SOF marker", (b) => (sofAt(b) < 0 ? -1 : sofAt(b) + 1), 1, false, [
      0xc0,
      0xc1,
      0xc2,
      0xc3,
      0xc5,
      0xc9,
      0xcf,
    ]),
    field("DHT byte", segmentBody("c4"), 1, false),
    field("DQT byte", segmentBody("db"), 1, false, [0, 1, 255, 0x10, 0x11]),
    field("SOS byte", segmentBody("da"), 1, false, [0, 1, 2, 3, 4, 0x11, 63, 64, 0xff]),
    partMutation(jpegParts),
  ],
  gif: [
    field("screen width", () => 6, 2, true),
    field("screen height", () => 8, 2, true),
    field("screen flags", () => 10, 1, true, [0, 0x80, 0x87, 0xf7, 0x7f]),
    field("frame x", gifField(1), 2, true),
    field("frame width", gifField(5), 2, true),
    field("frame height", gifField(7), 2, true),
    field("frame flags", gifField(9), 1, true, [0, 0x40, 0x80, 0x87]),
    field("LZW code size", gifField(10), 1, true, [0, 1, 2, 8, 11, 12, 13, 255]),
  ],
  bmp: [
    field("pixel offset", () => 10, 4, true),
    field("header size", () => 14, 4, true, [0, 12, 16, 40, 52, 56, 108, 124, 0xffffffff]),
    field("width", () => 18, 4, true),
    field("height", () => 22, 4, true, [0, 1, 0xffffffff, 0x80000000, 0xfffffff0]),
    field("bits per pixel", () => 28, 2, true, [0, 1, 2, 4, 8, 16, 24, 32, 64]),
    field("compression", () => 30, 4, true, [0, 1, 2, 3, 4, 5, 6, 11]),
    field("colours used", () => 46, 4, true),
    field("mask", (_, rng) => 54 + 4 * int(rng, 4), 4, true, [
      0,
      1,
      0xff,
      0xff00,
      0x80000001,
      0xffffffff,
    ]),
  ],
  tiff: [
    field("IFD offset", () => 4, 4, true),
    field("IFD count", () => 8, 2, true),
    field("IFD entry type", ifdEntry(2), 2, true, [1, 2, 3, 4, 5, 16]),
    field("IFD entry count", ifdEntry(4), 4, true),
    field("IFD entry value", ifdEntry(8), 4, true),
  ],
  webp: [
    field("RIFF size", () => 4, 4, true),
    field("VP8X flags", webpChunk("VP8X", 0), 1, true, [0, 0x02, 0x08, 0x10, 0x12, 0x3e, 0xff]),
    field("VP8X canvas width", webpChunk("VP8X", 4), 2, true, [0, 1, 0xffff, 7071]),
    field("VP8X canvas height", webpChunk("VP8X", 7), 2, true, [0, 1, 0xffff, 7071]),
    field("VP8 width", webpChunk("VP8 ", 6), 2, true, [0, 1, 0x3fff, 0xc000, 0xffff]),
    field("VP8 height", webpChunk("VP8 ", 8), 2, true, [0, 1, 0x3fff, 0xc000, 0xffff]),
    field("VP8 frame tag", webpChunk("VP8 ", 0), 4, true),
    field("VP8L header", webpChunk("VP8L", 1), 4, true, [0, 0xffffffff, 0x0fffffff]),
    field("ANMF x/y", webpChunk("ANMF", 0), 4, true, [0, 1, 0xffffff, 0x800000]),
    field("ANMF width", webpChunk("ANMF", 6), 2, true, [0, 1, 0xffff, 7071]),
    field("ANMF height", webpChunk("ANMF", 9), 2, true, [0, 1, 0xffff, 7071]),
    field("ALPH header", webpChunk("ALPH", 0), 1, true, [0, 1, 2, 3, 0x10, 0x31, 0xff]),
    partMutation(webpParts),
  ],
  avif: [
    field("ispe width", avifBox("ispe", 4), 4, false, [0, 1, 7071, 65536, 0xffffffff]),
    field("ispe height", avifBox("ispe", 8), 4, false, [0, 1, 7071, 65536, 0xffffffff]),
    field("pitm item", avifBox("pitm", 4), 2, false, [0, 1, 2, 3, 0xffff]),
    field("irot angle", avifBox("irot", 0), 1, false, [0, 1, 2, 3, 4, 255]),
    field("imir mode", avifBox("imir", 0), 1, false, [0, 1, 2, 255]),
    field("iloc byte", avifBoxByte("iloc"), 1, false),
    field("ipma byte", avifBoxByte("ipma"), 1, false, [0, 1, 2, 0x80, 0x81, 0xff]),
    field("av1C byte", avifBoxByte("av1C"), 1, false),
    field("pixi byte", avifBoxByte("pixi"), 1, false, [0, 1, 3, 8, 10, 12, 16, 255]),
    partMutation(avifParts),
  ],
  ico: [
    field("image count", () => 4, 2, true, [0, 1, 2, 255, 65535]),
    field("image size", () => 14, 4, true),
    field("image offset", () => 18, 4, true),
  ],
};

/**
 * Input `index` of run `seed`: a seed image (from `seeds`, or only face photos when `faces`)
 * with 1–4 mutations, each format-aware half of the time.
 *
 * @example
 * const { bytes, steps } = fuzzInput(seeds, 7, 123, false);
 */
export function fuzzInput(seeds: Seed[], seed: number, index: number, faces: boolean): FuzzInput {
  const rng = inputRandom(seed, index);
  const pool = faces && rng() < 0.7 ? seeds.filter((s) => s.faces) : seeds;
  const base = pick(rng, pool);
  let bytes = base.bytes;
  const steps: string[] = [];
  const count = 1 + int(rng, 4);
  for (let i = 0; i < count && bytes.length > 0; i++) {
    const list = rng() < 0.5 ? FORMAT_MUTATIONS[base.format] : GENERIC;
    const [next, step] = pick(rng, list)(bytes, rng);
    bytes = next;
    steps.push(step);
  }
  return { seed: base, bytes, steps };
}
