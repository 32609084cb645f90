/**
 * What kind of faceprint file a path holds (gallery, model, or neither), so that a gallery given
 * as --model, or a model as --gallery, is named for what it is instead of reported as damaged.
 */
import { UsageError } from "./errors.ts";

/** The kinds of file faceprint writes. */
export type FileKind = "gallery" | "model";

const FLAG: Record<FileKind, string> = { gallery: "--gallery", model: "--model" };

/** The kind `path` declares ("faceprint": "gallery" | "svm"), or null when unreadable or neither. */
export async function fileKind(path: string): Promise<FileKind | null> {
  let head: string;
  try {
    using file = await Deno.open(path);
    const buffer = new Uint8Array(256);
    const n = await file.read(buffer);
    head = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } catch {
    return null;
  }
  const declared = /^\s*\{\s*"faceprint"\s*:\s*"(\w+)"/.exec(head)?.[1];
  return declared === "gallery" ? "gallery" : declared === "svm" ? "model" : null;
}

/**
 * Throws a UsageError when `path`, given as a `wanted` file, is the other kind
 * ("people.jsonl is a gallery, not a model: give it with --gallery").
 *
 * @example
 * await expectKind(values.model, "model");
 */
export async function expectKind(path: string, wanted: FileKind): Promise<void> {
  const kind = await fileKind(path);
  if (kind === null || kind === wanted) return;
  throw new UsageError(
    `${path} is a ${kind}, not a ${wanted}: give it with ${FLAG[kind]}` +
      ` (and the ${wanted} with ${FLAG[wanted]})`,
  );
}

/**
 * Compares a model's people with a gallery's: throws when the gallery has none of them (not the
 * gallery the model was trained on), and returns warnings naming people missing on either side.
 */
export function checkModelPeople(
  modelPath: string,
  classes: readonly string[],
  galleryPath: string,
  galleryPeople: ReadonlySet<string>,
): string[] {
  const missing = classes.filter((c) => !galleryPeople.has(c));
  if (missing.length === classes.length) {
    throw new UsageError(
      `${galleryPath} has none of the ${classes.length} people of ${modelPath} ` +
        `(${list(classes)}): give the gallery the model was trained on`,
    );
  }
  const warnings: string[] = [];
  if (missing.length) {
    warnings.push(
      `${galleryPath} lacks ${missing.length} of the people of ${modelPath}: ${list(missing)}; ` +
        "their faces will be answered unknown (give the gallery the model was trained on)",
    );
  }
  const untrained = [...galleryPeople].filter((p) => !classes.includes(p));
  if (untrained.length) {
    warnings.push(
      `${modelPath} was not trained on ${untrained.length} people of ${galleryPath}: ` +
        `${list(untrained)}; run 'faceprint train' again to name them`,
    );
  }
  return warnings;
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown}, … (${names.length - 8} more)` : shown;
}
