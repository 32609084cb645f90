/**
 * `faceprint enroll --clusters FILE --name alice=7 ... --gallery G`: names groups of a `faceprint
 * cluster` output and adds their faces to the gallery from the stored embeddings (no model runs).
 * A face is skipped when the gallery already holds it (same image sha256, boxes overlapping by
 * half or more). The gallery must be of the clusters' embedder. One locked, atomic write.
 */
import { parseClusters } from "../cluster/clusters_file.ts";
import { stampName } from "../cluster/face_table.ts";
import {
  type GalleryRecord,
  readGallery,
  sha256Hex,
  withGalleryLock,
  writeGallery,
} from "../gallery/mod.ts";
import type { Box } from "../types.ts";
import { EXIT, UsageError } from "./errors.ts";
import { milestone, warn } from "./log.ts";
import { createWriter, type Format } from "./output.ts";

/** One line of output per face of a named group. */
interface ClusterEnrollRecord {
  file: string;
  face: number;
  cluster: number;
  person: string;
  status: "enrolled" | "already-enrolled" | "error";
  error?: string;
}

/**
 * Parses `alice=7` assignments (from --name, and lines of a --names file): person → cluster id.
 *
 * @example
 * parseAssignments(["alice=7", "bob=3"]); // [["alice", 7], ["bob", 3]]
 */
export function parseAssignments(texts: string[]): [string, number][] {
  return texts.map((text) => {
    const at = text.lastIndexOf("=");
    const person = text.slice(0, at).trim();
    const id = Number(text.slice(at + 1));
    if (at < 1 || !person || !Number.isInteger(id) || id < 0 || text.slice(at + 1).trim() === "") {
      throw new UsageError(
        `--name expects NAME=CLUSTER (e.g. alice=7) with --clusters, got "${text}"`,
      );
    }
    return [person, id];
  });
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Enrols the named groups of `clustersPath` into the gallery; returns the exit code. */
export async function enrollClusters(
  clustersPath: string,
  assignments: [string, number][],
  galleryPath: string,
  format: Format,
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(clustersPath);
  } catch (e) {
    throw new UsageError(`${clustersPath}: cannot read clusters: ${(e as Error).message}`);
  }
  let parsed;
  try {
    parsed = parseClusters(text, clustersPath);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { embedder, faces, flip } = parsed;
  const at = embedder.lastIndexOf("@");
  if (at < 0) {
    throw new UsageError(
      `${clustersPath}: embedder ${embedder} has no weights hash (clustered from an older embed ` +
        "output): embed the photos again with this faceprint, then cluster",
    );
  }
  const stamp = {
    embedder: stampName(embedder),
    embedderHash: embedder.slice(at + 1),
    dim: faces[0].embedding.length,
    flip,
  };
  await readGallery(galleryPath, stamp); // refuses another embedder before any work
  const facesPerFile = new Map<string, number>();
  for (const f of faces) facesPerFile.set(f.file, (facesPerFile.get(f.file) ?? 0) + 1);
  const lines: ClusterEnrollRecord[] = [];
  const fresh: GalleryRecord[] = [];
  const hashes = new Map<string, string | Error>();
  for (const [person, cluster] of assignments) {
    const members = faces.filter((f) => f.cluster === cluster);
    if (members.length === 0) {
      throw new UsageError(`${clustersPath}: no cluster ${cluster} (for ${person})`);
    }
    for (const f of members) {
      if (!hashes.has(f.file)) {
        try {
          hashes.set(f.file, await sha256Hex(await Deno.readFile(f.file)));
        } catch (e) {
          hashes.set(f.file, e as Error);
        }
      }
      const hash = hashes.get(f.file)!;
      const line = { file: f.file, face: f.face, cluster, person };
      if (hash instanceof Error) {
        warn(`${f.file}: cannot read the image to enrol its face: ${hash.message}`);
        lines.push({ ...line, status: "error", error: hash.message });
        continue;
      }
      lines.push({ ...line, status: "enrolled" });
      fresh.push({
        person,
        file: f.file,
        sha256: hash,
        faces: facesPerFile.get(f.file)!,
        score: f.score,
        box: f.box,
        landmarks: f.landmarks,
        added: new Date().toISOString(),
        embedding: f.embedding,
      });
    }
  }
  const enrolledLines = lines.filter((l) => l.status === "enrolled");
  await withGalleryLock(galleryPath, async () => {
    const current = await readGallery(galleryPath, stamp);
    const kept: GalleryRecord[] = [];
    fresh.forEach((r, i) => {
      const known = [...current.records, ...kept].some((g) =>
        g.sha256 === r.sha256 && overlap(g.box, r.box) >= 0.5
      );
      if (known) enrolledLines[i].status = "already-enrolled";
      else kept.push(r);
    });
    if (kept.length) {
      await writeGallery(galleryPath, { ...current, records: [...current.records, ...kept] });
    }
  }, { warn });
  const writer = createWriter<ClusterEnrollRecord>(format, {
    header: ["file", "face", "cluster", "person", "status"],
    rows: (r) => [[r.file, r.face, r.cluster, r.person, r.status]],
  });
  for (const line of lines) writer.write(line);
  writer.close();
  for (const [person, cluster] of assignments) {
    const mine = lines.filter((l) => l.person === person && l.cluster === cluster);
    const added = mine.filter((l) => l.status === "enrolled").length;
    const skipped = mine.filter((l) => l.status === "already-enrolled").length;
    milestone(
      `>loaded ${added} examples for class: ${person} (cluster ${cluster})` +
        (skipped ? ` (${skipped} already enrolled)` : ""),
    );
  }
  return lines.some((l) => l.status === "error") ? EXIT.partial : EXIT.ok;
}
