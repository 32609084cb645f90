/**
 * Reading `faceprint cluster` output back (JSON Lines), for naming groups into a gallery: each
 * face's source, group id and stored embedding, and the one embedder they all came from.
 */
import type { Box, Landmarks } from "../types.ts";

/** One face of a clusters file. */
export interface ClusteredFace {
  file: string;
  face: number;
  box: Box;
  score: number;
  landmarks: Landmarks;
  /** Group id, or null for a face left unclustered. */
  cluster: number | null;
  embedding: Float32Array;
}

/** A clusters file: its faces and the `"name@sha256"` stamp of their embedder. */
export interface ClustersFile {
  embedder: string;
  /** Whether the embeddings average in the mirror image; undefined when the file did not say. */
  flip?: boolean;
  faces: ClusteredFace[];
}

/**
 * Parses cluster output. Error records (`{"file","error"}`) are skipped; any other line must be a
 * face with a cluster, an embedding and the same embedder stamp as the others, else the error
 * names the file and line.
 *
 * @example
 * const { embedder, faces } = parseClusters(await Deno.readTextFile("c.jsonl"), "c.jsonl");
 */
export function parseClusters(text: string, path: string): ClustersFile {
  let embedder: string | undefined;
  let dim = 0;
  let flip: boolean | undefined;
  const faces: ClusteredFace[] = [];
  text.split("\n").forEach((line, index) => {
    if (!line.trim()) return;
    const where = `${path}:${index + 1}`;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not a JSON line of faceprint cluster output`);
    }
    if (typeof r !== "object" || r === null || typeof r.file !== "string") {
      throw new Error(`${where}: no "file" (expected faceprint cluster output)`);
    }
    if (r.error !== undefined) return;
    if (!(r.cluster === null || Number.isInteger(r.cluster)) || typeof r.embedder !== "string") {
      throw new Error(`${where}: no "cluster" or "embedder" (expected faceprint cluster output)`);
    }
    if (!Array.isArray(r.embedding) || !r.embedding.every(Number.isFinite)) {
      throw new Error(`${where}: no embedding`);
    }
    if (embedder === undefined) [embedder, dim] = [r.embedder, r.embedding.length];
    if (r.embedder !== embedder || r.embedding.length !== dim) {
      throw new Error(`${where}: embedder ${r.embedder} differs from the file's first face's`);
    }
    if (r.flip !== undefined) {
      if (typeof r.flip !== "boolean") throw new Error(`${where}: "flip" is not true or false`);
      if (flip !== undefined && r.flip !== flip) {
        throw new Error(`${where}: flip ${r.flip} differs from the file's earlier faces'`);
      }
      flip = r.flip;
    }
    faces.push({
      file: r.file,
      face: r.face,
      box: r.box,
      score: r.score,
      landmarks: r.landmarks,
      cluster: r.cluster,
      embedding: Float32Array.from(r.embedding),
    });
  });
  if (embedder === undefined) throw new Error(`${path}: no clustered faces`);
  return { embedder, faces, ...(flip === undefined ? {} : { flip }) };
}
