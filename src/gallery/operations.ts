/** Gallery edits as functions from gallery to gallery; nothing here writes to disk. */
import { sha256Hex } from "./sha256.ts";
import type { Gallery, GalleryRecord } from "./types.ts";

/** Result of `addRecords`. */
export interface AddResult {
  gallery: Gallery;
  /** Records now in the gallery. */
  added: GalleryRecord[];
  /** Records not added: their source image (sha256) was already enrolled, or a face repeated. */
  skipped: GalleryRecord[];
}

/** Result of `removePerson` / `removeFile`. */
export interface RemoveResult {
  gallery: Gallery;
  removed: GalleryRecord[];
}

/** One person in `listPeople`. */
export interface PersonSummary {
  person: string;
  /** Number of enrolled faces. */
  count: number;
  /** Distinct source files, sorted. */
  files: string[];
}

/**
 * Adds records, skipping any whose source image (by sha256) the gallery already holds, so running
 * enrol again over the same folder adds only new images. Several faces of one new image are all
 * added unless they repeat the same box.
 *
 * @example
 * const { gallery: next, added, skipped } = addRecords(gallery, fresh);
 */
export function addRecords(gallery: Gallery, records: readonly GalleryRecord[]): AddResult {
  const enrolled = enrolledHashes(gallery);
  const faces = new Set<string>();
  const added: GalleryRecord[] = [];
  const skipped: GalleryRecord[] = [];
  for (const record of records) {
    const { x, y, width, height } = record.box;
    const face = `${record.sha256} ${x} ${y} ${width} ${height}`;
    if (enrolled.has(record.sha256) || faces.has(face)) {
      skipped.push(record);
    } else {
      faces.add(face);
      added.push(record);
    }
  }
  return { gallery: { ...gallery, records: [...gallery.records, ...added] }, added, skipped };
}

/**
 * The sha256 of every enrolled source image, to skip already-enrolled files before decoding them.
 *
 * @example
 * if (enrolledHashes(gallery).has(await sha256Hex(bytes))) continue;
 */
export function enrolledHashes(gallery: Gallery): Set<string> {
  return new Set(gallery.records.map((record) => record.sha256));
}

/**
 * Removes every record of `person` (exact name).
 *
 * @example
 * const { gallery: next, removed } = removePerson(gallery, "alice");
 */
export function removePerson(gallery: Gallery, person: string): RemoveResult {
  return partition(gallery, (record) => record.person === person);
}

/**
 * Removes the records enrolled from `path`: those whose `file` is `path` as given, and, when `path`
 * names an existing file, those whose sha256 matches its contents (so a moved or renamed image is
 * still found). Reads the file but never writes.
 *
 * @example
 * const { gallery: next, removed } = await removeFile(gallery, "photos/alice1.jpg");
 */
export async function removeFile(gallery: Gallery, path: string): Promise<RemoveResult> {
  const hash = await hashIfFile(path);
  return partition(gallery, (record) => record.file === path || record.sha256 === hash);
}

/**
 * People in the gallery, sorted by name, with their face count and source files.
 *
 * @example
 * for (const { person, count } of listPeople(gallery)) console.log(person, count);
 */
export function listPeople(gallery: Gallery): PersonSummary[] {
  const byPerson = new Map<string, { count: number; files: Set<string> }>();
  for (const { person, file } of gallery.records) {
    const entry = byPerson.get(person) ?? { count: 0, files: new Set<string>() };
    entry.count++;
    entry.files.add(file);
    byPerson.set(person, entry);
  }
  return [...byPerson.entries()]
    .map(([person, { count, files }]) => ({ person, count, files: [...files].sort(compareText) }))
    .sort((a, b) => compareText(a.person, b.person));
}

function partition(gallery: Gallery, remove: (record: GalleryRecord) => boolean): RemoveResult {
  const kept: GalleryRecord[] = [];
  const removed: GalleryRecord[] = [];
  for (const record of gallery.records) (remove(record) ? removed : kept).push(record);
  return { gallery: { ...gallery, records: kept }, removed };
}

async function hashIfFile(path: string): Promise<string | undefined> {
  try {
    return await sha256Hex(await Deno.readFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw error;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
