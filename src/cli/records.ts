/** The JSON shapes faceprint prints for images and faces, and their CSV rows. */
import type { AnalyzedFace } from "../pipeline/analyze.ts";
import type { Box, Landmarks, Point } from "../types.ts";

/** A face as printed: coordinates to 0.01 px, score to 4 decimals, embedding as float32 values. */
export interface FaceRecord {
  box: Box;
  score: number;
  landmarks: Record<keyof Landmarks, Point>;
  embedding?: number[];
  /** Where `--crops` wrote this face's aligned chip. */
  crop?: string;
}

/** One line of `detect` / `embed` output: an image's faces, or the reason it failed. */
export interface ImageRecord {
  file: string;
  width?: number;
  height?: number;
  detected?: number;
  /** `embed` only: the embedder's `"name@sha256"`, so a reader can tell embeddings apart. */
  embedder?: string;
  /** `embed` only: whether the embeddings average in the mirror image (`--flip`). */
  flip?: boolean;
  faces?: FaceRecord[];
  error?: string;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;
const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const point = ([x, y]: Point): Point => [r2(x), r2(y)];

/** Rounds a box for printing. */
export function roundBox(b: Box): Box {
  return { x: r2(b.x), y: r2(b.y), width: r2(b.width), height: r2(b.height) };
}

/**
 * Embedding values printed with 9 significant digits: enough to read back the exact float32.
 */
export function embeddingValues(e: Float32Array): number[] {
  return Array.from(e, (v) => Number(v.toPrecision(9)));
}

/** The printed form of an analysed face. */
export function faceRecord(face: AnalyzedFace): FaceRecord {
  const l = face.landmarks;
  const record: FaceRecord = {
    box: roundBox(face.box),
    score: r4(face.score),
    landmarks: {
      leftEye: point(l.leftEye),
      rightEye: point(l.rightEye),
      nose: point(l.nose),
      mouthLeft: point(l.mouthLeft),
      mouthRight: point(l.mouthRight),
    },
  };
  if (face.embedding) record.embedding = embeddingValues(face.embedding);
  return record;
}

/** CSV columns describing an image: its size, the faces printed, and the faces found. */
export const IMAGE_COLUMNS = ["file", "image_width", "image_height", "faces", "detected"];

/** CSV columns of one face: its index in the image, box, score, the five landmarks, its crop. */
export const FACE_COLUMNS = [
  "face",
  "x",
  "y",
  "width",
  "height",
  "score",
  ...["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"].flatMap((p) => [
    `${p}_x`,
    `${p}_y`,
  ]),
  "crop",
];

/** The {@link FACE_COLUMNS} values of face number `index`. */
export function faceColumns(face: FaceRecord, index: number): (number | string)[] {
  const { box, landmarks: l } = face;
  return [
    index,
    box.x,
    box.y,
    box.width,
    box.height,
    face.score,
    ...[l.leftEye, l.rightEye, l.nose, l.mouthLeft, l.mouthRight].flat(),
    face.crop ?? "",
  ];
}
