/**
 * A small baseline JPEG encoder (JFIF, YCbCr 4:4:4, the example quantisation and Huffman tables
 * of ITU T.81 Annex K, IJG quality scaling), for pictures in the HTML reports where PNG makes
 * photos 5–10× larger.
 */
import type { RgbImage } from "../types.ts";

/** Annex K.1 luminance quantisation table, row-major. */
// deno-fmt-ignore
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
/** Annex K.1 chrominance quantisation table, row-major. */
// deno-fmt-ignore
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

/** Annex K.3 luminance DC table: code counts per length 1..16, then the symbols. */
export const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
/** Symbols of {@link DC_BITS}: the categories 0–11. */
export const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** Annex K.3 luminance AC table: code counts per length 1..16. */
export const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
/** Symbols of {@link AC_BITS} (run << 4 | size, EOB 0x00, ZRL 0xF0). */
// deno-fmt-ignore
export const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

/** Zig-zag position → row-major index within an 8×8 block. */
const ZIGZAG = (() => {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells = [];
    for (let y = Math.max(0, s - 7); y <= Math.min(7, s); y++) cells.push(y * 8 + (s - y));
    // Even diagonals run bottom-left to top-right, odd ones the other way.
    order.push(...(s % 2 === 0 ? cells.reverse() : cells));
  }
  return order;
})();

/** `COS[u * 8 + x]` = C(u)/2 · cos((2x+1)uπ/16): one 1-D DCT as a matrix. */
const COS = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) {
      m[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) / 2 * Math.cos((2 * x + 1) * u * Math.PI / 16);
    }
  }
  return m;
})();

/** Canonical Huffman codes from counts per length: `[code, length]` by symbol. */
/**
 * The canonical Huffman codes of a DHT table: symbol → [code, length].
 *
 * @example
 * huffmanCodes(DC_BITS, DC_VALUES).get(0); // [0, 2]
 */
export function huffmanCodes(bits: number[], values: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0, k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]; i++) codes.set(values[k++], [code++, length]);
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

function scaledTable(base: number[], quality: number): number[] {
  const q = Math.max(1, Math.min(100, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return base.map((v) => Math.max(1, Math.min(255, Math.floor((v * scale + 50) / 100))));
}

/** Appends bits MSB first, stuffing a zero byte after every 0xFF. */
class BitWriter {
  bytes: number[] = [];
  #acc = 0;
  #count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >> i) & 1);
      if (++this.#count === 8) {
        this.bytes.push(this.#acc);
        if (this.#acc === 0xff) this.bytes.push(0);
        this.#acc = 0;
        this.#count = 0;
      }
    }
  }

  /** Pads the last byte with one-bits. */
  flush(): void {
    if (this.#count) this.write((1 << (8 - this.#count)) - 1, 8 - this.#count);
  }
}

/** Bits needed for |v| (the JPEG "category"). */
function category(v: number): number {
  let a = Math.abs(v), n = 0;
  while (a) (a >>= 1, n++);
  return n;
}

/** `v` in `size` bits as JPEG stores it (negative values as v - 1 in one's complement). */
const amplitude = (v: number, size: number): number => (v < 0 ? v + (1 << size) - 1 : v);

/** Forward DCT of one centred 8×8 block, quantised, in zig-zag order. */
function quantisedDct(block: Float64Array, table: number[], out: Int32Array): void {
  const tmp = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += COS[u * 8 + x] * block[y * 8 + x];
      tmp[y * 8 + u] = s;
    }
  }
  for (let k = 0; k < 64; k++) {
    const i = ZIGZAG[k], v = i >> 3, u = i & 7;
    let s = 0;
    for (let y = 0; y < 8; y++) s += COS[v * 8 + y] * tmp[y * 8 + u];
    out[k] = Math.round(s / table[i]);
  }
}

function encodeBlock(coefs: Int32Array, previousDc: number, bits: BitWriter): void {
  const diff = coefs[0] - previousDc, size = category(diff);
  const [dcCode, dcLength] = DC_CODES.get(size)!;
  bits.write(dcCode, dcLength);
  if (size) bits.write(amplitude(diff, size), size);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = coefs[k];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      const [zrl, zrlLength] = AC_CODES.get(0xf0)!;
      bits.write(zrl, zrlLength);
      run -= 16;
    }
    const s = category(v);
    const [code, length] = AC_CODES.get((run << 4) | s)!;
    bits.write(code, length);
    bits.write(amplitude(v, s), s);
    run = 0;
  }
  if (run) {
    const [eob, eobLength] = AC_CODES.get(0x00)!;
    bits.write(eob, eobLength);
  }
}

/** Y, Cb, Cr: component id, 1×1 sampling, quantisation table. */
const COMPONENTS = [1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/**
 * Encodes an RGB image as a baseline JPEG (`quality` 1–100, IJG scaling; 85 by default). Edge
 * blocks repeat the last row and column. Throws a RangeError above 65535 pixels a side.
 *
 * @example
 * const jpeg = encodeJpeg(photo, 80); // decodeImage(jpeg) gives photo back, lossy
 */
export function encodeJpeg(image: RgbImage, quality = 85): Uint8Array {
  const { width, height, data } = image;
  if (width > 0xffff || height > 0xffff) {
    throw new RangeError(`JPEG holds at most 65535×65535 pixels, got ${width}×${height}`);
  }
  const luma = scaledTable(LUMA_Q, quality), chroma = scaledTable(CHROMA_Q, quality);
  const header = [
    ...[0xff, 0xd8],
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0, ...ZIGZAG.map((i) => luma[i]), 1, ...ZIGZAG.map((i) => chroma[i])]),
    // Frame: 8-bit, size, 3 components (id, 1×1 sampling, quantisation table).
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, ...COMPONENTS]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]),
    ...segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]),
  ];
  const bits = new BitWriter();
  const blocks = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  const coefs = new Int32Array(64);
  const previous = [0, 0, 0];
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const row = Math.min(height - 1, by + y) * width;
        for (let x = 0; x < 8; x++) {
          const p = (row + Math.min(width - 1, bx + x)) * 3;
          const r = data[p], g = data[p + 1], b = data[p + 2];
          blocks[0][y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          blocks[1][y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
          blocks[2][y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
        }
      }
      for (let c = 0; c < 3; c++) {
        quantisedDct(blocks[c], c ? chroma : luma, coefs);
        encodeBlock(coefs, previous[c], bits);
        previous[c] = coefs[0];
      }
    }
  }
  bits.flush();
  const out = new Uint8Array(header.length + bits.bytes.length + 2);
  out.set(header);
  out.set(bits.bytes, header.length);
  out.set([0xff, 0xd9], header.length + bits.bytes.length);
  return out;
}
