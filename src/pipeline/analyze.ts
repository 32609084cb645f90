/**
 * One image from bytes to faces: decode (with EXIF orientation and the pixel limit), detect on a
 * copy downscaled to what the smallest wanted face needs, map boxes back to original coordinates,
 * pick faces, align each onto the embedder's template, embed. Knows nothing of the CLI.
 */
import { decodeImage, prepareDecoder, readImageSize } from "../image/decode.ts";
import { readOrientation } from "../image/exif.ts";
import type { PixelScratch } from "../image/pixel_scratch.ts";
import { resizeArea, shrinkByBlocks } from "../image/resize.ts";
import { alignFace } from "../embed/align.ts";
import { padEdges } from "../image/pad.ts";
import { fuseVectors } from "../embed/fusion.ts";
import type { DetectedFace, Detector, FaceEmbedder, Landmarks, Point, RgbImage } from "../types.ts";

/** Which single face to keep per image, or all. */
export const PICKS = ["all", "largest", "center", "score"] as const;
/** One of {@link PICKS}. */
export type Pick = typeof PICKS[number];

/**
 * A detector's work is done on a copy where the smallest wanted face is at most this many pixels.
 * MTCNN builds its own pyramid and crops from the image it is given, so the copy only saves
 * memory and time on very large photos; a face of 48 px still gives R-Net and O-Net sharp crops.
 */
export const DETECT_FACE_PX = 48;

/**
 * `--min-face auto`: the smallest face searched is this fraction of the image's shorter side
 * (never below 20 px). On the shared photos (groups, human, npm samples, bbt) 1/40 finds the same
 * real faces as 20 px did (the smallest a 22-px face at the edge of a 1447-px photo), with 0.39×
 * the P-Net work on 1920-px photos; low-scoring false positives (O-Net 0.78–0.96) changed by one
 * or two.
 */
export const AUTO_MIN_FACE_FRACTION = 1 / 40;

/**
 * Images whose shorter side is at most this are retried with a margin when no face is found: a
 * pre-cropped face that fills the frame (as in many face data sets) has no context for the
 * detector otherwise.
 */
export const TIGHT_CROP_MAX_SIDE = 400;

/**
 * With a JPEG decoded at reduced size for detection, faces whose box is at least this many pixels
 * there (both sides) are aligned from that copy too: it still has more pixels across the face than
 * the embedders' chips (150 px for dlib, 112 for MobileFaceNet). A smaller face makes the image
 * decoded again at full size for alignment.
 */
export const ALIGN_FROM_REDUCED_MIN_FACE = 150;

/** Options for {@link analyzeImage}. */
export interface AnalyzeOptions {
  /** Smallest face side in original-image pixels; `"auto"` = max(20, shorter side / 40). */
  minFace: number | "auto";
  maxPixels: number;
  pick: Pick;
  flip: boolean;
  /** Keep the aligned chips (for `--crops`). */
  keepChips: boolean;
  /** Keep the decoded image (for `--annotate`). */
  keepImage?: boolean;
  /**
   * Decode large JPEGs at 1/2, 1/4 or 1/8 size for detection (see {@link detectReduction});
   * default true. False decodes every image at full size (the way to compare the two).
   */
  reduceJpeg?: boolean;
  /** Filled with each stage's time when given (`deno task large-photo` reports them). */
  timings?: StageTimings;
}

/** Milliseconds spent in each stage of {@link analyzeImage}. */
export interface StageTimings {
  /** Header, decode (reduced for large JPEGs) and orientation. */
  decode: number;
  detect: number;
  /** A second, full-size decode for alignment (0 when the reduced copy sufficed). */
  fullDecode: number;
  /** Alignment and embedding of every face. */
  embed: number;
}

/** A face with, when an embedder ran, its unit embedding and (if asked) its aligned chip. */
export interface AnalyzedFace extends DetectedFace {
  embedding?: Float32Array;
  chip?: RgbImage;
}

/** The result for one image. */
export interface AnalyzedImage {
  width: number;
  height: number;
  /** How many faces the detector found before picking. */
  detected: number;
  faces: AnalyzedFace[];
  /** The decoded, oriented image, when asked for. */
  image?: RgbImage;
}

/** The effective minimum face size for an image. */
export function resolveMinFace(
  minFace: number | "auto",
  image: { width: number; height: number },
): number {
  if (minFace !== "auto") return minFace;
  return Math.max(20, Math.round(Math.min(image.width, image.height) * AUTO_MIN_FACE_FRACTION));
}

function transformPoint([x, y]: Point, s: number, dx: number, dy: number): Point {
  return [x * s + dx, y * s + dy];
}

function transformFace(face: DetectedFace, s: number, dx = 0, dy = 0): DetectedFace {
  const l = face.landmarks;
  const landmarks: Landmarks = {
    leftEye: transformPoint(l.leftEye, s, dx, dy),
    rightEye: transformPoint(l.rightEye, s, dx, dy),
    nose: transformPoint(l.nose, s, dx, dy),
    mouthLeft: transformPoint(l.mouthLeft, s, dx, dy),
    mouthRight: transformPoint(l.mouthRight, s, dx, dy),
  };
  const b = face.box;
  return {
    score: face.score,
    box: { x: b.x * s + dx, y: b.y * s + dy, width: b.width * s, height: b.height * s },
    landmarks,
  };
}

function clipBox(face: DetectedFace, image: { width: number; height: number }): DetectedFace {
  const b = face.box;
  const x = Math.max(0, b.x), y = Math.max(0, b.y);
  const width = Math.min(image.width, b.x + b.width) - x;
  const height = Math.min(image.height, b.y + b.height) - y;
  return { ...face, box: { x, y, width, height } };
}

/**
 * Detects faces; when an image no larger than {@link TIGHT_CROP_MAX_SIDE} has none, retries on a
 * copy with a 25% edge-replicated margin (boxes clipped back to the image). `minFace` and the
 * faces returned are in full-image pixels (see `reduced` in {@link detectScaled}).
 */
export async function detectFaces(
  image: RgbImage,
  detector: Detector,
  minFace: number,
  reduced?: Reduced,
): Promise<DetectedFace[]> {
  const faces = await detectScaled(image, detector, minFace, reduced);
  if (faces.length || Math.max(image.width, image.height) > TIGHT_CROP_MAX_SIDE) return faces;
  const pad = Math.round(Math.max(image.width, image.height) * 0.25);
  const padded = await detectScaled(padEdges(image, pad), detector, minFace);
  return padded.map((f) => clipBox(transformFace(f, 1, -pad, -pad), image));
}

/** An image already decoded smaller than the full picture: by how much, and the full size. */
export interface Reduced {
  by: number;
  full: { width: number; height: number };
}

/**
 * Detects faces, first shrinking by a whole factor (block averaging) when the wanted faces are
 * more than {@link DETECT_FACE_PX} pixels. Boxes and landmarks come back in full-image
 * coordinates. When `image` was decoded `reduced.by` times smaller, the detector still gets the
 * copy it would get from the full image: the same size, so the same faces within a few pixels
 * (block-shrunk further when the factors divide, else area-averaged).
 */
async function detectScaled(
  image: RgbImage,
  detector: Detector,
  minFace: number,
  reduced: Reduced = { by: 1, full: image },
): Promise<DetectedFace[]> {
  const { by, full } = reduced;
  const factor = Math.max(by, shrinkFactor(minFace, full));
  if (factor < 2) return await detector.detect(image, { minFace });
  const small = factor === by
    ? image
    : factor % by === 0
    ? shrinkByBlocks(image, factor / by)
    : resizeArea(image, Math.floor(full.width / factor), Math.floor(full.height / factor));
  const faces = await detector.detect(small, { minFace: minFace / factor });
  return faces.map((f) => transformFace(f, factor));
}

/** The whole factor the detector's copy is shrunk by (below 2: not shrunk). */
function shrinkFactor(minFace: number, image: { width: number; height: number }): number {
  return Math.min(
    Math.ceil(minFace / DETECT_FACE_PX),
    Math.floor(Math.min(image.width, image.height) / 12),
  );
}

/**
 * How much smaller to decode a JPEG for detection: the largest of JPEG's DCT scalings (1/2, 1/4,
 * 1/8) that does not go below the detector's own shrink factor, so the detector sees what it
 * would see after shrinking the full image; 1 when no shrinking is due (photos up to ~1920 px).
 *
 * @example
 * detectReduction(123, { width: 4912, height: 7360 }); // 2 (the detector then shrinks by 2 more)
 */
export function detectReduction(
  minFace: number,
  image: { width: number; height: number },
): 1 | 2 | 4 | 8 {
  const factor = shrinkFactor(minFace, image);
  return factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1;
}

/** Keeps the faces `pick` asks for (all, or the one largest / nearest the centre / best scored). */
export function pickFaces<F extends DetectedFace>(
  faces: F[],
  pick: Pick,
  image: { width: number; height: number },
): F[] {
  if (pick === "all" || faces.length <= 1) return faces;
  const key = (f: F): number => {
    if (pick === "largest") return f.box.width * f.box.height;
    if (pick === "score") return f.score;
    const dx = f.box.x + f.box.width / 2 - image.width / 2;
    const dy = f.box.y + f.box.height / 2 - image.height / 2;
    return -Math.hypot(dx, dy);
  };
  return [faces.reduce((best, f) => (key(f) > key(best) ? f : best))];
}

/**
 * Decodes, detects, picks and (with an embedder) aligns and embeds every face of one image.
 * Throws the decoder's error for unreadable images. With `scratch` (reused across a run's images,
 * never by two analyses at once) a JPEG is decoded into its buffer, unless the image is kept.
 *
 * @example
 * const r = await analyzeImage(bytes, { detector, embedder }, { minFace: 20, maxPixels: 5e7,
 *   pick: "all", flip: false, keepChips: false });
 */
export async function analyzeImage(
  bytes: Uint8Array,
  models: { detector: Detector; embedder?: FaceEmbedder },
  options: AnalyzeOptions,
  scratch?: PixelScratch,
): Promise<AnalyzedImage> {
  const clock = stageClock(options.timings);
  await prepareDecoder(bytes);
  const header = readImageSize(bytes);
  const minFace = resolveMinFace(options.minFace, header);
  const reduce = options.keepImage || header.format !== "jpeg" || options.reduceJpeg === false
    ? 1
    : detectReduction(minFace, header);
  const decodeOptions = {
    maxPixels: options.maxPixels,
    scratch: options.keepImage ? undefined : scratch,
  };
  const decoded = decodeImage(bytes, { ...decodeOptions, reduce });
  // The full size, turned like the decoded copy when the EXIF orientation swaps the sides.
  const size = reduce === 1
    ? { width: decoded.width, height: decoded.height }
    : readOrientation(bytes) >= 5
    ? { width: header.height, height: header.width }
    : { width: header.width, height: header.height };
  clock("decode");
  const detected = await detectFaces(decoded, models.detector, minFace, { by: reduce, full: size });
  clock("detect");
  const faces: AnalyzedFace[] = pickFaces(detected, options.pick, size);
  if (models.embedder || options.keepChips) {
    // Align from the reduced copy while every face is large in it, else from the full image.
    const fromReduced = faces.every((f) =>
      Math.min(f.box.width, f.box.height) / reduce >= ALIGN_FROM_REDUCED_MIN_FACE
    );
    const [source, sourceFaces] = reduce === 1 || fromReduced
      ? [decoded, faces.map((f) => transformFace(f, 1 / reduce))]
      : [decodeImage(bytes, decodeOptions), faces];
    clock("fullDecode");
    // One chip per face for each model, on that model's template; --crops keeps the first.
    const parts = models.embedder?.parts ?? [];
    const chipSets = parts.map((p) =>
      sourceFaces.map((f) => alignFace(source, f.landmarks, p.inputSize, p.template))
    );
    const perPart: Float32Array[][] = [];
    for (const [k, part] of parts.entries()) {
      perPart.push(faces.length ? await part.embed(chipSets[k], { flip: options.flip }) : []);
    }
    const crops = chipSets[0] ?? sourceFaces.map((f) => alignFace(source, f.landmarks));
    faces.forEach((f, i) => {
      if (parts.length) f.embedding = fuseVectors(perPart.map((vectors) => vectors[i]));
      if (options.keepChips) f.chip = crops[i];
    });
    clock("embed");
  }
  const result: AnalyzedImage = {
    width: size.width,
    height: size.height,
    detected: detected.length,
    faces,
  };
  if (options.keepImage) result.image = decoded;
  return result;
}

/** A stopwatch adding the time since its last call to `timings[stage]` (a no-op without them). */
function stageClock(timings?: StageTimings): (stage: keyof StageTimings) => void {
  if (!timings) return () => {};
  Object.assign(timings, { decode: 0, detect: 0, fullDecode: 0, embed: 0 });
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    timings[stage] += now - last;
    last = now;
  };
}

/** The face `pick` chose in one image, embedded, and how many faces the image had. */
export interface PickedFace {
  face: AnalyzedFace & { embedding: Float32Array };
  detected: number;
}

/**
 * The picked face of an analysis run with a single-face `pick` (largest, center or score) and an
 * embedder; null when the image has no face.
 *
 * @example
 * const picked = pickedFace(await analyzer.analyze(bytes, { ...options, pick: "largest" }));
 */
export function pickedFace(result: AnalyzedImage): PickedFace | null {
  const face = result.faces[0];
  if (!face?.embedding) return null;
  return { face: face as PickedFace["face"], detected: result.detected };
}

/**
 * Embeds the single face `options.pick` chooses (largest, center or score); null when the image
 * has no face. Throws the decoder's error for unreadable images.
 *
 * @example
 * const picked = await embedPickedFace(bytes, { detector, embedder }, { minFace: "auto",
 *   maxPixels: 5e7, pick: "largest", flip: false });
 */
export async function embedPickedFace(
  bytes: Uint8Array,
  models: { detector: Detector; embedder: FaceEmbedder },
  options: Omit<AnalyzeOptions, "keepChips" | "keepImage">,
): Promise<PickedFace | null> {
  return pickedFace(await analyzeImage(bytes, models, { ...options, keepChips: false }));
}
