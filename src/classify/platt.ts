/**
 * Platt scaling as libsvm does it (Lin, Lin & Weng 2007, "A note on Platt's probabilistic outputs
 * for support vector machines"): P(y = +1 | f) = 1 / (1 + exp(A·f + B)).
 */

/** Fitted sigmoid parameters. */
export interface Sigmoid {
  A: number;
  B: number;
}

/**
 * Fits A and B to decision values `f` with labels `y` (> 0 means the positive class), libsvm's
 * `sigmoid_train`: prior-corrected targets (N₊+1)/(N₊+2) and 1/(N₋+2), Newton's method on the
 * regularised Hessian with a backtracking line search, at most 100 iterations.
 *
 * @example
 * const { A, B } = sigmoidTrain([2.1, 1.4, -0.8, -1.9], [1, 1, -1, -1]);
 */
export function sigmoidTrain(f: ArrayLike<number>, y: ArrayLike<number>): Sigmoid {
  const l = f.length;
  let prior1 = 0;
  let prior0 = 0;
  for (let i = 0; i < l; i++) {
    if (y[i] > 0) prior1 += 1;
    else prior0 += 1;
  }
  const maxIter = 100;
  const minStep = 1e-10;
  const sigma = 1e-12;
  const eps = 1e-5;
  const hiTarget = (prior1 + 1.0) / (prior1 + 2.0);
  const loTarget = 1 / (prior0 + 2.0);
  const t = new Float64Array(l);
  let A = 0.0;
  let B = Math.log((prior0 + 1.0) / (prior1 + 1.0));
  let fval = 0.0;
  for (let i = 0; i < l; i++) {
    t[i] = y[i] > 0 ? hiTarget : loTarget;
    fval += logLoss(t[i], f[i] * A + B);
  }
  for (let iter = 0; iter < maxIter; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0.0;
    let g1 = 0.0;
    let g2 = 0.0;
    for (let i = 0; i < l; i++) {
      const fApB = f[i] * A + B;
      let p: number;
      let q: number;
      if (fApB >= 0) {
        p = Math.exp(-fApB) / (1.0 + Math.exp(-fApB));
        q = 1.0 / (1.0 + Math.exp(-fApB));
      } else {
        p = 1.0 / (1.0 + Math.exp(fApB));
        q = Math.exp(fApB) / (1.0 + Math.exp(fApB));
      }
      const d2 = p * q;
      h11 += f[i] * f[i] * d2;
      h22 += d2;
      h21 += f[i] * d2;
      const d1 = t[i] - p;
      g1 += f[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;

    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let stepsize = 1;
    while (stepsize >= minStep) {
      const newA = A + stepsize * dA;
      const newB = B + stepsize * dB;
      let newf = 0.0;
      for (let i = 0; i < l; i++) newf += logLoss(t[i], f[i] * newA + newB);
      if (newf < fval + 0.0001 * stepsize * gd) {
        A = newA;
        B = newB;
        fval = newf;
        break;
      }
      stepsize = stepsize / 2.0;
    }
    if (stepsize < minStep) break; // line search failed: keep the last A, B (as libsvm)
  }
  return { A, B };
}

/** Cross-entropy of target t against the sigmoid at fApB, in libsvm's overflow-safe form. */
function logLoss(t: number, fApB: number): number {
  return fApB >= 0
    ? t * fApB + Math.log(1 + Math.exp(-fApB))
    : (t - 1) * fApB + Math.log(1 + Math.exp(fApB));
}

/**
 * P(positive class | decision value f) under the sigmoid, libsvm's `sigmoid_predict`.
 *
 * @example
 * sigmoidPredict(0, { A: -3, B: 0 }); // 0.5
 */
export function sigmoidPredict(f: number, { A, B }: Sigmoid): number {
  const fApB = f * A + B;
  return fApB >= 0 ? Math.exp(-fApB) / (1.0 + Math.exp(-fApB)) : 1.0 / (1 + Math.exp(fApB));
}
