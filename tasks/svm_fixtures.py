#!/usr/bin/python3
"""Writes tests/fixtures/svm/*.json: small embedding-like sets with scikit-learn's SVC outputs.

Run with Debian's python3-sklearn (apt-get install -y python3-sklearn), from the repo root:

    /usr/bin/python3 tasks/svm_fixtures.py

Each set has 128-d unit vectors (float32) clustered per class. Vectors are stored as base64 of
little-endian float32 so both sides train on exactly the same numbers. For the test vectors the
file records SVC(kernel="linear", probability=True, random_state=0)'s predict, decision_function
(decision_function_shape="ovo"; for two classes scikit-learn returns one column with the sign
flipped, positive meaning classes_[1]), predict_proba, coef_, intercept_, probA_, probB_, and the
seed scikit-learn hands to libsvm (rnd.randint(np.iinfo("i").max) with rnd = RandomState(0)),
which seeds libsvm's mt19937 for the cross-validation shuffle of the Platt fits.
"""

import base64
import json
import os

import numpy as np
import sklearn
from sklearn.svm import SVC

DIM = 128
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "svm")


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def b64(vectors):
    return [base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode("ascii") for v in vectors]


def r7(a):
    """Rounds to 7 significant digits (nested lists)."""
    return json.loads(json.dumps(np.asarray(a, dtype=np.float64).tolist(),
                                 default=float), parse_float=lambda s: float("%.7g" % float(s)))


def make_set(rng, names, train_counts, test_counts, spread, center_pull=0.0, mixtures=0):
    """Class centers are random unit vectors (optionally pulled towards a common one so classes
    overlap); samples are unit(center + spread * gaussian / sqrt(DIM))."""
    common = unit(rng.standard_normal(DIM))
    centers = unit(unit(rng.standard_normal((len(names), DIM))) + center_pull * common)

    def sample(c, n):
        return unit(centers[c] + spread * rng.standard_normal((n, DIM)) / np.sqrt(DIM))

    xs, ys = [], []
    for c, n in enumerate(train_counts):
        xs.extend(sample(c, n))
        ys.extend([names[c]] * n)
    order = rng.permutation(len(xs))  # interleave the classes, as a gallery would be
    x_train = np.array([xs[k] for k in order], dtype=np.float32)
    y_train = [ys[k] for k in order]

    tx = []
    for c, n in enumerate(test_counts):
        tx.extend(sample(c, n))
    for _ in range(mixtures):  # points between two people: where predict and argmax(proba) can differ
        a, b = rng.choice(len(names), 2, replace=False)
        w = rng.uniform(0.35, 0.65)
        tx.append(unit(w * centers[a] + (1 - w) * centers[b] + 0.3 * spread *
                       rng.standard_normal(DIM) / np.sqrt(DIM)))
    x_test = np.array(tx, dtype=np.float32)
    return x_train, y_train, x_test


def write_fixture(name, description, x_train, y_train, x_test, C=1.0):
    clf = SVC(kernel="linear", C=C, probability=True, random_state=0,
              decision_function_shape="ovo")
    clf.fit(x_train, y_train)
    seed = int(np.random.RandomState(0).randint(np.iinfo("i").max))
    proba = clf.predict_proba(x_test)
    pred = clf.predict(x_test)
    fixture = {
        "description": description,
        "sklearn": sklearn.__version__,
        "C": C,
        "seed": seed,
        "train": {"labels": list(y_train), "vectors": b64(x_train)},
        "test": {"vectors": b64(x_test)},
        "expected": {
            "classes": [str(c) for c in clf.classes_],
            "predict": [str(p) for p in pred],
            "decisionFunction": r7(clf.decision_function(x_test)),
            "predictProba": r7(proba),
            "coef": r7(clf.coef_),
            "intercept": r7(clf.intercept_),
            "probA": r7(clf.probA_),
            "probB": r7(clf.probB_),
            "nSupport": [int(n) for n in clf.n_support_],
            "trainAccuracy": float(clf.score(x_train, y_train)),
        },
    }
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    disagree = int(np.sum(clf.classes_[np.argmax(proba, axis=1)] != pred))
    print(f"{path}: {len(y_train)} train, {len(x_test)} test, {len(clf.classes_)} classes, "
          f"{os.path.getsize(path)} bytes, predict != argmax(proba) on {disagree}")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240501)

    names4 = ["alice", "bob", "carol", "dave"]
    x, y, t = make_set(rng, names4, [10, 12, 8, 11], [3, 3, 3, 3], spread=0.9)
    write_fixture("four_separable", "4 well separated people, 8-12 photos each", x, y, t)

    # Mixed case and accents: scikit-learn sorts classes by code point ("Zoë" < "ann").
    names6 = ["ann", "Zoë", "émile", "Bo", "carl", "dora"]
    x, y, t = make_set(rng, names6, [5, 20, 9, 14, 7, 12], [3, 3, 3, 3, 2, 2], spread=1.2,
                       center_pull=0.8, mixtures=4)
    write_fixture("six_unequal", "6 people, 5-20 photos each, moderately close", x, y, t)

    names5 = ["p1", "p2", "p3", "p4", "p5"]
    x, y, t = make_set(rng, names5, [5, 20, 12, 7, 15], [2, 3, 2, 2, 2], spread=2.2,
                       center_pull=2.5, mixtures=6)
    write_fixture("five_overlapping",
                  "5 heavily overlapping people (not separable at C=1: bounded SVs), unequal sizes",
                  x, y, t)

    x, y, t = make_set(rng, ["x", "y"], [6, 18], [4, 4], spread=2.0, center_pull=2.0,
                       mixtures=4)
    write_fixture("two_overlapping", "2 overlapping people, 6 vs 18 photos", x, y, t)

    x, y, t = make_set(rng, ["m", "n", "o"], [9, 6, 13], [3, 3, 3], spread=1.8, center_pull=1.5,
                       mixtures=3)
    write_fixture("three_c10", "3 overlapping people, C=10", x, y, t, C=10.0)


if __name__ == "__main__":
    main()
