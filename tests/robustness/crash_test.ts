/**
 * Crash safety of the files faceprint writes, through the CLI: `enroll` and `train --out` killed
 * with SIGKILL mid-write leave the old or a new complete file; two `enroll` runs on one gallery
 * lose nothing; corrupted galleries and models stop `train` and `identify` with exit 2 and a
 * message naming the file, which is left untouched.
 */
import assert from "node:assert/strict";
import { parseModel } from "../../src/classify/model_file.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { resizeBilinear } from "../../src/image/resize.ts";
import { encodeEmbedding, writeGallery } from "../../src/gallery/mod.ts";
import { parseGallery } from "../../src/gallery/format.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { syntheticGallery } from "../gallery/helpers.ts";
import { jsonLines, runCli } from "../cli/run_cli.ts";
import { cropImage, samplePhoto, withTempDir } from "./helpers.ts";

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** Face centres (x, y) and sizes in the npm samples, one person each. */
const PEOPLE: Record<string, { file: string; x: number; y: number; size: number }> = {
  ann: { file: "sample1.jpg", x: 505, y: 475, size: 200 },
  bea: { file: "sample1.jpg", x: 935, y: 540, size: 200 },
  cat: { file: "sample1.jpg", x: 1580, y: 320, size: 200 },
  dee: { file: "sample3.jpg", x: 1174, y: 355, size: 240 },
};
const PER_PERSON = 3;

/** Writes DIR/<person>/<n>.png: the person's face cropped at three framings, 150 px wide. */
async function writeDataset(dir: string, people: string[]): Promise<void> {
  for (const person of people) {
    const { file, x, y, size } = PEOPLE[person];
    await Deno.mkdir(`${dir}/${person}`, { recursive: true });
    for (let n = 0; n < PER_PERSON; n++) {
      const side = Math.round(size * (1.5 + 0.2 * n));
      const dx = (n - 1) * Math.round(size / 12);
      const crop = cropImage(
        samplePhoto(file),
        x - side / 2 + dx,
        y - side * 0.6,
        side,
        Math.round(side * 1.2),
      );
      await Deno.writeFile(`${dir}/${person}/${n}.png`, encodePng(resizeBilinear(crop, 150, 180)));
    }
  }
}

/**
 * A wrapper that runs the real CLI (src/main.ts) with file writes slowed to 512 bytes per call,
 * 4 ms apart, so a kill can land while a gallery or model is being written.
 */
const SLOW_WRITES = `
import { main } from "${new URL("../../src/main.ts", import.meta.url).href}";
const write = Deno.FsFile.prototype.write;
Deno.FsFile.prototype.write = async function (bytes) {
  await new Promise((resolve) => setTimeout(resolve, 4));
  return write.call(this, bytes.subarray(0, 512));
};
Deno.exit(await main(Deno.args));
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Temp files of an atomic write in progress: `.<name>.<id>.tmp` beside the target. */
async function tempFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".tmp")) names.push(entry.name);
  }
  return names;
}

/**
 * Starts `faceprint ...args` (writes slowed) and SIGKILLs it `delayMs` after a temp file first
 * appears in `watchDir` (or after `delayMs` from the start when `midWrite` is false). Returns
 * whether the process was killed before finishing.
 */
async function killDuring(
  dir: string,
  args: string[],
  options: { watchDir: string; delayMs: number; midWrite: boolean },
): Promise<boolean> {
  const script = `${dir}/slow_writes.ts`;
  await Deno.writeTextFile(script, SLOW_WRITES);
  const before = new Set(await tempFiles(options.watchDir));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", CONFIG, ...RUN_FLAGS, script, ...args],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let finished = false;
  const status = child.status.then((s) => {
    finished = true;
    return s;
  });
  if (options.midWrite) {
    const deadline = Date.now() + 60_000;
    while (!finished && Date.now() < deadline) {
      if ((await tempFiles(options.watchDir)).some((name) => !before.has(name))) break;
      await sleep(2);
    }
  }
  await Promise.race([sleep(options.delayMs), status]);
  if (!finished) child.kill("SIGKILL");
  return (await status).signal === "SIGKILL";
}

/** The people in a gallery file with their record counts, or null when there is no file. */
async function peopleIn(path: string): Promise<Map<string, number> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const header = JSON.parse(text.slice(0, text.indexOf("\n")));
  const gallery = parseGallery(text, path, header); // throws on any torn or invalid line
  const people = new Map<string, number>();
  for (const r of gallery.records) people.set(r.person, (people.get(r.person) ?? 0) + 1);
  return people;
}

Deno.test("enroll SIGKILLed at any moment leaves the old or a newer complete gallery", () =>
  withTempDir(async (dir) => {
    const people = ["ann", "bea", "cat"];
    await writeDataset(`${dir}/data`, people);
    const gallery = `${dir}/faces.jsonl`;
    const args = ["enroll", `${dir}/data`, "--gallery", gallery];
    let previous = 0;
    let killedMidWrite = 0;
    const rounds = [
      { delayMs: 0, midWrite: true },
      { delayMs: 25, midWrite: true },
      { delayMs: 700, midWrite: false }, // while models load or faces are embedded
      { delayMs: 60, midWrite: true },
      { delayMs: 0, midWrite: true },
    ];
    for (const round of rounds) {
      const killed = await killDuring(dir, args, { watchDir: dir, ...round });
      const temps = await tempFiles(dir);
      if (killed && temps.length) killedMidWrite++;
      // Whatever the moment, the file is a valid gallery holding whole people, in enrolment
      // order (each person is saved at once), never fewer than before the kill.
      const found = await peopleIn(gallery);
      const present = [...(found?.keys() ?? [])].sort();
      assert.deepEqual(present, people.slice(0, present.length));
      for (const count of found?.values() ?? []) assert.equal(count, PER_PERSON);
      assert.ok(present.length >= previous, "no person lost");
      previous = present.length;
      // A kill inside the save leaves the lock and a temp file: the next run takes the lock over
      // (its holder is gone) and its write sweeps the dead writer's temp file.
    }
    assert.ok(killedMidWrite >= 2, `${killedMidWrite} kills landed mid-write`);
    await sleep(2100); // temp files younger than 2 s might be a live writer's: never swept
    const { code, stdout, stderr } = await runCli(args);
    assert.equal(code, 0, stderr);
    assert.deepEqual(await tempFiles(dir), [], "no temp file left behind");
    await assert.rejects(Deno.stat(`${gallery}.lock`), Deno.errors.NotFound);
    const statuses = jsonLines<{ status: string }>(stdout).map((r) => r.status);
    assert.equal(statuses.length, people.length * PER_PERSON);
    assert.deepEqual(await peopleIn(gallery), new Map(people.map((p) => [p, PER_PERSON])));
  }));

Deno.test("train --out SIGKILLed while writing leaves the old or the new model, never a torn one", () =>
  withTempDir(async (dir) => {
    const small = `${dir}/small.jsonl`, large = `${dir}/large.jsonl`, model = `${dir}/model.json`;
    const two = syntheticGallery(1, 40);
    two.records = two.records.filter((r) => r.person === "person-0" || r.person === "person-1");
    await writeGallery(small, two);
    await writeGallery(large, syntheticGallery(2, 60)); // 7 people: a model 21x the size
    assert.equal((await runCli(["train", "--gallery", small, "--out", model])).code, 0);
    const classes = new Set<number>();
    let killed = 0;
    // About 110 slowed writes: the first three delays land inside the write, the last after it.
    for (const delayMs of [0, 40, 150, 5000]) {
      if (
        await killDuring(dir, ["train", "--gallery", large, "--out", model], {
          watchDir: dir,
          delayMs,
          midWrite: true,
        })
      ) {
        killed++;
      }
      const parsed = parseModel(await Deno.readTextFile(model), model); // throws if torn
      classes.add(parsed.model.classes.length);
      if (parsed.model.classes.length === 7) {
        // A new model was completed: go back to the old one so the next kill replaces it again.
        assert.equal((await runCli(["train", "--gallery", small, "--out", model])).code, 0);
      }
      for (const temp of await tempFiles(dir)) await Deno.remove(`${dir}/${temp}`);
    }
    assert.ok(killed >= 2, `${killed} kills landed before the write finished`);
    assert.deepEqual(
      [...classes].sort(),
      [2, 7],
      "old model after kills, new one after a finished run",
    );
  }));

/**
 * A real gallery (4 people × 3 faces, enrolled by two concurrent runs with the dlib embedder, whose
 * 128 values the corruption cases below spell out) and a model trained on it.
 */
let enrolled: Promise<{ dir: string; gallery: string; model: string; probe: string }> | null = null;

function enrolledConcurrently() {
  enrolled ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "faceprint-robust-enrolled-" });
    // Shared by the tests below, whichever of them run: removed when this test module ends.
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    await writeDataset(`${dir}/one`, ["ann", "bea"]);
    await writeDataset(`${dir}/two`, ["cat", "dee"]);
    const gallery = `${dir}/faces.jsonl`;
    const runs = await Promise.all([
      runCli(["enroll", `${dir}/one`, "--gallery", gallery, "--embedder", "dlib"]),
      runCli(["enroll", `${dir}/two`, "--gallery", gallery, "--embedder", "dlib"]),
    ]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const model = `${dir}/model.json`;
    const trained = await runCli(["train", "--gallery", gallery, "--out", model]);
    assert.equal(trained.code, 0, trained.stderr);
    return { dir, gallery, model, probe: `${dir}/one/ann/1.png` };
  })();
  return enrolled;
}

Deno.test("two enroll runs on the same gallery at once: every record kept", async () => {
  const { gallery } = await enrolledConcurrently();
  assert.deepEqual(
    await peopleIn(gallery),
    new Map([["ann", PER_PERSON], ["bea", PER_PERSON], ["cat", PER_PERSON], ["dee", PER_PERSON]]),
  );
  assert.deepEqual(await tempFiles(gallery.slice(0, gallery.lastIndexOf("/"))), []);
});

/** Replaces line `n` (1-based) of `text` with `edit(line)`. */
function editLine(text: string, n: number, edit: (line: string) => string): string {
  const lines = text.split("\n");
  const line = edit(lines[n - 1]);
  assert.notEqual(line, lines[n - 1], `line ${n} was edited`);
  lines[n - 1] = line;
  return lines.join("\n");
}

function withEmbedding(line: string, values: number[]): string {
  const record = JSON.parse(line);
  record.embedding = encodeEmbedding(new Float32Array(values));
  return JSON.stringify(record);
}

Deno.test("corrupted gallery files stop train and identify with exit 2, naming the file, untouched", async () => {
  const { dir, gallery, model, probe } = await enrolledConcurrently();
  const good = await Deno.readTextFile(gallery);
  const unit = Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 0));
  const cases: Record<string, [string, RegExp]> = {
    truncated: [
      good.slice(0, good.length - 300),
      /line 13: not valid JSON \(truncated or corrupted line\)/,
    ],
    "wrong-type": [
      editLine(good, 3, (l) => l.replace(/"faces":(\d+)/, '"faces":"$1"')),
      /line 3: field "faces" must be a positive integer/,
    ],
    nan: [
      editLine(good, 4, (l) => withEmbedding(l, unit.map((v, i) => (i === 5 ? NaN : v)))),
      /line 4: embedding value 5 is NaN/,
    ],
    "wrong-dim": [
      editLine(good, 5, (l) => withEmbedding(l, unit.slice(1))),
      /line 5: embedding has 127 values, expected 128/,
    ],
    "header-dim": [
      good.replace('"dim":128', '"dim":64'),
      /line 2: embedding has 128 values, expected 64/,
    ],
  };
  for (const [name, [text, problem]] of Object.entries(cases)) {
    const path = `${dir}/${name}.jsonl`;
    await Deno.writeTextFile(path, text);
    const out = `${dir}/${name}.model.json`;
    const train = await runCli(["train", "--gallery", path, "--out", out]);
    assert.equal(train.code, 2, name);
    assert.match(
      train.stderr,
      new RegExp(`^faceprint: train: gallery ${path} ${problem.source}\\n$`),
      name,
    );
    assert.equal(train.stdout, "");
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound, `${name}: no model written`);
    assert.equal(await Deno.readTextFile(path), text, `${name}: gallery untouched`);
  }
  // identify reads the gallery with the embedder's own stamp: a dim mismatch is named as such.
  const path = `${dir}/header-dim.jsonl`;
  const identify = await runCli(["identify", probe, "--model", model, "--gallery", path]);
  assert.equal(identify.code, 2);
  assert.match(
    identify.stderr,
    new RegExp(
      `gallery ${path} line 1: embeddings have 64 values; embedder dlib-resnet-v1 gives 128`,
    ),
  );
  assert.equal(identify.stdout, "");
});

Deno.test("corrupted model files stop identify with exit 2, naming the file, untouched", async () => {
  const { dir, gallery, model, probe } = await enrolledConcurrently();
  const good = await Deno.readTextFile(model);
  /** The model with `edit` applied to its parsed JSON. */
  const edited = (edit: (m: { C: unknown; pairs: { w: unknown[] }[] }) => void) => {
    const json = JSON.parse(good);
    edit(json);
    return JSON.stringify(json, null, 2);
  };
  const cases: Record<string, [string, RegExp]> = {
    truncated: [
      good.slice(0, Math.floor(good.length / 2)),
      /not valid JSON \(truncated or corrupted\?\)/,
    ],
    "wrong-type": [
      edited((m) => m.C = String(m.C)),
      /"C" must be a number, got the string "[\d.]+"/,
    ],
    nan: [
      edited((m) => m.pairs[0].w[0] = null), // what JSON.stringify writes for NaN
      /pairs\[0\]\.w\[0\] must be a number, got null \(a NaN or Infinity when it was written\?\)/,
    ],
    "wrong-dim": [
      edited((m) => m.pairs[0].w.pop()),
      /pairs\[0\]\.w has 127 values but "dim" is 128/,
    ],
  };
  for (const [name, [text, problem]] of Object.entries(cases)) {
    const path = `${dir}/${name}.model.json`;
    await Deno.writeTextFile(path, text);
    const { code, stdout, stderr } = await runCli([
      "identify",
      probe,
      "--method",
      "svm",
      "--model",
      path,
      "--gallery",
      gallery,
    ]);
    assert.equal(code, 2, name);
    assert.match(stderr, new RegExp(`^faceprint: identify: ${path}: ${problem.source}`), name);
    assert.equal(stdout, "");
    assert.equal(await Deno.readTextFile(path), text, `${name}: model untouched`);
  }
  // The intact files still work together: the SVM's best guess for the probe is ann.
  const ok = await runCli([
    "identify",
    probe,
    "--method",
    "svm",
    "--model",
    model,
    "--gallery",
    gallery,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    jsonLines<{ faces: { candidate: string }[] }>(ok.stdout)[0].faces[0].candidate,
    "ann",
  );
});
