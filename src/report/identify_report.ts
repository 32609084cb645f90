/**
 * The `identify --report` page: each image scaled down with its boxes and names, a table of who
 * appears in which files, and the unknown faces gathered in one place. Built one image at a time
 * as results arrive, so only the small pictures are kept.
 */
import type { Box, RgbImage } from "../types.ts";
import {
  answerFacts,
  confidenceText,
  escapeHtml,
  type FaceAnswer,
  imageTag,
  numberSpan,
  reportPage,
  summaryTable,
} from "./html.ts";
import { faceThumbnail, jpegDataUri, scaleDown, THUMBNAIL_PX } from "./thumbnails.ts";

/** One face as `identify` prints it (the fields the page uses). */
export interface IdentifiedFaceRecord extends FaceAnswer {
  box: Box;
  name: string;
}

/** One line of `identify` output. */
export interface IdentifyImageRecord {
  file: string;
  width?: number;
  height?: number;
  faces?: IdentifiedFaceRecord[];
  error?: string;
}

/** Longest side of a picture in the page, in pixels. */
export const PICTURE_PX = 480;
/** Images shown as pictures at most (the rest appear in the tables only). */
export const MAX_PICTURES = 50;
/** Unknown faces shown as thumbnails at most. */
export const MAX_UNKNOWN_THUMBNAILS = 200;

interface Entry {
  record: IdentifyImageRecord;
  picture?: { uri: string; width: number; height: number; scale: number };
  /** Thumbnails of this image's unknown faces, by face index. */
  thumbs: Map<number, string>;
}

const UNKNOWN = "unknown";

/**
 * Collects `identify` results and renders the report page.
 *
 * @example
 * const report = new IdentifyReport();
 * report.add(record, decodedImage);
 * await writeReport("named.html", report.html("faceprint identify party.jpg ..."));
 */
export class IdentifyReport {
  #entries: Entry[] = [];
  #pictures = 0;
  #thumbs = 0;

  /** Adds one image's record; `image` (the decoded photo) gives the picture and thumbnails. */
  add(record: IdentifyImageRecord, image?: RgbImage): void {
    const entry: Entry = { record, thumbs: new Map() };
    if (image && record.faces) {
      if (this.#pictures < MAX_PICTURES) {
        this.#pictures++;
        const small = scaleDown(image, PICTURE_PX);
        entry.picture = {
          uri: jpegDataUri(small.image),
          width: small.image.width,
          height: small.image.height,
          scale: small.scale,
        };
      }
      record.faces.forEach((f, i) => {
        if (f.name !== UNKNOWN || this.#thumbs >= MAX_UNKNOWN_THUMBNAILS) return;
        this.#thumbs++;
        entry.thumbs.set(i, faceThumbnail(image, f.box));
      });
    }
    this.#entries.push(entry);
  }

  /**
   * The page: numbers tagged with keys (`images`, `faces`, `named`, `unknown`, `errors`, and
   * `person.<name>` for each person's face count), then who-appears-where, unknown faces, and
   * the pictures.
   */
  html(command: string): string {
    const entries = this.#entries;
    const faces = entries.flatMap((e) => e.record.faces ?? []);
    const unknown = faces.filter((f) => f.name === UNKNOWN).length;
    const errors = entries.filter((e) => e.record.error !== undefined);
    const count = (v: number) => String(v);
    const summary = summaryTable([
      ["Images", numberSpan("images", entries.length, count)],
      ["Images that could not be read", numberSpan("errors", errors.length, count)],
      ["Faces", numberSpan("faces", faces.length, count)],
      ["Named", numberSpan("named", faces.length - unknown, count)],
      ["Unknown", numberSpan("unknown", unknown, count)],
    ]);
    return reportPage("faceprint identification report", command, [
      summary,
      this.#whoWhere(),
      this.#unknownSection(unknown),
      this.#pictureSection(),
      errors.length
        ? `<h2>Images that could not be read</h2><table>${
          errors.map((e) =>
            `<tr><td>${escapeHtml(e.record.file)}</td><td>${escapeHtml(e.record.error!)}</td></tr>`
          ).join("")
        }</table>`
        : "",
    ]);
  }

  #whoWhere(): string {
    const where = new Map<string, Map<number, number>>();
    this.#entries.forEach((e, i) => {
      for (const f of e.record.faces ?? []) {
        if (f.name === UNKNOWN) continue;
        const files = where.get(f.name) ?? new Map<number, number>();
        files.set(i, (files.get(i) ?? 0) + 1);
        where.set(f.name, files);
      }
    });
    const names = [...where.keys()].sort();
    if (!names.length) return `<h2>Who appears where</h2><p>Nobody was named.</p>`;
    const rows = names.map((name) => {
      const files = where.get(name)!;
      const total = [...files.values()].reduce((s, v) => s + v, 0);
      const links = [...files].map(([i, n]) =>
        `<a href="#image-${i}">${escapeHtml(this.#entries[i].record.file)}</a>${
          n > 1 ? ` (×${n})` : ""
        }`
      ).join(", ");
      return `<tr><td>${escapeHtml(name)}</td><td class="n">${
        numberSpan(`person.${name}`, total, String)
      }</td><td>${links}</td></tr>`;
    }).join("");
    return `<h2>Who appears where</h2><table><tr><th>name</th><th class="n">faces</th><th>files</th></tr>${rows}</table>`;
  }

  #unknownSection(unknown: number): string {
    const head = `<h2>Unknown faces: ${unknown}</h2>`;
    if (!unknown) return `${head}<p>None.</p>`;
    const cards: string[] = [];
    this.#entries.forEach((e, i) => {
      for (const [face, uri] of e.thumbs) {
        const f = e.record.faces![face];
        cards.push(
          `<div class="card">${
            imageTag(uri, `unknown face in ${e.record.file}`, THUMBNAIL_PX)
          }<br>` +
            `${answerFacts(f)}<br><a href="#image-${i}">${escapeHtml(e.record.file)}</a></div>`,
        );
      }
    });
    const more = unknown - cards.length;
    return `${head}<div class="cards">${cards.join("")}</div>${
      more
        ? `<p>${more} more unknown faces not shown (see the pictures and the JSON output).</p>`
        : ""
    }`;
  }

  #pictureSection(): string {
    const parts = this.#entries.map((e, i) => {
      const r = e.record;
      if (r.error !== undefined) return "";
      const caption = `<figcaption>${escapeHtml(r.file)} (${r.width}×${r.height}, ${
        r.faces!.length
      } faces)</figcaption>`;
      if (!e.picture) return `<figure class="photo" id="image-${i}">${caption}</figure>`;
      return `<figure class="photo" id="image-${i}">${
        pictureSvg(e.picture, r.faces!, r.file)
      }${caption}</figure>`;
    });
    const omitted = this.#entries.filter((e) => !e.picture && !e.record.error).length;
    return `<h2>Images</h2><div class="plots">${parts.join("")}</div>${
      omitted
        ? `<p class="muted">${omitted} images without a picture (the page shows at most ${MAX_PICTURES}).</p>`
        : ""
    }`;
  }
}

/** The scaled picture with each face boxed and labelled, as SVG over the PNG. */
function pictureSvg(
  picture: NonNullable<Entry["picture"]>,
  faces: IdentifiedFaceRecord[],
  file: string,
): string {
  const { width, height, scale } = picture;
  const boxes = faces.map((f) => {
    const kind = f.name === UNKNOWN ? "unknown" : "known";
    const x = f.box.x * scale, y = f.box.y * scale;
    const label = kind === "unknown"
      ? UNKNOWN
      : f.confidence === undefined
      ? f.name
      : `${f.name} ${confidenceText(f.confidence)}`;
    const labelW = Math.ceil(label.length * 7.5) + 8;
    const ly = y >= 18 ? y - 18 : y + f.box.height * scale;
    const lx = Math.max(0, Math.min(x, width - labelW));
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return `<g data-name="${escapeHtml(f.name)}"><rect class="box ${kind}" x="${r1(x)}" y="${
      r1(y)
    }" width="${r1(f.box.width * scale)}" height="${
      r1(f.box.height * scale)
    }"/><rect class="label-bg ${kind}" x="${r1(lx)}" y="${
      r1(ly)
    }" width="${labelW}" height="18"/><text class="label" x="${r1(lx + 4)}" y="${r1(ly + 13)}">${
      escapeHtml(label)
    }</text></g>`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${
    escapeHtml(file)
  } with ${faces.length} faces"><image href="${picture.uri}" width="${width}" height="${height}"/>${boxes}</svg>`;
}
