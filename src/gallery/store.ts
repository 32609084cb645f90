/** Reading and writing gallery files on disk. */
import { writeFileAtomic } from "./atomic_write.ts";
import { GalleryError } from "./error.ts";
import { emptyGallery, parseGallery, serializeGallery } from "./format.ts";
import type { EmbedderStamp, Gallery } from "./types.ts";

/**
 * Reads the gallery at `path`, checked against the embedder in use. A missing file is an empty
 * gallery; anything else that is not a valid gallery for this embedder throws `GalleryError` with a
 * one-line message naming the file, the line and the problem. Never modifies the file.
 *
 * @example
 * const g = await readGallery("faces.jsonl", { embedder: e.name, embedderHash: e.hash, dim: e.size });
 */
export async function readGallery(path: string, expected: EmbedderStamp): Promise<Gallery> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return emptyGallery(expected);
    throw new GalleryError(path, `cannot read gallery ${path}: ${firstLine(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new GalleryError(path, `gallery ${path} is not a faceprint gallery (not UTF-8 text)`);
  }
  return parseGallery(text, path, expected);
}

/**
 * Writes `gallery` to `path` atomically (sorted records, deterministic bytes). A gallery that
 * would not read back (wrong embedding length, NaN, duplicates) throws `GalleryError` and the file
 * is left untouched.
 *
 * @example
 * await writeGallery("faces.jsonl", gallery);
 */
export async function writeGallery(path: string, gallery: Gallery): Promise<void> {
  const text = serializeGallery(gallery, path);
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new GalleryError(path, `cannot write gallery ${path}: ${firstLine(error)}`);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
