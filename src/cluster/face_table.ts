/**
 * The faces a clustering run works on: where each came from (image, face index, box, landmarks,
 * score), its embedding as a row of one flat array, and the embedder that made them.
 */
import type { Box, Landmarks } from "../types.ts";
import type { VectorSet } from "./neighbor_graph.ts";

/** Where one face is. */
export interface FaceSource {
  file: string;
  /** Index of the face among its image's faces, as `embed` printed them. */
  face: number;
  box: Box;
  score: number;
  landmarks: Landmarks;
}

/** Faces and their embeddings, row `i` of `vectors` belonging to `faces[i]`. */
export interface FaceTable {
  faces: FaceSource[];
  vectors: VectorSet;
  /** `"name@sha256"` of the embedder, e.g. `"fused-v1@5d1c…"`. */
  embedder: string;
  /** Whether the embeddings average in the mirror image; undefined when the input did not say. */
  flip?: boolean;
}

/**
 * The stamp written into `embed` and `cluster` output: the embedder's name and weights hash.
 *
 * @example
 * embedderStamp({ name: "fused-v1", hash: "ab12" }); // "fused-v1@ab12"
 */
export function embedderStamp(e: { name: string; hash: string }): string {
  return `${e.name}@${e.hash}`;
}

/** The name part of a stamp ("fused-v1@ab12" → "fused-v1"). */
export function stampName(stamp: string): string {
  const at = stamp.lastIndexOf("@");
  return at < 0 ? stamp : stamp.slice(0, at);
}

/**
 * Collects faces and embeddings into a table (embeddings copied into one flat array).
 *
 * @example
 * const table = faceTable("fused-v1@ab12", 320, [[source, embedding]]);
 */
export function faceTable(
  embedder: string,
  dim: number,
  entries: [FaceSource, ArrayLike<number>][],
  flip?: boolean,
): FaceTable {
  const data = new Float32Array(entries.length * dim);
  entries.forEach(([, e], i) => data.set(e, i * dim));
  return {
    faces: entries.map(([source]) => source),
    vectors: { data, count: entries.length, dim },
    embedder,
    ...(flip === undefined ? {} : { flip }),
  };
}
