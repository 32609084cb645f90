import assert from "node:assert/strict";
import {
  MODEL_SCHEMA,
  ModelFileError,
  parseModel,
  serializeModel,
} from "../../src/classify/model_file.ts";
import { predictSvm } from "../../src/classify/predict.ts";
import { trainSvm } from "../../src/classify/train.ts";
import { loadFixture } from "./svm_fixtures.ts";

const META = { embedder: "dlib-resnet-v1", embedderHash: "ab".repeat(32), dim: 128 };
const FILE = "people.svm.json";

const fixture = loadFixture("four_separable");
const model = trainSvm(fixture.train.vectors, fixture.train.labels);
const text = serializeModel(model, META);

/** Parses `text` after `edit` changed its JSON, and returns the error message. */
// deno-lint-ignore no-explicit-any -- the edits deliberately break the file's types
function failureOf(edit: (data: Record<string, any>) => void): string {
  const data = JSON.parse(text);
  edit(data);
  try {
    parseModel(JSON.stringify(data), FILE);
  } catch (e) {
    assert.ok(e instanceof ModelFileError);
    assert.equal(e.path, FILE);
    return e.message;
  }
  throw new Error("parseModel accepted the edited model");
}

Deno.test("a saved model reads back identical and predicts the same", () => {
  const parsed = parseModel(text, FILE);
  assert.deepEqual(parsed.model, model);
  assert.equal(parsed.embedder, META.embedder);
  assert.equal(parsed.embedderHash, META.embedderHash);
  assert.equal(parsed.dim, 128);
  for (const vector of fixture.test) {
    assert.deepEqual(predictSvm(parsed.model, vector), predictSvm(model, vector));
  }
  assert.equal(serializeModel(parsed.model, META), text);
});

Deno.test("the file is stamped with schema and embedder, one classifier per line", () => {
  const data = JSON.parse(text);
  assert.equal(data.faceprint, "svm");
  assert.equal(data.schema, MODEL_SCHEMA);
  assert.equal(data.embedderHash, META.embedderHash);
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.filter((l) => l.trimStart().startsWith('{"i":')).length, 6);
  assert.ok(text.endsWith("}\n"));
});

Deno.test("truncated or invalid JSON is reported with the file name", () => {
  assert.throws(
    () => parseModel(text.slice(0, text.length / 2), FILE),
    (e: Error) =>
      e instanceof ModelFileError && /^people\.svm\.json: not valid JSON/.test(e.message),
  );
  assert.throws(() => parseModel("", FILE), /people\.svm\.json: not valid JSON/);
});

Deno.test("a model from a newer faceprint is refused as such", () => {
  assert.match(
    failureOf((d) => d.schema = 2),
    /^people\.svm\.json: made by a newer faceprint \(model schema 2; this version reads 1\)/,
  );
  assert.match(failureOf((d) => d.schema = 0), /unsupported model schema 0/);
  assert.match(failureOf((d) => delete d.schema), /"schema" must be a number/);
});

Deno.test("a file that is not a model (e.g. a gallery header) is refused", () => {
  assert.match(failureOf((d) => d.faceprint = "gallery"), /not a faceprint SVM model/);
  assert.throws(() => parseModel("[1, 2]", FILE), /not a faceprint SVM model/);
});

Deno.test("wrong types are named field by field", () => {
  assert.match(failureOf((d) => d.embedder = 7), /"embedder" must be a string, got number/);
  assert.match(failureOf((d) => d.classes = "alice"), /"classes" must be an array/);
  assert.match(failureOf((d) => d.classes[1] = 3), /classes\[1\] must be a string/);
  assert.match(failureOf((d) => d.classes.reverse()), /"classes" must be distinct and sorted/);
  assert.match(failureOf((d) => d.pairs[2].w[5] = "0.1"), /pairs\[2\]\.w\[5\] must be a number/);
  assert.match(failureOf((d) => d.pairs[1].b = undefined), /pairs\[1\]\.b must be a number/);
  assert.match(failureOf((d) => d.pairs.pop()), /"pairs" has 5 entries, expected 6/);
  assert.match(failureOf((d) => d.pairs[0].j = 2), /pairs\[0\] must be the classifier \(0, 1\)/);
  assert.match(failureOf((d) => d.training.perClass = [1]), /training\.perClass has 1 entries/);
  assert.match(failureOf((d) => d.seed = -1), /"seed" must be an integer ≥ 0/);
});

Deno.test("NaN and Infinity weights are refused on reading and on writing", () => {
  // JSON.stringify writes NaN and Infinity as null; a hand-edited 1e999 parses as Infinity.
  assert.match(
    failureOf((d) => d.pairs[3].w[17] = NaN),
    /pairs\[3\]\.w\[17\] must be a number, got null/,
  );
  const infinite = text.replace(/"probA":[^,]+/, '"probA":1e999');
  assert.throws(() => parseModel(infinite, FILE), /pairs\[0\]\.probA is not finite \(Infinity\)/);
  const broken = structuredClone(model);
  broken.pairs[0].w[3] = NaN;
  assert.throws(
    () => serializeModel(broken, META),
    /cannot save the model: w\[3\] of pair \(0, 1\) is NaN/,
  );
});

Deno.test("weights of the wrong dimension are refused", () => {
  assert.match(
    failureOf((d) => d.pairs[4].w.pop()),
    /pairs\[4\]\.w has 127 values but "dim" is 128/,
  );
  assert.match(failureOf((d) => d.dim = 512), /pairs\[0\]\.w has 128 values but "dim" is 512/);
  assert.match(failureOf((d) => d.dim = 0), /"dim" must be an integer ≥ 1/);
  assert.throws(
    () => serializeModel(model, { ...META, dim: 512 }),
    /embedder dim 512 but model dim 128/,
  );
});

Deno.test("the gallery's --flip setting is kept in the model file when known", () => {
  const flipped = serializeModel(model, { ...META, flip: true });
  assert.equal(JSON.parse(flipped).flip, true);
  assert.equal(parseModel(flipped, FILE).flip, true);
  assert.equal(parseModel(text, FILE).flip, undefined);
  assert.ok(!("flip" in JSON.parse(text)));
  assert.match(failureOf((d) => d.flip = "yes"), /"flip" must be true or false/);
});
