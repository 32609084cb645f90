/**
 * `faceprint enroll`: adds the largest face of each image to a gallery, per person, skipping images
 * already enrolled (by sha256). The gallery is saved after each person, under its lock, atomically.
 */
import { parseFlags } from "./args.ts";
import { chooseEmbedder, chooseFlip } from "./stamped_embedder.ts";
import {
  addRecords,
  enrolledHashes,
  type GalleryRecord,
  readGallery,
  sha256Hex,
  withGalleryLock,
  writeGallery,
} from "../gallery/mod.ts";
import { type PickedFace, pickedFace } from "../pipeline/analyze.ts";
import {
  type Analyzer,
  createAnalyzer,
  mapOrdered,
  type Outcome,
} from "../pipeline/worker_pool.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  FACE_FLAGS,
  FACE_FLAGS_HELP,
  type FaceOptions,
  imageOptions,
  parseFaceOptions,
} from "./face_options.ts";
import { hasImageExtension, type Input, readInput, type SkipTally } from "./inputs.ts";
import {
  INPUT_FLAGS,
  INPUT_FLAGS_HELP,
  type InputPlan,
  parseInputPlan,
  reportSkipped,
  selectInputs,
} from "./input_flags.ts";
import { milestone, progress, warn } from "./log.ts";
import { createWriter, type Format, parseFormat } from "./output.ts";
import { reportSaved, whileSaving } from "./interrupt.ts";
import { expectKind } from "./file_kind.ts";
import { enrollClusters, parseAssignments } from "./enroll_clusters.ts";

/** Help for `faceprint enroll`. */
export const ENROLL_HELP = `Usage: faceprint enroll DATASET_DIR --gallery G [options]
       faceprint enroll --name NAME IMAGE... --gallery G [options]
       faceprint enroll --clusters CLUSTERS.jsonl --name NAME=ID ... --gallery G

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
  --clusters FILE       enrol whole groups of 'faceprint cluster' output FILE from their stored
                        embeddings: --name alice=7 (repeatable) or --names FILE (alice=7 per
                        line) names group 7 alice; faces already in the gallery are skipped
  -f, --format F        jsonl (default), json, csv
${INPUT_FLAGS_HELP}
                        (--files-from with --name; --shard works with both forms)
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
  plan: InputPlan,
  name: string | undefined,
  skipped: SkipTally,
): Promise<Map<string, Input[]>> {
  const people = new Map<string, Input[]>();
  if (name !== undefined) {
    if (!name.trim()) throw new UsageError("--name must not be empty");
    people.set(name, await Array.fromAsync(selectInputs(plan, { skipped })));
    return people;
  }
  if (plan.list !== undefined) {
    throw new UsageError("--files-from lists images of one person: give --name NAME too");
  }
  if (plan.paths.length !== 1) {
    throw new UsageError("give one DATASET_DIR (one folder per person), or --name NAME IMAGE...");
  }
  const root = plan.paths[0].replace(/(.)[\\/]+$/, "$1");
  if ((await Deno.stat(root).catch(() => null))?.isFile) {
    throw new UsageError(
      `${root} is a file, not a folder of people: to enrol images of one person, run ` +
        "'faceprint enroll --name NAME IMAGE... --gallery G'",
    );
  }
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(root));
  } catch (e) {
    throw new UsageError(`${root}: cannot list dataset folder: ${(e as Error).message}`);
  }
  const loose = entries.filter((e) => !e.isDirectory && hasImageExtension(e.name)).length;
  if (loose) {
    warn(
      `${root}: ${loose} image${loose === 1 ? "" : "s"} directly in the dataset folder, not ` +
        `enrolled: put each person's images in ${root}/<person>/, or use ` +
        `enroll --name NAME IMAGE...`,
    );
  }
  const dirs = entries.filter((e) => e.isDirectory || e.isSymlink).map((e) => e.name).sort();
  for (const person of dirs) {
    const inputs = await Array.fromAsync(
      selectInputs({ ...plan, paths: [`${root}/${person}`] }, { skipped }),
    );
    if (inputs.length) people.set(person, inputs);
  }
  if (people.size === 0 && !skipped.size) {
    throw new UsageError(`${root}: no person folders (expected ${root}/<person>/<images>)`);
  }
  return people;
}

/** One image to enrol. */
interface EnrollItem {
  person: string;
  input: Input;
}

/** What happened to one image before its gallery record is made. */
type EnrollStep =
  | { kind: "already-enrolled" }
  | { kind: "analyzed"; sha256: string; picked: PickedFace | null };

/**
 * Reads, hashes and (unless already enrolled) embeds each image, several at once, yielding in
 * input order. An image whose copy earlier in this run was enrolled counts as already enrolled,
 * as when images are taken one by one.
 */
function embedItems(
  items: EnrollItem[],
  known: Set<string>,
  analyzer: Analyzer,
  options: FaceOptions,
): AsyncGenerator<Outcome<EnrollItem, EnrollStep>> {
  const earlier = new Map<string, Promise<boolean>>();
  return mapOrdered(items, 2 * analyzer.jobs, async ({ input }): Promise<EnrollStep> => {
    const bytes = await readInput(input);
    const sha256 = await sha256Hex(bytes);
    if (known.has(sha256) || await earlier.get(sha256)) return { kind: "already-enrolled" };
    const analyzed = analyzer.analyze(bytes, {
      ...imageOptions(options, "largest"),
      keepChips: false,
    }).then(pickedFace);
    earlier.set(sha256, analyzed.then((picked) => picked !== null, () => false));
    return { kind: "analyzed", sha256, picked: await analyzed };
  });
}

/** Turns one image's outcome into its output line and, when enrolled, its gallery record. */
function enrollOutcome(
  outcome: Outcome<EnrollItem, EnrollStep>,
): { line: EnrollRecord; record?: GalleryRecord } {
  const { person, input: { path: file } } = outcome.item;
  if (!outcome.ok) {
    const error = outcome.error.message;
    warn(`${file}: ${error}`);
    return { line: { file, person, status: "error", error } };
  }
  const step = outcome.value;
  if (step.kind === "already-enrolled") {
    return { line: { file, person, status: "already-enrolled" } };
  }
  if (!step.picked) {
    warn(`${file}: no face found, not enrolled`);
    return { line: { file, person, status: "no-face", faces: 0 } };
  }
  const { face, detected } = step.picked;
  if (detected > 1) warn(`${file}: ${detected} faces, enrolled the largest`);
  return {
    line: { file, person, status: "enrolled", faces: detected },
    record: {
      person,
      file,
      sha256: step.sha256,
      faces: detected,
      score: face.score,
      box: face.box,
      landmarks: face.landmarks,
      added: new Date().toISOString(),
      embedding: face.embedding,
    },
  };
}

/** Runs `faceprint enroll`; returns the exit code. */
export async function enrollCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    gallery: { type: "string" },
    name: { type: "string", multiple: true },
    clusters: { type: "string" },
    names: { type: "string" },
    format: { type: "string", short: "f" },
    ...INPUT_FLAGS,
  });
  const galleryPath = values.gallery;
  if (!galleryPath) throw new UsageError("--gallery G is required");
  if (values.clusters !== undefined) {
    if (positionals.length) throw new UsageError("--clusters takes no image paths");
    const texts = [...values.name ?? [], ...await namesFileLines(values.names)];
    if (!texts.length) throw new UsageError("--clusters needs --name NAME=CLUSTER or --names FILE");
    return enrollClusters(
      values.clusters,
      parseAssignments(texts),
      galleryPath,
      parseFormat(values.format),
    );
  }
  if ((values.name?.length ?? 0) > 1) throw new UsageError("give --name once (or use --clusters)");
  if (positionals.length === 0 && values["files-from"] === undefined) {
    throw new UsageError("no input: give DATASET_DIR, or --name NAME IMAGE...");
  }
  const plan = parseInputPlan(values, positionals);
  const format = parseFormat(values.format);
  const options = parseFaceOptions({ ...values, name: undefined });
  await expectKind(galleryPath, "gallery");
  options.flip = await chooseFlip(options, [galleryPath]);
  const skipped: SkipTally = new Map();
  const people = await collectPeople(plan, values.name?.[0], skipped);

  const total = [...people.values()].reduce((n, inputs) => n + inputs.length, 0);
  if (total === 0) return reportSkipped(skipped, 0) ? EXIT.partial : EXIT.ok;
  const analyzer = await createAnalyzer(
    {
      detector: options.detector,
      embed: true,
      embedder: await chooseEmbedder(options, [galleryPath]),
    },
    Math.min(options.jobs, total),
  );
  try {
    const code = await enrollAll(analyzer, people, galleryPath, format, options);
    reportSkipped(skipped, total);
    return code;
  } finally {
    analyzer.close();
  }
}

/** The non-empty lines of a `--names` file (`alice=7` per line), or none without the flag. */
async function namesFileLines(path: string | undefined): Promise<string[]> {
  if (path === undefined) return [];
  try {
    return (await Deno.readTextFile(path)).split("\n").map((l) => l.trim()).filter(Boolean);
  } catch (e) {
    throw new UsageError(`${path}: cannot read names: ${(e as Error).message}`);
  }
}

/** Enrols every person's images, saving the gallery after each person. */
async function enrollAll(
  analyzer: Analyzer,
  people: Map<string, Input[]>,
  galleryPath: string,
  format: Format,
  options: FaceOptions,
): Promise<number> {
  const embedder = analyzer.embedder!;
  const stamp = {
    embedder: embedder.name,
    embedderHash: embedder.hash,
    dim: embedder.size,
    flip: options.flip,
  };
  const known = enrolledHashes(await readGallery(galleryPath, stamp));

  const writer = createWriter<EnrollRecord>(format, {
    header: ["file", "person", "status", "faces"],
    rows: (r) => [[r.file, r.person, r.status, r.faces ?? ""]],
  });
  const items = [...people].flatMap(([person, inputs]) =>
    inputs.map((input) => ({ person, input }))
  );
  const outcomes = embedItems(items, known, analyzer, options);
  const total = items.length;
  let done = 0, failed = 0, savedPeople = 0, addedFaces = 0;
  reportSaved(() => `nothing was added to ${galleryPath} yet`);
  for (const [person, inputs] of people) {
    progress(done, total, person);
    const enrolled = new Map<GalleryRecord, EnrollRecord>();
    const lines: EnrollRecord[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const { value: outcome } = await outcomes.next();
      const { line, record } = enrollOutcome(outcome as Outcome<EnrollItem, EnrollStep>);
      lines.push(line);
      if (record) enrolled.set(record, line);
    }
    if (enrolled.size) {
      const { skipped } = await whileSaving(() =>
        withGalleryLock(galleryPath, async () => {
          const current = await readGallery(galleryPath, stamp);
          const result = addRecords(current, [...enrolled.keys()]);
          await writeGallery(galleryPath, result.gallery);
          return result;
        }, { warn })
      );
      // Another run added these images since this one started: report what this run added.
      for (const record of skipped) {
        enrolled.get(record)!.status = "already-enrolled";
        enrolled.delete(record);
      }
    }
    savedPeople++;
    addedFaces += enrolled.size;
    reportSaved(() =>
      `${galleryPath} is saved with the first ${savedPeople} of ${people.size} people of this ` +
      `run (${addedFaces} faces added); run the same command again to enrol the rest`
    );
    for (const line of lines) writer.write(line);
    failed += lines.filter((l) => l.status === "error" || l.status === "no-face").length;
    done += inputs.length;
    const skipped = lines.filter((l) => l.status === "already-enrolled").length;
    milestone(
      `>loaded ${enrolled.size} examples for class: ${person}` +
        (skipped ? ` (${skipped} already enrolled)` : ""),
    );
  }
  progress(total, total, "");
  writer.close();
  return failed ? EXIT.partial : EXIT.ok;
}
