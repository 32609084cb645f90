import assert from "node:assert/strict";
import { Mt19937 } from "../../src/classify/mt19937.ts";
import { solveCSvc } from "../../src/classify/smo.ts";

/** Two overlapping Gaussian clouds in 8-d; returns the kernel matrix and labels. */
function overlappingProblem(l: number) {
  const rng = new Mt19937(7);
  const uniform = () => (rng.nextUint32() + 0.5) / 4294967296;
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const y = Int8Array.from({ length: l }, (_, k) => (k % 3 === 0 ? -1 : 1));
  const x = Array.from(
    { length: l },
    (_, k) => Array.from({ length: 8 }, () => gauss() + 0.6 * y[k]),
  );
  const gram = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) gram[a * l + b] = x[a].reduce((s, v, d) => s + v * x[b][d], 0);
  }
  return { gram, stride: l, rows: Int32Array.from({ length: l }, (_, k) => k), y };
}

Deno.test("solveCSvc returns a feasible solution that meets libsvm's stopping rule", () => {
  const problem = overlappingProblem(60);
  const C = 0.5;
  const { coef, rho, iterations } = solveCSvc(problem, C, C);
  const { gram, y } = problem;
  const l = y.length;
  assert.ok(iterations > 0);
  // yᵀα = 0 and 0 ≤ αᵢ ≤ C (coef = α·y).
  assert.ok(Math.abs(coef.reduce((s, c) => s + c, 0)) < 1e-12);
  const alpha = Array.from(coef, (c, k) => c * y[k]);
  assert.ok(alpha.every((a) => a >= 0 && a <= C));
  assert.ok(alpha.some((a) => a === C), "overlapping clouds must have bounded support vectors");
  // Maximal KKT violation: max over I_up of −yᵢ∇ᵢ minus min over I_low, below eps = 1e-3 (plus
  // the float32 rounding of the kernel values the solver works with).
  let up = -Infinity;
  let low = Infinity;
  for (let i = 0; i < l; i++) {
    let grad = -1;
    for (let j = 0; j < l; j++) grad += y[i] * gram[i * l + j] * coef[j];
    const v = -y[i] * grad;
    if ((y[i] === 1 && alpha[i] < C) || (y[i] === -1 && alpha[i] > 0)) up = Math.max(up, v);
    if ((y[i] === 1 && alpha[i] > 0) || (y[i] === -1 && alpha[i] < C)) low = Math.min(low, v);
  }
  assert.ok(up - low < 1e-3 + 1e-5, `KKT violation ${up - low}`);
  // Free support vectors sit on the margin: y·f(x) = 1 (to the same tolerance).
  for (let i = 0; i < l; i++) {
    if (alpha[i] <= 0 || alpha[i] >= C) continue;
    let f = -rho;
    for (let j = 0; j < l; j++) f += coef[j] * gram[i * l + j];
    assert.ok(Math.abs(y[i] * f - 1) < 2e-3, `margin of free SV ${i}: ${y[i] * f}`);
  }
});

Deno.test("solveCSvc on separable points finds the maximum-margin line", () => {
  // 1-d: −2, −1 | +1, +3 → the boundary is at 0, w = 1, support vectors −1 and +1.
  const x = [-2, -1, 1, 3];
  const gram = Float64Array.from({ length: 16 }, (_, k) => x[Math.floor(k / 4)] * x[k % 4]);
  const y = Int8Array.from([-1, -1, 1, 1]);
  const { coef, rho } = solveCSvc(
    { gram, stride: 4, rows: Int32Array.from([0, 1, 2, 3]), y },
    10,
    10,
  );
  const w = coef.reduce((s, c, k) => s + c * x[k], 0);
  assert.ok(Math.abs(w - 1) < 1e-3, `w = ${w}`);
  assert.ok(Math.abs(rho) < 1e-3, `rho = ${rho}`);
  assert.deepEqual(Array.from(coef, (c) => c !== 0), [false, true, true, false]);
});
