/** `faceprint gallery list|remove`: look into and edit a gallery without any model loaded. */
import { parseArgs } from "node:util";
import {
  type EmbedderStamp,
  type Gallery,
  GalleryError,
  listPeople,
  readGallery,
  removeFile,
  removePerson,
  withGalleryLock,
  writeGallery,
} from "../gallery/mod.ts";
import { EXIT, UsageError } from "./errors.ts";
import { warn } from "./log.ts";
import { createWriter, parseFormat } from "./output.ts";

/** Help for `faceprint gallery`. */
export const GALLERY_HELP = `Usage: faceprint gallery list --gallery G [--format F]
       faceprint gallery remove PERSON --gallery G
       faceprint gallery remove --file PATH --gallery G

list     one JSON object per person: {"person","count","files"} (csv: person,count)
remove   deletes every face of PERSON, or the faces enrolled from PATH (matched by the path as
         enrolled, or by the file's content when PATH exists). Prints {"removed":N}.

Exit codes: 0 done, 1 nothing matched (remove), 2 usage error or an unreadable gallery.

Example:
  faceprint gallery list --gallery people.jsonl --format csv`;

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

/** Reads a gallery as whatever embedder wrote it (for commands that load no model). */
export async function openGallery(path: string): Promise<Gallery> {
  return await readGallery(path, await declaredStamp(path));
}

/** Runs `faceprint gallery ...`; returns the exit code. */
export async function galleryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      gallery: { type: "string" },
      file: { type: "string" },
      format: { type: "string", short: "f" },
    },
  });
  const [action, ...rest] = positionals;
  const path = values.gallery;
  if (!path) throw new UsageError("--gallery G is required");
  if (action === "list") {
    if (rest.length) throw new UsageError(`gallery list takes no arguments, got "${rest[0]}"`);
    const writer = createWriter(parseFormat(values.format), {
      header: ["person", "count"],
      rows: (r: { person: string; count: number }) => [[r.person, r.count]],
    });
    for (const p of listPeople(await openGallery(path))) writer.write(p);
    writer.close();
    return EXIT.ok;
  }
  if (action === "remove") {
    if ((rest.length === 1) === (values.file !== undefined)) {
      throw new UsageError("gallery remove takes one PERSON or --file PATH");
    }
    const removed = await withGalleryLock(path, async () => {
      const gallery = await openGallery(path);
      const result = values.file !== undefined
        ? await removeFile(gallery, values.file)
        : removePerson(gallery, rest[0]);
      if (result.removed.length) await writeGallery(path, result.gallery);
      return result.removed.length;
    }, { warn });
    console.log(JSON.stringify({ removed }));
    if (!removed) warn(`nothing matched ${values.file ?? rest[0]} in ${path}`);
    return removed ? EXIT.ok : EXIT.partial;
  }
  throw new UsageError(`gallery expects list or remove, got "${action ?? ""}"`);
}
