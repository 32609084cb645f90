import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { resizeArea, resizeBilinear, shrinkByBlocks } from "../../src/image/resize.ts";
import type { RgbImage } from "../../src/types.ts";

/** A width x 1 image whose red channel holds `values` (green/blue 0). */
function row(values: number[]): RgbImage {
  return {
    width: values.length,
    height: 1,
    data: new Uint8Array(values.flatMap((v) => [v, 0, 0])),
  };
}
const reds = (image: RgbImage) => [...image.data].filter((_, i) => i % 3 === 0);

Deno.test("resizeBilinear: same size is an exact copy", () => {
  const image = row([1, 2, 3]);
  const out = resizeBilinear(image, 3, 1);
  assert.deepEqual(out, image);
  assert.notEqual(out.data, image.data);
});

Deno.test("resizeBilinear: 2x shrink averages pairs, enlarging interpolates centres", () => {
  assert.deepEqual(reds(resizeBilinear(row([10, 20, 100, 200]), 2, 1)), [15, 150]);
  assert.deepEqual(reds(resizeBilinear(row([0, 200]), 4, 1)), [0, 50, 150, 200]);
  const column: RgbImage = { width: 1, height: 2, data: new Uint8Array([0, 0, 0, 200, 100, 40]) };
  const tall = resizeBilinear(column, 1, 4);
  assert.deepEqual([...tall.data], [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40]);
});

Deno.test("resizeBilinear: shrinking more than 2x is an exact area average", () => {
  assert.deepEqual(reds(resizeBilinear(row([0, 30, 60, 90, 120, 150]), 2, 1)), [30, 120]);
  // 5 -> 2: each output covers 2.5 source pixels.
  assert.deepEqual(reds(resizeBilinear(row([0, 100, 200, 50, 250]), 2, 1)), [80, 160]);
});

Deno.test("resizeBilinear: a 1-px checkerboard shrunk 4x is flat grey (no aliasing)", () => {
  const size = 64;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      data.fill((x + y) % 2 ? 255 : 0, (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  const out = resizeBilinear({ width: size, height: size, data }, 16, 16);
  assert.ok(out.data.every((v) => v === 127 || v === 128), "every pixel mid grey");
});

Deno.test("resizeBilinear: downscaling a photo keeps its mean colour", () => {
  const image = decodeImage(
    Deno.readFileSync(new URL("../fixtures/npm/sample1.jpg", import.meta.url)),
  );
  const small = resizeBilinear(image, 240, 160);
  assert.deepEqual([small.width, small.height, small.data.length], [240, 160, 240 * 160 * 3]);
  const mean = (img: RgbImage, c: number) => {
    let sum = 0;
    for (let i = c; i < img.data.length; i += 3) sum += img.data[i];
    return sum / (img.data.length / 3);
  };
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(mean(small, c) - mean(image, c)) < 0.5);
});

Deno.test("resizeBilinear rejects non-positive or fractional sizes", () => {
  assert.throws(() => resizeBilinear(row([1]), 0, 1), RangeError);
  assert.throws(() => resizeBilinear(row([1]), 1.5, 1), RangeError);
});

Deno.test("shrinkByBlocks: rounded block means, partial edge blocks dropped, bad factors refused", () => {
  const image: RgbImage = {
    width: 5,
    height: 2,
    data: new Uint8Array([
      ...[0, 0, 0, 10, 1, 0, 20, 2, 0, 30, 3, 0, 99, 99, 99],
      ...[1, 0, 0, 11, 1, 0, 21, 2, 0, 31, 4, 0, 99, 99, 99],
    ]),
  };
  const out = shrinkByBlocks(image, 2);
  assert.equal(out.width, 2);
  assert.equal(out.height, 1);
  // (0+10+1+11)/4 = 5.5 -> 6; green (0+1+0+1)/4 = 0.5 -> 1; (20+30+21+31)/4 = 25.5 -> 26
  assert.deepEqual([...out.data], [6, 1, 0, 26, 3, 0]);
  assert.deepEqual(shrinkByBlocks(image, 1), image);
  assert.throws(() => shrinkByBlocks(image, 1.5), RangeError);
  assert.throws(() => shrinkByBlocks(image, 3), RangeError);
});

Deno.test("resizeArea averages the covered area even for a 1.5x shrink (bilinear would not)", () => {
  const grey = (values: number[]) => ({
    width: values.length,
    height: 1,
    data: Uint8Array.from(values.flatMap((v) => [v, v, v])),
  });
  // Output pixel 0 covers [0, 1.5): (0 + 90 / 2) / 1.5 = 30; pixel 1 covers [1.5, 3): 150.
  assert.deepEqual([...resizeArea(grey([0, 90, 180]), 2, 1).data], [30, 30, 30, 150, 150, 150]);
  assert.deepEqual(resizeArea(grey([8, 8, 8, 8, 8, 8]), 4, 1).data, new Uint8Array(12).fill(8));
});
