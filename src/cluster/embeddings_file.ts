/**
 * Reading the faces and embeddings of an earlier `faceprint embed` run (JSON Lines), so that
 * clustering again with another threshold runs no model. Every line is checked: a broken line, an
 * embedding of the wrong length or a second embedder is an error naming the file and line.
 */
import type { Box, Landmarks } from "../types.ts";
import { type FaceSource, type FaceTable, faceTable } from "./face_table.ts";

/** A problem with an embeddings file; the message names the file and line. */
export class EmbeddingsFileError extends Error {
  override name = "EmbeddingsFileError";
}

interface EmbedLine {
  file?: unknown;
  embedder?: unknown;
  flip?: unknown;
  error?: unknown;
  faces?: {
    box?: Box;
    score?: number;
    landmarks?: Landmarks;
    embedding?: unknown;
  }[];
}

function isBox(b: unknown): b is Box {
  const box = b as Box;
  return typeof box === "object" && box !== null &&
    [box.x, box.y, box.width, box.height].every((v) => typeof v === "number");
}

function isLandmarks(l: unknown): l is Landmarks {
  const m = l as Record<string, unknown>;
  return typeof m === "object" && m !== null &&
    ["leftEye", "rightEye", "nose", "mouthLeft", "mouthRight"].every((k) =>
      Array.isArray(m[k]) && (m[k] as unknown[]).length === 2 &&
      (m[k] as unknown[]).every((v) => typeof v === "number")
    );
}

/**
 * Parses `embed` output text. Image records with an `error` are skipped (they have no faces);
 * images without faces add nothing. Records must all carry the same `embedder` stamp and, when
 * they record it, the same `flip` setting; a file
 * without stamps (from an older faceprint) is read with the stamp `fallbackStamp(dim)` when given,
 * else refused.
 *
 * @example
 * const table = parseEmbeddings(await Deno.readTextFile("emb.jsonl"), "emb.jsonl");
 */
export function parseEmbeddings(
  text: string,
  path: string,
  fallbackStamp?: (dim: number) => string | undefined,
): FaceTable {
  const entries: [FaceSource, number[]][] = [];
  let embedder: string | undefined;
  let stampLine = 0;
  let flip: boolean | undefined;
  let flipLine = 0;
  let dim = 0;
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    const where = `${path}:${index + 1}`;
    let record: EmbedLine;
    try {
      record = JSON.parse(line);
    } catch {
      throw new EmbeddingsFileError(`${where}: not a JSON line of faceprint embed output`);
    }
    if (typeof record !== "object" || record === null || typeof record.file !== "string") {
      throw new EmbeddingsFileError(`${where}: no "file" (expected faceprint embed output)`);
    }
    if (record.error !== undefined) return;
    if (record.embedder !== undefined) {
      if (typeof record.embedder !== "string") {
        throw new EmbeddingsFileError(`${where}: "embedder" is not a string`);
      }
      if (embedder === undefined) [embedder, stampLine] = [record.embedder, index + 1];
      else if (record.embedder !== embedder) {
        throw new EmbeddingsFileError(
          `${where}: embedder ${record.embedder} differs from ${embedder} (line ${stampLine}): ` +
            "embeddings of different embedders cannot be compared",
        );
      }
    }
    if (record.flip !== undefined) {
      if (typeof record.flip !== "boolean") {
        throw new EmbeddingsFileError(`${where}: "flip" is not true or false`);
      }
      if (flip === undefined) [flip, flipLine] = [record.flip, index + 1];
      else if (record.flip !== flip) {
        throw new EmbeddingsFileError(
          `${where}: flip ${record.flip} differs from ${flip} (line ${flipLine}): embeddings ` +
            "made with and without --flip cannot be compared",
        );
      }
    }
    if (!Array.isArray(record.faces)) {
      throw new EmbeddingsFileError(`${where}: no "faces" list (expected faceprint embed output)`);
    }
    record.faces.forEach((face, i) => {
      const e = face?.embedding;
      if (!Array.isArray(e) || !e.every((x) => typeof x === "number" && Number.isFinite(x))) {
        throw new EmbeddingsFileError(
          `${where}: face ${i} has no embedding (run 'faceprint embed', not 'detect')`,
        );
      }
      if (dim === 0) dim = e.length;
      if (e.length !== dim || dim === 0) {
        throw new EmbeddingsFileError(
          `${where}: face ${i} has ${e.length} embedding values, earlier faces ${dim}`,
        );
      }
      if (!isBox(face.box)) throw new EmbeddingsFileError(`${where}: face ${i} has no box`);
      if (!isLandmarks(face.landmarks)) {
        throw new EmbeddingsFileError(`${where}: face ${i} has no landmarks`);
      }
      entries.push([{
        file: record.file as string,
        face: i,
        box: face.box,
        score: typeof face.score === "number" ? face.score : 0,
        landmarks: face.landmarks as Landmarks,
      }, e]);
    });
  });
  const stamp = embedder ?? (dim ? fallbackStamp?.(dim) : undefined);
  if (stamp === undefined) {
    throw new EmbeddingsFileError(
      entries.length
        ? `${path}: no "embedder" stamp and ${dim}-value embeddings match no built-in embedder ` +
          "(embed again with this faceprint)"
        : `${path}: no faces with embeddings`,
    );
  }
  return faceTable(stamp, dim, entries, flip);
}
