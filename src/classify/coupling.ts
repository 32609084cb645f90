/**
 * Pairwise coupling: class probabilities from one-vs-one pairwise probabilities, method 2 of
 * Wu, Lin & Weng (JMLR 2004), as libsvm's `multiclass_probability` computes it.
 */

/**
 * Returns p (length k, summing to 1) minimising Σᵢ Σⱼ≠ᵢ (rⱼᵢ·pᵢ − rᵢⱼ·pⱼ)², where `r[i][j]` is
 * P(class i | class i or j) and `r[j][i] = 1 − r[i][j]`. Iterates as libsvm does (at most
 * max(100, k) sweeps, stopping when every |(Qp)ₜ − pᵀQp| < 0.005/k).
 *
 * @example
 * coupleProbabilities([[0, 0.9, 0.8], [0.1, 0, 0.4], [0.2, 0.6, 0]]); // ≈ [0.73, 0.09, 0.17]
 */
export function coupleProbabilities(r: ArrayLike<number>[]): Float64Array {
  const k = r.length;
  const maxIter = Math.max(100, k);
  const eps = 0.005 / k;
  const p = new Float64Array(k).fill(1.0 / k);
  const Q = Array.from({ length: k }, () => new Float64Array(k));
  const Qp = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    Q[t][t] = 0;
    for (let j = 0; j < t; j++) {
      Q[t][t] += r[j][t] * r[j][t];
      Q[t][j] = Q[j][t];
    }
    for (let j = t + 1; j < k; j++) {
      Q[t][t] += r[j][t] * r[j][t];
      Q[t][j] = -r[j][t] * r[t][j];
    }
  }
  for (let iter = 0; iter < maxIter; iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      Qp[t] = 0;
      for (let j = 0; j < k; j++) Qp[t] += Q[t][j] * p[j];
      pQp += p[t] * Qp[t];
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) {
      const error = Math.abs(Qp[t] - pQp);
      if (error > maxError) maxError = error;
    }
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t] + pQp) / Q[t][t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * Q[t][t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j] + diff * Q[t][j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
  return p;
}
