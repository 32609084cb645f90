/** The trained classifier as plain data (JSON-serialisable as it is). */

/** One one-vs-one binary classifier between `classes[i]` and `classes[j]` (i < j). */
export interface SvmPair {
  i: number;
  j: number;
  /** Primal weights (length `dim`): f(x) = w·x + b; f > 0 votes for class i. */
  w: number[];
  b: number;
  /** Platt sigmoid: P(class i | i or j, f) = 1 / (1 + exp(probA·f + probB)). */
  probA: number;
  probB: number;
}

/** A multi-class linear SVM with probability estimates. */
export interface SvmModel {
  /** Class labels in scikit-learn's order (sorted by Unicode code point). */
  classes: string[];
  /** Length of the vectors it was trained on. */
  dim: number;
  /** Regularisation constant the binary SVMs were trained with. */
  C: number;
  /** Seed of the cross-validation shuffle used for the Platt fits. */
  seed: number;
  /** k(k−1)/2 binary classifiers, in libsvm's order (0,1), (0,2), …, (1,2), …. */
  pairs: SvmPair[];
  training: {
    /** Number of training vectors per class, aligned with `classes`. */
    perClass: number[];
    /** Fraction of the training vectors `predictSvm` labels correctly. */
    accuracy: number;
  };
}

/**
 * Orders strings by Unicode code point, as NumPy's `np.unique` (and so scikit-learn's `classes_`)
 * does; differs from `Array.prototype.sort` only for characters outside the BMP.
 *
 * @example
 * ["bob", "Zoë", "ann"].sort(compareCodePoints); // ["Zoë", "ann", "bob"]
 */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  while (true) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
