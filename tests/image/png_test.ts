import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { ImageError } from "../../src/image/errors.ts";
import { concat, pngChunk, type PngSpec, writePng } from "./builders.ts";

/** Deterministic pseudo-random integers in [0, max]. */
function randomSamples(count: number, max: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % (max + 1);
  });
}

const to8 = (v: number, depth: number) =>
  depth === 16 ? Math.round(v / 257) : Math.round(v * 255 / ((1 << depth) - 1));
const over = (c: number, a: number) => Math.round((c * a + 255 * (255 - a)) / 255);

/** Independent reference: what each PNG pixel should become (alpha over white). */
function expected(spec: PngSpec): number[] {
  const { width, height, colorType: ct, bitDepth: d, samples: s } = spec;
  const out: number[] = [];
  for (let p = 0; p < width * height; p++) {
    if (ct === 0) {
      const hidden = spec.trns && s[p] === (spec.trns[0] << 8 | spec.trns[1]);
      out.push(...Array(3).fill(hidden ? 255 : to8(s[p], d)));
    } else if (ct === 2) {
      const [r, g, b] = s.slice(p * 3, p * 3 + 3);
      const t = spec.trns;
      const hidden = t && r === (t[0] << 8 | t[1]) && g === (t[2] << 8 | t[3]) &&
        b === (t[4] << 8 | t[5]);
      out.push(...[r, g, b].map((v) => hidden ? 255 : to8(v, d)));
    } else if (ct === 3) {
      const alpha = spec.trns?.[s[p]] ?? 255;
      out.push(...spec.palette![s[p]].map((v) => over(v, alpha)));
    } else if (ct === 4) {
      out.push(...Array(3).fill(over(to8(s[p * 2], d), to8(s[p * 2 + 1], d))));
    } else {
      const a = to8(s[p * 4 + 3], d);
      out.push(...s.slice(p * 4, p * 4 + 3).map((v) => over(to8(v, d), a)));
    }
  }
  return out;
}

function check(spec: PngSpec) {
  const image = decodeImage(writePng(spec));
  assert.equal(image.width, spec.width);
  assert.equal(image.height, spec.height);
  assert.deepEqual([...image.data], expected(spec));
  return image;
}

const W = 13;
const H = 9;

Deno.test("PNG greyscale at 1, 2, 4, 8 and 16 bits, plain and interlaced", () => {
  for (const bitDepth of [1, 2, 4, 8, 16] as const) {
    for (const interlaced of [false, true]) {
      const samples = randomSamples(W * H, (1 << bitDepth) - 1, bitDepth);
      check({ width: W, height: H, colorType: 0, bitDepth, samples, interlaced });
    }
  }
  const image = check({ width: 2, height: 1, colorType: 0, bitDepth: 1, samples: [0, 1] });
  assert.deepEqual([...image.data], [0, 0, 0, 255, 255, 255]);
});

Deno.test("PNG palette at 1, 2, 4 and 8 bits with tRNS alpha", () => {
  for (const bitDepth of [1, 2, 4, 8] as const) {
    const colors = Math.min(1 << bitDepth, 20);
    const palette = Array.from(
      { length: colors },
      (_, i) => [i * 12, 255 - i * 10, (i * 77) & 255] as [number, number, number],
    );
    const trns = palette.map((_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 128 : 255));
    const samples = randomSamples(W * H, colors - 1, 40 + bitDepth);
    for (const interlaced of [false, true]) {
      check({ width: W, height: H, colorType: 3, bitDepth, samples, palette, trns, interlaced });
    }
  }
  const image = check({
    width: 3,
    height: 1,
    colorType: 3,
    bitDepth: 8,
    samples: [0, 1, 2],
    palette: [[200, 0, 0], [0, 0, 0], [10, 20, 30]],
    trns: [0, 128],
  });
  assert.deepEqual([...image.data], [255, 255, 255, 127, 127, 127, 10, 20, 30]);
});

Deno.test("PNG RGB 8/16-bit with colour key, grey+alpha and RGBA 8/16-bit", () => {
  for (const bitDepth of [8, 16] as const) {
    const max = (1 << bitDepth) - 1;
    const rgb = randomSamples(W * H * 3, max, 3);
    rgb.splice(0, 3, 7, 8, 9); // one pixel equal to the key
    const key = [0, 7, 0, 8, 0, 9];
    for (const interlaced of [false, true]) {
      const image = check({
        width: W,
        height: H,
        colorType: 2,
        bitDepth,
        samples: rgb,
        trns: key,
        interlaced,
      });
      assert.deepEqual([...image.data.subarray(0, 3)], [255, 255, 255]);
      check({
        width: W,
        height: H,
        colorType: 4,
        bitDepth,
        samples: randomSamples(W * H * 2, max, 5),
        interlaced,
      });
      check({
        width: W,
        height: H,
        colorType: 6,
        bitDepth,
        samples: randomSamples(W * H * 4, max, 6),
        interlaced,
      });
    }
  }
  const grey = check({
    width: 1,
    height: 1,
    colorType: 0,
    bitDepth: 8,
    samples: [40],
    trns: [0, 40],
  });
  assert.deepEqual([...grey.data], [255, 255, 255]);
  const rgba = check({
    width: 2,
    height: 1,
    colorType: 6,
    bitDepth: 8,
    samples: [0, 0, 0, 128, 9, 8, 7, 255],
  });
  assert.deepEqual([...rgba.data], [127, 127, 127, 9, 8, 7]);
});

Deno.test("PNG: every filter type on the first row of plain and interlaced images", () => {
  for (let filterOffset = 0; filterOffset < 5; filterOffset++) {
    for (const interlaced of [false, true]) {
      const samples = randomSamples(W * H * 3, 255, 11 + filterOffset);
      check({ width: W, height: H, colorType: 2, bitDepth: 8, samples, interlaced, filterOffset });
      const grey = randomSamples(W * H, 3, 20 + filterOffset);
      check({
        width: W,
        height: H,
        colorType: 0,
        bitDepth: 2,
        samples: grey,
        interlaced,
        filterOffset,
      });
    }
  }
});

Deno.test("PNG: split IDAT chunks, odd sizes and 1-pixel images", () => {
  const spec: PngSpec = {
    width: 1,
    height: 1,
    colorType: 6,
    bitDepth: 16,
    samples: [65535, 0, 32768, 65535],
  };
  assert.deepEqual([...decodeImage(writePng(spec)).data], [255, 0, 128]);
  const png = writePng({
    width: 5,
    height: 3,
    colorType: 2,
    bitDepth: 8,
    samples: randomSamples(45, 255, 9),
  });
  // Re-split the single IDAT into two chunks.
  const at = png.findIndex((_, i) => String.fromCharCode(...png.subarray(i, i + 4)) === "IDAT") - 4;
  const length = new DataView(png.buffer).getUint32(at);
  const data = png.subarray(at + 8, at + 8 + length);
  const split = concat(
    png.subarray(0, at),
    pngChunk("IDAT", data.subarray(0, 5)),
    pngChunk("IDAT", data.subarray(5)),
    png.subarray(at + 12 + length),
  );
  assert.deepEqual(decodeImage(split), decodeImage(png));
});

Deno.test("PNG: invalid headers and data give one-line errors", () => {
  const base = writePng({ width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [1, 2, 3, 4] });
  const badDepth = base.slice();
  badDepth[24] = 3;
  const message = (bytes: Uint8Array) => {
    try {
      decodeImage(bytes);
    } catch (error) {
      assert.ok(error instanceof ImageError);
      return error.message;
    }
    return "decoded";
  };
  assert.equal(message(badDepth), "corrupt PNG (colour type 0 with bit depth 3)");
  const noPalette = writePng({ width: 1, height: 1, colorType: 3, bitDepth: 8, samples: [0] });
  assert.equal(message(noPalette), "corrupt PNG (palette missing)");
  const zero = base.slice();
  zero.set([0, 0, 0, 0], 16);
  assert.equal(message(zero), "corrupt PNG (zero size)");
});
