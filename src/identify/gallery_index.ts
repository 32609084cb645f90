/**
 * Nearest enrolled faces for a batch of probe embeddings: the gallery is held as matrices on the
 * tfjs WASM backend, searched in blocks of rows with one matrix product per block and part, so
 * memory stays at one block of scores whatever the gallery size. Vectors are unit vectors, or a
 * fused embedder's concatenated parts (each a unit vector × 1/√k): per part the distance is
 * √(2 − 2k·dot), and the distance is the mean over parts (src/identify/metric.ts).
 */
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../runtime/tf.ts";

/** One enrolled face near a probe. */
export interface Neighbour {
  /** Index of the face in the vectors the index was built from. */
  index: number;
  /** faceprint's distance to the probe (Euclidean, or the mean of the parts' distances). */
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
 * Builds an index over vectors made of parts of `partSizes` (one part: plain unit vectors),
 * starting tfjs if needed.
 *
 * @example
 * const index = await buildGalleryIndex(gallery.records.map((r) => r.embedding), [128, 192]);
 * const [[best]] = await index.nearest([probe], 1); // best.index, best.distance
 */
export async function buildGalleryIndex(
  vectors: readonly Float32Array[],
  partSizes: readonly number[],
): Promise<GalleryIndex> {
  await initTf();
  const dim = partSizes.reduce((a, b) => a + b, 0);
  const blocks: tf.Tensor2D[][] = [];
  for (let start = 0; start < vectors.length; start += BLOCK_ROWS) {
    const rows = vectors.slice(start, start + BLOCK_ROWS);
    rows.forEach((v) => {
      if (v.length !== dim) throw new Error(`gallery vectors of ${v.length} and ${dim} values`);
    });
    blocks.push(splitParts(rows, partSizes, true));
  }
  return {
    size: vectors.length,
    nearest: (probes, k) => search(blocks, partSizes, probes, k),
    dispose: () => tf.dispose(blocks.flat()),
  };
}

/**
 * One matrix per part: rows = vectors, or columns = vectors when `transposed` (the gallery side:
 * tfjs-wasm multiplies by a stored transpose ~10× faster than with `transposeB`).
 */
function splitParts(
  rows: readonly Float32Array[],
  partSizes: readonly number[],
  transposed = false,
): tf.Tensor2D[] {
  let offset = 0;
  return partSizes.map((size) => {
    const data = new Float32Array(rows.length * size);
    if (transposed) {
      rows.forEach((v, i) => {
        for (let j = 0; j < size; j++) data[j * rows.length + i] = v[offset + j];
      });
    } else rows.forEach((v, i) => data.set(v.subarray(offset, offset + size), i * size));
    offset += size;
    return tf.tensor2d(data, transposed ? [size, rows.length] : [rows.length, size]);
  });
}

/** Distances of every probe to every face of one block: mean over parts of √(2 − 2k·dot). */
function blockDistances(probe: tf.Tensor2D[], block: tf.Tensor2D[]): tf.Tensor2D {
  const k = probe.length;
  const perPart = probe.map((p, i) =>
    tf.sqrt(tf.relu(tf.sub(2, tf.mul(tf.matMul(p, block[i]), 2 * k))))
  );
  return (k === 1 ? perPart[0] : tf.div(tf.addN(perPart), k)) as tf.Tensor2D;
}

async function search(
  blocks: tf.Tensor2D[][],
  partSizes: readonly number[],
  probes: readonly Float32Array[],
  k: number,
): Promise<Neighbour[][]> {
  const dim = partSizes.reduce((a, b) => a + b, 0);
  const results: Neighbour[][] = probes.map(() => []);
  for (let p0 = 0; p0 < probes.length; p0 += PROBE_BATCH) {
    const batch = probes.slice(p0, p0 + PROBE_BATCH);
    batch.forEach((v) => {
      if (v.length !== dim) throw new Error(`probe has ${v.length} values, the gallery ${dim}`);
    });
    const probeParts = splitParts(batch, partSizes);
    let offset = 0;
    for (const block of blocks) {
      const kk = Math.min(k, block[0].shape[1]);
      const { values, indices } = tf.tidy(() =>
        tf.topk(tf.neg(blockDistances(probeParts, block)), kk)
      );
      const [negDistances, idx] = await Promise.all([values.data(), indices.data()]);
      tf.dispose([values, indices]);
      batch.forEach((_, i) => {
        for (let j = 0; j < kk; j++) {
          results[p0 + i].push({
            index: offset + idx[i * kk + j],
            distance: -negDistances[i * kk + j],
          });
        }
      });
      offset += block[0].shape[1];
    }
    tf.dispose(probeParts);
  }
  return results.map((found) =>
    found.sort((a, b) => a.distance - b.distance || a.index - b.index).slice(0, k)
  );
}
