/**
 * MTCNN face detector (Zhang et al. 2016, weights from face-api.js): a P-Net / R-Net / O-Net
 * cascade giving boxes, scores and five landmarks.
 */
import type { DetectedFace, DetectOptions, Detector, RgbImage } from "../../types.ts";
import { initTf } from "../../runtime/tf.ts";
import { clipBox } from "../nms.ts";
import { outputFaces, proposeFaces, pyramidScales, refineFaces } from "./stages.ts";
import { FloatScratch } from "./resample.ts";
import { loadMtcnnWeights } from "./weights.ts";

/** Tuning of the cascade. */
export interface MtcnnOptions {
  /** Ratio between successive pyramid levels. */
  scaleFactor: number;
  /** Minimum face probability after P-Net, R-Net and O-Net. */
  thresholds: [number, number, number];
  /**
   * At most this many P-Net proposals (the best) go on to R-Net. 1920-px photos give 300–900;
   * a 36 MP photo at minFace 20 gives ~19 000, where the cap saves ~12 s of R-Net.
   */
  maxCandidates: number;
  /**
   * Crops per R-Net / O-Net forward pass. XNNPACK's buffers and O-Net's first activation (17 MB
   * at 64) grow with the batch, and the WASM heap never shrinks: over 39 photos of ~1920 px the
   * heap ended at 172 MB with 64, 120 MB with 32 or 16; 32 ran R-Net 5% faster than 16 (38.6 vs
   * 40.5 ms per photo, best of 9 on the six npm photos).
   */
  batchSize: number;
}

/**
 * Defaults of the original MTCNN, except P-Net's threshold (0.7, not 0.6), plus limits that bound
 * time and memory on huge images. The higher P-Net threshold sends ~30% fewer proposals to R-Net
 * (~25 ms less per 1920-px photo); on the shared photos (118 images, 233 faces) it lost no face,
 * only a 0.78-scored false positive.
 */
export const DEFAULT_MTCNN_OPTIONS: Readonly<MtcnnOptions> = {
  scaleFactor: 0.709,
  thresholds: [0.7, 0.7, 0.7],
  maxCandidates: 4000,
  batchSize: 32,
};

/**
 * Creates an MTCNN detector from the embedded weights (starts tfjs if needed).
 * `detect` returns faces sorted by score, boxes clipped to the image; `minFace` is the smallest
 * face side searched, in original-image pixels.
 *
 * @example
 * const detector = await createMtcnnDetector();
 * const faces = await detector.detect(image, { minFace: 40 });
 */
export async function createMtcnnDetector(options: Partial<MtcnnOptions> = {}): Promise<Detector> {
  const { scaleFactor, thresholds, maxCandidates, batchSize } = {
    ...DEFAULT_MTCNN_OPTIONS,
    ...options,
  };
  if (!(scaleFactor > 0 && scaleFactor < 1)) {
    throw new Error("mtcnn: scaleFactor must be in (0, 1)");
  }
  await initTf();
  const weights = loadMtcnnWeights();
  const scratch = new FloatScratch();
  const run = async (image: RgbImage, minFace: number): Promise<DetectedFace[]> => {
    const { width, height } = image;
    const scales = pyramidScales(width, height, minFace, scaleFactor);
    if (scales.length === 0) return [];
    const proposals = await proposeFaces(image, scales, thresholds[0], weights.pnet, scratch);
    const refined = await refineFaces(
      image,
      proposals.slice(0, maxCandidates),
      thresholds[1],
      weights.rnet,
      batchSize,
      scratch,
    );
    const faces = await outputFaces(
      image,
      refined,
      thresholds[2],
      weights.onet,
      batchSize,
      scratch,
    );
    return faces
      .map((face) => ({ ...face, box: clipBox(face.box, width, height) }))
      .filter((face) => face.box.width > 0 && face.box.height > 0)
      .sort((a, b) => b.score - a.score);
  };
  // One detection at a time: they share the scratch buffers.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: "mtcnn",
    detect(image: RgbImage, { minFace }: DetectOptions): Promise<DetectedFace[]> {
      if (!(minFace > 0 && Number.isFinite(minFace))) {
        return Promise.reject(
          new Error(`mtcnn: minFace must be a positive number, got ${minFace}`),
        );
      }
      const result = queue.then(() => run(image, minFace));
      queue = result.catch(() => {});
      return result;
    },
  };
}
