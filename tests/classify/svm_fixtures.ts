/** Loads tests/fixtures/svm/*.json (written by tasks/svm_fixtures.py with scikit-learn). */

/** Names of the committed fixtures. */
export const FIXTURES = [
  "four_separable",
  "six_unequal",
  "five_overlapping",
  "two_overlapping",
  "three_c10",
] as const;

/** One fixture: training set, test vectors and what scikit-learn's SVC said about them. */
export interface SvmFixture {
  description: string;
  C: number;
  /** The seed scikit-learn gave libsvm for SVC(random_state=0). */
  seed: number;
  train: { vectors: Float32Array[]; labels: string[] };
  test: Float32Array[];
  expected: {
    classes: string[];
    predict: string[];
    /** decision_function, shape "ovo"; for two classes one column, sign flipped (> 0: classes[1]). */
    decisionFunction: number[][] | number[];
    predictProba: number[][];
    coef: number[][];
    intercept: number[];
    probA: number[];
    probB: number[];
    trainAccuracy: number;
  };
}

function decodeFloat32(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/** Reads one fixture by name. */
export function loadFixture(name: string): SvmFixture {
  const url = new URL(`../fixtures/svm/${name}.json`, import.meta.url);
  const raw = JSON.parse(Deno.readTextFileSync(url));
  return {
    description: raw.description,
    C: raw.C,
    seed: raw.seed,
    train: { vectors: raw.train.vectors.map(decodeFloat32), labels: raw.train.labels },
    test: raw.test.vectors.map(decodeFloat32),
    expected: raw.expected,
  };
}

/** scikit-learn's decision values for test vector n in our orientation (> 0 favours pair.i). */
export function expectedDecision(fixture: SvmFixture, n: number): number[] {
  const row = fixture.expected.decisionFunction[n];
  return typeof row === "number" ? [-row] : row;
}
