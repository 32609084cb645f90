/**
 * Naming groups after gallery people: a group takes the name of the person whose enrolled faces
 * are nearest on average (mean distance over all group × person face pairs), when that mean is
 * below the embedder's verification threshold (faceprint's distance for the embedder, as `verify`
 * uses); otherwise it stays unnamed.
 */
import { euclidean, type FaceDistance } from "../identify/metric.ts";
import type { VectorSet } from "./neighbor_graph.ts";

/** A gallery person's enrolled embeddings. */
export interface KnownPerson {
  person: string;
  embeddings: Float32Array[];
}

/**
 * The name for each group (null when nobody is near enough), groups given as rows of `v`.
 *
 * @example
 * const names = nameGroups(vectors, grouping.groups, people, 0.86);
 */
export function nameGroups(
  v: VectorSet,
  groups: number[][],
  people: KnownPerson[],
  threshold: number,
  distance: FaceDistance = euclidean,
): (string | null)[] {
  const known: VectorSet[] = people.map(({ embeddings }) => {
    const data = new Float32Array(embeddings.length * v.dim);
    embeddings.forEach((e, i) => data.set(e, i * v.dim));
    return { data, count: embeddings.length, dim: v.dim };
  });
  return groups.map((rows) => {
    let best: string | null = null, bestMean = threshold;
    people.forEach(({ person }, p) => {
      const k = known[p];
      let sum = 0;
      for (const row of rows) {
        const face = v.data.subarray(row * v.dim, (row + 1) * v.dim);
        for (let j = 0; j < k.count; j++) {
          sum += distance(face, k.data.subarray(j * k.dim, (j + 1) * k.dim));
        }
      }
      const mean = sum / (rows.length * k.count);
      if (mean < bestMean) [best, bestMean] = [person, mean];
    });
    return best;
  });
}
