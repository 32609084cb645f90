/**
 * Training of the multi-class linear SVM with probabilities, matching scikit-learn's
 * `SVC(kernel="linear", probability=True)`: libsvm's one-vs-one C-SVCs, a Platt sigmoid per pair
 * fitted on 5-fold cross-validated decision values, pairwise coupling at prediction time.
 */

import { ClassKernels } from "./class_kernels.ts";
import { crossValidatedSigmoid } from "./cross_validated_sigmoid.ts";
import { compareCodePoints, type SvmModel, type SvmPair } from "./model.ts";
import { Mt19937 } from "./mt19937.ts";
import { predictLabel } from "./predict.ts";
import { type CSvcProblem, solveCSvc } from "./smo.ts";

/** Training options. */
export interface TrainOptions {
  /** Regularisation constant (scikit-learn's `C`); default 1. */
  C?: number;
  /**
   * Seed (unsigned 32-bit) of the Mersenne Twister that shuffles the cross-validation folds of the
   * Platt fits; default `DEFAULT_SEED`. scikit-learn's `SVC(random_state=r)` hands libsvm the
   * seed `RandomState(r).randint(2**31 - 1)`; passing that number reproduces its folds.
   */
  seed?: number;
}

/**
 * The seed scikit-learn gives libsvm for `random_state=0`: by default `trainSvm` gives the model
 * of `SVC(kernel="linear", probability=True, random_state=0)`.
 */
export const DEFAULT_SEED = 209652396;

function validate(vectors: Float32Array[], labels: string[], C: number, seed: number): number {
  if (vectors.length !== labels.length) {
    throw new Error(`got ${vectors.length} vectors but ${labels.length} labels`);
  }
  if (!(C > 0 && Number.isFinite(C))) throw new Error(`C must be a positive number, got ${C}`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const dim = vectors.length > 0 ? vectors[0].length : 0;
  vectors.forEach((v, n) => {
    if (v.length !== dim || dim === 0) {
      throw new Error(`vector ${n} has ${v.length} values, vector 0 has ${dim}`);
    }
    if (!v.every(Number.isFinite)) throw new Error(`vector ${n} (${labels[n]}) is not finite`);
  });
  return dim;
}

/**
 * Trains the classifier on labelled vectors (L2-normalised face embeddings). Deterministic: the
 * same vectors, labels (in the same order) and options give the same model, bit for bit.
 * Throws "need at least 2 people" when fewer than two distinct labels are given.
 *
 * @example
 * const model = trainSvm(embeddings, names); // names[n] is the person on embeddings[n]
 * predictSvm(model, probe).label;
 */
export function trainSvm(
  vectors: Float32Array[],
  labels: string[],
  options: TrainOptions = {},
): SvmModel {
  const C = options.C ?? 1;
  const seed = options.seed ?? DEFAULT_SEED;
  const dim = validate(vectors, labels, C, seed);
  const classes = [...new Set(labels)].sort(compareCodePoints);
  if (classes.length < 2) {
    const got = classes.length === 0 ? "no labelled vectors" : `only "${classes[0]}"`;
    throw new Error(`need at least 2 people to train a classifier (got ${got})`);
  }
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const members: number[][] = classes.map(() => []);
  labels.forEach((label, n) => members[classIndex.get(label)!].push(n));

  const kernels = new ClassKernels(vectors, members, dim);
  const rng = new Mt19937(seed);
  const pairs: SvmPair[] = [];
  for (let i = 0; i < classes.length; i++) {
    for (let j = i + 1; j < classes.length; j++) {
      const pairMembers = [...members[i], ...members[j]];
      const l = pairMembers.length;
      const problem: CSvcProblem = {
        gram: kernels.pair(i, j),
        stride: l,
        rows: Int32Array.from({ length: l }, (_, k) => k),
        y: Int8Array.from({ length: l }, (_, k) => (k < members[i].length ? 1 : -1)),
      };
      const { A, B } = crossValidatedSigmoid(problem, C, C, rng, seed);
      const { coef, rho } = solveCSvc(problem, C, C);
      const w = new Float64Array(dim);
      for (let k = 0; k < l; k++) {
        if (coef[k] === 0) continue;
        const x = vectors[pairMembers[k]];
        for (let d = 0; d < dim; d++) w[d] += coef[k] * x[d];
      }
      pairs.push({ i, j, w: Array.from(w), b: -rho, probA: A, probB: B });
    }
  }

  const model: SvmModel = {
    classes,
    dim,
    C,
    seed,
    pairs,
    training: { perClass: members.map((m) => m.length), accuracy: 0 },
  };
  const correct = vectors.filter((v, n) => predictLabel(model, v) === labels[n]).length;
  model.training.accuracy = correct / vectors.length;
  return model;
}
