/**
 * libsvm's SMO solver for the binary C-SVC dual (Fan, Chen & Lin, JMLR 2005), ported step for step
 * from scikit-learn's copy of libsvm: working-set selection with second-order information,
 * shrinking, the same stopping rule and the same float32 (`Qfloat`) kernel rows, so that the
 * iterates, and therefore the solution, are those of `sklearn.svm.SVC`.
 *
 * Solves  min ½ αᵀQα − eᵀα  subject to  yᵀα = 0,  0 ≤ αᵢ ≤ Cp (yᵢ = +1) or Cn (yᵢ = −1),
 * with Qᵢⱼ = yᵢyⱼK(xᵢ, xⱼ).
 */

/** A binary problem over kernel values that were computed once. */
export interface CSvcProblem {
  /** Kernel values, row-major with `stride` columns. */
  gram: Float64Array;
  stride: number;
  /** For each training point of the problem, its row (and column) in `gram`. */
  rows: Int32Array;
  /** Each point's class: +1 or −1. */
  y: Int8Array;
}

/** The solution: f(x) = Σₖ coef[k]·K(xₖ, x) − rho. */
export interface CSvcSolution {
  /** αₖ·yₖ for each point of the problem, in problem order (0 for non-support vectors). */
  coef: Float64Array;
  rho: number;
  iterations: number;
}

const TAU = 1e-12;
const LOWER = 0;
const UPPER = 1;
const FREE = 2;

class Solver {
  private readonly l: number;
  private activeSize: number;
  private unshrink = false;
  private readonly gram: Float64Array;
  private readonly stride: number;
  private readonly rows: Int32Array;
  private readonly y: Int8Array;
  private readonly C: Float64Array;
  private readonly QD: Float64Array;
  private readonly alpha: Float64Array;
  private readonly status: Uint8Array;
  private readonly G: Float64Array;
  private readonly Gbar: Float64Array;
  private readonly activeSet: Int32Array;
  private readonly rowI: Float32Array;
  private readonly rowJ: Float32Array;
  private outI = -1;
  private outJ = -1;

  constructor(problem: CSvcProblem, cp: number, cn: number, private readonly eps: number) {
    const l = problem.y.length;
    this.l = l;
    this.activeSize = l;
    this.gram = problem.gram;
    this.stride = problem.stride;
    this.rows = Int32Array.from(problem.rows);
    this.y = Int8Array.from(problem.y);
    this.C = new Float64Array(l);
    this.QD = new Float64Array(l);
    this.alpha = new Float64Array(l);
    this.status = new Uint8Array(l).fill(LOWER);
    this.G = new Float64Array(l).fill(-1); // G = p = −e at α = 0
    this.Gbar = new Float64Array(l);
    this.activeSet = new Int32Array(l);
    this.rowI = new Float32Array(l);
    this.rowJ = new Float32Array(l);
    for (let k = 0; k < l; k++) {
      this.C[k] = this.y[k] > 0 ? cp : cn;
      const r = this.rows[k];
      this.QD[k] = this.gram[r * this.stride + r];
      this.activeSet[k] = k;
    }
  }

  /** Column i of Q for the first `len` positions, rounded to float32 as libsvm's cache stores it. */
  private fillQ(i: number, len: number, out: Float32Array): Float32Array {
    const { gram, rows, y } = this;
    const base = rows[i] * this.stride;
    const yi = y[i];
    for (let k = 0; k < len; k++) out[k] = yi * y[k] * gram[base + rows[k]];
    return out;
  }

  private updateStatus(i: number): void {
    const a = this.alpha[i];
    this.status[i] = a >= this.C[i] ? UPPER : a <= 0 ? LOWER : FREE;
  }

  private swapIndex(i: number, j: number): void {
    swap(this.rows, i, j);
    swap(this.y, i, j);
    swap(this.QD, i, j);
    swap(this.G, i, j);
    swap(this.status, i, j);
    swap(this.alpha, i, j);
    swap(this.activeSet, i, j);
    swap(this.Gbar, i, j);
    swap(this.C, i, j);
  }

  private reconstructGradient(): void {
    const { l, activeSize, G, Gbar, alpha, status } = this;
    if (activeSize === l) return;
    for (let j = activeSize; j < l; j++) G[j] = Gbar[j] - 1;
    let nrFree = 0;
    for (let j = 0; j < activeSize; j++) if (status[j] === FREE) nrFree++;
    if (nrFree * l > 2 * activeSize * (l - activeSize)) {
      for (let i = activeSize; i < l; i++) {
        const qi = this.fillQ(i, activeSize, this.rowI);
        for (let j = 0; j < activeSize; j++) if (status[j] === FREE) G[i] += alpha[j] * qi[j];
      }
    } else {
      for (let i = 0; i < activeSize; i++) {
        if (status[i] !== FREE) continue;
        const qi = this.fillQ(i, l, this.rowI);
        const ai = alpha[i];
        for (let j = activeSize; j < l; j++) G[j] += ai * qi[j];
      }
    }
  }

  /** libsvm's WSS 3; sets outI/outJ and returns false when already optimal. */
  private selectWorkingSet(): boolean {
    const { activeSize, y, G, status, QD } = this;
    let gmax = -Infinity;
    let gmax2 = -Infinity;
    let gmaxIdx = -1;
    let gminIdx = -1;
    let objDiffMin = Infinity;
    for (let t = 0; t < activeSize; t++) {
      if (y[t] === 1) {
        if (status[t] !== UPPER && -G[t] >= gmax) {
          gmax = -G[t];
          gmaxIdx = t;
        }
      } else if (status[t] !== LOWER && G[t] >= gmax) {
        gmax = G[t];
        gmaxIdx = t;
      }
    }
    const i = gmaxIdx;
    const qi = i !== -1 ? this.fillQ(i, activeSize, this.rowI) : this.rowI;
    for (let j = 0; j < activeSize; j++) {
      if (y[j] === 1) {
        if (status[j] === LOWER) continue;
        const gradDiff = gmax + G[j];
        if (G[j] >= gmax2) gmax2 = G[j];
        if (gradDiff > 0) {
          const quad = QD[i] + QD[j] - 2.0 * y[i] * qi[j];
          const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
          if (objDiff <= objDiffMin) {
            gminIdx = j;
            objDiffMin = objDiff;
          }
        }
      } else {
        if (status[j] === UPPER) continue;
        const gradDiff = gmax - G[j];
        if (-G[j] >= gmax2) gmax2 = -G[j];
        if (gradDiff > 0) {
          const quad = QD[i] + QD[j] + 2.0 * y[i] * qi[j];
          const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
          if (objDiff <= objDiffMin) {
            gminIdx = j;
            objDiffMin = objDiff;
          }
        }
      }
    }
    if (gmax + gmax2 < this.eps || gminIdx === -1) return false;
    this.outI = gmaxIdx;
    this.outJ = gminIdx;
    return true;
  }

  private beShrunk(i: number, gmax1: number, gmax2: number): boolean {
    const { status, y, G } = this;
    if (status[i] === UPPER) return y[i] === 1 ? -G[i] > gmax1 : -G[i] > gmax2;
    if (status[i] === LOWER) return y[i] === 1 ? G[i] > gmax2 : G[i] > gmax1;
    return false;
  }

  private doShrinking(): void {
    const { y, G, status } = this;
    let gmax1 = -Infinity; // max { −yᵢ∇f(α)ᵢ | i ∈ I_up(α) }
    let gmax2 = -Infinity; // max { yᵢ∇f(α)ᵢ | i ∈ I_low(α) }
    for (let i = 0; i < this.activeSize; i++) {
      if (y[i] === 1) {
        if (status[i] !== UPPER && -G[i] >= gmax1) gmax1 = -G[i];
        if (status[i] !== LOWER && G[i] >= gmax2) gmax2 = G[i];
      } else {
        if (status[i] !== UPPER && -G[i] >= gmax2) gmax2 = -G[i];
        if (status[i] !== LOWER && G[i] >= gmax1) gmax1 = G[i];
      }
    }
    if (!this.unshrink && gmax1 + gmax2 <= this.eps * 10) {
      this.unshrink = true;
      this.reconstructGradient();
      this.activeSize = this.l;
    }
    for (let i = 0; i < this.activeSize; i++) {
      if (!this.beShrunk(i, gmax1, gmax2)) continue;
      this.activeSize--;
      while (this.activeSize > i) {
        if (!this.beShrunk(this.activeSize, gmax1, gmax2)) {
          this.swapIndex(i, this.activeSize);
          break;
        }
        this.activeSize--;
      }
    }
  }

  private calculateRho(): number {
    const { y, G, status } = this;
    let nrFree = 0;
    let ub = Infinity;
    let lb = -Infinity;
    let sumFree = 0;
    for (let i = 0; i < this.activeSize; i++) {
      const yG = y[i] * G[i];
      if (status[i] === UPPER) {
        if (y[i] === -1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (status[i] === LOWER) {
        if (y[i] === 1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        nrFree++;
        sumFree += yG;
      }
    }
    return nrFree > 0 ? sumFree / nrFree : (ub + lb) / 2;
  }

  /** Takes one SMO step on the pair (i, j) chosen by `selectWorkingSet`. */
  private step(i: number, j: number): void {
    const { alpha, G, Gbar, y, QD, l } = this;
    const qi = this.fillQ(i, this.activeSize, this.rowI);
    const qj = this.fillQ(j, this.activeSize, this.rowJ);
    const Ci = this.C[i];
    const Cj = this.C[j];
    const oldAi = alpha[i];
    const oldAj = alpha[j];
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * qi[j];
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > Ci - Cj) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = Ci - diff;
        }
      } else if (alpha[j] > Cj) {
        alpha[j] = Cj;
        alpha[i] = Cj + diff;
      }
    } else {
      let quad = QD[i] + QD[j] - 2 * qi[j];
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > Ci) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = sum - Ci;
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0;
        alpha[i] = sum;
      }
      if (sum > Cj) {
        if (alpha[j] > Cj) {
          alpha[j] = Cj;
          alpha[i] = sum - Cj;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = sum;
      }
    }

    const dAi = alpha[i] - oldAi;
    const dAj = alpha[j] - oldAj;
    for (let k = 0; k < this.activeSize; k++) G[k] += qi[k] * dAi + qj[k] * dAj;

    const wasUpperI = this.status[i] === UPPER;
    const wasUpperJ = this.status[j] === UPPER;
    this.updateStatus(i);
    this.updateStatus(j);
    if (wasUpperI !== (this.status[i] === UPPER)) {
      const full = this.fillQ(i, l, this.rowI);
      if (wasUpperI) { for (let k = 0; k < l; k++) Gbar[k] -= Ci * full[k]; }
      else for (let k = 0; k < l; k++) Gbar[k] += Ci * full[k];
    }
    if (wasUpperJ !== (this.status[j] === UPPER)) {
      const full = this.fillQ(j, l, this.rowJ);
      if (wasUpperJ) { for (let k = 0; k < l; k++) Gbar[k] -= Cj * full[k]; }
      else for (let k = 0; k < l; k++) Gbar[k] += Cj * full[k];
    }
  }

  solve(): CSvcSolution {
    const l = this.l;
    // libsvm's own cap (scikit-learn's SVC sets none); never reached on well-posed problems.
    const maxIter = Math.max(10_000_000, 100 * l);
    let iter = 0;
    let counter = Math.min(l, 1000) + 1;
    while (iter < maxIter) {
      if (--counter === 0) {
        counter = Math.min(l, 1000);
        this.doShrinking();
      }
      if (!this.selectWorkingSet()) {
        this.reconstructGradient();
        this.activeSize = l;
        if (!this.selectWorkingSet()) break;
        counter = 1; // shrink at the next iteration
      }
      iter++;
      this.step(this.outI, this.outJ);
    }
    if (iter >= maxIter && this.activeSize < l) {
      this.reconstructGradient();
      this.activeSize = l;
    }
    const rho = this.calculateRho();
    const coef = new Float64Array(l);
    for (let k = 0; k < l; k++) coef[this.activeSet[k]] = this.alpha[k] * this.y[k];
    return { coef, rho, iterations: iter };
  }
}

function swap(a: { [k: number]: number }, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Trains one binary C-SVC with libsvm's solver (tolerance `eps`, libsvm's and scikit-learn's
 * default 1e-3; shrinking on, as in scikit-learn).
 *
 * @example
 * const { coef, rho } = solveCSvc({ gram, stride: n, rows, y }, 1, 1);
 */
export function solveCSvc(problem: CSvcProblem, cp: number, cn: number, eps = 1e-3): CSvcSolution {
  return new Solver(problem, cp, cn, eps).solve();
}
