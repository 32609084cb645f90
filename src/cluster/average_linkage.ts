/**
 * Agglomerative clustering with average linkage, cut at a distance: repeatedly merge the two
 * groups whose mean pairwise distance is smallest, while it is below `cut`. Exact, and sparse:
 * two groups with no pair closer than `cut` have a mean of at least `cut` and can never merge, so
 * only groups linked in the neighbour graph (radius = cut) are candidates. Each candidate keeps the
 * exact sum of its cross distances; a sum the graph does not hold is computed from the vectors.
 */
import { CandidateHeap } from "./min_heap.ts";
import { type NeighborGraph, rowDistance, type VectorSet } from "./neighbor_graph.ts";

/**
 * A group label per row (the smallest row index of its group). `graph` must hold every pair
 * closer than `cut`.
 *
 * @example
 * const labels = averageLinkage(vectors, await neighborGraph(vectors, 0.8), 0.8);
 */
export function averageLinkage(v: VectorSet, graph: NeighborGraph, cut: number): Int32Array {
  const n = v.count;
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const version = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  /** sums[c]: other group → exact sum of distances between the two groups' members. */
  const sums: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const heap = new CandidateHeap();
  const { offsets, targets, distances } = graph;
  for (let i = 0; i < n; i++) {
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const j = targets[e];
      sums[i].set(j, distances[e]);
      if (i < j) heap.push({ key: distances[e], a: i, b: j, versionA: 0, versionB: 0 });
    }
  }
  const crossSum = (a: number[], b: number[]): number => {
    let s = 0;
    for (const i of a) for (const j of b) s += rowDistance(v, i, j);
    return s;
  };
  for (;;) {
    const top = heap.pop();
    if (!top || top.key >= cut) break;
    const { a, b } = top;
    if (!alive[a] || !alive[b] || version[a] !== top.versionA || version[b] !== top.versionB) {
      continue;
    }
    // Merge b into a (a < b, so a group's label stays its smallest row).
    const sa = sums[a], sb = sums[b];
    const merged = new Map<number, number>();
    const others = new Set([...sa.keys(), ...sb.keys()]);
    others.delete(a);
    others.delete(b);
    for (const x of [...others].sort((p, q) => p - q)) {
      const s = (sa.get(x) ?? crossSum(members[a], members[x])) +
        (sb.get(x) ?? crossSum(members[b], members[x]));
      merged.set(x, s);
      sums[x].delete(a);
      sums[x].delete(b);
      sums[x].set(a, s);
    }
    for (const i of members[b]) members[a].push(i);
    members[b] = [];
    alive[b] = 0;
    sums[b] = new Map();
    sums[a] = merged;
    version[a]++;
    const size = members[a].length;
    for (const [x, s] of merged) {
      const mean = s / (size * members[x].length);
      if (mean >= cut) continue;
      const [p, q] = a < x ? [a, x] : [x, a];
      heap.push({ key: mean, a: p, b: q, versionA: version[p], versionB: version[q] });
    }
  }
  const labels = new Int32Array(n);
  for (let c = 0; c < n; c++) for (const i of members[c]) labels[i] = c;
  return labels;
}
