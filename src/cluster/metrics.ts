/**
 * How well a grouping matches the truth: pairwise precision/recall/F1 (over all pairs of items
 * put together / truly together) and BCubed precision/recall/F1 (Bagga & Baldwin 1998: per item,
 * the share of its group that is its person, and of its person that is in its group, averaged).
 */

/** Precision, recall and F1. */
export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

/** Both scores of one grouping. */
export interface ClusterScores {
  pairwise: Prf;
  bcubed: Prf;
}

function prf(precision: number, recall: number): Prf {
  const f1 = precision + recall === 0 ? 0 : 2 * precision * recall / (precision + recall);
  return { precision, recall, f1 };
}

function countBy(keys: ArrayLike<number | string>): Map<number | string, number> {
  const counts = new Map<number | string, number>();
  for (let i = 0; i < keys.length; i++) counts.set(keys[i], (counts.get(keys[i]) ?? 0) + 1);
  return counts;
}

/**
 * Scores predicted group labels against true labels (same length). With no pair to judge
 * (every item alone) pairwise precision counts as 1.
 *
 * @example
 * scoreClusters(Int32Array.of(0, 0, 1), ["a", "a", "b"]).bcubed.f1; // 1
 */
export function scoreClusters(
  predicted: ArrayLike<number>,
  truth: ArrayLike<string>,
): ClusterScores {
  const n = predicted.length;
  const joint = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${predicted[i]}\u0000${truth[i]}`;
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  const groupSize = countBy(predicted);
  const personSize = countBy(truth);
  const pairs = (c: number) => c * (c - 1) / 2;
  let together = 0, predictedPairs = 0, truePairs = 0;
  for (const c of joint.values()) together += pairs(c);
  for (const c of groupSize.values()) predictedPairs += pairs(c);
  for (const c of personSize.values()) truePairs += pairs(c);
  let bp = 0, br = 0;
  for (let i = 0; i < n; i++) {
    const both = joint.get(`${predicted[i]}\u0000${truth[i]}`)!;
    bp += both / groupSize.get(predicted[i])!;
    br += both / personSize.get(truth[i])!;
  }
  return {
    pairwise: prf(
      predictedPairs ? together / predictedPairs : 1,
      truePairs ? together / truePairs : 1,
    ),
    bcubed: prf(bp / n, br / n),
  };
}
