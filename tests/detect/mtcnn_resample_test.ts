import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../../src/runtime/tf.ts";
import {
  cropBoxes,
  type FloatImage,
  FloatScratch,
  pyramidLevel,
} from "../../src/detect/mtcnn/resample.ts";
import type { Box, RgbImage } from "../../src/types.ts";

await initTf();

/** A deterministic noisy test image. */
function noise(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, data };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test("pyramidLevel equals tfjs's 2x2 average pooling then half-pixel bilinear resize", () => {
  const image = noise(97, 61);
  for (const [w, h] of [[60, 38], [40, 25], [13, 12], [97, 61]]) {
    const level = pyramidLevel(image, w, h);
    const expected = tf.tidy(() => {
      let x = tf.tensor4d(image.data, [1, image.height, image.width, 3], "float32");
      while (x.shape[1] >= 2 * h && x.shape[2] >= 2 * w) x = tf.avgPool(x, 2, 2, "valid");
      return tf.image.resizeBilinear(x, [h, w], false, true).dataSync();
    });
    assert.ok(maxDifference(level.data, expected) < 0.01, `${w}x${h}`);
  }
});

Deno.test("cropBoxes equals tf.image.cropAndResize on pixel-centre grids, black outside", () => {
  const image = noise(80, 50);
  const boxes: Box[] = [
    { x: 10.3, y: 5.7, width: 30, height: 30 },
    { x: -12, y: 30, width: 40, height: 40 }, // hangs over the left and bottom edges
    { x: 70, y: -5, width: 9.5, height: 9.5 }, // upsampled, over the top edge
  ];
  for (const side of [24, 48]) {
    const ours = cropBoxes(image, boxes, side);
    const coords = boxes.flatMap((b) => {
      const hx = b.width / side / 2, hy = b.height / side / 2;
      return [
        (b.y + hy - 0.5) / (image.height - 1),
        (b.x + hx - 0.5) / (image.width - 1),
        (b.y + b.height - hy - 0.5) / (image.height - 1),
        (b.x + b.width - hx - 0.5) / (image.width - 1),
      ];
    });
    const expected = tf.tidy(() =>
      tf.image.cropAndResize(
        tf.tensor4d(image.data, [1, image.height, image.width, 3], "float32"),
        tf.tensor2d(coords, [boxes.length, 4]),
        tf.zeros([boxes.length], "int32"),
        [side, side],
        "bilinear",
        0,
      ).dataSync()
    );
    assert.ok(maxDifference(ours, expected) < 1e-2, `side ${side}`);
    // The crop hanging off the left edge starts with black columns.
    assert.equal(ours[side * side * 3 + side * 3 * (side / 2)], 0);
  }
});

Deno.test("reused buffers give the same levels and crops as fresh ones (stale values cleared)", () => {
  const image = noise(90, 70);
  const scratch = new FloatScratch();
  let previous: FloatImage | RgbImage = image;
  let fresh: FloatImage | RgbImage = image;
  for (const [k, [w, h]] of [[60, 46], [42, 33], [20, 15], [13, 12]].entries()) {
    const level: FloatImage = pyramidLevel(previous, w, h, scratch, k & 1);
    const expected: FloatImage = pyramidLevel(fresh, w, h);
    assert.deepEqual([...level.data], [...expected.data], `level ${k}`);
    previous = level;
    fresh = expected;
  }
  const boxes: Box[] = [{ x: -30, y: -30, width: 50, height: 50 }, {
    x: 5,
    y: 5,
    width: 40,
    height: 40,
  }];
  const stale = new Float32Array(boxes.length * 24 * 24 * 3).fill(255);
  assert.deepEqual([...cropBoxes(image, boxes, 24, stale)], [...cropBoxes(image, boxes, 24)]);
});
