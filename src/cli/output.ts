import { UsageError } from "./errors.ts";
/**
 * Writes result records to stdout as JSON Lines (one object per line, flushed as it goes), JSON (one
 * array, written at the end) or CSV (a header, then at least one row per record; the last column
 * is `error` for commands whose inputs can fail).
 */

/** The output formats every command accepts with `--format`. */
export const FORMATS = ["jsonl", "json", "csv"] as const;
/** One of {@link FORMATS}. */
export type Format = typeof FORMATS[number];

/**
 * How a command's records become CSV: the header, and the rows of one record (an empty list still
 * prints one row with the record's `file`, so every input has a row). An `error` column is added
 * last unless `errorColumn` is false (for records that cannot fail).
 */
export interface CsvShape<R> {
  header: string[];
  rows(record: R): (string | number | boolean | null | undefined)[][];
  errorColumn?: boolean;
}

/** A sink for records; call `close()` once at the end. */
export interface RecordWriter<R> {
  write(record: R): void;
  close(): void;
}

/** Parses `--format`. */
export function parseFormat(text: string | undefined): Format {
  if (text === undefined) return "jsonl";
  if (!(FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(`--format expects one of ${FORMATS.join(", ")}, got "${text}"`);
  }
  return text as Format;
}

const encoder = new TextEncoder();
let closed = false;

/**
 * Writes `text` to stdout. When the reader has gone (`| head -3`), the rest of the output is
 * dropped quietly and {@link stdoutClosed} turns true; the command decides whether to go on.
 */
export function out(text: string): void {
  if (closed) return;
  const bytes = encoder.encode(text);
  let written = 0;
  try {
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
    closed = true;
  }
}

/** Whether stdout's reader has gone: nothing more will be printed. */
export function stdoutClosed(): boolean {
  return closed;
}

function csvField(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Joins fields into one CSV line (RFC 4180 quoting; null and undefined as empty fields). */
export function csvLine(fields: (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(",") + "\n";
}

/**
 * Creates a writer for `format`. In CSV, a record's `error` (if any) fills the last column of its
 * rows, and rows shorter than the header are padded with empty fields.
 *
 * @example
 * const w = createWriter("jsonl", shape); w.write({ file: "a.jpg", faces: [] }); w.close();
 */
export function createWriter<R extends object>(
  format: Format,
  shape: CsvShape<R>,
): RecordWriter<R> {
  if (format === "jsonl") {
    return { write: (r) => out(JSON.stringify(r) + "\n"), close: () => {} };
  }
  if (format === "json") {
    let count = 0;
    return {
      write: (r) => out((count++ === 0 ? "[\n" : ",\n") + JSON.stringify(r)),
      close: () => out(count === 0 ? "[]\n" : "\n]\n"),
    };
  }
  const withError = shape.errorColumn ?? true;
  const columns = withError ? [...shape.header, "error"] : shape.header;
  out(csvLine(columns));
  const pad = (row: unknown[]) => Array(Math.max(0, shape.header.length - row.length)).fill("");
  return {
    write: (r) => {
      const { file, error } = r as { file?: string; error?: string };
      const rows = shape.rows(r);
      if (rows.length === 0) rows.push(shape.header.map((c) => (c === "file" ? file : "")));
      for (const row of rows) {
        const full = [...row, ...pad(row)];
        out(csvLine(withError ? [...full, error] : full));
      }
    },
    close: () => {},
  };
}

/**
 * Prints a command's single record (verify, train, evaluate, gallery remove): one JSON object for
 * jsonl and json alike, or the CSV header and rows.
 *
 * @example
 * writeOne("csv", { header: ["removed"], rows: (r) => [[r.removed]] }, { removed: 3 });
 */
export function writeOne<R extends object>(format: Format, shape: CsvShape<R>, record: R): void {
  if (format !== "csv") return out(JSON.stringify(record) + "\n");
  const writer = createWriter(format, shape);
  writer.write(record);
  writer.close();
}
