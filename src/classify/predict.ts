/** Prediction with a trained `SvmModel`: one-vs-one votes and coupled probabilities. */

import { coupleProbabilities } from "./coupling.ts";
import type { SvmModel } from "./model.ts";
import { sigmoidPredict } from "./platt.ts";

/** What the classifier says about one vector. */
export interface SvmPrediction {
  /** The label scikit-learn's `SVC.predict` gives: most one-vs-one votes. */
  label: string;
  /** The coupled probability of `label` (not necessarily the largest of `probabilities`). */
  probability: number;
  /** Coupled probability of every class (sums to 1), as `SVC.predict_proba`. */
  probabilities: Record<string, number>;
  /** One-vs-one votes won by every class (they sum to k(k−1)/2). */
  votes: Record<string, number>;
}

/** libsvm clamps pairwise probabilities to [1e-7, 1 − 1e-7] before coupling. */
const MIN_PROB = 1e-7;

function checkVector(model: SvmModel, vector: ArrayLike<number>): void {
  if (vector.length !== model.dim) {
    throw new Error(
      `vector has ${vector.length} values but the classifier was trained on ${model.dim}`,
    );
  }
  for (let d = 0; d < vector.length; d++) {
    if (!Number.isFinite(vector[d])) throw new Error(`vector value ${d} is not finite`);
  }
}

/**
 * The one-vs-one decision values w·x + b, in pair order (as scikit-learn's
 * `decision_function` with `decision_function_shape="ovo"` for 3+ classes; for two classes
 * scikit-learn reports the negation). Positive favours the pair's first class.
 *
 * @example
 * const f = decisionValues(model, embedding); // f[0] > 0: classes[0] beats classes[1]
 */
export function decisionValues(model: SvmModel, vector: ArrayLike<number>): Float64Array {
  checkVector(model, vector);
  const out = new Float64Array(model.pairs.length);
  for (let p = 0; p < model.pairs.length; p++) {
    const { w, b } = model.pairs[p];
    let sum = 0;
    for (let d = 0; d < w.length; d++) sum += w[d] * vector[d];
    out[p] = sum + b;
  }
  return out;
}

/** Index of the class with most votes, ties to the lowest index (libsvm's rule); and the votes. */
function vote(model: SvmModel, dec: Float64Array): { winner: number; votes: Int32Array } {
  const votes = new Int32Array(model.classes.length);
  model.pairs.forEach((pair, p) => votes[dec[p] > 0 ? pair.i : pair.j]++);
  let winner = 0;
  for (let c = 1; c < votes.length; c++) if (votes[c] > votes[winner]) winner = c;
  return { winner, votes };
}

function coupled(model: SvmModel, dec: Float64Array): Float64Array {
  const k = model.classes.length;
  const r = Array.from({ length: k }, () => new Float64Array(k));
  model.pairs.forEach(({ i, j, probA, probB }, p) => {
    const pij = Math.min(
      Math.max(sigmoidPredict(dec[p], { A: probA, B: probB }), MIN_PROB),
      1 - MIN_PROB,
    );
    r[i][j] = pij;
    r[j][i] = 1 - pij;
  });
  return coupleProbabilities(r);
}

function byClass(model: SvmModel, values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  model.classes.forEach((c, k) => out[c] = values[k]);
  return out;
}

/**
 * Class probabilities for one vector, as scikit-learn's `predict_proba` computes them (Platt
 * sigmoid per pair, then pairwise coupling). They sum to 1.
 *
 * @example
 * predictProbabilities(model, embedding); // { alice: 0.91, bob: 0.06, carol: 0.03 }
 */
export function predictProbabilities(
  model: SvmModel,
  vector: ArrayLike<number>,
): Record<string, number> {
  return byClass(model, coupled(model, decisionValues(model, vector)));
}

/**
 * Classifies one vector. The label is scikit-learn's `predict` (one-vs-one voting, ties to the
 * class that sorts first), and `probability` is that label's coupled probability.
 *
 * The two can disagree with argmax(`probabilities`) near a boundary: voting uses the raw decision
 * values, the probabilities go through per-pair sigmoids fitted on cross-validated values and
 * through coupling. We report the voted label because it is what `SVC.predict` (and so the
 * face_recognition-style pipelines this tool mirrors) returns and it does not depend on the
 * cross-validation shuffle; we report its own probability (rather than the maximum) so that a
 * low value flags exactly such uncertain cases to the open-set rule downstream.
 *
 * @example
 * const { label, probability } = predictSvm(model, embedding);
 */
export function predictSvm(model: SvmModel, vector: ArrayLike<number>): SvmPrediction {
  const dec = decisionValues(model, vector);
  const { winner, votes } = vote(model, dec);
  const probabilities = coupled(model, dec);
  return {
    label: model.classes[winner],
    probability: probabilities[winner],
    probabilities: byClass(model, probabilities),
    votes: byClass(model, votes),
  };
}

/**
 * The label `predictSvm` would give, without the probabilities (for accuracy counts).
 *
 * @example
 * const correct = vectors.filter((v, n) => predictLabel(model, v) === labels[n]).length;
 */
export function predictLabel(model: SvmModel, vector: ArrayLike<number>): string {
  return model.classes[vote(model, decisionValues(model, vector)).winner];
}
