/**
 * The Platt sigmoid of one binary problem, fitted on 5-fold cross-validated decision values
 * exactly as scikit-learn's libsvm does (`svm_binary_svc_probability`).
 */

import { boundedRandInt, type Mt19937 } from "./mt19937.ts";
import { type Sigmoid, sigmoidTrain } from "./platt.ts";
import { type CSvcProblem, solveCSvc } from "./smo.ts";

const FOLDS = 5;

/**
 * Shuffles the problem with `rng` (libsvm's Fisher-Yates with `bounded_rand_int`), trains a C-SVC
 * on each 4/5 and takes decision values on the held-out 1/5, then fits the sigmoid on all of them.
 *
 * Every fold's training is a nested `svm_train` call in libsvm, which re-seeds the generator with
 * `seed` first; this function does the same, so the next pair's shuffle starts from `seed` too,
 * as in scikit-learn. A fold whose training part lacks one class gets decision values ±1.
 *
 * @example
 * const rng = new Mt19937(seed);
 * const { A, B } = crossValidatedSigmoid(problem, 1, 1, rng, seed);
 */
export function crossValidatedSigmoid(
  problem: CSvcProblem,
  cp: number,
  cn: number,
  rng: Mt19937,
  seed: number,
): Sigmoid {
  const { gram, stride, rows, y } = problem;
  const l = y.length;
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  for (let i = 0; i < l; i++) {
    const j = i + boundedRandInt(rng, l - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }

  const dec = new Float64Array(l);
  for (let fold = 0; fold < FOLDS; fold++) {
    const begin = Math.floor((fold * l) / FOLDS);
    const end = Math.floor(((fold + 1) * l) / FOLDS);
    const train = [...perm.subarray(0, begin), ...perm.subarray(end)];
    const negatives = train.filter((k) => y[k] < 0);
    const positives = train.filter((k) => y[k] > 0);
    if (positives.length === 0 || negatives.length === 0) {
      const value = positives.length > 0 ? 1 : negatives.length > 0 ? -1 : 0;
      for (let f = begin; f < end; f++) dec[perm[f]] = value;
      continue;
    }
    // The nested svm_train: re-seeds, then groups its labels sorted (−1 before +1), so the
    // negatives come first and become its "+1" class; its decision values are negated back.
    rng.seed(seed);
    const order = [...negatives, ...positives];
    const sub: CSvcProblem = {
      gram,
      stride,
      rows: Int32Array.from(order, (k) => rows[k]),
      y: Int8Array.from(order, (k) => (y[k] < 0 ? 1 : -1)),
    };
    const { coef, rho } = solveCSvc(sub, cn, cp);
    for (let f = begin; f < end; f++) {
      const base = rows[perm[f]] * stride;
      let sum = 0;
      for (let s = 0; s < order.length; s++) {
        if (coef[s] !== 0) sum += coef[s] * gram[base + sub.rows[s]];
      }
      dec[perm[f]] = -(sum - rho);
    }
  }
  return sigmoidTrain(dec, y);
}
