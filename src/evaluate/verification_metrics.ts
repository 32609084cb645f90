/**
 * Verification metrics over scored pairs (distance, same person?): accuracy at a threshold, the
 * best threshold, k-fold accuracy with the threshold chosen on the other folds, ROC AUC, equal error
 * rate and TAR at a given FAR. A pair is predicted "same" when distance <= threshold.
 */

/** One compared pair. `fold` is 0-based (LFW pairs.txt folds; CSV pairs get folds assigned). */
export interface ScoredPair {
  distance: number;
  same: boolean;
  fold: number;
}

/** Fraction of pairs predicted right at `threshold`. */
export function accuracyAt(pairs: ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return NaN;
  let right = 0;
  for (const p of pairs) if ((p.distance <= threshold) === p.same) right++;
  return right / pairs.length;
}

/**
 * The threshold with the highest accuracy on `pairs` (midpoint between neighbouring distances;
 * the lowest such threshold on ties, for determinism).
 */
export function bestThreshold(pairs: ScoredPair[]): { threshold: number; accuracy: number } {
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  // Start with threshold below every distance: all predicted "different".
  let right = sorted.filter((p) => !p.same).length;
  let best = { threshold: sorted.length ? sorted[0].distance - 1e-6 : 0, right };
  for (let i = 0; i < sorted.length; i++) {
    right += sorted[i].same ? 1 : -1;
    const next = i + 1 < sorted.length ? sorted[i + 1].distance : sorted[i].distance + 1e-6;
    if (next === sorted[i].distance) continue;
    if (right > best.right) best = { threshold: (sorted[i].distance + next) / 2, right };
  }
  return { threshold: best.threshold, accuracy: sorted.length ? best.right / sorted.length : NaN };
}

/** One fold of {@link kFoldAccuracy}: its threshold comes from the other folds. */
export interface FoldResult {
  fold: number;
  pairs: number;
  threshold: number;
  accuracy: number;
}

/**
 * k-fold accuracy: for each fold, the threshold is chosen on the other folds and applied to it.
 * Returns the mean and standard deviation of the per-fold accuracies, and each fold's id, pair
 * count, threshold and accuracy; NaN with no folds when the pairs form fewer than two folds.
 */
export function kFoldAccuracy(
  pairs: ScoredPair[],
): { mean: number; std: number; folds: FoldResult[] } {
  const ids = [...new Set(pairs.map((p) => p.fold))].sort((a, b) => a - b);
  if (ids.length < 2) return { mean: NaN, std: NaN, folds: [] };
  const folds = ids.map((fold): FoldResult => {
    const { threshold } = bestThreshold(pairs.filter((p) => p.fold !== fold));
    const own = pairs.filter((p) => p.fold === fold);
    return { fold, pairs: own.length, threshold, accuracy: accuracyAt(own, threshold) };
  });
  const mean = folds.reduce((s, f) => s + f.accuracy, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / folds.length);
  return { mean, std, folds };
}

/** One point of the ROC curve at a threshold: true-accept and false-accept rates. */
export interface RocPoint {
  threshold: number;
  tar: number;
  far: number;
}

/** The ROC curve, thresholds ascending (one point per distinct distance). */
export function rocCurve(pairs: ScoredPair[]): RocPoint[] {
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const positives = sorted.filter((p) => p.same).length;
  const negatives = sorted.length - positives;
  const points: RocPoint[] = [{ threshold: -Infinity, tar: 0, far: 0 }];
  let tp = 0, fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].same) tp++;
    else fp++;
    if (i + 1 < sorted.length && sorted[i + 1].distance === sorted[i].distance) continue;
    points.push({
      threshold: sorted[i].distance,
      tar: positives ? tp / positives : 0,
      far: negatives ? fp / negatives : 0,
    });
  }
  return points;
}

/** Area under the ROC curve (trapezoids; 1 = perfect separation, 0.5 = chance). */
export function rocAuc(pairs: ScoredPair[]): number {
  const roc = rocCurve(pairs);
  let area = 0;
  for (let i = 1; i < roc.length; i++) {
    area += (roc[i].far - roc[i - 1].far) * (roc[i].tar + roc[i - 1].tar) / 2;
  }
  return area;
}

/** Equal error rate: where the false-accept rate meets the false-reject rate (interpolated). */
export function equalErrorRate(pairs: ScoredPair[]): number {
  const roc = rocCurve(pairs);
  for (let i = 1; i < roc.length; i++) {
    const frr = 1 - roc[i].tar;
    if (roc[i].far >= frr) {
      const prevFrr = 1 - roc[i - 1].tar;
      const d0 = prevFrr - roc[i - 1].far;
      const d1 = frr - roc[i].far;
      const t = d0 === d1 ? 0 : d0 / (d0 - d1);
      return roc[i - 1].far + t * (roc[i].far - roc[i - 1].far);
    }
  }
  return 1;
}

/** True-accept rate at the largest threshold whose false-accept rate is at most `far`. */
export function tarAtFar(pairs: ScoredPair[], far: number): { tar: number; threshold: number } {
  let best = { tar: 0, threshold: -Infinity };
  for (const p of rocCurve(pairs)) if (p.far <= far && p.tar >= best.tar) best = p;
  return { tar: best.tar, threshold: best.threshold };
}
