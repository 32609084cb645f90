/**
 * Enrol → gallery → train → identify / verify / evaluate, as a user runs them (subprocesses with
 * the binary's permissions), on two people cut from the npm sample photos.
 */
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { writeTwoPeople } from "../../tasks/smoke.ts";
import { jsonLines, MAIN, runCli, SAMPLES } from "./run_cli.ts";

const SOURCE = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN];
const sample1 = `${SAMPLES}sample1.jpg`;

/** people/alice and people/bea, 5 crops each, made once for all tests of this file. */
const people = (async () => {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-people-" });
  const crops: [number, number][] = [[0.3, 200], [0.5, 260], [0.8, 320], [0.4, 150], [0.6, 400]];
  const { alice } = await writeTwoPeople(SOURCE, dir, crops);
  return { dir, alice };
})();

/** A fresh work dir with a copy of the people, and gallery/model paths in it. */
async function setup() {
  const { dir, alice } = await people;
  const work = await Deno.makeTempDir({ prefix: "faceprint-test-" });
  for (const person of ["alice", "bea"]) {
    await Deno.mkdir(`${work}/people/${person}`, { recursive: true });
    for (let i = 0; i < 5; i++) {
      await Deno.copyFile(
        `${dir}/${person}/${person}${i}.png`,
        `${work}/people/${person}/${person}${i}.png`,
      );
    }
  }
  return { work, alice, gallery: `${work}/g.jsonl`, model: `${work}/m.json` };
}

Deno.test("gallery: enrol, list, re-enrol skips, remove; broken gallery refused and left intact", async () => {
  const { work, gallery } = await setup();
  const first = await runCli(["enroll", `${work}/people`, "--gallery", gallery]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(jsonLines(first.stdout).map((r) => r.status), Array(10).fill("enrolled"));
  assert.match(first.stderr, />loaded 5 examples for class: alice/);

  const list = await runCli(["gallery", "list", "--gallery", gallery]);
  assert.deepEqual(jsonLines(list.stdout).map((r) => [r.person, r.count]), [["alice", 5], [
    "bea",
    5,
  ]]);

  const again = await runCli([
    "enroll",
    "--name",
    "alice",
    `${work}/people/alice`,
    "--gallery",
    gallery,
  ]);
  assert.equal(again.code, 0);
  assert.deepEqual(jsonLines(again.stdout).map((r) => r.status), Array(5).fill("already-enrolled"));

  const removeFile = await runCli([
    "gallery",
    "remove",
    "--file",
    `${work}/people/bea/bea0.png`,
    "--gallery",
    gallery,
  ]);
  assert.deepEqual(JSON.parse(removeFile.stdout), { removed: 1 });
  const removePerson = await runCli(["gallery", "remove", "bea", "--gallery", gallery]);
  assert.deepEqual(JSON.parse(removePerson.stdout), { removed: 4 });
  const none = await runCli(["gallery", "remove", "bea", "--gallery", gallery]);
  assert.equal(none.code, 1);

  const good = await Deno.readTextFile(gallery);
  const lines = good.split("\n");
  await Deno.writeTextFile(
    gallery,
    lines.slice(0, 2).join("\n") + "\n" + lines[2].slice(0, 40) + "\n",
  );
  const broken = await Deno.readTextFile(gallery);
  const refused = await runCli([
    "enroll",
    "--name",
    "zoe",
    `${work}/people/bea`,
    "--gallery",
    gallery,
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`${gallery}.*line 3`));
  assert.equal(await Deno.readTextFile(gallery), broken, "a refused gallery is not rewritten");
});

Deno.test("train is deterministic; identify names alice in sample1, csv and annotated image", async () => {
  const { work, alice, gallery, model } = await setup();
  assert.equal((await runCli(["enroll", `${work}/people`, "--gallery", gallery])).code, 0);
  const train = await runCli(["train", "--gallery", gallery, "--out", model]);
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stderr, /Accuracy: train=100\.000/);
  const first = await Deno.readTextFile(model);
  await runCli(["train", "--gallery", gallery, "--out", model]);
  assert.equal(await Deno.readTextFile(model), first, "same gallery, same model file");

  const out = `${work}/annotated`;
  const id = await runCli(["identify", sample1, "--gallery", gallery, "--annotate", out]);
  assert.equal(id.code, 0, id.stderr);
  type Face = {
    box: { x: number };
    name: string;
    candidate: string;
    distance: number;
    confidence: number;
    probability?: number;
  };
  const faces = jsonLines<{ faces: Face[] }>(id.stdout)[0].faces;
  assert.equal(faces.length, 3);
  const named = faces.find((f) => Math.abs(f.box.x - alice.x) < 10)!;
  assert.equal(named.name, "alice");
  assert.ok(named.confidence > 0.99, `confidence ${named.confidence}`);
  assert.equal(named.probability, undefined, "nearest method: no SVM probability");
  assert.equal(
    faces.filter((f) => f.name === "alice").length,
    1,
    "the other two women are not alice",
  );
  const annotated = decodeImage(await Deno.readFile(`${out}/sample1.png`));
  assert.deepEqual([annotated.width, annotated.height], [1920, 1280]);

  // --annotate inside the folder being identified, run twice: its output is never read back, and
  // two inputs with one name get two files, named in their records.
  const party = `${work}/party`;
  for (const sub of ["a", "b"]) {
    await Deno.mkdir(`${party}/${sub}`, { recursive: true });
    await Deno.copyFile(sample1, `${party}/${sub}/sample1.jpg`);
  }
  for (const round of [1, 2]) {
    const args = ["identify", party, "--gallery", gallery, "--annotate", `${party}/named`];
    const run = await runCli([...args, "--jobs", "1"]);
    assert.equal(run.code, 0, run.stderr);
    const records = jsonLines<{ file: string; annotated: string }>(run.stdout);
    assert.deepEqual(records.map((r) => [r.file, r.annotated]), [
      [`${party}/a/sample1.jpg`, `${party}/named/sample1.png`],
      [`${party}/b/sample1.jpg`, `${party}/named/sample1-2.png`],
    ], `round ${round}`);
    assert.match(run.stderr, /1 skipped: output folder of this run/);
  }

  const svm = await runCli([
    "identify",
    sample1,
    "--method",
    "svm",
    "--model",
    model,
    "--gallery",
    gallery,
  ]);
  assert.equal(svm.code, 0, svm.stderr);
  const svmFaces = jsonLines<{ faces: Face[] }>(svm.stdout)[0].faces;
  assert.deepEqual(svmFaces.map((f) => f.name), faces.map((f) => f.name), "svm agrees");
  assert.ok(svmFaces.find((f) => f.name === "alice")!.probability! > 0.5);

  const csv = await runCli(["identify", sample1, "--gallery", gallery, "-f", "csv"]);
  const rows = csv.stdout.trim().split("\n");
  assert.equal(
    rows[0],
    "file,image_width,image_height,faces,face,name,candidate,distance,confidence,probability," +
      "x,y,width,height,score,reason,annotated,error",
  );
  assert.equal(rows.length, 4);
  assert.ok(
    rows.some((r) => r.startsWith(`${sample1},1920,1280,3,`) && r.split(",")[5] === "alice"),
  );

  const noGallery = await runCli(["identify", sample1, "--model", model]);
  assert.equal(noGallery.code, 2);
  assert.match(noGallery.stderr, /--gallery G is required/);
  const wrongModel = await runCli([
    "identify",
    sample1,
    "--gallery",
    gallery,
    "--method",
    "svm",
    "--model",
    gallery,
  ]);
  assert.equal(wrongModel.code, 2);
  assert.match(wrongModel.stderr, new RegExp(gallery));
});

Deno.test("identify: a person enrolled from one photo is named on another photo, a stranger is unknown", async () => {
  const { work, gallery } = await setup();
  const one = await runCli([
    "enroll",
    "--name",
    "alice",
    `${work}/people/alice/alice0.png`,
    "--gallery",
    gallery,
  ]);
  assert.equal(one.code, 0, one.stderr);
  const again = await runCli([
    "identify",
    `${work}/people/alice/alice3.png`,
    `${work}/people/bea/bea0.png`,
    "--gallery",
    gallery,
  ]);
  assert.equal(again.code, 0, again.stderr);
  const [alice, bea] = jsonLines<{ faces: { name: string; reason?: string }[] }>(again.stdout);
  assert.equal(alice.faces[0].name, "alice");
  assert.equal(bea.faces[0].name, "unknown");
  assert.match(bea.faces[0].reason!, /^distance [\d.]+ > [\d.]+$/);

  await runCli(["enroll", "--name", "bea", `${work}/people/bea/bea0.png`, "--gallery", gallery]);
  const train = await runCli(["train", "--gallery", gallery, "--out", `${work}/m.json`]);
  assert.equal(train.code, 0, train.stderr);
  assert.match(
    train.stderr,
    /2 of 2 people have fewer than 3 photos \(alice, bea\).*--method nearest/,
  );
});

Deno.test("verify: exit 0 same person, 1 different, 2 when an image has no face", async () => {
  const { work } = await setup();
  const same = await runCli([
    "verify",
    `${work}/people/alice/alice0.png`,
    `${work}/people/alice/alice4.png`,
  ]);
  assert.equal(same.code, 0, same.stderr);
  const verdict = JSON.parse(same.stdout);
  assert.equal(verdict.same, true);
  assert.ok(verdict.distance < verdict.threshold);
  const different = await runCli([
    "verify",
    `${work}/people/alice/alice0.png`,
    `${work}/people/bea/bea0.png`,
  ]);
  assert.equal(different.code, 1);
  assert.equal(JSON.parse(different.stdout).same, false);
  const blank = `${work}/blank.png`;
  await Deno.writeFile(
    blank,
    (await import("../../src/image/encode_png.ts")).encodePng({
      width: 64,
      height: 64,
      data: new Uint8Array(64 * 64 * 3).fill(200),
    }),
  );
  const noFace = await runCli(["verify", blank, `${work}/people/bea/bea0.png`]);
  assert.equal(noFace.code, 2);
  assert.match(noFace.stderr, /blank\.png: no face found/);
});

Deno.test("evaluate: the tutorial's accuracy line on train/val folders, and pair metrics", async () => {
  const { work } = await setup();
  for (const person of ["alice", "bea"]) {
    await Deno.mkdir(`${work}/data/train/${person}`, { recursive: true });
    await Deno.mkdir(`${work}/data/val/${person}`, { recursive: true });
    for (let i = 0; i < 5; i++) {
      const split = i < 3 ? "train" : "val";
      await Deno.copyFile(
        `${work}/people/${person}/${person}${i}.png`,
        `${work}/data/${split}/${person}/${i}.png`,
      );
    }
  }
  const report = await runCli(["evaluate", `${work}/data`]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^Accuracy: train=100\.000, test=100\.000$/m);
  assert.match(report.stdout, /Confusion matrix/);
  const json = JSON.parse((await runCli(["evaluate", `${work}/data`, "--json"])).stdout);
  assert.equal(json.valFaces, 4);
  assert.equal(json.testAccuracy, 1);

  const pairs = [
    "a,b,same",
    "alice/alice0.png,alice/alice1.png,1",
    "alice/alice2.png,alice/alice3.png,1",
  ];
  pairs.push(
    "bea/bea0.png,bea/bea1.png,1",
    "alice/alice0.png,bea/bea0.png,0",
    "alice/alice1.png,bea/bea2.png,0",
  );
  await Deno.writeTextFile(`${work}/pairs.csv`, pairs.join("\n") + "\n");
  const verification = await runCli([
    "evaluate",
    "--pairs",
    `${work}/pairs.csv`,
    "--root",
    `${work}/people`,
    "--json",
  ]);
  assert.equal(verification.code, 0, verification.stderr);
  const metrics = JSON.parse(verification.stdout);
  assert.equal(metrics.pairs, 5);
  assert.equal(metrics.rocAuc, 1);
  assert.equal(metrics.accuracyAtThreshold, 1);
});

Deno.test("a dlib gallery keeps working without flags; gallery reembed moves it to the default embedder", async () => {
  const { work, gallery, model } = await setup();
  const alice = `${work}/people/alice/alice0.png`;
  // alice4 is enrolled later, from another folder.
  await Deno.mkdir(`${work}/more/alice`, { recursive: true });
  await Deno.rename(`${work}/people/alice/alice4.png`, `${work}/more/alice/alice4.png`);
  const enroll = await runCli([
    "enroll",
    `${work}/people`,
    "--gallery",
    gallery,
    "--embedder",
    "dlib",
  ]);
  assert.equal(enroll.code, 0, enroll.stderr);
  const header = JSON.parse((await Deno.readTextFile(gallery)).split("\n")[0]);
  assert.equal(header.embedder, "dlib-resnet-v1");
  assert.equal(header.dim, 128);
  // More photos later, no --embedder: the gallery's own embedder is used.
  const more = await runCli(["enroll", `${work}/more`, "--gallery", gallery]);
  assert.equal(more.code, 0, more.stderr);
  const train = await runCli(["train", "--gallery", gallery, "--out", model]);
  assert.equal(train.code, 0, train.stderr);
  const id = await runCli(["identify", alice, "--model", model, "--gallery", gallery]);
  assert.equal(id.code, 0, id.stderr);
  assert.equal(jsonLines<{ faces: { name: string }[] }>(id.stdout)[0].faces[0].name, "alice");
  // An explicit other embedder is refused with what to do.
  const mixed = await runCli([
    "enroll",
    `${work}/more`,
    "--gallery",
    gallery,
    "--embedder",
    "fused",
  ]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /made with embedder dlib-resnet-v1 .* 'faceprint gallery reembed'/);

  // A record whose image is gone keeps the gallery as it is, unless --drop-missing.
  await Deno.remove(`${work}/more/alice/alice4.png`);
  const before = await Deno.readTextFile(gallery);
  const refused = await runCli(["gallery", "reembed", "--gallery", gallery]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(await Deno.readTextFile(gallery), before);
  const statuses = jsonLines<{ status: string }>(refused.stdout).map((r) => r.status);
  assert.deepEqual(statuses.toSorted(), [...Array(9).fill("reembedded"), "missing"].toSorted());
  assert.match(refused.stderr, /1 of 10 records could not be re-embedded/);
  // The second run resumes from the saved progress and drops the missing record.
  const moved = await runCli(["gallery", "reembed", "--gallery", gallery, "--drop-missing"]);
  assert.equal(moved.code, 1, moved.stderr);
  const done = jsonLines<{ status: string }>(moved.stdout).map((r) => r.status);
  assert.equal(done.filter((s) => s === "done-before").length, 9);
  const after = (await Deno.readTextFile(gallery)).trim().split("\n");
  assert.equal(JSON.parse(after[0]).embedder, "fused-v1");
  assert.equal(after.length, 10);
  await assert.rejects(Deno.stat(`${gallery}.reembed-partial`), Deno.errors.NotFound);
  // The old model is refused with the flag to use; retrained, the fused gallery names alice.
  const old = await runCli(["identify", alice, "--model", model, "--gallery", gallery]);
  assert.equal(old.code, 2);
  assert.match(
    old.stderr,
    /embedder dlib-resnet-v1 and .* with fused-v1: they do not belong together/,
  );
  assert.equal((await runCli(["train", "--gallery", gallery, "--out", model])).code, 0);
  const fused = await runCli(["identify", alice, "--model", model, "--gallery", gallery]);
  assert.equal(jsonLines<{ faces: { name: string }[] }>(fused.stdout)[0].faces[0].name, "alice");
});
