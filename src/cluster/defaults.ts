/**
 * The default cut of `faceprint cluster` per built-in embedder (mirror-averaged embeddings, the
 * default): for each, the average-linkage cut with the best BCubed F1 on LFW folds 1–5 among cuts
 * whose pairwise precision is at least 0.99 (`deno task cluster-eval`, README "Clustering").
 */
export const DEFAULT_CUTS: Record<string, number> = {
  "fused-v1": 0.71,
  "dlib-resnet-v1": 0.3,
  "mobilefacenet-v1": 0.92,
};

/** Groups smaller than this are left unclustered by default (a face alone is no group). */
export const DEFAULT_MIN_SIZE = 2;
