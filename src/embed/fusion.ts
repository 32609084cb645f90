/**
 * Fusing embedders: a face's vector is the concatenation of each model's unit vector scaled by
 * 1/√k (k models), itself a unit vector. Squared Euclidean distance between fused vectors is the
 * mean of the models' squared distances, so every distance-based stage (verify, nearest
 * neighbours, clustering, the SVM) uses both models without knowing there are two. (Weighting
 * dlib by the inverse of its LFW threshold was measured too: the same LFW verification accuracy,
 * a worse open-set result; see the README.)
 */
import type { Embedder, FaceEmbedder } from "../types.ts";

/**
 * A {@link FaceEmbedder} of one model, named after it.
 *
 * @example
 * const face = singleEmbedder(await createDlibEmbedder()); // name "dlib-resnet-v1", 128-d
 */
export function singleEmbedder(embedder: Embedder): FaceEmbedder {
  return { name: embedder.name, hash: embedder.hash, size: embedder.size, parts: [embedder] };
}

/**
 * A {@link FaceEmbedder} fusing `parts` under `name`; its hash is the sha256 of the parts' hashes
 * joined by "+", so it changes when any part's weights change.
 *
 * @example
 * const fused = await fuseEmbedders("fused-v1", [dlib, mobileFaceNet]); // 320-d
 */
export async function fuseEmbedders(name: string, parts: Embedder[]): Promise<FaceEmbedder> {
  const joined = new TextEncoder().encode(parts.map((p) => p.hash).join("+"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  const hash = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return { name, hash, size: parts.reduce((n, p) => n + p.size, 0), parts };
}

/**
 * Concatenates one face's unit vectors from each part, each scaled by 1/√k. A single vector is
 * returned unchanged.
 *
 * @example
 * fuseVectors([new Float32Array([1, 0]), new Float32Array([0, 1])]); // [0.7071, 0, 0, 0.7071]
 */
export function fuseVectors(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0];
  const scale = 1 / Math.sqrt(vectors.length);
  const fused = new Float32Array(vectors.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of vectors) {
    for (let i = 0; i < v.length; i++) fused[offset + i] = v[i] * scale;
    offset += v.length;
  }
  return fused;
}
