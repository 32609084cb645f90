/**
 * BlazeFace face detector (MediaPipe's 256×256 model, as converted by @vladmandic/human): one
 * pass over the whole image, letter-boxed to a square and shrunk to 256×256, so how small a face
 * it can see depends on the image's longer side, not on `minFace`. In cluttered group photos it
 * finds faces down to about 1/30 of the longer side (≈ 64 px in a 1920 px photo), on a plain
 * background down to about 1/50; smaller faces need MTCNN (or a crop of the image).
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import modelJson from "../../../models/blazeface.json" with { type: "json" };
import modelWeights from "../../../models/blazeface.bin" with { type: "bytes" };
import { initTf } from "../../runtime/tf.ts";
import type { Box, DetectedFace, DetectOptions, Detector, Point, RgbImage } from "../../types.ts";
import { BLAZEFACE_INPUT_SIZE, blazeFaceAnchors } from "./anchors.ts";
import { clipBox, nonMaxSuppression } from "../nms.ts";
import { landmarksFromKeypoints } from "./landmarks.ts";
import { shrinkByBoxFilter } from "./shrink.ts";

/** Faces scoring below this (sigmoid of the model's logit) are dropped. */
const SCORE_THRESHOLD = 0.45;
/** Overlapping detections with a larger IoU than this are suppressed. */
const IOU_THRESHOLD = 0.3;
/** Per anchor: box centre offset (2), box size (2), six keypoint offsets (12). */
const REGRESSORS = 16;

const ANCHORS = blazeFaceAnchors();

/** A detection in 256×256 input pixels: box, score and the first four keypoints. */
interface Candidate {
  box: Box;
  score: number;
  keypoints: Point[];
}

/**
 * Loads the embedded BlazeFace model and returns a detector named "blazeface".
 *
 * @example
 * const detector = await createBlazeFaceDetector();
 * const faces = await detector.detect(decodeJpeg(bytes), { minFace: 40 });
 */
export async function createBlazeFaceDetector(): Promise<Detector> {
  await initTf();
  const model = await loadBlazeFaceModel();
  return {
    name: "blazeface",
    detect: (image, options) => detectFaces(model, image, options),
  };
}

function loadBlazeFaceModel(): Promise<GraphModel> {
  const weightData = modelWeights.buffer.slice(
    modelWeights.byteOffset,
    modelWeights.byteOffset + modelWeights.byteLength,
  ) as ArrayBuffer;
  return loadGraphModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) =>
      group.weights
    ) as tf.io.WeightsManifestEntry[],
    weightData,
  }));
}

async function detectFaces(
  model: GraphModel,
  image: RgbImage,
  options: DetectOptions,
): Promise<DetectedFace[]> {
  if (image.width < 1 || image.height < 1) return [];
  const { input, scale } = letterbox(image);
  let logits: Float32Array, regressors: Float32Array;
  try {
    ({ logits, regressors } = await predict(model, input));
  } finally {
    input.dispose();
  }
  const candidates = decodeCandidates(logits, regressors);
  const kept = nonMaxSuppression(
    candidates.map((c) => c.box),
    candidates.map((c) => c.score),
    IOU_THRESHOLD,
  );
  return kept
    .map((i) => candidates[i])
    .filter(({ box }) => Math.max(box.width, box.height) * scale >= options.minFace)
    .map((candidate) => toImageCoordinates(candidate, scale, image))
    .filter((face): face is DetectedFace => face !== null);
}

/**
 * Shrinks the image by an integer box filter, pads it at the right/bottom to a square and resizes
 * that bilinearly (half-pixel centres) to 256×256, scaled to [−1, 1]. `scale` is the number of
 * original pixels per input pixel, so a point maps back as `p * scale`.
 */
function letterbox(image: RgbImage): { input: tf.Tensor4D; scale: number } {
  const factor = Math.max(
    1,
    Math.floor(Math.max(image.width, image.height) / BLAZEFACE_INPUT_SIZE),
  );
  const small = shrinkByBoxFilter(image, factor);
  const side = Math.max(small.width, small.height);
  const input = tf.tidy(() => {
    const pixels = tf.tensor4d(small.data, [1, small.height, small.width, 3]);
    const bottom = side - small.height, right = side - small.width;
    const square = tf.pad(pixels, [[0, 0], [0, bottom], [0, right], [0, 0]]);
    const resized = tf.image.resizeBilinear(
      square,
      [BLAZEFACE_INPUT_SIZE, BLAZEFACE_INPUT_SIZE],
      false,
      true,
    );
    return tf.sub<tf.Tensor4D>(tf.div(resized, 127.5), 1);
  });
  return { input, scale: (side * factor) / BLAZEFACE_INPUT_SIZE };
}

/**
 * Runs the model and returns, in anchor order, one logit and 16 regressors per anchor. The
 * graph's outputs come back in no useful order, so they are told apart by shape: [1,512,·] is
 * the stride-16 layer (first 512 anchors), [1,384,·] the stride-32 layer; last dim 1 is the
 * logit, 16 the regressors.
 */
async function predict(
  model: GraphModel,
  input: tf.Tensor4D,
): Promise<{ logits: Float32Array; regressors: Float32Array }> {
  const outputs = model.execute(input) as tf.Tensor[];
  try {
    const byAnchorOrder = [...outputs].sort((a, b) => b.shape[1]! - a.shape[1]!);
    const logitParts = byAnchorOrder.filter((t) => t.shape[2] === 1);
    const regressorParts = byAnchorOrder.filter((t) => t.shape[2] === REGRESSORS);
    if (logitParts.length !== 2 || regressorParts.length !== 2) {
      throw new Error(`blazeface: unexpected outputs ${outputs.map((t) => `[${t.shape}]`)}`);
    }
    return {
      logits: await concatData(logitParts),
      regressors: await concatData(regressorParts),
    };
  } finally {
    tf.dispose(outputs);
  }
}

async function concatData(tensors: tf.Tensor[]): Promise<Float32Array> {
  const parts = await Promise.all(tensors.map((t) => t.data<"float32">()));
  const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * Anchors scoring at least SCORE_THRESHOLD, decoded: box centre = anchor + offset, box size as
 * given, keypoints = anchor + offset (all in input pixels). Keeps the first four keypoints (eyes,
 * nose tip, mouth centre; see landmarks.ts for their order) and drops the two ear points.
 */
function decodeCandidates(logits: Float32Array, regressors: Float32Array): Candidate[] {
  const candidates: Candidate[] = [];
  for (let i = 0; i < logits.length; i++) {
    const score = 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, logits[i]))));
    if (score < SCORE_THRESHOLD) continue;
    const r = regressors.subarray(i * REGRESSORS, (i + 1) * REGRESSORS);
    const ax = ANCHORS[2 * i], ay = ANCHORS[2 * i + 1];
    const cx = ax + r[0], cy = ay + r[1];
    const keypoints: Point[] = [0, 1, 2, 3].map((k) => [ax + r[4 + 2 * k], ay + r[5 + 2 * k]]);
    const box = { x: cx - r[2] / 2, y: cy - r[3] / 2, width: r[2], height: r[3] };
    candidates.push({ box, score, keypoints });
  }
  return candidates;
}

/**
 * Maps a candidate back to original image pixels: the box scaled and clipped to the image (null
 * when nothing is left), the landmarks scaled but not clipped.
 */
function toImageCoordinates(
  candidate: Candidate,
  scale: number,
  image: RgbImage,
): DetectedFace | null {
  const { x, y, width, height } = candidate.box;
  const scaled = { x: x * scale, y: y * scale, width: width * scale, height: height * scale };
  const box = clipBox(scaled, image.width, image.height);
  if (box.width === 0 || box.height === 0) return null;
  const [leftEye, rightEye, nose, mouth] = candidate.keypoints.map(([px, py]): Point => [
    px * scale,
    py * scale,
  ]);
  return {
    box,
    score: candidate.score,
    landmarks: landmarksFromKeypoints(leftEye, rightEye, nose, mouth),
  };
}
