/**
 * Nearest enrolled faces for a batch of probe embeddings: the gallery is one matrix on the tfjs
 * WASM backend, searched in blocks of rows with one matrix product per block (unit vectors:
 * squared distance = 2 − 2·dot), so memory stays at one block of scores whatever the gallery size.
 */
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../runtime/tf.ts";

/** One enrolled face near a probe. */
export interface Neighbour {
  /** Index of the face in the vectors the index was built from. */
  index: number;
  /** Euclidean distance to the probe. */
  distance: number;
}

/** Gallery rows per matrix product: 16,384 × 320 floats is 21 MB of gallery, scores 64 KB a probe. */
const BLOCK_ROWS = 16_384;
/** Probes per matrix product. */
const PROBE_BATCH = 64;

/** A searchable gallery (see {@link buildGalleryIndex}). */
export interface GalleryIndex {
  /** Number of enrolled faces. */
  readonly size: number;
  /** The `k` nearest enrolled faces of each probe, nearest first. */
  nearest(probes: readonly Float32Array[], k: number): Promise<Neighbour[][]>;
  /** Frees the gallery tensors. */
  dispose(): void;
}

/**
 * Builds an index over unit vectors of equal length (starting tfjs if needed).
 *
 * @example
 * const index = await buildGalleryIndex(gallery.records.map((r) => r.embedding));
 * const [[best]] = await index.nearest([probe], 1); // best.index, best.distance
 */
export async function buildGalleryIndex(vectors: readonly Float32Array[]): Promise<GalleryIndex> {
  await initTf();
  const dim = vectors[0]?.length ?? 0;
  const blocks: tf.Tensor2D[] = [];
  for (let start = 0; start < vectors.length; start += BLOCK_ROWS) {
    const rows = vectors.slice(start, start + BLOCK_ROWS);
    const data = new Float32Array(rows.length * dim);
    rows.forEach((v, i) => {
      if (v.length !== dim) throw new Error(`gallery vectors of ${v.length} and ${dim} values`);
      data.set(v, i * dim);
    });
    blocks.push(tf.tensor2d(data, [rows.length, dim]));
  }
  return {
    size: vectors.length,
    nearest: (probes, k) => search(blocks, dim, probes, k),
    dispose: () => tf.dispose(blocks),
  };
}

async function search(
  blocks: tf.Tensor2D[],
  dim: number,
  probes: readonly Float32Array[],
  k: number,
): Promise<Neighbour[][]> {
  const results: Neighbour[][] = probes.map(() => []);
  for (let p0 = 0; p0 < probes.length; p0 += PROBE_BATCH) {
    const batch = probes.slice(p0, p0 + PROBE_BATCH);
    const data = new Float32Array(batch.length * dim);
    batch.forEach((v, i) => {
      if (v.length !== dim) throw new Error(`probe has ${v.length} values, the gallery ${dim}`);
      data.set(v, i * dim);
    });
    const probeTensor = tf.tensor2d(data, [batch.length, dim]);
    let offset = 0;
    for (const block of blocks) {
      const kk = Math.min(k, block.shape[0]);
      const { values, indices } = tf.tidy(() =>
        tf.topk(tf.matMul(probeTensor, block, false, true), kk)
      );
      const [dots, idx] = await Promise.all([values.data(), indices.data()]);
      tf.dispose([values, indices]);
      batch.forEach((_, i) => {
        const found = results[p0 + i];
        for (let j = 0; j < kk; j++) {
          const distance = Math.sqrt(Math.max(0, 2 - 2 * dots[i * kk + j]));
          found.push({ index: offset + idx[i * kk + j], distance });
        }
      });
      offset += block.shape[0];
    }
    probeTensor.dispose();
  }
  return results.map((found) =>
    found.sort((a, b) => a.distance - b.distance || a.index - b.index).slice(0, k)
  );
}
