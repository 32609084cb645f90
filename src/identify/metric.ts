/**
 * How far apart two faces are. For one model: the Euclidean distance of the unit vectors. For a
 * fused embedder: the mean of each model's Euclidean distance, each part recovered from the
 * concatenated vector (stored × 1/√k). On LFW the mean of the two distances separates people
 * better than the distance of the concatenations (99.63% vs 99.47% k-fold with mirror averaging).
 */
import { STAMPED_PART_SIZES } from "../embed/catalog.ts";

/** Distance between two vectors of one embedder. */
export type FaceDistance = (a: ArrayLike<number>, b: ArrayLike<number>) => number;

/** Euclidean distance between two vectors of equal length. */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/**
 * The mean over parts of the Euclidean distance between unit vectors, for vectors that
 * concatenate parts of `sizes` each scaled by 1/√k.
 *
 * @example
 * const d = meanPartDistance([128, 192]); d(fusedA, fusedB);
 */
export function meanPartDistance(sizes: readonly number[]): FaceDistance {
  const rescale = Math.sqrt(sizes.length);
  return (a, b) => {
    let total = 0;
    let offset = 0;
    for (const size of sizes) {
      let sum = 0;
      for (let i = offset; i < offset + size; i++) sum += (a[i] - b[i]) ** 2;
      total += Math.sqrt(sum) * rescale;
      offset += size;
    }
    return total / sizes.length;
  };
}

/** The part sizes of a stamped embedder name (one part of `dim` for single models). */
export function partSizesOf(embedder: string, dim: number): readonly number[] {
  return STAMPED_PART_SIZES[embedder] ?? [dim];
}

/**
 * The distance faceprint uses for an embedder by its stamped name.
 *
 * @example
 * faceDistance("fused-v1")(a, b); // mean of the dlib and MobileFaceNet distances
 * faceDistance("dlib-resnet-v1")(a, b); // Euclidean
 */
export function faceDistance(embedder: string): FaceDistance {
  const sizes = STAMPED_PART_SIZES[embedder];
  return sizes ? meanPartDistance(sizes) : euclidean;
}
