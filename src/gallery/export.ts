/**
 * `gallery export`: a gallery's faces in formats other systems load directly. CSV (embedding as a
 * pgvector literal `[v1,v2,…]`, so `COPY … FORMAT csv` fills a `vector(dim)` column), JSON Lines
 * (embedding as a number array), or NumPy `.npy` (an N × dim float32 matrix whose row i is the
 * i-th record of the CSV / JSON Lines export). Embeddings are printed with 9 significant digits,
 * enough to read back the exact float32; the `.npy` holds the float32 values themselves.
 */
import type { Gallery, GalleryRecord } from "./types.ts";

/** The export formats. */
export const EXPORT_FORMATS = ["csv", "jsonl", "npy"] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** CSV columns of the export (the embedding last). */
export const EXPORT_CSV_HEADER = [
  "person",
  "file",
  "sha256",
  "x",
  "y",
  "width",
  "height",
  "score",
  "embedding",
];

const r2 = (v: number): number => Math.round(v * 100) / 100;

function values(embedding: Float32Array): number[] {
  return Array.from(embedding, (v) => Number(v.toPrecision(9)));
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(r: GalleryRecord): string {
  const { x, y, width, height } = r.box;
  const fields = [r.person, r.file, r.sha256, r2(x), r2(y), r2(width), r2(height), r.score];
  return [...fields, `[${values(r.embedding).join(",")}]`].map(csvField).join(",") + "\n";
}

function jsonRow(r: GalleryRecord): string {
  const { x, y, width, height } = r.box;
  return JSON.stringify({
    person: r.person,
    file: r.file,
    sha256: r.sha256,
    box: { x: r2(x), y: r2(y), width: r2(width), height: r2(height) },
    score: r.score,
    embedding: values(r.embedding),
  }) + "\n";
}

/**
 * The gallery as a NumPy `.npy` file (format 1.0): little-endian float32, shape (records, dim).
 *
 * @example
 * await Deno.writeFile("faces.npy", toNpy(gallery)); // numpy.load("faces.npy").shape == (n, 320)
 */
export function toNpy(gallery: Gallery): Uint8Array {
  const dim = gallery.header.dim;
  const rows = gallery.records.length;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, "\n".
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const out = new Uint8Array(10 + header.length + rows * dim * 4);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const data = new DataView(out.buffer, 10 + header.length);
  gallery.records.forEach((r, i) => {
    r.embedding.forEach((v, j) => data.setFloat32((i * dim + j) * 4, v, true));
  });
  return out;
}

/**
 * The gallery in `format`, as bytes, records in the gallery's order (by person, then file).
 *
 * @example
 * Deno.stdout.writeSync(exportGallery(gallery, "csv"));
 */
export function exportGallery(gallery: Gallery, format: ExportFormat): Uint8Array {
  if (format === "npy") return toNpy(gallery);
  const text = format === "csv"
    ? EXPORT_CSV_HEADER.join(",") + "\n" + gallery.records.map(csvRow).join("")
    : gallery.records.map(jsonRow).join("");
  return new TextEncoder().encode(text);
}
