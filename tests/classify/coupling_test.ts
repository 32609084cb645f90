import assert from "node:assert/strict";
import { coupleProbabilities } from "../../src/classify/coupling.ts";
import { sigmoidPredict, sigmoidTrain } from "../../src/classify/platt.ts";

Deno.test("pairwise coupling recovers p from consistent pairwise probabilities", () => {
  const p = [0.5, 0.25, 0.15, 0.1];
  const r = p.map((pi) => p.map((pj) => pi / (pi + pj)));
  const coupled = coupleProbabilities(r);
  assert.ok(Math.abs(coupled.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  coupled.forEach((v, k) => assert.ok(Math.abs(v - p[k]) < 2e-3, `p[${k}] = ${v}`));
});

Deno.test("Platt fit: decision values that separate the classes get a decreasing sigmoid", () => {
  const f = [2.5, 1.8, 1.1, 0.4, -0.3, -0.9, -1.6, -2.2];
  const y = [1, 1, 1, -1, 1, -1, -1, -1];
  const sigmoid = sigmoidTrain(f, y);
  assert.ok(sigmoid.A < 0);
  assert.ok(sigmoidPredict(2.5, sigmoid) > 0.8);
  assert.ok(sigmoidPredict(-2.2, sigmoid) < 0.2);
  // Targets are prior-corrected ((N+1)/(N+2)), so even perfect separation stays short of 0 and 1.
  const separable = sigmoidTrain([3, 2, -2, -3], [1, 1, -1, -1]);
  assert.ok(sigmoidPredict(3, separable) < 0.99);
});
