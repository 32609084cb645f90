/**
 * The gallery file format: JSON Lines, line 1 the header, then one record per line, records sorted
 * by person then file so the bytes are deterministic and diffs stay small.
 */
import type { Box, Landmarks, Point } from "../types.ts";
import { decodeEmbedding, encodeEmbedding } from "./embedding_codec.ts";
import { GalleryError } from "./error.ts";
import type { EmbedderStamp, Gallery, GalleryHeader, GalleryRecord } from "./types.ts";

/** The newest gallery schema this faceprint reads and the one it writes. */
export const GALLERY_SCHEMA = 1;

const HEADER_KEYS = ["faceprint", "schema", "embedder", "embedderHash", "dim"] as const;
/** Header fields a gallery may lack: `flip` arrived after schema 1 galleries were written. */
const OPTIONAL_HEADER_KEYS = ["flip"] as const;
const RECORD_KEYS = [
  "person",
  "file",
  "sha256",
  "faces",
  "score",
  "box",
  "landmarks",
  "added",
  "embedding",
] as const;
const BOX_KEYS = ["x", "y", "width", "height"] as const;
const LANDMARK_KEYS = ["leftEye", "rightEye", "nose", "mouthLeft", "mouthRight"] as const;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A problem with one line; turned into a `GalleryError` naming the file and line. */
class InvalidLine extends Error {}

/**
 * A gallery with no records for the given embedder.
 *
 * @example
 * const g = emptyGallery({ embedder: "dlib-resnet-v1", embedderHash: "ab…", dim: 128 });
 */
export function emptyGallery(stamp: EmbedderStamp): Gallery {
  return { header: { faceprint: "gallery", schema: GALLERY_SCHEMA, ...stamp }, records: [] };
}

/**
 * Orders records by person, then file, then sha256 and box (code-unit order, locale independent);
 * returns a new array.
 */
export function sortRecords(records: readonly GalleryRecord[]): GalleryRecord[] {
  return [...records].sort((a, b) =>
    compareText(a.person, b.person) || compareText(a.file, b.file) ||
    compareText(a.sha256, b.sha256) || a.box.y - b.box.y || a.box.x - b.box.x ||
    a.box.width - b.box.width || a.box.height - b.box.height
  );
}

/**
 * Serialises a gallery to its file text (sorted records, one JSON object per line, final newline).
 * Throws `GalleryError` rather than produce a file `parseGallery` would refuse (wrong embedding
 * length, NaN, duplicates, bad fields). `path` only names the file in messages.
 *
 * @example
 * await Deno.writeTextFile("g.jsonl", serializeGallery(gallery, "g.jsonl"));
 */
export function serializeGallery(gallery: Gallery, path: string): string {
  const refuse = (problem: string) =>
    new GalleryError(path, `cannot write gallery ${path}: ${problem}`);
  const header = headerToJson(gallery.header);
  try {
    parseHeader(header, gallery.header);
  } catch (error) {
    if (error instanceof InvalidLine) throw refuse(`header: ${error.message}`);
    throw error;
  }
  const lines = [JSON.stringify(header)];
  const seen = new Set<string>();
  for (const record of sortRecords(gallery.records)) {
    const json = recordToJson(record);
    const where = `record of ${JSON.stringify(record.person)} from ${JSON.stringify(record.file)}`;
    try {
      parseRecord(json, gallery.header.dim);
    } catch (error) {
      if (error instanceof InvalidLine) throw refuse(`${where}: ${error.message}`);
      throw error;
    }
    const key = duplicateKey(record);
    if (seen.has(key)) throw refuse(`${where}: duplicate face (same sha256 and box)`);
    seen.add(key);
    lines.push(JSON.stringify(json));
  }
  return lines.join("\n") + "\n";
}

/**
 * Parses and validates gallery file text against the embedder this faceprint uses. Throws
 * `GalleryError` with a one-line message naming `path`, the line number and the problem.
 *
 * @example
 * const g = parseGallery(await Deno.readTextFile(p), p, stamp);
 */
export function parseGallery(text: string, path: string, expected: EmbedderStamp): Gallery {
  const lines = text.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
  const at = (line: number, problem: string) =>
    new GalleryError(path, `gallery ${path} line ${line}: ${problem}`, line);
  if (text.trim() === "") {
    throw new GalleryError(path, `gallery ${path} is empty: not a faceprint gallery`);
  }
  let header: GalleryHeader;
  try {
    header = parseHeader(parseJsonOrUndefined(lines[0]), expected);
  } catch (error) {
    if (error instanceof InvalidLine) throw at(1, error.message);
    throw error;
  }
  const records: GalleryRecord[] = [];
  const firstLineOf = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let record: GalleryRecord;
    try {
      record = parseRecord(parseJson(lines[i]), header.dim);
    } catch (error) {
      if (error instanceof InvalidLine) throw at(i + 1, error.message);
      throw error;
    }
    const key = duplicateKey(record);
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      throw at(i + 1, `duplicate record: same sha256 and box as line ${first}`);
    }
    firstLineOf.set(key, i + 1);
    records.push(record);
  }
  return { header, records };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new InvalidLine("not valid JSON (truncated or corrupted line)");
  }
}

function parseJsonOrUndefined(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function parseHeader(value: unknown, expected: EmbedderStamp): GalleryHeader {
  if (!isObject(value) || value.faceprint !== "gallery") {
    throw new InvalidLine("not a faceprint gallery (line 1 is not a gallery header)");
  }
  const schema = value.schema;
  if (typeof schema !== "number" || !Number.isInteger(schema) || schema < 1) {
    throw new InvalidLine(`field "schema" must be a positive integer`);
  }
  if (schema > GALLERY_SCHEMA) {
    throw new InvalidLine(
      `made by a newer faceprint (schema ${schema}; this faceprint reads up to ${GALLERY_SCHEMA}); ` +
        "upgrade faceprint",
    );
  }
  checkKeys(value, HEADER_KEYS, "", OPTIONAL_HEADER_KEYS);
  const header: GalleryHeader = {
    faceprint: "gallery",
    schema,
    embedder: readString(value, "embedder", ""),
    embedderHash: readString(value, "embedderHash", ""),
    dim: readCount(value, "dim", ""),
  };
  if ("flip" in value) {
    if (typeof value.flip !== "boolean") {
      throw new InvalidLine(`field "flip" must be true or false`);
    }
    header.flip = value.flip;
  }
  if (header.embedder !== expected.embedder || header.embedderHash !== expected.embedderHash) {
    throw new InvalidLine(
      `made with embedder ${header.embedder} (hash ${short(header.embedderHash)}); ` +
        `this run uses ${expected.embedder} (hash ${short(expected.embedderHash)}) — run with ` +
        `the embedder it was made with (--embedder), or move it to ${expected.embedder} with ` +
        "'faceprint gallery reembed'",
    );
  }
  if (header.dim !== expected.dim) {
    throw new InvalidLine(
      `embeddings have ${header.dim} values; embedder ${expected.embedder} gives ${expected.dim}`,
    );
  }
  if (header.flip !== undefined && expected.flip !== undefined && header.flip !== expected.flip) {
    throw new InvalidLine(
      `made ${flipWords(header.flip)}; this run embeds ${flipWords(expected.flip)} — ` +
        "embeddings made with and without --flip do not match",
    );
  }
  return header;
}

function parseRecord(value: unknown, dim: number): GalleryRecord {
  if (!isObject(value)) throw new InvalidLine("record must be a JSON object");
  checkKeys(value, RECORD_KEYS, "");
  const person = readString(value, "person", "");
  if (person.trim() === "") throw new InvalidLine(`field "person" must not be empty`);
  const file = readString(value, "file", "");
  if (file === "") throw new InvalidLine(`field "file" must not be empty`);
  const sha256 = readString(value, "sha256", "");
  if (!SHA256_HEX.test(sha256)) {
    throw new InvalidLine(`field "sha256" must be 64 lowercase hex digits`);
  }
  const faces = readCount(value, "faces", "");
  const score = readNumber(value, "score", "");
  const box = readBox(value.box);
  const landmarks = readLandmarks(value.landmarks);
  const added = readString(value, "added", "");
  if (Number.isNaN(Date.parse(added))) {
    throw new InvalidLine(`field "added" must be an ISO date, got ${JSON.stringify(added)}`);
  }
  const embedding = readEmbedding(readString(value, "embedding", ""), dim);
  return { person, file, sha256, faces, score, box, landmarks, added, embedding };
}

function readBox(value: unknown): Box {
  if (!isObject(value)) throw new InvalidLine(`field "box" must be an object`);
  checkKeys(value, BOX_KEYS, "box.");
  const box: Box = {
    x: readNumber(value, "x", "box."),
    y: readNumber(value, "y", "box."),
    width: readNumber(value, "width", "box."),
    height: readNumber(value, "height", "box."),
  };
  if (box.width <= 0 || box.height <= 0) {
    throw new InvalidLine(`field "box" must have a positive width and height`);
  }
  return box;
}

function readLandmarks(value: unknown): Landmarks {
  if (!isObject(value)) throw new InvalidLine(`field "landmarks" must be an object`);
  checkKeys(value, LANDMARK_KEYS, "landmarks.");
  return {
    leftEye: readPoint(value, "leftEye"),
    rightEye: readPoint(value, "rightEye"),
    nose: readPoint(value, "nose"),
    mouthLeft: readPoint(value, "mouthLeft"),
    mouthRight: readPoint(value, "mouthRight"),
  };
}

function readPoint(parent: Record<string, unknown>, key: string): Point {
  const value = parent[key];
  if (
    !Array.isArray(value) || value.length !== 2 ||
    !value.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    throw new InvalidLine(`field "landmarks.${key}" must be [x, y] with finite numbers`);
  }
  return [value[0], value[1]];
}

function readEmbedding(text: string, dim: number): Float32Array {
  let values: Float32Array;
  try {
    values = decodeEmbedding(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidLine(error.message);
    throw error;
  }
  if (values.length !== dim) {
    throw new InvalidLine(`embedding has ${values.length} values, expected ${dim}`);
  }
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InvalidLine(`embedding value ${bad} is ${values[bad]}`);
  return values;
}

function readString(parent: Record<string, unknown>, key: string, prefix: string): string {
  const value = parent[key];
  if (typeof value !== "string") throw new InvalidLine(`field "${prefix}${key}" must be a string`);
  return value;
}

function readNumber(parent: Record<string, unknown>, key: string, prefix: string): number {
  const value = parent[key];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidLine(`field "${prefix}${key}" must be a finite number`);
  }
  return value;
}

function readCount(parent: Record<string, unknown>, key: string, prefix: string): number {
  const value = parent[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidLine(`field "${prefix}${key}" must be a positive integer`);
  }
  return value;
}

function checkKeys(
  value: Record<string, unknown>,
  keys: readonly string[],
  prefix: string,
  optional: readonly string[] = [],
): void {
  const missing = keys.find((key) => !(key in value));
  if (missing !== undefined) throw new InvalidLine(`missing field "${prefix}${missing}"`);
  const extra = Object.keys(value).find((key) => !keys.includes(key) && !optional.includes(key));
  if (extra !== undefined) throw new InvalidLine(`unexpected field "${prefix}${extra}"`);
}

function headerToJson(header: GalleryHeader): Record<string, unknown> {
  return {
    faceprint: header.faceprint,
    schema: header.schema,
    embedder: header.embedder,
    embedderHash: header.embedderHash,
    dim: header.dim,
    ...(header.flip === undefined ? {} : { flip: header.flip }),
  };
}

function recordToJson(record: GalleryRecord): Record<string, unknown> {
  const { box, landmarks } = record;
  return {
    person: record.person,
    file: record.file,
    sha256: record.sha256,
    faces: record.faces,
    score: record.score,
    box: { x: box.x, y: box.y, width: box.width, height: box.height },
    landmarks: {
      leftEye: landmarks.leftEye,
      rightEye: landmarks.rightEye,
      nose: landmarks.nose,
      mouthLeft: landmarks.mouthLeft,
      mouthRight: landmarks.mouthRight,
    },
    added: record.added,
    embedding: encodeEmbedding(record.embedding),
  };
}

function duplicateKey(record: GalleryRecord): string {
  const { x, y, width, height } = record.box;
  return `${record.sha256} ${x} ${y} ${width} ${height}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "with --flip" / "without --flip", for messages. */
export function flipWords(flip: boolean): string {
  return flip ? "with --flip" : "without --flip";
}

function short(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}
