/**
 * Which embedder and `--flip` setting made an existing gallery or model file, read without
 * loading any model.
 */
import type { EmbedderChoice } from "../embed/catalog.ts";
import { flipWords } from "../gallery/mod.ts";
import { UsageError } from "./errors.ts";
import { embedderFor, type FaceOptions } from "./face_options.ts";

/** What a gallery header or model file says made its vectors. */
interface FileStamp {
  embedder: string;
  /** Undefined for files written before faceprint recorded `--flip`. */
  flip?: boolean;
}

/**
 * The stamp of a gallery (its header line) or a model file (its `embedder` and `flip` fields);
 * null when the file does not exist or says nothing readable (the reader that loads it later
 * gives the precise error).
 */
async function readStamp(path: string): Promise<FileStamp | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  for (const candidate of [text.slice(0, text.indexOf("\n") >>> 0), text]) {
    try {
      const value = JSON.parse(candidate);
      if (typeof value?.embedder === "string") {
        const flip = typeof value.flip === "boolean" ? value.flip : undefined;
        return { embedder: value.embedder, flip };
      }
    } catch {
      // Not this shape; try the next.
    }
  }
  return null;
}

/** The embedder name a gallery or model file was stamped with; null when unreadable. */
export async function stampedEmbedder(path: string): Promise<string | null> {
  return (await readStamp(path))?.embedder ?? null;
}

/**
 * The `--flip` setting a command runs with: the flag when given, else the one the existing files
 * of `files` (model, gallery) recorded, else the default. A flag that disagrees with a file, or
 * files that disagree with each other, are refused: mixing the two kinds of embedding inflates
 * distances and the calibrated thresholds no longer apply.
 *
 * @example
 * options.flip = await chooseFlip(options, [values.model, values.gallery]);
 */
export async function chooseFlip(
  options: FaceOptions,
  files: (string | undefined)[],
): Promise<boolean> {
  const recorded: [string, boolean][] = [];
  for (const file of files) {
    const flip = file === undefined ? undefined : (await readStamp(file))?.flip;
    if (flip !== undefined) recorded.push([file!, flip]);
  }
  const [first, other] = [recorded[0], recorded.find(([, f]) => f !== recorded[0]?.[1])];
  if (first && other) {
    throw new UsageError(
      `${first[0]} was made ${flipWords(first[1])} and ${other[0]} ${flipWords(other[1])}: ` +
        "they do not belong together (train the model on the gallery you identify with)",
    );
  }
  if (!first) return options.flip;
  if (options.flipGiven && options.flip !== first[1]) {
    throw new UsageError(
      `${first[0]} was made ${flipWords(first[1])} but this run gives ` +
        `${options.flip ? "--flip" : "--no-flip"}: embeddings made with and without --flip do ` +
        "not match (drop the flag to use the file's setting, or re-embed a gallery with " +
        "'faceprint gallery reembed')",
    );
  }
  return first[1];
}

/**
 * The embedder a command runs: `--embedder` when given, else the one the existing files of
 * `files` (model, gallery) were made with, else the default. Files made with different embedders
 * are refused: they do not belong together.
 *
 * @example
 * const choice = await chooseEmbedder(options, [values.model, values.gallery]);
 */
export async function chooseEmbedder(
  options: FaceOptions,
  files: (string | undefined)[],
): Promise<EmbedderChoice> {
  const stamps: [string, string][] = [];
  for (const file of files) {
    const stamped = file === undefined ? null : await stampedEmbedder(file);
    if (stamped !== null) stamps.push([file!, stamped]);
  }
  const [first, other] = [stamps[0], stamps.find(([, s]) => s !== stamps[0]?.[1])];
  if (first && other) {
    throw new UsageError(
      `${first[0]} was made with embedder ${first[1]} and ${other[0]} with ${other[1]}: they do ` +
        "not belong together (train the model on the gallery you identify with)",
    );
  }
  if (options.embedderGiven || !first) return options.embedder;
  return embedderFor(options, first[1], first[0]);
}
