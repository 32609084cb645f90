/**
 * DBSCAN (Ester et al. 1996) on the neighbour graph: a face with at least `minPoints` faces
 * within the radius (itself included) is a core face; core faces within the radius of each other
 * share a group, and a non-core face joins the group of its first core neighbour. Faces near no
 * core face stay alone (DBSCAN's noise).
 */
import type { NeighborGraph } from "./neighbor_graph.ts";

/**
 * A group label per row (the smallest core row reached first); noise rows label themselves.
 *
 * @example
 * const labels = dbscan(await neighborGraph(vectors, 0.8), 2);
 */
export function dbscan(graph: NeighborGraph, minPoints: number): Int32Array {
  const { count: n, offsets, targets } = graph;
  const core = (i: number) => offsets[i + 1] - offsets[i] + 1 >= minPoints;
  const labels = new Int32Array(n).fill(-1);
  for (let seed = 0; seed < n; seed++) {
    if (labels[seed] !== -1 || !core(seed)) continue;
    labels[seed] = seed;
    const queue = [seed];
    while (queue.length) {
      const i = queue.pop()!;
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        const j = targets[e];
        if (labels[j] !== -1) continue;
        labels[j] = seed;
        if (core(j)) queue.push(j);
      }
    }
  }
  for (let i = 0; i < n; i++) if (labels[i] === -1) labels[i] = i;
  return labels;
}
