/**
 * A small JPEG writer for tests: baseline or progressive (spectral selection), 1, 3 or 4
 * components with any sampling factors, restart intervals and an Adobe APP14 marker. Written from
 * ITU T.81 (standard Annex K tables) independently of src/image, so tests can make exactly the
 * JPEG variants they need (CMYK, greyscale, progressive, 4:2:0) and the fuzzer has small seeds.
 */
import {
  AC_BITS,
  AC_VALUES,
  DC_BITS,
  DC_VALUES,
  huffmanCodes,
} from "../../src/image/encode_jpeg.ts";
import type { RgbImage } from "../../src/types.ts";

/** What to encode. */
export interface JpegSpec {
  width: number;
  height: number;
  /** One full-resolution plane per component (width × height samples, 0–255). */
  planes: Uint8Array[];
  /** [h, v] sampling factors per component (default 1×1 each). */
  sampling?: [number, number][];
  /** Quantisation scale as in libjpeg's quality, 1–100 (default 90). */
  quality?: number;
  /** Progressive (SOF2): a DC scan, then AC bands 1–5 and 6–63 per component. */
  progressive?: boolean;
  /** Restart interval in MCUs (DRI), 0 for none. */
  restartInterval?: number;
  /** Adobe APP14 colour transform flag (0 none/CMYK, 1 YCbCr, 2 YCCK); absent: no APP14. */
  adobeTransform?: 0 | 1 | 2;
}

// deno-fmt-ignore
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
  52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Annex K.1 luminance quantisation table, natural order. */
// deno-fmt-ignore
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

/** Entropy-coded bits with 0xFF byte stuffing. */
class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) {
        this.bytes.push(this.acc);
        if (this.acc === 0xff) this.bytes.push(0);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  /** Pads the last byte with 1 bits. */
  align(): void {
    while (this.count !== 0) this.write(1, 1);
  }

  marker(code: number): void {
    this.align();
    this.bytes.push(0xff, code);
  }
}

function category(value: number): number {
  let size = 0;
  for (let a = Math.abs(value); a > 0; a >>= 1) size++;
  return size;
}

function writeValue(
  out: BitWriter,
  codes: Map<number, [number, number]>,
  symbol: number,
  value: number,
) {
  const [code, length] = codes.get(symbol)!;
  out.write(code, length);
  const size = symbol & 15;
  if (size) out.write(value > 0 ? value : value + (1 << size) - 1, size);
}

/** Writes coefficients `from..to` (zigzag order) of one block with run lengths, EOB and ZRL. */
function writeAc(out: BitWriter, block: Int16Array, from: number, to: number): void {
  let run = 0;
  for (let k = from; k <= to; k++) {
    const v = block[k];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      writeValue(out, AC_CODES, 0xf0, 0);
      run -= 16;
    }
    writeValue(out, AC_CODES, (run << 4) | category(v), v);
    run = 0;
  }
  if (run > 0) writeValue(out, AC_CODES, 0x00, 0);
}

const COS = Array.from({ length: 64 }, (_, i) => {
  const [x, u] = [i >> 3, i & 7];
  return Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** Forward DCT and quantisation of one 8×8 block (level-shifted samples), zigzag order. */
function transformBlock(samples: Float64Array, quant: number[]): Int16Array {
  const out = new Int16Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) sum += samples[y * 8 + x] * COS[x * 8 + u] * COS[y * 8 + v];
      }
      const cu = u === 0 ? Math.SQRT1_2 : 1, cv = v === 0 ? Math.SQRT1_2 : 1;
      const value = Math.round((sum * cu * cv) / 4 / quant[v * 8 + u]);
      out[ZIGZAG.indexOf(v * 8 + u)] = Math.max(-1023, Math.min(1023, value));
    }
  }
  return out;
}

function scaledQuant(quality: number): number[] {
  const q = Math.max(1, Math.min(100, quality));
  const scale = q < 50 ? 5000 / q : 200 - q * 2;
  return LUMA_QUANT.map((v) => Math.max(1, Math.min(255, Math.floor((v * scale + 50) / 100))));
}

interface Component {
  h: number;
  v: number;
  /** Blocks per line and column of the MCU-padded grid. */
  gridW: number;
  gridH: number;
  /** Blocks a non-interleaved scan covers (T.81 A.2.2). */
  scanW: number;
  scanH: number;
  blocks: Int16Array[];
}

function buildComponents(spec: JpegSpec, quant: number[]): Component[] {
  const { width, height, planes } = spec;
  const sampling = spec.sampling ?? planes.map(() => [1, 1] as [number, number]);
  const hMax = Math.max(...sampling.map((s) => s[0]));
  const vMax = Math.max(...sampling.map((s) => s[1]));
  const mcusX = Math.ceil(width / (8 * hMax));
  const mcusY = Math.ceil(height / (8 * vMax));
  return planes.map((plane, c) => {
    const [h, v] = sampling[c];
    const sx = hMax / h, sy = vMax / v;
    const gridW = mcusX * h, gridH = mcusY * v;
    const sample = (x: number, y: number) => {
      let sum = 0;
      for (let dy = 0; dy < sy; dy++) {
        for (let dx = 0; dx < sx; dx++) {
          const px = Math.min(width - 1, Math.floor(x * sx) + dx);
          const py = Math.min(height - 1, Math.floor(y * sy) + dy);
          sum += plane[py * width + px];
        }
      }
      return sum / (sx * sy);
    };
    const blocks: Int16Array[] = [];
    const samples = new Float64Array(64);
    for (let by = 0; by < gridH; by++) {
      for (let bx = 0; bx < gridW; bx++) {
        for (let i = 0; i < 64; i++) samples[i] = sample(bx * 8 + (i & 7), by * 8 + (i >> 3)) - 128;
        blocks.push(transformBlock(samples, quant));
      }
    }
    return {
      h,
      v,
      gridW,
      gridH,
      scanW: Math.ceil(Math.ceil((width * h) / hMax) / 8),
      scanH: Math.ceil(Math.ceil((height * v) / vMax) / 8),
      blocks,
    };
  });
}

/**
 * One scan's entropy-coded data: `components` interleaved (or one, non-interleaved), coefficients
 * `from..to`, with restart markers every `restart` MCUs.
 */
function encodeScan(components: Component[], from: number, to: number, restart: number): number[] {
  const out = new BitWriter();
  const predictors = components.map(() => 0);
  const units: [Component, number, number][][] = [];
  if (components.length === 1) {
    const c = components[0];
    for (let y = 0; y < c.scanH; y++) {
      for (let x = 0; x < c.scanW; x++) units.push([[c, 0, y * c.gridW + x]]);
    }
  } else {
    const mcusX = components[0].gridW / components[0].h;
    const mcusY = components[0].gridH / components[0].v;
    for (let my = 0; my < mcusY; my++) {
      for (let mx = 0; mx < mcusX; mx++) {
        const mcu: [Component, number, number][] = [];
        components.forEach((c, k) => {
          for (let by = 0; by < c.v; by++) {
            for (let bx = 0; bx < c.h; bx++) {
              mcu.push([c, k, (my * c.v + by) * c.gridW + mx * c.h + bx]);
            }
          }
        });
        units.push(mcu);
      }
    }
  }
  units.forEach((mcu, n) => {
    if (restart && n > 0 && n % restart === 0) {
      out.marker(0xd0 + ((n / restart - 1) & 7));
      predictors.fill(0);
    }
    for (const [c, k, index] of mcu) {
      const block = c.blocks[index];
      if (from === 0) {
        const diff = block[0] - predictors[k];
        predictors[k] = block[0];
        writeValue(out, DC_CODES, category(diff), diff);
      }
      if (to > 0) writeAc(out, block, Math.max(1, from), to);
    }
  });
  out.align();
  return out.bytes;
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 255, ...body];
}

function dht(tableClass: number, bits: number[], values: number[]): number[] {
  return segment(0xc4, [tableClass << 4, ...bits, ...values]);
}

function sos(ids: number[], from: number, to: number): number[] {
  return segment(0xda, [ids.length, ...ids.flatMap((id) => [id, 0x00]), from, to, 0]);
}

/**
 * Encodes `spec` as a JPEG file. Component ids are 1, 2, 3(, 4); every component uses quantisation
 * table 0 and the Annex K luminance Huffman tables.
 *
 * @example
 * const jpeg = writeJpeg({ width: 16, height: 8, planes: [grey] });
 */
export function writeJpeg(spec: JpegSpec): Uint8Array {
  const quant = scaledQuant(spec.quality ?? 90);
  const components = buildComponents(spec, quant);
  const ids = components.map((_, i) => i + 1);
  const restart = spec.restartInterval ?? 0;
  const header: number[] = [0xff, 0xd8];
  if (spec.adobeTransform === undefined) {
    header.push(...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  } else {
    const adobe = [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, spec.adobeTransform];
    header.push(...segment(0xee, adobe));
  }
  header.push(...segment(0xdb, [0, ...ZIGZAG.map((z) => quant[z])]));
  header.push(
    ...segment(spec.progressive ? 0xc2 : 0xc0, [
      8,
      spec.height >> 8,
      spec.height & 255,
      spec.width >> 8,
      spec.width & 255,
      components.length,
      ...components.flatMap((c, i) => [ids[i], (c.h << 4) | c.v, 0]),
    ]),
  );
  header.push(...dht(0, DC_BITS, DC_VALUES), ...dht(1, AC_BITS, AC_VALUES));
  if (restart) header.push(...segment(0xdd, [restart >> 8, restart & 255]));
  const body: number[] = [];
  if (!spec.progressive) {
    body.push(...sos(ids, 0, 63), ...encodeScan(components, 0, 63, restart));
  } else {
    body.push(...sos(ids, 0, 0), ...encodeScan(components, 0, 0, restart));
    for (const [from, to] of [[1, 5], [6, 63]]) {
      components.forEach((c, i) => {
        body.push(...sos([ids[i]], from, to), ...encodeScan([c], from, to, restart));
      });
    }
  }
  return new Uint8Array([...header, ...body, 0xff, 0xd9]);
}

/**
 * Splits an RGB image into JFIF Y, Cb, Cr planes.
 *
 * @example
 * writeJpeg({ width, height, planes: ycbcrPlanes(image), sampling: [[2, 2], [1, 1], [1, 1]] });
 */
export function ycbcrPlanes(image: RgbImage): Uint8Array[] {
  const n = image.width * image.height;
  const planes = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) {
    const [r, g, b] = image.data.subarray(i * 3, i * 3 + 3);
    planes[0][i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    planes[1][i] = Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b));
    planes[2][i] = Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b));
  }
  return planes;
}
