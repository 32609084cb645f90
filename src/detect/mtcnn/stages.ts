/**
 * The MTCNN cascade: image pyramid + P-Net proposals, R-Net refinement, O-Net output with
 * landmarks. Each stage takes the whole image as a raw-pixel float tensor `[1, H, W, 3]` and works
 * in original-image pixel coordinates.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Box, DetectedFace, Landmarks, Point } from "../../types.ts";
import { nonMaxSuppression, squareBox } from "../nms.ts";
import { runONet, runPNet, runRNet } from "./nets.ts";
import type { ONetWeights, PNetWeights, RNetWeights } from "./weights.ts";

/** A face candidate passed between stages. */
export interface Candidate {
  box: Box;
  score: number;
}

/** P-Net's window side and stride, in pyramid-level pixels. */
const CELL = 12;
const STRIDE = 2;
/** NMS overlap thresholds of the original MTCNN. */
const NMS_PER_SCALE = 0.5;
const NMS_ACROSS_SCALES = 0.7;
const NMS_REFINE = 0.7;
const NMS_OUTPUT = 0.7;
/** P-Net input pixels per forward pass (bounds memory on huge images). */
const BAND_PIXELS = 1 << 20;

/**
 * Pyramid scales: `12 / minFace` times powers of `factor`, while the shorter image side stays at
 * least one 12-pixel window.
 *
 * @example
 * pyramidScales(1920, 1280, 40, 0.709); // [0.3, 0.2127, 0.1508, ...]
 */
export function pyramidScales(
  width: number,
  height: number,
  minFace: number,
  factor: number,
): number[] {
  const scales: number[] = [];
  for (let s = CELL / minFace; Math.min(width, height) * s >= CELL; s *= factor) scales.push(s);
  return scales;
}

/** Maps pixels to the net input range, as the original MTCNN does. */
function normalize<T extends tf.Tensor>(pixels: T): T {
  return tf.mul(tf.sub(pixels, 127.5), 0.0078125);
}

/**
 * Downscales `[1, H, W, 3]` to `size` ([h, w]): 2×2 averaging while at least halving, then
 * bilinear, so large steps do not alias.
 */
function downscale(image: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    let x = image;
    while (x.shape[1] >= 2 * size[0] && x.shape[2] >= 2 * size[1]) x = tf.avgPool(x, 2, 2, "valid");
    return tf.image.resizeBilinear(x, size, false, true);
  });
}

/** `box` moved by MTCNN offsets `(dx1, dy1, dx2, dy2)`, each in units of the box's size. */
function applyOffsets(box: Box, offsets: ArrayLike<number>, at = 0): Box {
  const x1 = box.x + offsets[at] * box.width;
  const y1 = box.y + offsets[at + 1] * box.height;
  const x2 = box.x + box.width + offsets[at + 2] * box.width;
  const y2 = box.y + box.height + offsets[at + 3] * box.height;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** One P-Net output cell: its position on the level's output map, score and box offsets. */
interface Cell {
  row: number;
  col: number;
  score: number;
  offsets: Float32Array;
}

/**
 * Runs P-Net over one normalised pyramid level and returns the cells scoring at least
 * `threshold`. Huge levels go in horizontal bands of about `BAND_PIXELS` input pixels: bands start
 * on even rows and overlap by 10 rows, so the cells equal those of a single pass while the
 * activations stay small.
 */
async function scoreCells(
  level: tf.Tensor4D,
  threshold: number,
  weights: PNetWeights,
): Promise<Cell[]> {
  const [, height, width] = level.shape;
  const bandRows = Math.max(CELL, 2 * Math.floor(BAND_PIXELS / width / 2));
  const cells: Cell[] = [];
  for (let top = 0;; top += bandRows - (CELL - STRIDE)) {
    const rows = Math.min(bandRows, height - top);
    const out = tf.tidy(() =>
      runPNet(normalize(tf.slice(level, [0, top, 0, 0], [1, rows, width, 3])), weights)
    );
    const cols = out.scores.shape[2];
    const map = await out.scores.data();
    const hits: [number, number][] = [];
    for (let i = 0; i < map.length; i++) {
      if (map[i] >= threshold) hits.push([Math.floor(i / cols), i % cols]);
    }
    if (hits.length > 0) {
      const picked = tf.tidy(() => tf.gatherND(tf.squeeze(out.offsets, [0]), hits));
      const offsets = await picked.data() as Float32Array;
      picked.dispose();
      hits.forEach(([r, c], k) =>
        cells.push({
          row: top / STRIDE + r,
          col: c,
          score: map[r * cols + c],
          offsets: offsets.subarray(k * 4, k * 4 + 4),
        })
      );
    }
    tf.dispose([out.scores, out.offsets]);
    if (top + rows >= height) return cells;
  }
}

/**
 * Stage 1: runs P-Net over every pyramid level; thresholds, NMS per level then across levels,
 * applies the box offsets and squares the boxes.
 *
 * @example
 * const proposals = await proposeFaces(image, pyramidScales(w, h, 20, 0.709), 0.6, weights.pnet);
 */
export async function proposeFaces(
  image: tf.Tensor4D,
  scales: readonly number[],
  threshold: number,
  weights: PNetWeights,
): Promise<Candidate[]> {
  const [, height, width] = image.shape;
  const windows: Box[] = [];
  const kept: Cell[] = [];
  let level: tf.Tensor4D = image;
  for (const scale of scales) {
    const size: [number, number] = [Math.floor(height * scale), Math.floor(width * scale)];
    const previous = level;
    level = downscale(previous, size);
    if (previous !== image) previous.dispose();
    const cells = await scoreCells(level, threshold, weights);
    const sx = size[1] / width;
    const sy = size[0] / height;
    const levelWindows = cells.map(({ row, col }) => ({
      x: (col * STRIDE) / sx,
      y: (row * STRIDE) / sy,
      width: CELL / sx,
      height: CELL / sy,
    }));
    for (const k of nonMaxSuppression(levelWindows, cells.map((c) => c.score), NMS_PER_SCALE)) {
      windows.push(levelWindows[k]);
      kept.push(cells[k]);
    }
  }
  if (level !== image) level.dispose();
  return nonMaxSuppression(windows, kept.map((c) => c.score), NMS_ACROSS_SCALES).map((k) => ({
    box: squareBox(applyOffsets(windows[k], kept[k].offsets)),
    score: kept[k].score,
  }));
}

/**
 * Crops `boxes` from the raw image, resized to `side`×`side` and normalised; parts outside the
 * image read as black (zero) pixels, like the original's padding.
 */
function cropBoxes(image: tf.Tensor4D, boxes: readonly Box[], side: number): tf.Tensor4D {
  const [, height, width] = image.shape;
  const yMax = Math.max(height - 1, 1);
  const xMax = Math.max(width - 1, 1);
  const coords = boxes.flatMap((b) => {
    // Sample the centres of a side×side grid over the box (pixel centres sit at index + 0.5).
    const hx = b.width / side / 2;
    const hy = b.height / side / 2;
    return [
      (b.y + hy - 0.5) / yMax,
      (b.x + hx - 0.5) / xMax,
      (b.y + b.height - hy - 0.5) / yMax,
      (b.x + b.width - hx - 0.5) / xMax,
    ];
  });
  return tf.tidy(() =>
    normalize(
      tf.image.cropAndResize(
        image,
        tf.tensor2d(coords, [boxes.length, 4]),
        tf.zeros([boxes.length], "int32"),
        [side, side],
        "bilinear",
        0,
      ),
    )
  );
}

/** Runs `net` on crops of `boxes` in chunks of `batchSize`; returns each output concatenated. */
async function runOnCrops<K extends string>(
  image: tf.Tensor4D,
  boxes: readonly Box[],
  side: number,
  batchSize: number,
  net: (crops: tf.Tensor4D) => Record<K, tf.Tensor>,
): Promise<Record<K, Float32Array>> {
  const parts: Record<string, Float32Array[]> = {};
  for (let start = 0; start < boxes.length; start += batchSize) {
    const out = tf.tidy(() => net(cropBoxes(image, boxes.slice(start, start + batchSize), side)));
    for (const [key, t] of Object.entries<tf.Tensor>(out)) {
      (parts[key] ??= []).push(await t.data() as Float32Array);
      t.dispose();
    }
  }
  const joined: Record<string, Float32Array> = {};
  for (const [key, arrays] of Object.entries(parts)) {
    joined[key] = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
    arrays.reduce((at, a) => (joined[key].set(a, at), at + a.length), 0);
  }
  return joined as Record<K, Float32Array>;
}

/**
 * Stage 2: scores 24×24 crops of the candidates with R-Net; keeps those above `threshold`, NMS,
 * applies the box offsets and squares the boxes.
 *
 * @example
 * const refined = await refineFaces(image, proposals, 0.7, weights.rnet, 256);
 */
export async function refineFaces(
  image: tf.Tensor4D,
  candidates: readonly Candidate[],
  threshold: number,
  weights: RNetWeights,
  batchSize: number,
): Promise<Candidate[]> {
  if (candidates.length === 0) return [];
  const out = await runOnCrops(
    image,
    candidates.map((c) => c.box),
    24,
    batchSize,
    (crops) => runRNet(crops, weights),
  );
  const passed = candidates.map((_, i) => i).filter((i) => out.scores[i] >= threshold);
  const keep = nonMaxSuppression(
    passed.map((i) => candidates[i].box),
    passed.map((i) => out.scores[i]),
    NMS_REFINE,
  );
  return keep.map((k) => passed[k]).map((i) => ({
    box: squareBox(applyOffsets(candidates[i].box, out.offsets, i * 4)),
    score: out.scores[i],
  }));
}

/**
 * Stage 3: scores 48×48 crops with O-Net; keeps those above `threshold`, maps the five landmarks
 * into the image, applies the box offsets and removes overlaps (NMS over the smaller box).
 * Boxes are not clipped here. O-Net gives the landmarks image-left first (checked on upright
 * faces: the first eye and mouth corner have the smaller x), the order `Landmarks` uses.
 *
 * @example
 * const faces = await outputFaces(image, refined, 0.7, weights.onet, 256);
 */
export async function outputFaces(
  image: tf.Tensor4D,
  candidates: readonly Candidate[],
  threshold: number,
  weights: ONetWeights,
  batchSize: number,
): Promise<DetectedFace[]> {
  if (candidates.length === 0) return [];
  const out = await runOnCrops(
    image,
    candidates.map((c) => c.box),
    48,
    batchSize,
    (crops) => runONet(crops, weights),
  );
  const faces = candidates.flatMap(({ box }, i) => {
    const score = out.scores[i];
    if (score < threshold) return [];
    const point = (k: number): Point => [
      box.x + out.landmarks[i * 10 + k] * box.width,
      box.y + out.landmarks[i * 10 + 5 + k] * box.height,
    ];
    const landmarks: Landmarks = {
      leftEye: point(0),
      rightEye: point(1),
      nose: point(2),
      mouthLeft: point(3),
      mouthRight: point(4),
    };
    return [{ box: applyOffsets(box, out.offsets, i * 4), score, landmarks }];
  });
  const keep = nonMaxSuppression(
    faces.map((f) => f.box),
    faces.map((f) => f.score),
    NMS_OUTPUT,
    "min",
  );
  return keep.map((k) => faces[k]);
}
