/** In-memory shapes of a gallery: the header that stamps the embedder, and one record per face. */
import type { Box, Landmarks } from "../types.ts";

/** Line 1 of a gallery file: what wrote it and which embedder its vectors come from. */
export interface GalleryHeader {
  faceprint: "gallery";
  /** File format version; readers refuse versions newer than they know. */
  schema: number;
  /** Embedder name, e.g. "dlib-resnet-v1". */
  embedder: string;
  /** sha256 (hex) of the embedder's weights. */
  embedderHash: string;
  /** Length of every embedding. */
  dim: number;
  /**
   * Whether the embeddings average in the mirror image (`--flip`); undefined in galleries written
   * before faceprint recorded it.
   */
  flip?: boolean;
}

/** One enrolled face. */
export interface GalleryRecord {
  /** Who this face is. */
  person: string;
  /** Source image path as given at enrolment. */
  file: string;
  /** sha256 (hex) of the source image bytes. */
  sha256: string;
  /** How many faces the source image had (more than 1 means the enrolment picked one of several). */
  faces: number;
  /** Detector confidence of this face. */
  score: number;
  box: Box;
  landmarks: Landmarks;
  /** When the face was enrolled, ISO 8601. */
  added: string;
  /** L2-normalised embedding, `header.dim` values. */
  embedding: Float32Array;
}

/** A whole gallery: header plus records. */
export interface Gallery {
  header: GalleryHeader;
  records: GalleryRecord[];
}

/** The embedder a caller expects a gallery to match. */
export interface EmbedderStamp {
  embedder: string;
  embedderHash: string;
  dim: number;
  /** The `--flip` setting the caller embeds with; undefined: not checked (and not written). */
  flip?: boolean;
}
