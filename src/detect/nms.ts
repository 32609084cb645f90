/**
 * Box utilities shared by the detectors: overlap measures, greedy non-maximum suppression,
 * squaring and clipping. Boxes are continuous pixel rectangles `{x, y, width, height}`.
 */
import type { Box } from "../types.ts";

/**
 * How two boxes' overlap is normalised: by the area of their union (IoU) or by the smaller box's
 * area ("min", which also suppresses a box nested inside a larger one).
 */
export type OverlapMeasure = "union" | "min";

/** Area of the intersection of two boxes (0 when they do not overlap). */
export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Overlap of two boxes in [0, 1]: intersection over union, or over the smaller area.
 *
 * @example
 * overlap({ x: 0, y: 0, width: 2, height: 2 }, { x: 1, y: 0, width: 2, height: 2 }); // 1/3
 */
export function overlap(a: Box, b: Box, measure: OverlapMeasure = "union"): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const areaA = a.width * a.height;
  const areaB = b.width * b.height;
  return measure === "union" ? inter / (areaA + areaB - inter) : inter / Math.min(areaA, areaB);
}

/**
 * Greedy non-maximum suppression: visits boxes by descending score and keeps a box unless it
 * overlaps an already kept box by more than `threshold`. Returns the kept indices, best first.
 *
 * @example
 * const keep = nonMaxSuppression(boxes, scores, 0.5); // boxes[keep[0]] has the top score
 */
export function nonMaxSuppression(
  boxes: readonly Box[],
  scores: readonly number[],
  threshold: number,
  measure: OverlapMeasure = "union",
): number[] {
  const order = boxes.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => overlap(boxes[i], boxes[k], measure) <= threshold)) kept.push(i);
  }
  return kept;
}

/**
 * The square with the same centre whose side is the box's longer side.
 *
 * @example
 * squareBox({ x: 10, y: 0, width: 20, height: 40 }); // { x: 0, y: 0, width: 40, height: 40 }
 */
export function squareBox(box: Box): Box {
  const side = Math.max(box.width, box.height);
  return {
    x: box.x + (box.width - side) / 2,
    y: box.y + (box.height - side) / 2,
    width: side,
    height: side,
  };
}

/**
 * The part of a box inside a `width`×`height` image (zero-sized when it lies fully outside).
 *
 * @example
 * clipBox({ x: -5, y: 90, width: 20, height: 20 }, 100, 100); // { x: 0, y: 90, width: 15, height: 10 }
 */
export function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.min(Math.max(box.x, 0), width);
  const y = Math.min(Math.max(box.y, 0), height);
  return {
    x,
    y,
    width: Math.max(Math.min(box.x + box.width, width) - x, 0),
    height: Math.max(Math.min(box.y + box.height, height) - y, 0),
  };
}
