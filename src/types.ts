/** Records shared by the pipeline stages: plain data, no tensors. */

/** An 8-bit RGB image, pixels row-major, 3 bytes per pixel (`data.length === width*height*3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An axis-aligned box in pixel coordinates of the original (oriented) image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point `[x, y]` in pixel coordinates. */
export type Point = [number, number];

/**
 * Five facial landmarks. "left"/"right" are as seen in the image (image-left eye has the smaller x
 * for an upright frontal face), the order dlib's alignment template uses.
 */
export interface Landmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

/** One detected face. */
export interface DetectedFace {
  box: Box;
  score: number;
  landmarks: Landmarks;
}

/** Options every detector understands. */
export interface DetectOptions {
  /** Smallest face side to look for, in pixels of the original image. */
  minFace: number;
}

/** A face detector: image in, faces out, no tensors leaked. */
export interface Detector {
  readonly name: string;
  detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]>;
}

/** Options for computing embeddings. */
export interface EmbedOptions {
  /** Average each face's embedding with its mirror image's (test-time augmentation). */
  flip: boolean;
}

/**
 * A face embedder: aligned chips (each `inputSize`×`inputSize`, made by the alignment stage) in,
 * one L2-normalised vector of length `size` per chip out, in input order.
 */
export interface Embedder {
  /** Stable name, e.g. "dlib-resnet-v1". */
  readonly name: string;
  /** sha256 (hex) of the weights, stamped into galleries and models. */
  readonly hash: string;
  /** Length of each embedding. */
  readonly size: number;
  /** Side of the square input chip in pixels. */
  readonly inputSize: number;
  /** Where the five landmarks go in the chip (pixels), in {@link Landmarks} order. */
  readonly template: readonly Point[];
  embed(chips: RgbImage[], options: EmbedOptions): Promise<Float32Array[]>;
}

/**
 * What the pipeline embeds faces with: one model, or several fused. Each face is aligned onto
 * every part's template and embedded by it; the face's vector is the concatenation of the parts'
 * unit vectors, each scaled by 1/√(number of parts), so it is a unit vector too and Euclidean
 * distance works unchanged (squared, it is the mean of the parts' squared distances).
 */
export interface FaceEmbedder {
  /** Stable name stamped into galleries, e.g. "dlib-resnet-v1" or "fused-v1". */
  readonly name: string;
  /** sha256 of the weights (for several parts: of their hashes joined). */
  readonly hash: string;
  /** Length of the fused vector (the sum of the parts' sizes). */
  readonly size: number;
  readonly parts: readonly Embedder[];
}
