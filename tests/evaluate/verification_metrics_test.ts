import assert from "node:assert/strict";
import {
  accuracyAt,
  bestThreshold,
  equalErrorRate,
  kFoldAccuracy,
  rocAuc,
  type ScoredPair,
  tarAtFar,
} from "../../src/evaluate/verification_metrics.ts";

const pair = (distance: number, same: boolean, fold = 0): ScoredPair => ({ distance, same, fold });

Deno.test("perfectly separated pairs: accuracy 1, AUC 1, EER 0", () => {
  const pairs = [pair(0.2, true), pair(0.3, true), pair(0.7, false), pair(0.9, false)];
  const best = bestThreshold(pairs);
  assert.equal(best.accuracy, 1);
  assert.ok(best.threshold > 0.3 && best.threshold < 0.7);
  assert.equal(rocAuc(pairs), 1);
  assert.equal(equalErrorRate(pairs), 0);
  assert.equal(tarAtFar(pairs, 0).tar, 1);
});

Deno.test("reversed scores: AUC 0, accuracy at a middle threshold 0", () => {
  const pairs = [pair(0.9, true), pair(0.8, true), pair(0.1, false), pair(0.2, false)];
  assert.equal(rocAuc(pairs), 0);
  assert.equal(accuracyAt(pairs, 0.5), 0);
});

Deno.test("one overlap: AUC counts the misordered pair, EER between", () => {
  // positives 0.1, 0.5; negatives 0.4, 0.9 → 3 of 4 (pos, neg) pairs ordered right.
  const pairs = [pair(0.1, true), pair(0.5, true), pair(0.4, false), pair(0.9, false)];
  assert.equal(rocAuc(pairs), 0.75);
  assert.equal(bestThreshold(pairs).accuracy, 0.75);
  assert.equal(equalErrorRate(pairs), 0.5);
  assert.equal(tarAtFar(pairs, 0).tar, 0.5);
});

Deno.test("k-fold chooses each fold's threshold on the others", () => {
  // Fold 0 separates at ~0.5; fold 1 would need ~0.25 but gets the threshold from fold 0.
  const pairs = [
    pair(0.4, true, 0),
    pair(0.6, false, 0),
    pair(0.2, true, 1),
    pair(0.3, false, 1),
  ];
  const k = kFoldAccuracy(pairs);
  assert.equal(k.folds.length, 2);
  assert.ok(k.folds[1].threshold > 0.4 && k.folds[1].threshold < 0.6);
  assert.equal(k.folds[1].accuracy, 0.5);
  assert.equal(k.folds[0].accuracy, 0.5);
  assert.equal(k.mean, 0.5);
});

Deno.test("k-fold with a single fold is undefined, not a made-up number", () => {
  const k = kFoldAccuracy([pair(0.2, true), pair(0.8, false)]);
  assert.ok(Number.isNaN(k.mean));
  assert.equal(k.folds.length, 0);
});
