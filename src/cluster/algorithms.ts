/**
 * The clustering algorithms faceprint compares, behind one signature: vectors, the neighbour graph
 * at the threshold, the threshold → a group label per face. `average` (the default, chosen on
 * LFW; see README "Clustering") and the two it was measured against.
 */
import { averageLinkage } from "./average_linkage.ts";
import { chineseWhispers } from "./chinese_whispers.ts";
import { dbscan } from "./dbscan.ts";
import type { NeighborGraph, VectorSet } from "./neighbor_graph.ts";

/** Algorithm names as `--algorithm` takes them. */
export const ALGORITHMS = ["average", "whispers", "dbscan"] as const;
/** One of {@link ALGORITHMS}. */
export type AlgorithmName = typeof ALGORITHMS[number];

/** DBSCAN's core-point size (itself included): 2 makes every linked face part of a group. */
export const DBSCAN_MIN_POINTS = 3;

/**
 * Runs one algorithm. `graph` must hold every pair closer than `threshold` and no other.
 *
 * @example
 * const labels = runAlgorithm("average", v, await neighborGraph(v, 0.8), 0.8);
 */
export function runAlgorithm(
  name: AlgorithmName,
  v: VectorSet,
  graph: NeighborGraph,
  threshold: number,
): Int32Array {
  if (name === "average") return averageLinkage(v, graph, threshold);
  if (name === "whispers") return chineseWhispers(graph);
  return dbscan(graph, DBSCAN_MIN_POINTS);
}
