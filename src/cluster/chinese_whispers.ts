/**
 * Chinese whispers (Biemann 2006), as in dlib's face clustering example: every face starts in its
 * own group; a face picked at random takes the label carried by most of its neighbours (edges:
 * pairs closer than the threshold, weight 1); repeated 100 × n times. Seeded, so deterministic.
 */
import { boundedRandInt, Mt19937 } from "../classify/mt19937.ts";
import type { NeighborGraph } from "./neighbor_graph.ts";

/**
 * A group label per row (a row index of the group), from `iterations` × n random label updates.
 *
 * @example
 * const labels = chineseWhispers(await neighborGraph(vectors, 0.4), 100, 5489);
 */
export function chineseWhispers(graph: NeighborGraph, iterations = 100, seed = 5489): Int32Array {
  const { count: n, offsets, targets } = graph;
  const labels = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Mt19937(seed);
  const votes = new Map<number, number>();
  for (let step = 0; step < iterations * n; step++) {
    const i = boundedRandInt(rng, n);
    if (offsets[i] === offsets[i + 1]) continue;
    votes.clear();
    let best = -1, bestVotes = 0;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const label = labels[targets[e]];
      const count = (votes.get(label) ?? 0) + 1;
      votes.set(label, count);
      if (count > bestVotes || (count === bestVotes && label < best)) {
        best = label;
        bestVotes = count;
      }
    }
    labels[i] = best;
  }
  return labels;
}
