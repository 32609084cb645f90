/**
 * `faceprint enroll`: adds the largest face of each image to a gallery, per person, skipping images
 * already enrolled (by sha256). The gallery is saved after each person, under its lock, atomically.
 */
import { parseArgs } from "node:util";
import {
  addRecords,
  enrolledHashes,
  type GalleryRecord,
  readGallery,
  sha256Hex,
  withGalleryLock,
  writeGallery,
} from "../gallery/mod.ts";
import { embedPickedFace } from "../pipeline/analyze.ts";
import { loadDetector, loadEmbedder } from "../pipeline/models.ts";
import type { Embedder } from "../types.ts";
import { EXIT, UsageError } from "./errors.ts";
import { FACE_FLAGS, FACE_FLAGS_HELP, type FaceOptions, parseFaceOptions } from "./face_options.ts";
import { expandInputs, type Input, readInput } from "./inputs.ts";
import { milestone, progress, warn } from "./log.ts";
import { createWriter, parseFormat } from "./output.ts";

/** Help for `faceprint enroll`. */
export const ENROLL_HELP = `Usage: faceprint enroll DATASET_DIR --gallery G [options]
       faceprint enroll --name NAME IMAGE... --gallery G [options]

Adds people to the gallery file G (created if missing). DATASET_DIR holds one folder per person
(DATASET_DIR/<person>/<images>); with --name, the images given are all of NAME. One face per
image: the largest (a warning names images with several faces or none). Images already in the
gallery (same sha256) are skipped, so enrolling a folder again adds only what is new. The gallery
is saved after each person, atomically, under a lock (G.lock) shared with other faceprint runs.

Prints one JSON object per image on stdout:
  {"file","person","status":"enrolled"|"already-enrolled"|"no-face"|"error","faces",...}

Options:
  --gallery G           the gallery file (JSON Lines; required)
  --name NAME           enrol the given images as NAME
  -f, --format F        jsonl (default), json, csv
${FACE_FLAGS_HELP}

Exit codes: 0 every image enrolled or already there, 1 some images failed or had no face,
2 usage error or an unreadable gallery.

Example:
  faceprint enroll data/train --gallery people.jsonl`;

/** One line of enroll output. */
interface EnrollRecord {
  file: string;
  person: string;
  status: "enrolled" | "already-enrolled" | "no-face" | "error";
  faces?: number;
  error?: string;
}

/** The images of each person, in a stable order. */
async function collectPeople(
  positionals: string[],
  name: string | undefined,
): Promise<Map<string, Input[]>> {
  const people = new Map<string, Input[]>();
  if (name !== undefined) {
    if (!name.trim()) throw new UsageError("--name must not be empty");
    people.set(name, await Array.fromAsync(expandInputs(positionals)));
    return people;
  }
  if (positionals.length !== 1) {
    throw new UsageError("give one DATASET_DIR (one folder per person), or --name NAME IMAGE...");
  }
  const root = positionals[0];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(root));
  } catch (e) {
    throw new UsageError(`${root}: cannot list dataset folder: ${(e as Error).message}`);
  }
  const dirs = entries.filter((e) => e.isDirectory || e.isSymlink).map((e) => e.name).sort();
  for (const person of dirs) {
    people.set(person, await Array.fromAsync(expandInputs([`${root}/${person}`])));
  }
  if (people.size === 0) {
    throw new UsageError(`${root}: no person folders (expected ${root}/<person>/<images>)`);
  }
  return people;
}

/** Embeds one person's new images; returns their records and one output line per image. */
async function enrollPerson(
  person: string,
  inputs: Input[],
  known: Set<string>,
  models: { detector: Awaited<ReturnType<typeof loadDetector>>; embedder: Embedder },
  options: FaceOptions,
): Promise<{ records: GalleryRecord[]; lines: EnrollRecord[] }> {
  const records: GalleryRecord[] = [];
  const lines: EnrollRecord[] = [];
  for (const input of inputs) {
    const file = input.path;
    try {
      const bytes = await readInput(input);
      const sha256 = await sha256Hex(bytes);
      if (known.has(sha256)) {
        lines.push({ file, person, status: "already-enrolled" });
        continue;
      }
      const picked = await embedPickedFace(bytes, models, {
        minFace: options.minFace,
        maxPixels: options.maxPixels,
        pick: "largest",
        flip: options.flip,
      });
      if (!picked) {
        warn(`${file}: no face found, not enrolled`);
        lines.push({ file, person, status: "no-face", faces: 0 });
        continue;
      }
      const { face, detected } = picked;
      if (detected > 1) warn(`${file}: ${detected} faces, enrolled the largest`);
      known.add(sha256);
      records.push({
        person,
        file,
        sha256,
        faces: detected,
        score: face.score,
        box: face.box,
        landmarks: face.landmarks,
        added: new Date().toISOString(),
        embedding: face.embedding,
      });
      lines.push({ file, person, status: "enrolled", faces: detected });
    } catch (e) {
      const error = (e as Error).message;
      warn(`${file}: ${error}`);
      lines.push({ file, person, status: "error", error });
    }
  }
  return { records, lines };
}

/** Runs `faceprint enroll`; returns the exit code. */
export async function enrollCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...FACE_FLAGS,
      gallery: { type: "string" },
      name: { type: "string" },
      format: { type: "string", short: "f" },
    },
  });
  const galleryPath = values.gallery;
  if (!galleryPath) throw new UsageError("--gallery G is required");
  if (positionals.length === 0) {
    throw new UsageError("no input: give DATASET_DIR, or --name NAME IMAGE...");
  }
  const format = parseFormat(values.format);
  const options = parseFaceOptions(values);
  const people = await collectPeople(positionals, values.name);

  const detector = await loadDetector(options.detector);
  const embedder = await loadEmbedder(options.graph);
  const stamp = { embedder: embedder.name, embedderHash: embedder.hash, dim: embedder.size };
  const known = enrolledHashes(await readGallery(galleryPath, stamp));

  const writer = createWriter<EnrollRecord>(format, {
    header: ["file", "person", "status", "faces"],
    rows: (r) => [[r.file, r.person, r.status, r.faces ?? ""]],
  });
  const total = [...people.values()].reduce((n, inputs) => n + inputs.length, 0);
  let done = 0, failed = 0;
  for (const [person, inputs] of people) {
    progress(done, total, person);
    const { records, lines } = await enrollPerson(
      person,
      inputs,
      known,
      { detector, embedder },
      options,
    );
    if (records.length) {
      await withGalleryLock(galleryPath, async () => {
        const current = await readGallery(galleryPath, stamp);
        await writeGallery(galleryPath, addRecords(current, records).gallery);
      }, { warn });
    }
    for (const line of lines) writer.write(line);
    failed += lines.filter((l) => l.status === "error" || l.status === "no-face").length;
    done += inputs.length;
    const skipped = lines.filter((l) => l.status === "already-enrolled").length;
    milestone(
      `>loaded ${records.length} examples for class: ${person}` +
        (skipped ? ` (${skipped} already enrolled)` : ""),
    );
  }
  progress(total, total, "");
  writer.close();
  return failed ? EXIT.partial : EXIT.ok;
}
