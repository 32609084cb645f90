/**
 * `faceprint gallery reembed`: moves a gallery to another embedder by re-embedding each record's
 * face from its source image (still there, same sha256). Progress is saved next to the output, so
 * a killed run resumes; the gallery is replaced in one atomic write at the end, and never when a
 * record could not be re-embedded unless the user says so.
 */
import { overlap } from "../detect/nms.ts";
import {
  type EmbedderStamp,
  emptyGallery,
  flipWords,
  type Gallery,
  type GalleryRecord,
  readGallery,
  sha256Hex,
  withGalleryLock,
  writeGallery,
} from "../gallery/mod.ts";
import { createAnalyzer, mapOrdered } from "../pipeline/worker_pool.ts";
import { EXIT, UsageError } from "./errors.ts";
import { type FaceOptions, imageOptions } from "./face_options.ts";
import { milestone, progress, warn } from "./log.ts";
import { createWriter, type Format } from "./output.ts";

/** Records re-embedded between two saves of the progress file. */
const SAVE_EVERY = 25;
/** A detected face must overlap the record's box this much (IoU) to be the same face. */
const SAME_FACE_IOU = 0.5;

/** One output line per gallery record. */
interface ReembedLine {
  file: string;
  person: string;
  status: "reembedded" | "done-before" | "missing" | "changed" | "no-face" | "error";
  error?: string;
}

/** What `reembedGallery` needs from the command line. */
export interface ReembedOptions {
  /** The gallery to re-embed, as read with its own stamp. */
  source: Gallery;
  /** Its path. */
  path: string;
  /** Where the re-embedded gallery goes (the same path to replace it). */
  out: string;
  /** Replace even when some records could not be re-embedded (they are left out). */
  dropMissing: boolean;
  face: FaceOptions;
  format: Format;
}

const key = (r: GalleryRecord) => `${r.person}\n${r.sha256}`;

/** The record's face re-embedded, or the reason it cannot be. */
async function reembedRecord(
  record: GalleryRecord,
  analyze: (
    bytes: Uint8Array,
  ) => Promise<{ box: GalleryRecord["box"]; embedding?: Float32Array }[]>,
): Promise<{ status: ReembedLine["status"]; embedding?: Float32Array }> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(record.file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { status: "missing" };
    throw e;
  }
  if (await sha256Hex(bytes) !== record.sha256) return { status: "changed" };
  const faces = await analyze(bytes);
  const best = faces.reduce<{ iou: number; embedding?: Float32Array }>(
    (b, f) => {
      const iou = overlap(f.box, record.box);
      return iou > b.iou ? { iou, embedding: f.embedding } : b;
    },
    { iou: SAME_FACE_IOU },
  );
  return best.embedding
    ? { status: "reembedded", embedding: best.embedding }
    : { status: "no-face" };
}

/**
 * Re-embeds `options.source` with the embedder in `options.face`, printing one line per record,
 * and writes the new gallery to `options.out`. Returns the exit code: 0 all re-embedded, 1 some
 * records could not be (then the output is written only with `dropMissing`, or to another path).
 */
export async function reembedGallery(options: ReembedOptions): Promise<number> {
  const { source, path, out } = options;
  // Without --flip/--no-flip, keep the setting the gallery was made with.
  const face = {
    ...options.face,
    flip: options.face.flipGiven ? options.face.flip : source.header.flip ?? options.face.flip,
  };
  const records = source.records;
  const analyzer = await createAnalyzer(
    { detector: face.detector, embed: true, embedder: face.embedder },
    Math.max(1, Math.min(face.jobs, records.length)),
  );
  try {
    const e = analyzer.embedder!;
    const stamp = { embedder: e.name, embedderHash: e.hash, dim: e.size, flip: face.flip };
    if (
      source.header.embedderHash === stamp.embedderHash && source.header.flip === stamp.flip &&
      path === out
    ) {
      milestone(
        `${path} is already embedded with ${stamp.embedder} ${flipWords(face.flip)}: nothing to do`,
      );
      return EXIT.ok;
    }
    const partialPath = `${out}.reembed-partial`;
    const partial = await readPartial(partialPath, stamp);
    const done = new Set(partial.records.map(key));
    const writer = createWriter<ReembedLine>(options.format, {
      header: ["file", "person", "status"],
      rows: (r) => [[r.file, r.person, r.status]],
    });
    const analyze = (bytes: Uint8Array) =>
      analyzer.analyze(bytes, { ...imageOptions(face, "all"), keepChips: false }).then((r) =>
        r.faces
      );
    const outcomes = mapOrdered(
      records,
      2 * analyzer.jobs,
      (r) =>
        done.has(key(r))
          ? Promise.resolve({ status: "done-before" as const })
          : reembedRecord(r, analyze),
    );
    let left = 0, sinceSave = 0, index = 0;
    for await (const outcome of outcomes) {
      const record = outcome.item;
      progress(index++, records.length, record.person);
      const line: ReembedLine = { file: record.file, person: record.person, status: "error" };
      if (!outcome.ok) line.error = outcome.error.message;
      else line.status = outcome.value.status;
      if (outcome.ok && outcome.value.embedding) {
        partial.records.push({ ...record, embedding: outcome.value.embedding });
        if (++sinceSave >= SAVE_EVERY) {
          await writeGallery(partialPath, partial);
          sinceSave = 0;
        }
      }
      if (line.status !== "reembedded" && line.status !== "done-before") {
        left++;
        warn(`${record.file} (${record.person}): ${line.error ?? line.status}, not re-embedded`);
      }
      writer.write(line);
    }
    progress(records.length, records.length, "");
    writer.close();
    await writeGallery(partialPath, partial);
    if (left && out === path && !options.dropMissing) {
      warn(
        `${left} of ${records.length} records could not be re-embedded (listed above); ${path} is ` +
          `unchanged. Give --drop-missing to replace it without them, or --out NEW.jsonl`,
      );
      return EXIT.partial;
    }
    await withGalleryLock(out, async () => {
      if (out === path) await ensureUnchanged(path, source);
      await writeGallery(out, partial);
    }, { warn });
    await Deno.remove(partialPath);
    milestone(
      `${out}: ${partial.records.length} faces re-embedded with ${stamp.embedder} ` +
        flipWords(face.flip) +
        (left ? ` (${left} left out)` : ""),
    );
    return left ? EXIT.partial : EXIT.ok;
  } finally {
    analyzer.close();
  }
}

/** The progress file of an earlier, interrupted run (same embedder), or an empty gallery. */
async function readPartial(
  partialPath: string,
  stamp: EmbedderStamp,
): Promise<Gallery> {
  try {
    await Deno.stat(partialPath);
  } catch {
    return emptyGallery(stamp);
  }
  const partial = await readGallery(partialPath, stamp);
  milestone(`resuming: ${partial.records.length} faces re-embedded by an earlier run`);
  return partial;
}

/** Refuses to replace a gallery that another run changed since this one read it. */
async function ensureUnchanged(path: string, source: Gallery): Promise<void> {
  const now = await readGallery(path, source.header);
  const before = new Set(source.records.map(key));
  if (
    now.records.length !== source.records.length || !now.records.every((r) => before.has(key(r)))
  ) {
    throw new UsageError(
      `${path} changed while it was re-embedded: run the command again (progress is kept)`,
    );
  }
}
