/** Loading a trained model file and checking it belongs to the embedder in use. */
import { type ParsedModel, parseModel } from "../classify/mod.ts";
import type { FaceEmbedder } from "../types.ts";
import { UsageError } from "./errors.ts";
import { embedderFlagFor } from "./face_options.ts";

/**
 * Reads and validates MODEL.json; throws naming the file when it is unreadable, broken, or was
 * trained on another embedder's vectors.
 */
export async function readModelFile(
  path: string,
  embedder: Pick<FaceEmbedder, "name" | "hash" | "size">,
): Promise<ParsedModel> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UsageError(`${path}: cannot read model: ${reason}`);
  }
  const parsed = parseModel(text, path);
  if (parsed.embedderHash !== embedder.hash || parsed.dim !== embedder.size) {
    throw new UsageError(
      `${path}: trained on embedder ${parsed.embedder} (hash ${
        parsed.embedderHash.slice(0, 12)
      }…); ` +
        `this run uses ${embedder.name} (hash ${
          embedder.hash.slice(0, 12)
        }…) — run with --embedder ${
          embedderFlagFor(parsed.embedder)
        }, or retrain on a gallery made with ${embedder.name}`,
    );
  }
  return parsed;
}
