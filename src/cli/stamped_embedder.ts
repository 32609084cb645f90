/** Which embedder made an existing gallery or model file, read without loading any model. */
import type { EmbedderChoice } from "../embed/catalog.ts";
import { UsageError } from "./errors.ts";
import { embedderFor, type FaceOptions } from "./face_options.ts";

/**
 * The embedder name a gallery (its header line) or a model file (its `embedder` field) was
 * stamped with; null when the file does not exist or says nothing readable (the reader that
 * loads it later gives the precise error).
 */
export async function stampedEmbedder(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  for (const candidate of [text.slice(0, text.indexOf("\n") >>> 0), text]) {
    try {
      const value = JSON.parse(candidate);
      if (typeof value?.embedder === "string") return value.embedder;
    } catch {
      // Not this shape; try the next.
    }
  }
  return null;
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
