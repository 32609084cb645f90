/**
 * Every command that prints records takes --format jsonl|json|csv, and its CSV carries what its
 * JSON carries, with a row for every input (an image without faces too).
 */
import assert from "node:assert/strict";
import { encodePng } from "../../src/image/encode_png.ts";
import { CSV_HEADER, jsonLines, runCli, SAMPLES } from "./run_cli.ts";
import { peopleDir } from "./people.ts";

const DLIB = ["--embedder", "dlib"];
const sample1 = `${SAMPLES}sample1.jpg`;

/** Parses simple CSV (no quoted commas in these tests) into header and rows of fields. */
function csv(text: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = text.trim().split("\n").map((l) => l.split(","));
  return { header, rows };
}

/** A grey 200x200 PNG: a readable image with no face. */
async function blank(dir: string): Promise<string> {
  const path = `${dir}/blank.png`;
  const data = new Uint8Array(200 * 200 * 3).fill(128);
  await Deno.writeFile(path, encodePng({ width: 200, height: 200, data }));
  return path;
}

/** people → g.jsonl → m.json (alice, bea), made once. */
const trained = (async () => {
  const work = await peopleDir(5);
  const g = `${work}/g.jsonl`, m = `${work}/m.json`;
  assert.equal((await runCli(["enroll", `${work}/people`, "--gallery", g, ...DLIB])).code, 0);
  assert.equal((await runCli(["train", "--gallery", g, "--out", m])).code, 0);
  return { work, g, m };
})();

Deno.test("detect csv: an image without faces still has its row, with faces = 0", async () => {
  const dir = await Deno.makeTempDir();
  const empty = await blank(dir);
  const r = await runCli(["detect", "-f=csv", empty, sample1, "--detector", "blazeface"]);
  assert.equal(r.code, 0, r.stderr);
  const { header, rows } = csv(r.stdout);
  assert.equal(header.join(","), CSV_HEADER);
  assert.deepEqual(rows[0].slice(0, 5), [empty, "200", "200", "0", "0"]);
  assert.ok(rows[0].slice(5).every((f) => f === ""));
  assert.equal(rows.filter((row) => row[0] === sample1).length, 3);
  const landmarks = rows[1].slice(header.indexOf("left_eye_x"), header.indexOf("error"));
  assert.equal(landmarks.filter((v) => Number.isFinite(Number(v)) && v !== "").length, 10);
});

Deno.test("identify csv: face index, name, candidate, distance, confidence, reason per face", async () => {
  const { work, g, m } = await trained;
  const empty = await blank(work);
  const args = ["identify", sample1, empty, "--model", m, "--gallery", g];
  const jsonl = jsonLines(await runCli(args).then((r) => r.stdout));
  const r = await runCli([...args, "--format", "csv"]);
  assert.equal(r.code, 0, r.stderr);
  const { header, rows } = csv(r.stdout);
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  const faces = jsonl[0].faces as Record<string, unknown>[];
  assert.equal(rows.length, faces.length + 1);
  for (const [i, face] of faces.entries()) {
    const row = rows[i];
    assert.equal(col(row, "face"), String(i));
    for (const key of ["name", "candidate", "distance", "confidence", "reason", "score"]) {
      assert.equal(col(row, key), face[key] === undefined ? "" : String(face[key]), key);
    }
  }
  assert.ok(rows.some((row) => col(row, "name") === "alice"));
  assert.deepEqual([col(rows[faces.length], "file"), col(rows[faces.length], "faces")], [
    empty,
    "0",
  ]);
});

Deno.test("train, verify, gallery list/remove take --format json and csv", async () => {
  const { work, g } = await trained;
  const train = await runCli(["train", "--gallery", g, "--out", `${work}/m2.json`, "-f", "csv"]);
  assert.equal(train.code, 0, train.stderr);
  assert.deepEqual(csv(train.stdout).header, [
    "model",
    "person",
    "personFaces",
    "faces",
    "trainAccuracy",
  ]);
  assert.deepEqual(csv(train.stdout).rows.map((r) => [r[1], r[2], r[3]]), [
    ["alice", "5", "10"],
    ["bea", "5", "10"],
  ]);

  const a = `${work}/people/alice/alice0.png`, b = `${work}/people/alice/alice1.png`;
  const verify = await runCli(["verify", a, b, ...DLIB, "--format", "csv"]);
  assert.equal(verify.code, 0, verify.stderr);
  const v = csv(verify.stdout);
  assert.deepEqual(v.header, ["a", "b", "distance", "threshold", "same", "facesA", "facesB"]);
  assert.deepEqual([v.rows[0][0], v.rows[0][4]], [a, "true"]);
  const verifyJson = await runCli(["verify", a, b, ...DLIB, "--format", "json"]);
  assert.equal(JSON.parse(verifyJson.stdout).same, true);

  const list = await runCli(["gallery", "list", "--gallery", g, "--format", "csv"]);
  const l = csv(list.stdout);
  assert.deepEqual(l.header, ["person", "count", "file"]);
  assert.equal(l.rows.length, 10);
  const remove = await runCli(["gallery", "remove", "bea", "--gallery", g, "-f", "csv"]);
  assert.equal(remove.stdout, "removed\n5\n");
  await runCli(["enroll", `${work}/people`, "--gallery", g, ...DLIB]);
});

Deno.test("verify on a group photo says on stderr which face it compared", async () => {
  const r = await runCli(["verify", sample1, `${SAMPLES}sample6.jpg`, ...DLIB]);
  assert.match(r.stderr, /sample1\.jpg: 3 faces, compared the largest \(--pick chooses another\)/);
  assert.match(r.stderr, /sample6\.jpg: 4 faces, compared the largest/);
  const centre = await runCli(["verify", sample1, sample1, ...DLIB, "--pick", "center"]);
  assert.equal(centre.code, 0);
  assert.match(centre.stderr, /3 faces, compared the one nearest the centre/);
});

Deno.test("evaluate: names are never cut in the confusion matrix; --format csv gives a row per val face", async () => {
  const { work } = await trained;
  const names = { alice: "angelina jolie-voight", bea: "bernadette rostenkowski" };
  for (const [person, name] of Object.entries(names)) {
    for (const [split, range] of [["train", [0, 1, 2]], ["val", [3, 4]]] as const) {
      await Deno.mkdir(`${work}/ds/${split}/${name}`, { recursive: true });
      for (const i of range) {
        const file = `${person}${i}.png`;
        await Deno.copyFile(
          `${work}/people/${person}/${file}`,
          `${work}/ds/${split}/${name}/${file}`,
        );
      }
    }
  }
  const text = await runCli(["evaluate", `${work}/ds`, ...DLIB]);
  assert.equal(text.code, 0, text.stderr);
  const matrix = text.stdout.split("Confusion matrix")[1].split("\n");
  assert.match(matrix[1], /^\s+angelina jolie-voight\s+bernadette rostenkowski\s*$/);
  assert.match(matrix[2], /^angelina jolie-voight\s+2\s+0\s*$/);

  const r = await runCli(["evaluate", `${work}/ds`, ...DLIB, "--format", "csv"]);
  assert.equal(r.code, 0, r.stderr);
  const { header, rows } = csv(r.stdout);
  assert.deepEqual(header, ["file", "person", "predicted", "answer", "reason"]);
  assert.equal(rows.length, 4);
  assert.match(r.stderr, /Accuracy: train=100\.000, test=100\.000/);
});
