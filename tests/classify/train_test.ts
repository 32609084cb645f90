import assert from "node:assert/strict";
import { serializeModel } from "../../src/classify/model_file.ts";
import { decisionValues, predictSvm } from "../../src/classify/predict.ts";
import { DEFAULT_SEED, trainSvm } from "../../src/classify/train.ts";
import { expectedDecision, FIXTURES, loadFixture } from "./svm_fixtures.ts";

// Tolerances against scikit-learn 1.2.1 (Debian's python3-sklearn), measured max |Δ| ≈ 5e-7
// (decision values, relative) and 5e-8 (probabilities): the fixtures round to 7 significant
// digits. Decision values agree because the SMO solver is libsvm's step for step (same working-set
// rule, shrinking, float32 kernel cache, stopping tolerance). Probabilities agree as closely
// because the Platt fits use the same cross-validation folds: scikit-learn's libsvm shuffles with
// a Mersenne Twister seeded from random_state, and we draw from the same generator with the same
// seed (other folds move these probabilities by up to 0.3 on such small sets). The rest is
// rounding: scikit-learn's kernel uses BLAS ddot, we sum left to right, so the last bits of dot
// products differ.
const DECISION_RTOL = 1e-5;
const PROBABILITY_ATOL = 1e-5;

const META = { dim: 128, embedder: "test", embedderHash: "0".repeat(64) };

for (const name of FIXTURES) {
  Deno.test(`trainSvm matches scikit-learn's SVC on ${name}`, () => {
    const fx = loadFixture(name);
    // The fixtures use random_state=0, whose libsvm seed is our default.
    assert.equal(fx.seed, DEFAULT_SEED);
    const model = trainSvm(fx.train.vectors, fx.train.labels, { C: fx.C });
    assert.deepEqual(model.classes, fx.expected.classes);
    assert.equal(model.training.accuracy, fx.expected.trainAccuracy);

    let maxDecision = 0;
    let maxProbability = 0;
    fx.test.forEach((vector, n) => {
      const prediction = predictSvm(model, vector);
      assert.equal(prediction.label, fx.expected.predict[n], `label of test vector ${n}`);
      const expected = expectedDecision(fx, n);
      decisionValues(model, vector).forEach((value, p) => {
        const delta = Math.abs(value - expected[p]) / Math.max(1, Math.abs(expected[p]));
        maxDecision = Math.max(maxDecision, delta);
      });
      model.classes.forEach((c, k) => {
        const delta = Math.abs(prediction.probabilities[c] - fx.expected.predictProba[n][k]);
        maxProbability = Math.max(maxProbability, delta);
      });
    });
    // coef_/intercept_ are the same up to the orientation scikit-learn flips for two classes.
    const sign = model.classes.length === 2 ? -1 : 1;
    model.pairs.forEach((pair, p) => {
      pair.w.forEach((w, d) => assert.ok(Math.abs(w - sign * fx.expected.coef[p][d]) < 1e-5));
      assert.ok(Math.abs(pair.b - sign * fx.expected.intercept[p]) < 1e-5);
      assert.ok(Math.abs(pair.probA - fx.expected.probA[p]) < 1e-4, `probA of pair ${p}`);
      assert.ok(Math.abs(pair.probB - fx.expected.probB[p]) < 1e-4, `probB of pair ${p}`);
    });
    console.log(
      `${name}: max |Δ| decision ${maxDecision.toExponential(1)} (rel), ` +
        `probability ${maxProbability.toExponential(1)}`,
    );
    assert.ok(maxDecision < DECISION_RTOL, `decision values off by ${maxDecision}`);
    assert.ok(maxProbability < PROBABILITY_ATOL, `probabilities off by ${maxProbability}`);
  });
}

Deno.test("the reported label is SVC.predict's even where argmax(predict_proba) disagrees", () => {
  const fx = loadFixture("five_overlapping");
  const model = trainSvm(fx.train.vectors, fx.train.labels);
  let disagreements = 0;
  fx.test.forEach((vector, n) => {
    const { label, probability, probabilities } = predictSvm(model, vector);
    const argmax = fx.expected.classes[
      fx.expected.predictProba[n].indexOf(Math.max(...fx.expected.predictProba[n]))
    ];
    assert.equal(label, fx.expected.predict[n]);
    assert.equal(probability, probabilities[label]);
    if (argmax !== label) {
      disagreements++;
      assert.ok(probability < Math.max(...Object.values(probabilities)));
    }
  });
  assert.ok(disagreements > 0, "the fixture should contain such a vector");
});

Deno.test("the Platt folds depend on the seed; the decision values do not", () => {
  const fx = loadFixture("six_unequal");
  const a = trainSvm(fx.train.vectors, fx.train.labels, { seed: fx.seed });
  const b = trainSvm(fx.train.vectors, fx.train.labels, { seed: fx.seed + 1 });
  assert.deepEqual(a.pairs.map((p) => [p.w, p.b]), b.pairs.map((p) => [p.w, p.b]));
  const shift = Math.max(...a.pairs.map((p, k) => Math.abs(p.probA - b.pairs[k].probA)));
  assert.ok(shift > 1e-3, `probA moved by only ${shift}`);
});

Deno.test("probabilities are in [0, 1] and sum to 1; votes sum to k(k-1)/2", () => {
  for (const name of FIXTURES) {
    const fx = loadFixture(name);
    const model = trainSvm(fx.train.vectors, fx.train.labels, { C: fx.C });
    const k = model.classes.length;
    for (const vector of [...fx.test, ...fx.train.vectors]) {
      const { probabilities, votes } = predictSvm(model, vector);
      const values = Object.values(probabilities);
      assert.ok(values.every((p) => p >= 0 && p <= 1));
      assert.ok(Math.abs(values.reduce((s, p) => s + p, 0) - 1) < 1e-12);
      assert.equal(Object.values(votes).reduce((s, v) => s + v, 0), (k * (k - 1)) / 2);
    }
  }
});

Deno.test("training is deterministic: same input, same serialized model", () => {
  const fx = loadFixture("five_overlapping");
  const once = serializeModel(trainSvm(fx.train.vectors, fx.train.labels), META);
  const again = serializeModel(trainSvm(fx.train.vectors, fx.train.labels), META);
  assert.equal(once, again);
});

Deno.test("trainSvm summarises the training set", () => {
  const fx = loadFixture("six_unequal");
  const model = trainSvm(fx.train.vectors, fx.train.labels);
  const counts = model.classes.map((c) => fx.train.labels.filter((l) => l === c).length);
  assert.deepEqual(model.training.perClass, counts);
  assert.equal(model.dim, 128);
  assert.equal(model.C, 1);
  assert.equal(model.seed, DEFAULT_SEED);
  assert.equal(model.pairs.length, 15);
  assert.deepEqual(model.pairs.slice(0, 6).map((p) => [p.i, p.j]), [
    [0, 1],
    [0, 2],
    [0, 3],
    [0, 4],
    [0, 5],
    [1, 2],
  ]);
});

Deno.test("trainSvm refuses fewer than two people and malformed input", () => {
  const v = (x: number) => Float32Array.from({ length: 4 }, (_, d) => (d === 0 ? x : 0.5));
  assert.throws(() => trainSvm([v(1), v(0.9)], ["ann", "ann"]), /need at least 2 people.*"ann"/);
  assert.throws(() => trainSvm([], []), /need at least 2 people/);
  assert.throws(() => trainSvm([v(1)], ["ann", "bob"]), /1 vectors but 2 labels/);
  assert.throws(
    () => trainSvm([v(1), new Float32Array(3)], ["ann", "bob"]),
    /vector 1 has 3 values/,
  );
  assert.throws(() => trainSvm([v(1), v(NaN)], ["ann", "bob"]), /vector 1 \(bob\) is not finite/);
  assert.throws(
    () => trainSvm([v(1), v(0)], ["ann", "bob"], { C: 0 }),
    /C must be a positive number/,
  );
});

Deno.test("two people with one photo each: each photo is classified as its owner", () => {
  const a = Float32Array.from([1, 0, 0]);
  const b = Float32Array.from([0, 1, 0]);
  const model = trainSvm([b, a], ["bob", "ann"]);
  assert.deepEqual(model.classes, ["ann", "bob"]);
  assert.equal(predictSvm(model, a).label, "ann");
  assert.equal(predictSvm(model, b).label, "bob");
  assert.equal(model.training.accuracy, 1);
});
