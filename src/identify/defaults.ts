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
 * `identify`'s and `evaluate`'s open-set knob: the chance, per face, that a stranger is named as
 * an enrolled person. Chosen on the lfw-dev open-set protocol (`deno task openset`; the README's
 * "Identification" section has the curve).
 */
export const DEFAULT_MAX_FALSE_ACCEPT = 0.01;
