/**
 * Defaults that were chosen by measurement on ../shared/data (the README's "How the defaults were
 * chosen" gives the numbers). Each one can be changed with a flag.
 */
import type { OpenSetRule } from "./open_set.ts";

/**
 * SVM regularisation for `train` and `evaluate`. dlib embeddings of different people are close
 * together on the unit sphere (distances ≈ 0.4–0.9), so scikit-learn's default C = 1 underfits:
 * on a deepface train/val split it named 4 of 30 faces right (as did scikit-learn itself);
 * C = 10 named 30 of 30 and fits bbt as well.
 */
export const DEFAULT_SVM_C = 10;

/**
 * `verify`'s threshold: embeddings at most this far apart (Euclidean, unit vectors) are the same
 * person. The best threshold on LFW folds 1–5 (3,000 pairs) was 0.431.
 */
export const DEFAULT_VERIFY_THRESHOLD = 0.43;

/**
 * `identify`'s open-set rule. maxDistance is the verification threshold; minProbability 0.25
 * keeps every enrolled face of bbt and deepface (lowest 0.30) while rejecting strangers the
 * distance rule lets through (bbt 100% / deepface 99.2% of strangers answered unknown).
 */
export const DEFAULT_OPEN_SET: OpenSetRule = { minProbability: 0.25, maxDistance: 0.43 };
