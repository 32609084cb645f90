/** Helpers for the gallery tests: deterministic synthetic galleries (no real faces) and temp dirs. */
import type { EmbedderStamp, Gallery, GalleryRecord } from "../../src/gallery/types.ts";

/** The embedder stamp every test gallery uses. */
export const STAMP: EmbedderStamp = {
  embedder: "dlib-resnet-v1",
  embedderHash: "5b3ad7e1c0f4a9e2d8b6c3f1a0e9d7c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9",
  dim: 128,
};

/** A small seeded PRNG (mulberry32) so every run builds the same records. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A unit-length embedding of `dim` values drawn from `seed`. */
export function syntheticEmbedding(seed: number, dim = STAMP.dim): Float32Array {
  const next = random(seed);
  const values = Float32Array.from({ length: dim }, () => next() * 2 - 1);
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

/** Record number `index` of writer/version `group`: distinct sha256 per (group, index). */
export function syntheticRecord(group: number, index: number, added?: string): GalleryRecord {
  const next = random(group * 100_003 + index);
  const x = Math.round(next() * 1000) + 0.5;
  const y = Math.round(next() * 800) + 0.25;
  const hex = (group * 1_000_000 + index).toString(16).padStart(64, "0");
  return {
    person: `person-${index % 7}`,
    file: `photos/${group}/img-${index}.jpg`,
    sha256: hex,
    faces: 1 + (index % 3),
    score: 0.9 + next() * 0.1,
    box: { x, y, width: 120.5, height: 150 },
    landmarks: {
      leftEye: [x + 30, y + 50],
      rightEye: [x + 90, y + 50.5],
      nose: [x + 60, y + 80],
      mouthLeft: [x + 35, y + 110],
      mouthRight: [x + 85, y + 110],
    },
    added: added ?? new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    embedding: syntheticEmbedding(group * 7919 + index),
  };
}

/**
 * Version `version` of a gallery with about `size` records; every record's `added` encodes the
 * version so a reader can tell which complete version a file holds.
 */
export function syntheticGallery(version: number, size: number): Gallery {
  const added = versionStamp(version);
  const count = size + (version % 5);
  const records = Array.from({ length: count }, (_, i) => syntheticRecord(version, i, added));
  return {
    header: { faceprint: "gallery", schema: 1, ...STAMP },
    records,
  };
}

/** The `added` time that marks records of `version`. */
export function versionStamp(version: number): string {
  return new Date(Date.UTC(2026, 0, 1) + version * 1000).toISOString();
}

/** Inverse of `versionStamp`. */
export function versionOf(added: string): number {
  return (Date.parse(added) - Date.UTC(2026, 0, 1)) / 1000;
}

/** Runs `fn` with a fresh temporary directory that is removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-gallery-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
