/**
 * Defaults that were chosen by measurement on ../shared/data (the README's "How the defaults were
 * chosen" gives the numbers). Each one can be changed with a flag.
 */

/**
 * SVM regularisation for `train` and `evaluate`. dlib embeddings of different people are close
 * together on the unit sphere (distances ≈ 0.4–0.9), so scikit-learn's default C = 1 underfits:
 * on a deepface train/val split it named 4 of 30 faces right (as did scikit-learn itself);
 * C = 10 named 30 of 30 and fits bbt as well.
 */
export const DEFAULT_SVM_C = 10;

/**
 * `identify`'s open-set probability rule: below this SVM probability a face is unknown. 0.25 kept
 * every enrolled face of bbt and deepface (lowest 0.30) while rejecting strangers the distance
 * rule let through. The distance thresholds are per embedder: see calibration.ts.
 */
export const DEFAULT_MIN_PROBABILITY = 0.25;
