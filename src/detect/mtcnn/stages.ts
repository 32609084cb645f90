/**
 * The MTCNN cascade: image pyramid + P-Net proposals, R-Net refinement, O-Net output with
 * landmarks. Every stage reads the 8-bit RGB image itself (pyramid levels and crops are resampled
 * in JavaScript, see resample.ts), so no full-resolution tensor exists, and works in image pixel
 * coordinates.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Box, DetectedFace, Landmarks, Point, RgbImage } from "../../types.ts";
import { nonMaxSuppression, squareBox } from "../nms.ts";
import {
  faceProbability,
  ONET_OUTPUTS,
  PNET_OUTPUTS,
  RNET_OUTPUTS,
  runONet,
  runPNetTail,
  runRNet,
} from "./nets.ts";
import { cropBoxes, type FloatImage, FloatScratch, pyramidLevel } from "./resample.ts";
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
/**
 * Level pixels per P-Net band: bounds the activations' (and XNNPACK's indirection buffers')
 * memory. Bands overlap by 4 rows of the pooled map. From 32K to 256K pixels per band P-Net ran
 * equally fast (104–112 ms per 1920-px npm photo, best of 7), so this is the smallest size whose
 * overlap stays under ~10% on a 720-px-wide level.
 */
const BAND_PIXELS = 1 << 16;

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
 * Runs P-Net over one pyramid level and returns the cells scoring at least `threshold`. The level
 * goes in horizontal bands of about `BAND_PIXELS` pixels: each band's first layer runs on its own
 * kernel (pnet_first_layer.ts), giving whole rows of the pooled map, and the rest of the net in
 * tfjs. Bands overlap by the 4 pooled rows the two 3×3 convs need, so the cells equal those of a
 * single pass while the activations stay small.
 */
async function scoreCells(
  level: FloatImage,
  threshold: number,
  weights: PNetWeights,
): Promise<Cell[]> {
  const { width, height } = level;
  const pooledRows = Math.ceil((height - 2) / 2);
  const bandRows = Math.max(CELL / STRIDE, Math.floor(BAND_PIXELS / 4 / (width >> 1)));
  // p >= threshold  <=>  l1 - l0 >= logit(threshold): most cells need no exp().
  const minLogit = Math.log(threshold / (1 - threshold));
  const cells: Cell[] = [];
  for (let top = 0;; top += bandRows - 4) {
    const rows = Math.min(bandRows, pooledRows - top);
    // Pooled rows [top, top + rows) need level rows [2·top, 2·(top + rows) + 2).
    const last = Math.min(height, 2 * (top + rows) + 2);
    const pooled = weights.conv1.run({
      width,
      height: last - 2 * top,
      data: level.data.subarray(2 * top * width * 3, last * width * 3),
    });
    const input = tf.tensor4d(pooled.data, [1, pooled.height, pooled.width, 10]);
    const output = runPNetTail(input, weights);
    input.dispose();
    const cols = output.shape[2];
    const map = await output.data() as Float32Array;
    output.dispose();
    for (let i = 0, at = 0; at < map.length; i++, at += PNET_OUTPUTS) {
      if (map[at + 1] - map[at] < minLogit) continue;
      const score = faceProbability(map, at);
      if (score < threshold) continue;
      const row = Math.floor(i / cols);
      cells.push({
        row: top + row,
        col: i - row * cols,
        score,
        offsets: map.subarray(at + 2, at + 6),
      });
    }
    if (top + rows >= pooledRows) return cells;
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
  image: RgbImage,
  scales: readonly number[],
  threshold: number,
  weights: PNetWeights,
  scratch = new FloatScratch(),
): Promise<Candidate[]> {
  const { width, height } = image;
  const windows: Box[] = [];
  const kept: Cell[] = [];
  let level: RgbImage | FloatImage = image;
  for (const [k, scale] of scales.entries()) {
    const size: [number, number] = [Math.floor(height * scale), Math.floor(width * scale)];
    level = pyramidLevel(level, size[1], size[0], scratch, k & 1);
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
  return nonMaxSuppression(windows, kept.map((c) => c.score), NMS_ACROSS_SCALES).map((k) => ({
    box: squareBox(applyOffsets(windows[k], kept[k].offsets)),
    score: kept[k].score,
  }));
}

/**
 * Runs `net` on `side`×`side` crops of `boxes` in chunks of `batchSize` (cropped into `scratch`
 * buffer 4); returns its output rows (`columns` values per box) concatenated.
 */
async function runOnCrops(
  image: RgbImage,
  boxes: readonly Box[],
  side: number,
  batchSize: number,
  columns: number,
  net: (crops: tf.Tensor4D) => tf.Tensor2D,
  scratch: FloatScratch,
): Promise<Float32Array> {
  const rows = new Float32Array(boxes.length * columns);
  for (let start = 0; start < boxes.length; start += batchSize) {
    const batch = boxes.slice(start, start + batchSize);
    const buffer = scratch.take(4, batch.length * side * side * 3);
    const crops = tf.tensor4d(cropBoxes(image, batch, side, buffer), [batch.length, side, side, 3]);
    const output = net(crops);
    crops.dispose();
    rows.set(await output.data() as Float32Array, start * columns);
    output.dispose();
  }
  return rows;
}

/**
 * Stage 2: scores 24×24 crops of the candidates with R-Net; keeps those above `threshold`, NMS,
 * applies the box offsets and squares the boxes.
 *
 * @example
 * const refined = await refineFaces(image, proposals, 0.7, weights.rnet, 64);
 */
export async function refineFaces(
  image: RgbImage,
  candidates: readonly Candidate[],
  threshold: number,
  weights: RNetWeights,
  batchSize: number,
  scratch = new FloatScratch(),
): Promise<Candidate[]> {
  if (candidates.length === 0) return [];
  const out = await runOnCrops(
    image,
    candidates.map((c) => c.box),
    24,
    batchSize,
    RNET_OUTPUTS,
    (crops) => runRNet(crops, weights),
    scratch,
  );
  const scores = candidates.map((_, i) => faceProbability(out, i * RNET_OUTPUTS));
  const passed = candidates.map((_, i) => i).filter((i) => scores[i] >= threshold);
  const keep = nonMaxSuppression(
    passed.map((i) => candidates[i].box),
    passed.map((i) => scores[i]),
    NMS_REFINE,
  );
  return keep.map((k) => passed[k]).map((i) => ({
    box: squareBox(applyOffsets(candidates[i].box, out, i * RNET_OUTPUTS + 2)),
    score: scores[i],
  }));
}

/**
 * Stage 3: scores 48×48 crops with O-Net; keeps those above `threshold`, maps the five landmarks
 * into the image, applies the box offsets and removes overlaps (NMS over the smaller box).
 * Boxes are not clipped here. O-Net gives the landmarks image-left first (checked on upright
 * faces: the first eye and mouth corner have the smaller x), the order `Landmarks` uses.
 *
 * @example
 * const faces = await outputFaces(image, refined, 0.7, weights.onet, 64);
 */
export async function outputFaces(
  image: RgbImage,
  candidates: readonly Candidate[],
  threshold: number,
  weights: ONetWeights,
  batchSize: number,
  scratch = new FloatScratch(),
): Promise<DetectedFace[]> {
  if (candidates.length === 0) return [];
  const out = await runOnCrops(
    image,
    candidates.map((c) => c.box),
    48,
    batchSize,
    ONET_OUTPUTS,
    (crops) => runONet(crops, weights),
    scratch,
  );
  const faces = candidates.flatMap(({ box }, i) => {
    const at = i * ONET_OUTPUTS;
    const score = faceProbability(out, at);
    if (score < threshold) return [];
    const point = (k: number): Point => [
      box.x + out[at + 6 + k] * box.width,
      box.y + out[at + 11 + k] * box.height,
    ];
    const landmarks: Landmarks = {
      leftEye: point(0),
      rightEye: point(1),
      nose: point(2),
      mouthLeft: point(3),
      mouthRight: point(4),
    };
    return [{ box: applyOffsets(box, out, at + 2), score, landmarks }];
  });
  const keep = nonMaxSuppression(
    faces.map((f) => f.box),
    faces.map((f) => f.score),
    NMS_OUTPUT,
    "min",
  );
  return keep.map((k) => faces[k]);
}
