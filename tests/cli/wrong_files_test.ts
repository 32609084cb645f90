/**
 * A model and a gallery that do not belong together, or given the wrong way round, are named for
 * what they are, with what to do; never "corrupted", never a silent run of unknowns.
 */
import assert from "node:assert/strict";
import { runCli, SAMPLES } from "./run_cli.ts";
import { peopleDir } from "./people.ts";

const DLIB = ["--embedder", "dlib"];

/** g.jsonl (alice and bea) and m.json trained on it, plus b.jsonl with bea only. */
const files = (async () => {
  const work = await peopleDir(3);
  const g = `${work}/g.jsonl`, m = `${work}/m.json`, b = `${work}/b.jsonl`;
  const enrolled = await runCli(["enroll", `${work}/people`, "--gallery", g, ...DLIB]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const trained = await runCli(["train", "--gallery", g, "--out", m]);
  assert.equal(trained.code, 0, trained.stderr);
  const bea = await runCli([
    "enroll",
    "--name",
    "bea",
    `${work}/people/bea`,
    "--gallery",
    b,
    ...DLIB,
  ]);
  assert.equal(bea.code, 0, bea.stderr);
  return { work, g, m, b };
})();

Deno.test("--model and --gallery swapped: each file named for what it is", async () => {
  const { g, m } = await files;
  const swapped = await runCli(["identify", `${SAMPLES}sample1.jpg`, "--model", g, "--gallery", m]);
  assert.equal(swapped.code, 2);
  assert.match(
    swapped.stderr,
    /g\.jsonl is a gallery, not a model: give it with --gallery \(and the model with --model\)/,
  );
  assert.doesNotMatch(swapped.stderr, /corrupt|truncated/);
  const train = await runCli(["train", "--gallery", m, "--out", `${m}.2`]);
  assert.equal(train.code, 2);
  assert.match(train.stderr, /m\.json is a model, not a gallery: give it with --model/);
  const enroll = await runCli(["enroll", "--name", "x", `${SAMPLES}sample1.jpg`, "--gallery", m]);
  assert.equal(enroll.code, 2);
  assert.match(enroll.stderr, /m\.json is a model, not a gallery/);
  const overwrite = await runCli(["train", "--gallery", g, "--out", g]);
  assert.equal(overwrite.code, 2);
  assert.match(overwrite.stderr, /g\.jsonl is a gallery: --out would overwrite it/);
});

Deno.test("a gallery missing some of the model's people is named; one with none of them is refused", async () => {
  const { work, m, b } = await files;
  const image = `${SAMPLES}sample6.jpg`;
  const svm = ["--method", "svm"];
  const partial = await runCli(["identify", image, "--model", m, "--gallery", b, ...svm]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(partial.stderr, /b\.jsonl lacks 1 of the people of .*m\.json: alice;/);

  const other = `${work}/other.jsonl`;
  const carol = await runCli([
    "enroll",
    "--name",
    "carol",
    `${work}/people/alice`,
    "--gallery",
    other,
    ...DLIB,
  ]);
  assert.equal(carol.code, 0, carol.stderr);
  const foreign = await runCli(["identify", image, "--model", m, "--gallery", other, ...svm]);
  assert.equal(foreign.code, 2);
  assert.match(
    foreign.stderr,
    /other\.jsonl has none of the 2 people of .*m\.json \(alice, bea\): give the gallery the model was trained on/,
  );
  assert.equal(foreign.stdout, "");
});
