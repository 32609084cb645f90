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
