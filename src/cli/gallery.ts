/** `faceprint gallery list|remove`: look into and edit a gallery without any model loaded. */
import { parseFlags } from "./args.ts";
import {
  type EmbedderStamp,
  EXPORT_FORMATS,
  type ExportFormat,
  exportGallery,
  flipWords,
  type Gallery,
  GalleryError,
  type GalleryHeader,
  listPeople,
  type PersonSummary,
  readGallery,
  removeFile,
  removePerson,
  sweepStaleTemps,
  withGalleryLock,
  writeFileAtomic,
  writeGallery,
} from "../gallery/mod.ts";
import { EXIT, UsageError } from "./errors.ts";
import { FACE_FLAGS, FACE_FLAGS_HELP, parseFaceOptions } from "./face_options.ts";
import { reembedGallery } from "./gallery_reembed.ts";
import { info, warn } from "./log.ts";
import { expectKind } from "./file_kind.ts";
import { createWriter, parseFormat, writeOne } from "./output.ts";

/** Help for `faceprint gallery`. */
export const GALLERY_HELP = `Usage: faceprint gallery list --gallery G [--format F]
       faceprint gallery remove PERSON --gallery G [--format F]
       faceprint gallery remove --file PATH --gallery G [--format F]
       faceprint gallery export --gallery G [--format csv|jsonl|npy] [--out FILE]
       faceprint gallery reembed --gallery G [--embedder E] [--out NEW.jsonl] [--drop-missing]

list     one JSON object per person: {"person","count","files"} (csv: person,count,file, one
         row per enrolled file); stderr names the embedder and the --flip setting it was made
         with
remove   deletes every face of PERSON, or the faces enrolled from PATH (matched by the path as
         enrolled, or by the file's content when PATH exists). Prints {"removed":N}. The
         gallery is rewritten with no copy of the removed faces left in its folder.
export   every face for another system: csv (person,file,sha256,x,y,width,height,score,
         embedding as a pgvector literal "[v1,...]"), jsonl (default; {"person","file","sha256",
         "box","score","embedding"}), or npy (float32 matrix, row i = line i of the csv/jsonl
         export). --out FILE writes FILE (created 0600: embeddings are biometric data) instead
         of stdout.

reembed  moves the gallery to another embedder (default: the built-in default) or --flip
         setting (default: the gallery's): every record's face is embedded again from its source image, which must still be at the path it was
         enrolled from with the same sha256. One line per record: {"file","person","status"}
         (reembedded, missing, changed, no-face, error). Progress is saved in
         OUT.reembed-partial, so a killed run resumes. The gallery is replaced atomically at the
         end; when some records could not be re-embedded it is left unchanged unless you give
         --drop-missing (or --out for a new file).
Exit codes: 0 done, 1 nothing matched (remove) or some records not re-embedded (reembed),
2 usage error or an unreadable gallery.

${FACE_FLAGS_HELP}

Examples:
  faceprint gallery list --gallery people.jsonl --format csv
  faceprint gallery export --gallery people.jsonl --format csv --out faces.csv
  faceprint gallery reembed --gallery people.jsonl --embedder fused`;

/** The stamp a gallery file declares in its header, so it can be read whatever embedder made it. */
async function declaredStamp(path: string): Promise<EmbedderStamp> {
  let first = "";
  try {
    const text = await Deno.readTextFile(path);
    first = text.slice(0, text.indexOf("\n") >>> 0);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new GalleryError(path, `gallery ${path} does not exist`);
    }
    throw e;
  }
  try {
    const h = JSON.parse(first);
    return {
      embedder: String(h.embedder),
      embedderHash: String(h.embedderHash),
      dim: Number(h.dim),
    };
  } catch {
    // parseGallery gives the precise message for a broken header.
    return { embedder: "", embedderHash: "", dim: 0 };
  }
}

/** The embedder and `--flip` setting a gallery header records, for people. */
function describeHeader(header: GalleryHeader): string {
  const flip = header.flip === undefined
    ? "--flip setting not recorded (made before faceprint recorded it)"
    : `made ${flipWords(header.flip)}`;
  return `embedder ${header.embedder} (${header.dim}-d), ${flip}`;
}

/** Reads a gallery as whatever embedder wrote it (for commands that load no model). */
export async function openGallery(path: string): Promise<Gallery> {
  return await readGallery(path, await declaredStamp(path));
}

/** Runs `faceprint gallery ...`; returns the exit code. */
export async function galleryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    gallery: { type: "string" },
    file: { type: "string" },
    format: { type: "string", short: "f" },
    out: { type: "string" },
    "drop-missing": { type: "boolean" },
    ...FACE_FLAGS,
  });
  const [action, ...rest] = positionals;
  const path = values.gallery;
  if (!path) throw new UsageError("--gallery G is required");
  await expectKind(path, "gallery");
  if (action === "list") {
    if (rest.length) throw new UsageError(`gallery list takes no arguments, got "${rest[0]}"`);
    const writer = createWriter(parseFormat(values.format), {
      header: ["person", "count", "file"],
      rows: (r: PersonSummary) => r.files.map((file) => [r.person, r.count, file]),
      errorColumn: false,
    });
    const gallery = await openGallery(path);
    info(`${path}: ${gallery.records.length} faces, ${describeHeader(gallery.header)}`);
    for (const p of listPeople(gallery)) writer.write(p);
    writer.close();
    return EXIT.ok;
  }
  if (action === "remove") {
    const format = parseFormat(values.format);
    if ((rest.length === 1) === (values.file !== undefined)) {
      throw new UsageError("gallery remove takes one PERSON or --file PATH");
    }
    const removed = await withGalleryLock(path, async () => {
      await sweepStaleTemps(path); // copies a killed write may have left
      const gallery = await openGallery(path);
      const result = values.file !== undefined
        ? await removeFile(gallery, values.file)
        : removePerson(gallery, rest[0]);
      if (result.removed.length) await writeGallery(path, result.gallery);
      return result.removed.length;
    }, { warn });
    writeOne(format, {
      header: ["removed"],
      rows: (r: { removed: number }) => [[r.removed]],
      errorColumn: false,
    }, { removed });
    if (!removed) warn(`nothing matched ${values.file ?? rest[0]} in ${path}`);
    return removed ? EXIT.ok : EXIT.partial;
  }
  if (action === "export") {
    if (rest.length) throw new UsageError(`gallery export takes no arguments, got "${rest[0]}"`);
    return await exportCommand(path, values.format, values.out);
  }
  if (action === "reembed") {
    if (rest.length) throw new UsageError(`gallery reembed takes no arguments, got "${rest[0]}"`);
    return await reembedGallery({
      source: await openGallery(path),
      path,
      out: values.out ?? path,
      dropMissing: values["drop-missing"] ?? false,
      face: parseFaceOptions(values),
      format: parseFormat(values.format),
    });
  }
  throw new UsageError(
    `gallery expects list, remove, export or reembed, got "${action ?? ""}"`,
  );
}

/** `gallery export`: the whole gallery to stdout or (0600) to `out`. */
async function exportCommand(
  path: string,
  formatText: string | undefined,
  out: string | undefined,
): Promise<number> {
  const format = (formatText ?? "jsonl") as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw new UsageError(
      `gallery export --format expects one of ${EXPORT_FORMATS.join(", ")}, got "${formatText}"`,
    );
  }
  if (format === "npy" && out === undefined && Deno.stdout.isTerminal()) {
    throw new UsageError("npy is binary: give --out FILE.npy or redirect stdout");
  }
  const bytes = exportGallery(await openGallery(path), format);
  if (out !== undefined) {
    await writeFileAtomic(out, bytes);
    return EXIT.ok;
  }
  for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
  return EXIT.ok;
}
