/**
 * Batch runs as scripts drive them, through the CLI with the binary's permissions: a `find` list
 * streamed in with `--files-from -`, killed twice with SIGKILL and resumed with `--resume`, ends
 * with every image answered exactly once; two `--shard`s run by GNU parallel add up to the single
 * run; output folders are not read back as input and colliding output names are recorded; what a
 * walk skips is said on stderr; `gallery export` gives the gallery's exact embeddings.
 */
import assert from "node:assert/strict";
import { encodePng } from "../../src/image/encode_png.ts";
import { resizeBilinear } from "../../src/image/resize.ts";
import { readGallery } from "../../src/gallery/store.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { writeIco } from "../image/builders.ts";
import { cropImage, samplePhoto } from "../robustness/helpers.ts";
import { jsonLines, MAIN, runCli, SAMPLES } from "./run_cli.ts";

const SAMPLE_NAMES = ["sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg", "sample5.jpg"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-pipes-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `dir/photos/<a|b|c>/sampleN.jpg`: the npm samples three times over (15 images). */
async function writePhotos(dir: string, folders = ["a", "b", "c"]): Promise<string[]> {
  const paths: string[] = [];
  for (const folder of folders) {
    await Deno.mkdir(`${dir}/photos/${folder}`, { recursive: true });
    for (const name of SAMPLE_NAMES) {
      await Deno.copyFile(`${SAMPLES}${name}`, `${dir}/photos/${folder}/${name}`);
      paths.push(`photos/${folder}/${name}`);
    }
  }
  return paths;
}

/** Complete lines in `path` (0 when missing). */
async function linesIn(path: string): Promise<number> {
  try {
    return (await Deno.readTextFile(path)).split("\n").length - 1;
  } catch {
    return 0;
  }
}

/**
 * `find photos -name '*.jpg' | faceprint embed --files-from - --resume out.jsonl`, SIGKILLed once
 * `out.jsonl` has `killAt` lines (or run to the end when null). Returns the exit status.
 */
async function findAndEmbed(dir: string, killAt: number | null) {
  const find = new Deno.Command("find", {
    args: ["photos", "-name", "*.jpg"],
    cwd: dir,
    stdout: "piped",
  }).spawn();
  const faceprint = new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, MAIN, "embed", "--embedder", "dlib", "--jobs", "1"]
      .concat(["--files-from", "-", "--resume", "out.jsonl"]),
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const piping = find.stdout.pipeTo(faceprint.stdin).catch(() => {});
  if (killAt !== null) {
    const deadline = Date.now() + 120_000;
    while (await linesIn(`${dir}/out.jsonl`) < killAt && Date.now() < deadline) await sleep(20);
    faceprint.kill("SIGKILL");
  }
  const [result] = await Promise.all([faceprint.output(), find.status, piping]);
  return { ...result, stderr: new TextDecoder().decode(result.stderr) };
}

Deno.test("a streamed find list, SIGKILLed twice and resumed, answers every image exactly once", () =>
  withTempDir(async (dir) => {
    const paths = await writePhotos(dir);
    const first = await findAndEmbed(dir, 3);
    assert.equal(first.signal, "SIGKILL");
    // A record cut short by a kill in the middle of its line.
    await Deno.writeTextFile(`${dir}/out.jsonl`, '{"file":"photos/a/sam', { append: true });
    const second = await findAndEmbed(dir, 8);
    assert.equal(second.signal, "SIGKILL");
    assert.match(second.stderr, /cut off a torn last record/);
    const last = await findAndEmbed(dir, null);
    assert.equal(last.code, 0, last.stderr);
    assert.equal(last.stdout.length, 0, "records go to the resumed file, not stdout");
    assert.match(last.stderr, /(\d+) skipped: already answered in out\.jsonl/);

    const records = jsonLines<{ file: string; faces?: { embedding: number[] }[] }>(
      await Deno.readTextFile(`${dir}/out.jsonl`),
    );
    assert.deepEqual(records.map((r) => r.file).sort(), paths.sort(), "each image exactly once");
    // The three copies of each photo got the same answer, whichever run made it.
    for (const name of SAMPLE_NAMES) {
      const copies = records.filter((r) => r.file.endsWith(`/${name}`));
      assert.ok(copies[0].faces!.length > 0);
      for (const c of copies) assert.deepEqual(c.faces, copies[0].faces, name);
    }
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(`${dir}/out.jsonl`)).mode! & 0o777, 0o600);
    }
  }));

function hasParallel(): boolean {
  try {
    return new Deno.Command("parallel", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const shellQuote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

Deno.test({
  name: "two shards run by GNU parallel from a find -print0 list add up to the single run",
  ignore: !hasParallel() && (console.log(
    "skipped: GNU parallel is not installed (apt-get install -y parallel)",
  ),
    true),
  fn: () =>
    withTempDir(async (dir) => {
      await writePhotos(dir, ["a", "b"]);
      const find = await new Deno.Command("sh", {
        args: ["-c", "find photos -name '*.jpg' -print0 > list0"],
        cwd: dir,
      }).output();
      assert.ok(find.success);
      const faceprint = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN].map(shellQuote).join(" ");
      const detect = `${faceprint} detect --jobs 1 --files-from list0 -0`;
      const run = await new Deno.Command("sh", {
        args: [
          "-c",
          `${detect} > single.jsonl && ` +
          `parallel --will-cite --jobs 2 '${detect.replaceAll("'", `'\\''`)} --shard {}/2 ` +
          `> shard-{}.jsonl' ::: 1 2`,
        ],
        cwd: dir,
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      assert.ok(run.success, new TextDecoder().decode(run.stderr));
      const read = async (name: string) =>
        (await Deno.readTextFile(`${dir}/${name}`)).split("\n").filter(Boolean);
      const [single, one, two] = await Promise.all(
        ["single.jsonl", "shard-1.jsonl", "shard-2.jsonl"].map(read),
      );
      assert.equal(single.length, 10);
      assert.ok(one.length > 0 && two.length > 0, `shards of ${one.length} and ${two.length}`);
      assert.deepEqual([...one, ...two].sort(), [...single].sort(), "disjoint, and their union");
    }),
});

Deno.test("output folders are not walked, colliding crop names are recorded, skips are said", () =>
  withTempDir(async (dir) => {
    const face = resizeBilinear(
      cropImage(samplePhoto("sample1.jpg"), 405, 355, 200, 240),
      160,
      192,
    );
    await Deno.mkdir(`${dir}/in/a`, { recursive: true });
    await Deno.mkdir(`${dir}/in/b`, { recursive: true });
    await Deno.writeFile(`${dir}/in/a/face.png`, encodePng(face));
    await Deno.writeFile(`${dir}/in/b/face.png`, encodePng(face));
    await Deno.writeFile(`${dir}/in/b/icon.ico`, writeIco(encodePng(face), 160, 192));
    await Deno.writeTextFile(`${dir}/in/notes.txt`, "not a photo");
    const args = ["detect", `${dir}/in`, "--crops", `${dir}/in/crops`, "--jobs", "1"];
    for (const round of [1, 2]) {
      const { code, stdout, stderr } = await runCli(args);
      assert.equal(code, 0, stderr);
      const records = jsonLines<{ file: string; faces: { crop?: string }[] }>(stdout);
      assert.deepEqual(
        records.map((r) => r.file.slice(dir.length)),
        ["/in/a/face.png", "/in/b/face.png", "/in/b/icon.ico"],
        `round ${round}: the crops folder is not read back, the .ico is walked`,
      );
      const crops = records.flatMap((r) => r.faces.map((f) => f.crop!));
      assert.equal(crops.length, 3, `one face each in round ${round}`);
      assert.deepEqual(crops.map((c) => c.slice(dir.length)), [
        "/in/crops/face_0.png",
        "/in/crops/face_0-2.png",
        "/in/crops/icon_0.png",
      ]);
      for (const crop of crops) assert.ok((await Deno.stat(crop)).isFile);
      assert.match(stderr, /1 skipped: not an image file \(\.txt\)/);
      if (round === 2) assert.match(stderr, /1 skipped: output folder of this run/);
    }
    await Deno.mkdir(`${dir}/empty`);
    const empty = await runCli(["detect", `${dir}/empty`]);
    assert.equal(empty.code, 1, "nothing at all processed");
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /nothing processed: no image found/);
  }));

Deno.test("enroll says so when images lie directly in DATASET_DIR; gallery export is exact", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/people/ann`, { recursive: true });
    await Deno.mkdir(`${dir}/people/dee`, { recursive: true });
    await Deno.copyFile(`${SAMPLES}sample1.jpg`, `${dir}/people/loose.jpg`);
    await Deno.copyFile(`${SAMPLES}sample2.jpg`, `${dir}/people/ann/1.jpg`);
    await Deno.copyFile(`${SAMPLES}sample4.jpg`, `${dir}/people/dee/1.jpg`);
    const gallery = `${dir}/g.jsonl`;
    const enroll = await runCli(
      ["enroll", `${dir}/people`, "--gallery", gallery, "--embedder", "dlib", "--jobs", "1"],
    );
    assert.equal(enroll.code, 0, enroll.stderr);
    assert.match(enroll.stderr, /1 image directly in the dataset folder, not enrolled/);
    assert.deepEqual(jsonLines<{ person: string }>(enroll.stdout).map((r) => r.person), [
      "ann",
      "dee",
    ]);
    // More photos of a person from a list on stdin.
    const listed = await runCli(
      ["enroll", "--name", "dee", "--files-from", "-", "--gallery", gallery, "--embedder", "dlib"]
        .concat(["--jobs", "1"]),
      { stdin: new TextEncoder().encode(`${SAMPLES}sample5.jpg\n`) },
    );
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(jsonLines(listed.stdout).map((r) => [r.person, r.status]), [
      ["dee", "enrolled"],
    ]);
    const stored = (await readGallery(gallery, await readHeader(gallery))).records;
    assert.deepEqual(stored.map((r) => r.person), ["ann", "dee", "dee"]);

    const csv = await runCli(["gallery", "export", "--gallery", gallery, "--format", "csv"]);
    assert.equal(csv.code, 0, csv.stderr);
    const [header, ...rows] = csv.stdout.trim().split("\n");
    assert.equal(header, "person,file,sha256,x,y,width,height,score,embedding");
    assert.equal(rows.length, stored.length);
    rows.forEach((row, i) => {
      const vector = row.slice(row.indexOf('"[') + 1, -1); // pgvector literal
      assert.ok(row.startsWith(`${stored[i].person},${stored[i].file},${stored[i].sha256},`));
      assert.deepEqual(Float32Array.from(JSON.parse(vector)), stored[i].embedding);
    });

    const npy = await runCli(
      ["gallery", "export", "--gallery", gallery, "--format", "npy", "--out", `${dir}/g.npy`],
    );
    assert.equal(npy.code, 0, npy.stderr);
    const bytes = await Deno.readFile(`${dir}/g.npy`);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    const npyHeader = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    assert.match(npyHeader, /'descr': '<f4', 'fortran_order': False, 'shape': \(3, 128\)/);
    assert.equal((10 + headerLength) % 64, 0);
    const matrix = new Float32Array(bytes.slice(10 + headerLength).buffer);
    assert.deepEqual(matrix.subarray(256, 384), stored[2].embedding);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(`${dir}/g.npy`)).mode! & 0o777, 0o600);
    }
  }));

async function readHeader(path: string) {
  const text = await Deno.readTextFile(path);
  return JSON.parse(text.slice(0, text.indexOf("\n")));
}
