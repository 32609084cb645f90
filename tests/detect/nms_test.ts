import assert from "node:assert/strict";
import { clipBox, nonMaxSuppression, overlap, squareBox } from "../../src/detect/nms.ts";

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

Deno.test("overlap: IoU and intersection over the smaller box", () => {
  assert.equal(overlap(box(0, 0, 2, 2), box(1, 0, 2, 2)), 2 / 6);
  assert.equal(overlap(box(0, 0, 2, 2), box(5, 5, 2, 2)), 0);
  assert.equal(overlap(box(0, 0, 2, 2), box(2, 0, 2, 2)), 0, "touching edges do not overlap");
  // A small box nested in a big one: low IoU, full overlap over the smaller box.
  assert.equal(overlap(box(0, 0, 10, 10), box(2, 2, 2, 2)), 4 / 100);
  assert.equal(overlap(box(0, 0, 10, 10), box(2, 2, 2, 2), "min"), 1);
});

Deno.test("nonMaxSuppression keeps the best of each overlapping group, best first", () => {
  const boxes = [box(0, 0, 10, 10), box(1, 0, 10, 10), box(50, 50, 10, 10), box(2, 2, 4, 4)];
  const scores = [0.8, 0.9, 0.7, 0.95];
  // IoU(0, 1) = 90/110 > 0.5: box 0 goes; the nested box 3 has IoU 0.16 with box 1 and stays.
  assert.deepEqual(nonMaxSuppression(boxes, scores, 0.5), [3, 1, 2]);
  // Measured over the smaller box, the nested box suppresses its container.
  assert.deepEqual(nonMaxSuppression(boxes, scores, 0.5, "min"), [3, 2]);
  assert.deepEqual(nonMaxSuppression([], [], 0.5), []);
});

Deno.test("squareBox grows the short side about the centre", () => {
  assert.deepEqual(squareBox(box(10, 0, 20, 40)), box(0, 0, 40, 40));
  assert.deepEqual(squareBox(box(0, 10, 40, 20)), box(0, 0, 40, 40));
  assert.deepEqual(squareBox(box(3, 4, 5, 5)), box(3, 4, 5, 5));
});

Deno.test("clipBox keeps the part inside the image", () => {
  assert.deepEqual(clipBox(box(-5, 90, 20, 20), 100, 100), box(0, 90, 15, 10));
  assert.deepEqual(clipBox(box(10, 10, 20, 20), 100, 100), box(10, 10, 20, 20));
  assert.deepEqual(clipBox(box(-50, -50, 300, 300), 100, 80), box(0, 0, 100, 80));
  const outside = clipBox(box(120, 10, 20, 20), 100, 100);
  assert.equal(outside.width, 0);
});
